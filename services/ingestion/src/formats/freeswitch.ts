import type { Disposition } from '@rcp/contracts';
import { checkDialledNumber } from './numbers.js';
import { isoUtc } from './time.js';
import type { ParseResult, Reason, SwitchRecord } from './types.js';

/*
 * FreeSWITCH mod_json_cdr, as it posts (src/mod/event_handlers/mod_json_cdr/mod_json_cdr.c):
 * - `encode` false (the default): the raw JSON document, Content-Type application/json.
 * - `encode` true: the form field `cdr=<URL-encoded JSON>`, Content-Type application/x-www-form-urlencoded.
 * - `encode` base64: `cdr=<base64 JSON>`, Content-Type application/x-www-form-base64-encoded.
 * Independently, `encode-values` (default true) URL-encodes every value of `variables` with switch_url_encode:
 * control and non-ASCII bytes and ` "#%&+:;<=>?@[\]^`{|}` become %XX (space is %20, never '+'). The callflow's
 * caller profiles are never value-encoded. Every posted URL gets `?uuid=<uuid>`.
 */

export type FreeSwitchOptions = {
  /** The switch id (from the API key or configuration); else the CDR's switchname, else its core-uuid. */
  source?: string;
  /**
   * How `variables` values are written. 'auto' (default) recognises encode-values=true by its alphabet: an
   * encoded value never holds a raw character switch_url_encode escapes, while a real CDR in plain form always
   * has some (the '@' of a SIP URI, the ':' of ARRAY::, spaces).
   */
  values?: 'auto' | 'url_encoded' | 'plain';
  /**
   * Accept B-leg CDRs as records of their own. Off by default: mod_json_cdr's log-b-leg is on by default, so
   * both legs of every bridged call arrive, each with its own uuid, and rating both would charge the call twice.
   */
  acceptBLegs?: boolean;
};

export type FreeSwitchDocument = { ok: true; cdr: Record<string, unknown> } | { ok: false; reason: Reason };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isHex(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}

/** Decodes %XX escapes (bytes, then UTF-8); '+' becomes a space only in form encoding. Bad escapes stay as written. */
export function percentDecode(text: string, plusAsSpace: boolean): string {
  if (!text.includes('%') && !(plusAsSpace && text.includes('+'))) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25 && i + 2 < text.length && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === 0x2b && plusAsSpace) {
      bytes.push(0x20);
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      const cp = text.codePointAt(i) ?? c;
      bytes.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
      if (cp > 0xffff) i++;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function parseJsonDocument(text: string): FreeSwitchDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: { code: 'invalid_json', message: `the CDR is not valid JSON: ${error instanceof Error ? error.message : String(error)}` } };
  }
  return isObject(value) ? { ok: true, cdr: value } : { ok: false, reason: { code: 'malformed_body', message: 'the CDR must be a JSON object' } };
}

/** The value of the `cdr` form field: URL-encoded JSON (encode=true) or base64 JSON (encode=base64). */
function decodeCdrField(value: string, alreadyFormDecoded: boolean): FreeSwitchDocument {
  const head = value.trimStart();
  if (head.startsWith('{')) return parseJsonDocument(alreadyFormDecoded ? value : percentDecode(value, true));
  if (!alreadyFormDecoded && head.slice(0, 3).toLowerCase() === '%7b') return parseJsonDocument(percentDecode(value, true));
  // Base64 is posted without URL-encoding; a form decoder upstream has turned its '+' into spaces.
  const b64 = (alreadyFormDecoded ? value.replace(/ /g, '+') : percentDecode(value, false)).replace(/\s+/g, '');
  if (b64 === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) {
    return { ok: false, reason: { code: 'malformed_body', message: 'the cdr form field is neither URL-encoded JSON nor base64 JSON', path: 'cdr' } };
  }
  const decoded = Buffer.from(b64, 'base64').toString('utf8');
  if (!decoded.trimStart().startsWith('{')) {
    return { ok: false, reason: { code: 'malformed_body', message: 'the base64 cdr form field does not hold a JSON document', path: 'cdr' } };
  }
  return parseJsonDocument(decoded);
}

function formField(body: string, name: string): string | null {
  for (const part of body.split('&')) if (part.startsWith(`${name}=`)) return part.slice(name.length + 1);
  return null;
}

/**
 * Reads a mod_json_cdr HTTP body in any of its three encodings: a JSON text, a form body `cdr=...`, a Buffer
 * of either, an already parsed object, or an object `{ cdr: "..." }` from a form parser.
 */
export function decodeFreeSwitchBody(body: unknown): FreeSwitchDocument {
  if (body instanceof Uint8Array) return decodeFreeSwitchBody(Buffer.from(body).toString('utf8'));
  if (typeof body === 'string') {
    const text = body.trim();
    if (text === '') return { ok: false, reason: { code: 'malformed_body', message: 'the body is empty' } };
    if (text.startsWith('{')) return parseJsonDocument(text);
    const field = formField(text, 'cdr');
    if (field !== null) return decodeCdrField(field, false);
    return { ok: false, reason: { code: 'malformed_body', message: 'expected a JSON CDR or a form body cdr=... (mod_json_cdr encode=true or base64)' } };
  }
  if (isObject(body)) {
    if (!('variables' in body) && typeof body.cdr === 'string') return decodeCdrField(body.cdr, true);
    return { ok: true, cdr: body };
  }
  return { ok: false, reason: { code: 'malformed_body', message: `expected a JSON object, got ${Array.isArray(body) ? 'an array' : body === null ? 'null' : typeof body}` } };
}

/** The alphabet of a switch_url_encode'd value: what it never escapes, plus %XX escapes. */
const URL_ENCODED_VALUE = /^(?:[!$'()*,\-./0-9A-Z_a-z~]|%[0-9A-Fa-f]{2})*$/;

export function variablesAreUrlEncoded(variables: Json): boolean {
  for (const value of Object.values(variables)) if (typeof value === 'string' && !URL_ENCODED_VALUE.test(value)) return false;
  return true;
}

/**
 * hangup_cause -> disposition, for a call that was NOT answered. A call with an answer time is 'answered'
 * whatever ended it: a connected call cut by ALLOTTED_TIMEOUT (prepaid credit ran out), MEDIA_TIMEOUT or
 * RECOVERY_ON_TIMER_EXPIRE was still connected for its billsec and is billed.
 */
const UNANSWERED_DISPOSITION: Readonly<Record<string, Disposition>> = {
  USER_BUSY: 'busy',
  NO_ANSWER: 'no_answer',
  NO_USER_RESPONSE: 'no_answer',
  ORIGINATOR_CANCEL: 'no_answer',
};

/**
 * The disposition of a FreeSWITCH call:
 * - answered (answer_epoch > 0) -> 'answered', whatever the hangup cause;
 * - not answered: USER_BUSY -> 'busy'; NO_ANSWER, NO_USER_RESPONSE, ORIGINATOR_CANCEL -> 'no_answer';
 *   every other cause (CALL_REJECTED, UNALLOCATED_NUMBER, NORMAL_TEMPORARY_FAILURE, NORMAL_CLEARING without an
 *   answer, ...) -> 'failed'.
 */
export function freeSwitchDisposition(hangupCause: string, answered: boolean): Disposition {
  if (answered) return 'answered';
  return UNANSWERED_DISPOSITION[hangupCause.trim().toUpperCase()] ?? 'failed';
}

/**
 * The caller profile that carried the call. FreeSWITCH writes the callflow newest first (an array in current
 * versions; repeated "callflow" keys in old ones, of which JSON keeps the last); after a transfer the newest
 * profile, the one with the highest profile_index, is the one that was bridged.
 */
function mainCallerProfile(callflow: unknown): Json | null {
  const flows = Array.isArray(callflow) ? callflow : isObject(callflow) ? [callflow] : [];
  let best: Json | null = null;
  let bestRank = Number.NEGATIVE_INFINITY;
  for (const flow of flows) {
    if (!isObject(flow) || !isObject(flow.caller_profile)) continue;
    const index = Number(flow.profile_index);
    const rank = Number.isFinite(index) ? index : -1;
    if (best === null || rank > bestRank) {
      best = flow.caller_profile;
      bestRank = rank;
    }
  }
  return best;
}

/** A B-leg's caller profile names its originator (the A-leg); an A-leg's names its originatee. */
function isBLeg(callflow: unknown): boolean {
  const flows = Array.isArray(callflow) ? callflow : isObject(callflow) ? [callflow] : [];
  return flows.some((flow) => isObject(flow) && isObject(flow.caller_profile) && isObject(flow.caller_profile.originator));
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

const MAX_EPOCH_SECONDS = 253_402_300_799; // 9999-12-31T23:59:59Z

/**
 * Parses one mod_json_cdr body (see decodeFreeSwitchBody for the accepted shapes) into a SwitchRecord.
 * Times are the *_epoch variables (UTC seconds), billable units `billsec` (else billmsec rounded up),
 * numbers the main caller profile's caller_id_number / destination_number, else the variables.
 * Never throws: a bad body yields `ok: false` with every reason found.
 */
export function parseFreeSwitchJsonCdr(body: unknown, opts: FreeSwitchOptions = {}): ParseResult {
  const original = body instanceof Uint8Array ? Buffer.from(body).toString('utf8') : body;
  const fail = (reasons: Reason[]): ParseResult => ({ ok: false, reasons, original });

  const document = decodeFreeSwitchBody(body);
  if (!document.ok) return fail([document.reason]);
  const cdr = document.cdr;
  if (!isObject(cdr.variables)) return fail([{ code: 'missing_field', message: 'the CDR has no variables object', path: 'variables' }]);
  const variables = cdr.variables;
  if (!opts.acceptBLegs && isBLeg(cdr.callflow)) {
    return fail([
      {
        code: 'b_leg_cdr',
        message: 'this is the B-leg of a bridged call; its A-leg is the CDR that is rated (set log-b-leg=false in json_cdr.conf to stop sending B-legs)',
        path: 'callflow.caller_profile.originator',
      },
    ]);
  }

  const encoded = opts.values === 'url_encoded' || ((opts.values ?? 'auto') === 'auto' && variablesAreUrlEncoded(variables));
  const variable = (name: string): string | undefined => {
    const raw = text(variables[name]);
    const value = raw !== undefined && encoded ? percentDecode(raw, false) : raw;
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const reasons: Reason[] = [];
  const missing = (name: string, what: string) => reasons.push({ code: 'missing_field', message: `the CDR has no ${what}`, path: `variables.${name}` });

  const epoch = (name: string, required: boolean): number | null | undefined => {
    const value = variable(name);
    if (value === undefined) {
      if (required) missing(name, name);
      return required ? undefined : null;
    }
    if (!/^\d+$/.test(value) || Number(value) > MAX_EPOCH_SECONDS) {
      reasons.push({ code: 'invalid_timestamp', message: `${name} "${value}" is not epoch seconds`, path: `variables.${name}` });
      return undefined;
    }
    const seconds = Number(value);
    if (seconds === 0) {
      if (!required) return null; // answer_epoch 0: never answered
      reasons.push({ code: 'invalid_timestamp', message: `${name} is 0`, path: `variables.${name}` });
      return undefined;
    }
    return seconds * 1000;
  };

  const source = opts.source?.trim() || text(cdr.switchname)?.trim() || text(cdr['core-uuid'])?.trim();
  if (!source) reasons.push({ code: 'missing_field', message: 'no source: neither a configured switch id nor the CDR switchname or core-uuid', path: 'switchname' });
  const recordId = variable('uuid');
  if (recordId === undefined) missing('uuid', 'uuid');

  // Required epochs are a number or undefined (with a reason); answer_epoch may also be null (never answered).
  const start = epoch('start_epoch', true) ?? undefined;
  const answer = epoch('answer_epoch', false);
  const end = epoch('end_epoch', true) ?? undefined;

  let billsec: number | undefined;
  const billsecText = variable('billsec');
  const billmsecText = variable('billmsec');
  if (billsecText !== undefined) {
    if (!/^-?\d+$/.test(billsecText)) reasons.push({ code: 'invalid_duration', message: `billsec "${billsecText}" is not a whole number of seconds`, path: 'variables.billsec' });
    else if (Number(billsecText) < 0) reasons.push({ code: 'negative_duration', message: `billsec is negative (${billsecText})`, path: 'variables.billsec' });
    else billsec = Number(billsecText);
  } else if (billmsecText !== undefined) {
    if (!/^-?\d+$/.test(billmsecText)) reasons.push({ code: 'invalid_duration', message: `billmsec "${billmsecText}" is not a whole number`, path: 'variables.billmsec' });
    else if (Number(billmsecText) < 0) reasons.push({ code: 'negative_duration', message: `billmsec is negative (${billmsecText})`, path: 'variables.billmsec' });
    else billsec = Math.ceil(Number(billmsecText) / 1000);
  } else {
    missing('billsec', 'billsec');
  }

  const hangupCause = variable('hangup_cause');
  if (hangupCause === undefined) missing('hangup_cause', 'hangup_cause');

  if (start !== undefined && end !== undefined) {
    if (end < start) reasons.push({ code: 'end_before_start', message: 'end_epoch is before start_epoch', path: 'variables.end_epoch' });
    else if (billsec !== undefined && billsec > (end - start) / 1000 + 1) {
      reasons.push({ code: 'billsec_exceeds_duration', message: `billsec ${billsec} is longer than the call (${(end - start) / 1000} s from start to end)`, path: 'variables.billsec' });
    }
  }
  if (start !== undefined && answer !== undefined && answer !== null && answer < start) {
    reasons.push({ code: 'answer_before_start', message: 'answer_epoch is before start_epoch', path: 'variables.answer_epoch' });
  }
  if (end !== undefined && answer !== undefined && answer !== null && answer > end) {
    reasons.push({ code: 'answer_after_end', message: 'answer_epoch is after end_epoch', path: 'variables.answer_epoch' });
  }
  if (answer === null && billsec !== undefined && billsec > 0) {
    reasons.push({ code: 'inconsistent_answer', message: `billsec is ${billsec} but the call has no answer time (answer_epoch 0 or absent)`, path: 'variables.answer_epoch' });
  }

  const profile = mainCallerProfile(cdr.callflow);
  const pick = (candidates: [string, string | undefined][]): [string, string] | null => {
    for (const [path, value] of candidates) if (value !== undefined && value.trim() !== '') return [path, value.trim()];
    return null;
  };
  const calling = pick([
    ['callflow.caller_profile.caller_id_number', text(profile?.caller_id_number)],
    ['variables.caller_id_number', variable('caller_id_number')],
    ['variables.ani', variable('ani')],
    ['variables.sip_from_user', variable('sip_from_user')],
  ]);
  const called = pick([
    ['callflow.caller_profile.destination_number', text(profile?.destination_number)],
    ['variables.destination_number', variable('destination_number')],
    ['variables.dialed_extension', variable('dialed_extension')],
    ['variables.sip_req_user', variable('sip_req_user')],
    ['variables.sip_to_user', variable('sip_to_user')],
  ]);
  const callingProblem = checkDialledNumber(calling?.[1], 'calling', calling?.[0] ?? 'callflow.caller_profile.caller_id_number');
  if (callingProblem) reasons.push(callingProblem);
  const calledProblem = checkDialledNumber(called?.[1], 'called', called?.[0] ?? 'callflow.caller_profile.destination_number');
  if (calledProblem) reasons.push(calledProblem);

  if (
    reasons.length > 0 ||
    !source ||
    recordId === undefined ||
    start === undefined ||
    answer === undefined ||
    end === undefined ||
    billsec === undefined ||
    hangupCause === undefined ||
    !calling ||
    !called
  ) {
    return fail(reasons);
  }

  // Billing direction, not FreeSWITCH's channel direction (an A-leg is always "inbound" to the switch).
  // call_direction is what FusionPBX-style dialplans set: inbound, outbound or local (a customer's own call).
  const record: SwitchRecord = {
    source,
    recordId,
    accountCode: variable('accountcode') ?? null,
    service: 'voice',
    direction: variable('call_direction')?.toLowerCase() === 'inbound' ? 'inbound' : 'outbound',
    callingNumber: calling[1],
    calledNumber: called[1],
    startTime: isoUtc(start),
    answerTime: answer === null ? null : isoUtc(answer),
    endTime: isoUtc(end),
    billableUnits: billsec,
    disposition: freeSwitchDisposition(hangupCause, answer !== null),
    format: 'freeswitch_json',
  };
  return { ok: true, record };
}
