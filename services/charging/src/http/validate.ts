// Request bodies of the switch API, checked on every request at switch traffic rates. The zod schemas in
// credit-control.ts are the rule (and the OpenAPI docs); these fast paths accept only what their schema
// accepts and return what it returns (unknown keys dropped, defaults filled), checked by hand without zod's
// per-request machinery. Anything they do not accept outright (a missing or ill-typed field, a startTime to
// check as an ISO instant) goes to the zod schema, so a bad request gets zod's specific errors as before.
// validate.test.ts checks the agreement on generated bodies.

import { IDENTIFIER_TEXT } from '@rcp/contracts';

const MAX_UNITS = 31 * 24 * 3600;
const SERVICES = new Set(['voice', 'sms', 'fax', 'email', 'data']);
const EVENT_SERVICES = new Set(['sms', 'fax', 'email', 'data']);
const DIRECTIONS = new Set(['outbound', 'inbound']);

type Body = Record<string, unknown>;

const isObject = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown, max: number): v is string => typeof v === 'string' && v.length >= 1 && v.length <= max;
const identifier = (v: unknown, max: number): v is string => text(v, max) && IDENTIFIER_TEXT.test(v);
const units = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= MAX_UNITS;

export type FastAuthorize = {
  sessionId: string;
  accountCode?: string | null;
  callingNumber: string;
  calledNumber: string;
  service: 'voice' | 'sms' | 'fax' | 'email' | 'data';
  direction: 'outbound' | 'inbound';
  requestedUnits?: number;
};

/** AuthorizeBody without a startTime, or null (zod decides). */
export function fastAuthorize(b: unknown): FastAuthorize | null {
  if (!isObject(b)) return null;
  const { sessionId, accountCode, callingNumber, calledNumber, service, direction, startTime, requestedUnits } = b;
  if (!identifier(sessionId, 256) || !text(callingNumber, 40) || !text(calledNumber, 40)) return null;
  if (startTime !== undefined) return null;
  if (accountCode !== undefined && accountCode !== null && !identifier(accountCode, 128)) return null;
  if (service !== undefined && !(typeof service === 'string' && SERVICES.has(service))) return null;
  if (direction !== undefined && !(typeof direction === 'string' && DIRECTIONS.has(direction))) return null;
  if (requestedUnits !== undefined && !units(requestedUnits, 1)) return null;
  const out: FastAuthorize = { sessionId, callingNumber, calledNumber, service: (service ?? 'voice') as FastAuthorize['service'], direction: (direction ?? 'outbound') as FastAuthorize['direction'] };
  if (accountCode !== undefined) out.accountCode = accountCode as string | null;
  if (requestedUnits !== undefined) out.requestedUnits = requestedUnits;
  return out;
}

/** UpdateBody, or null (zod decides). */
export function fastUpdate(b: unknown): { usedUnits: number; requestedUnits?: number } | null {
  if (!isObject(b) || !units(b.usedUnits, 0)) return null;
  if (b.requestedUnits === undefined) return { usedUnits: b.usedUnits };
  return units(b.requestedUnits, 1) ? { usedUnits: b.usedUnits, requestedUnits: b.requestedUnits } : null;
}

/** TerminateBody, or null (zod decides). */
export function fastTerminate(b: unknown): { usedUnits: number } | null {
  return isObject(b) && units(b.usedUnits, 0) ? { usedUnits: b.usedUnits } : null;
}

export type FastEvent = Omit<FastAuthorize, 'sessionId' | 'requestedUnits' | 'service'> & { eventId: string; service: 'sms' | 'fax' | 'email' | 'data'; units: number };

/** EventBody without a startTime, or null (zod decides). */
export function fastEvent(b: unknown): FastEvent | null {
  if (!isObject(b)) return null;
  const { eventId, accountCode, callingNumber, calledNumber, service, direction, startTime, units: n } = b;
  if (!identifier(eventId, 256) || !text(callingNumber, 40) || !text(calledNumber, 40) || !units(n, 1)) return null;
  if (startTime !== undefined || !(typeof service === 'string' && EVENT_SERVICES.has(service))) return null;
  if (accountCode !== undefined && accountCode !== null && !identifier(accountCode, 128)) return null;
  if (direction !== undefined && !(typeof direction === 'string' && DIRECTIONS.has(direction))) return null;
  const out: FastEvent = { eventId, callingNumber, calledNumber, service: service as FastEvent['service'], direction: (direction ?? 'outbound') as FastEvent['direction'], units: n };
  if (accountCode !== undefined) out.accountCode = accountCode as string | null;
  return out;
}
