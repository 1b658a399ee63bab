import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeFreeSwitchBody, freeSwitchDisposition, parseFreeSwitchJsonCdr, variablesAreUrlEncoded } from './freeswitch.js';
import type { ParseResult, SwitchRecord } from './types.js';

const fixture = (name: string) => readFileSync(new URL(`../../test/fixtures/freeswitch/${name}`, import.meta.url), 'utf8');
const plainText = fixture('json_cdr_answered_68s.json');
const encodedValuesText = fixture('json_cdr_answered_68s.encode_values.json');
type Cdr = { variables: Record<string, string>; callflow: { profile_index?: string; caller_profile: Record<string, unknown> }[]; [key: string]: unknown };
const sample = (): Cdr => JSON.parse(plainText) as Cdr;

/** FreeSWITCH's switch_url_encode: bytes below space or above '~' and these characters become %XX. */
const UNSAFE = '\r\n "#%&+:;<=>?@[\\]^`{|}';
function switchUrlEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x20 || byte > 0x7e || UNSAFE.includes(ch) ? `%${byte.toString(16).toUpperCase().padStart(2, '0')}` : ch;
  }
  return out;
}
function encodeValues(cdr: Cdr): Cdr {
  return { ...cdr, variables: Object.fromEntries(Object.entries(cdr.variables).map(([k, v]) => [k, switchUrlEncode(v)])) };
}

const expected: SwitchRecord = {
  source: 'FSDev1',
  recordId: '3da8bf84-c133-4959-9e24-e72875cb33a1',
  accountCode: null,
  service: 'voice',
  direction: 'outbound',
  callingNumber: '1001',
  calledNumber: '1002',
  startTime: '2018-01-11T10:25:44Z',
  answerTime: '2018-01-11T10:25:47Z',
  endTime: '2018-01-11T10:26:55Z',
  billableUnits: 68,
  disposition: 'answered',
  format: 'freeswitch_json',
};

function record(result: ParseResult): SwitchRecord {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.reasons)}`);
  return result.record;
}
function reasonsOf(result: ParseResult) {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.record)}`);
  return result.reasons.map((r) => ({ code: r.code, path: r.path }));
}

describe('parseFreeSwitchJsonCdr: the real mod_json_cdr sample', () => {
  it('reads the encode-values=false body: uuid, billsec 68, caller 1001, destination 1002, epoch times in UTC', () => {
    expect(record(parseFreeSwitchJsonCdr(plainText, {}))).toEqual(expected);
  });

  it('takes the configured switch id over the CDR switchname', () => {
    expect(record(parseFreeSwitchJsonCdr(plainText, { source: 'fs-rome-1' })).source).toBe('fs-rome-1');
  });

  it('reads an already parsed object and a Buffer the same way', () => {
    expect(record(parseFreeSwitchJsonCdr(sample(), {}))).toEqual(expected);
    expect(record(parseFreeSwitchJsonCdr(Buffer.from(plainText), {}))).toEqual(expected);
  });

  it('the stored encode-values=true fixture is the sample with every variable switch_url_encoded', () => {
    expect(JSON.parse(encodedValuesText)).toEqual(encodeValues(sample()));
    expect(encodedValuesText).toContain('"caller_id":"%221001%22%20%3C1001%3E"');
  });

  it('reads the encode-values=true body (the module default) to the same record', () => {
    expect(record(parseFreeSwitchJsonCdr(encodedValuesText, {}))).toEqual(expected);
  });

  it('tells encoded from plain variables by their alphabet', () => {
    expect(variablesAreUrlEncoded(encodeValues(sample()).variables)).toBe(true);
    expect(variablesAreUrlEncoded(sample().variables)).toBe(false);
  });

  it('reads encode=true (form field cdr=, URL-encoded) with plain and with encoded values', () => {
    const unformatted = JSON.stringify(sample());
    expect(record(parseFreeSwitchJsonCdr(`cdr=${switchUrlEncode(unformatted)}`, {}))).toEqual(expected);
    expect(record(parseFreeSwitchJsonCdr(`cdr=${switchUrlEncode(JSON.stringify(encodeValues(sample())))}`, {}))).toEqual(expected);
  });

  it('reads encode=base64 (form field cdr=, base64), raw and after a form parser turned + into spaces', () => {
    const b64 = Buffer.from(JSON.stringify(encodeValues(sample()))).toString('base64');
    expect(record(parseFreeSwitchJsonCdr(`cdr=${b64}`, {}))).toEqual(expected);
    expect(record(parseFreeSwitchJsonCdr({ cdr: b64.replace(/\+/g, ' ') }, {}))).toEqual(expected);
  });

  it('reads a form body already parsed into { cdr: "<json>" }', () => {
    expect(record(parseFreeSwitchJsonCdr({ cdr: JSON.stringify(sample()) }, {}))).toEqual(expected);
  });

  it('decodes encoded values that carry spaces and non-ASCII (account code, call direction)', () => {
    const cdr = sample();
    cdr.variables.accountcode = 'Zoë & Co';
    cdr.variables.call_direction = 'inbound';
    const result = record(parseFreeSwitchJsonCdr(encodeValues(cdr), {}));
    expect(result.accountCode).toBe('Zoë & Co');
    expect(result.direction).toBe('inbound');
  });

  it('an unanswered call: no answer time, 0 units, disposition from the hangup cause', () => {
    const cdr = sample();
    Object.assign(cdr.variables, { answer_epoch: '0', billsec: '0', billmsec: '0', hangup_cause: 'ORIGINATOR_CANCEL' });
    const result = record(parseFreeSwitchJsonCdr(cdr, {}));
    expect(result).toMatchObject({ answerTime: null, billableUnits: 0, disposition: 'no_answer' });
  });

  it('falls back to billmsec rounded up when billsec is absent', () => {
    const cdr = sample();
    delete cdr.variables.billsec;
    expect(record(parseFreeSwitchJsonCdr(cdr, {})).billableUnits).toBe(68); // 67540 ms
  });

  it('takes the newest caller profile (highest profile_index) and falls back to variables', () => {
    const cdr = sample();
    cdr.callflow = [
      { profile_index: '1', caller_profile: { caller_id_number: '1001', destination_number: '9999' } },
      { profile_index: '2', caller_profile: { caller_id_number: '1001', destination_number: '0039061234' } },
    ];
    expect(record(parseFreeSwitchJsonCdr(cdr, {})).calledNumber).toBe('0039061234');
    const noFlow = sample();
    delete (noFlow as Partial<Cdr>).callflow;
    expect(record(parseFreeSwitchJsonCdr(noFlow, {}))).toMatchObject({ callingNumber: '1001', calledNumber: '1002' }); // sip_from_user, sip_req_user
  });

  it('reads an old-style callflow object (repeated keys collapsed by JSON)', () => {
    const cdr = sample() as unknown as Record<string, unknown>;
    cdr.callflow = (cdr.callflow as unknown[])[0];
    expect(record(parseFreeSwitchJsonCdr(cdr, {})).calledNumber).toBe('1002');
  });
});

describe('freeSwitchDisposition', () => {
  it.each([
    ['NORMAL_CLEARING', true, 'answered'],
    ['ALLOTTED_TIMEOUT', true, 'answered'], // a prepaid call cut when credit ran out was still connected
    ['MEDIA_TIMEOUT', true, 'answered'],
    ['USER_BUSY', false, 'busy'],
    ['NO_ANSWER', false, 'no_answer'],
    ['NO_USER_RESPONSE', false, 'no_answer'],
    ['ORIGINATOR_CANCEL', false, 'no_answer'],
    ['NORMAL_CLEARING', false, 'failed'],
    ['CALL_REJECTED', false, 'failed'],
    ['UNALLOCATED_NUMBER', false, 'failed'],
    ['NORMAL_TEMPORARY_FAILURE', false, 'failed'],
  ] as const)('%s, answered=%s -> %s', (cause, answered, disposition) => {
    expect(freeSwitchDisposition(cause, answered)).toBe(disposition);
  });
});

describe('parseFreeSwitchJsonCdr: refused bodies, each with its reason', () => {
  const withVariables = (changes: Record<string, string | undefined>) => {
    const cdr = sample();
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined) delete cdr.variables[k];
      else cdr.variables[k] = v;
    }
    return cdr;
  };

  it.each([
    ['an empty body', '', 'malformed_body', undefined],
    ['text that is not JSON', '{"variables": {', 'invalid_json', undefined],
    ['a JSON array', [sample()], 'malformed_body', undefined],
    ['a form body whose cdr field is garbage', 'cdr=%%%', 'malformed_body', 'cdr'],
    ['a body of another kind', 'hello=world', 'malformed_body', undefined],
    ['no variables', { switchname: 'x' }, 'missing_field', 'variables'],
    ['no uuid', withVariables({ uuid: undefined }), 'missing_field', 'variables.uuid'],
    ['start_epoch not a number', withVariables({ start_epoch: 'yesterday' }), 'invalid_timestamp', 'variables.start_epoch'],
    ['start_epoch 0', withVariables({ start_epoch: '0' }), 'invalid_timestamp', 'variables.start_epoch'],
    ['no end_epoch', withVariables({ end_epoch: undefined }), 'missing_field', 'variables.end_epoch'],
    ['a negative billsec', withVariables({ billsec: '-3' }), 'negative_duration', 'variables.billsec'],
    ['a fractional billsec', withVariables({ billsec: '6.5' }), 'invalid_duration', 'variables.billsec'],
    ['neither billsec nor billmsec', withVariables({ billsec: undefined, billmsec: undefined }), 'missing_field', 'variables.billsec'],
    ['billsec longer than the call', withVariables({ billsec: '500' }), 'billsec_exceeds_duration', 'variables.billsec'],
    ['end before start', withVariables({ end_epoch: '1515666300', answer_epoch: '0', billsec: '0' }), 'end_before_start', 'variables.end_epoch'],
    ['answer before start', withVariables({ answer_epoch: '1515666300' }), 'answer_before_start', 'variables.answer_epoch'],
    ['answer after end', withVariables({ answer_epoch: '1515666500', billsec: '0' }), 'answer_after_end', 'variables.answer_epoch'],
    ['billsec without an answer', withVariables({ answer_epoch: '0' }), 'inconsistent_answer', 'variables.answer_epoch'],
    ['no hangup_cause', withVariables({ hangup_cause: undefined }), 'missing_field', 'variables.hangup_cause'],
  ])('%s', (_name, body, code, path) => {
    const result = parseFreeSwitchJsonCdr(body, {});
    expect(reasonsOf(result)).toEqual([{ code, path }]);
    if (!result.ok) expect(result.original).toBe(body);
  });

  it('an anonymous caller is an invalid number, named at the caller profile', () => {
    const cdr = sample();
    const first = cdr.callflow[0];
    if (first) first.caller_profile.caller_id_number = 'anonymous';
    expect(reasonsOf(parseFreeSwitchJsonCdr(cdr, {}))).toEqual([{ code: 'invalid_number', path: 'callflow.caller_profile.caller_id_number' }]);
  });

  it('reports every problem of a record, not only the first', () => {
    const cdr = withVariables({ uuid: undefined, billsec: '-1', hangup_cause: undefined });
    expect(reasonsOf(parseFreeSwitchJsonCdr(cdr, {})).map((r) => r.code)).toEqual(['missing_field', 'negative_duration', 'missing_field']);
  });

  it('without a configured source nor switchname/core-uuid the record has no source', () => {
    const cdr = sample();
    delete cdr.switchname;
    delete cdr['core-uuid'];
    expect(reasonsOf(parseFreeSwitchJsonCdr(cdr, {}))).toEqual([{ code: 'missing_field', path: 'switchname' }]);
    expect(record(parseFreeSwitchJsonCdr(cdr, { source: 'fs1' })).source).toBe('fs1');
  });

  it('refuses a B-leg CDR (the A-leg is rated) unless B-legs are asked for', () => {
    const cdr = sample();
    const first = cdr.callflow[0];
    if (first) first.caller_profile.originator = { originator_caller_profiles: [{ caller_id_number: '1001' }] };
    expect(reasonsOf(parseFreeSwitchJsonCdr(cdr, {}))).toEqual([{ code: 'b_leg_cdr', path: 'callflow.caller_profile.originator' }]);
    expect(parseFreeSwitchJsonCdr(cdr, { acceptBLegs: true }).ok).toBe(true);
  });

  it('never throws, whatever arrives', () => {
    for (const body of [null, undefined, 42, true, [], {}, { variables: null }, { variables: { uuid: {} } }, 'cdr=', 'cdr=%7B', '{}', Buffer.alloc(0)]) {
      const result = parseFreeSwitchJsonCdr(body, {});
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reasons.length).toBeGreaterThan(0);
    }
  });

  it('decodeFreeSwitchBody tells JSON errors from shape errors', () => {
    expect(decodeFreeSwitchBody('{"a":').ok).toBe(false);
    expect(decodeFreeSwitchBody('"just a string"')).toMatchObject({ ok: false, reason: { code: 'malformed_body' } });
    expect(decodeFreeSwitchBody('{"variables":{}}')).toMatchObject({ ok: true });
  });
});
