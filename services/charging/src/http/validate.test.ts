import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { AuthorizeBody, EventBody, TerminateBody, UpdateBody } from './credit-control.js';
import { fastAuthorize, fastEvent, fastTerminate, fastUpdate } from './validate.js';

// Values a field may take: right, wrong type, out of range, at the bounds.
const anyValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constantFrom('', 'voice', 'sms', 'fax', 'email', 'data', 'video', 'outbound', 'inbound', 'x', '2026-03-01T10:00:00Z', 'not a time', 'a'.repeat(40), 'a'.repeat(41), 'b'.repeat(128), 'b'.repeat(129), 'c'.repeat(256), 'c'.repeat(257)),
  fc.string({ maxLength: 50 }),
  fc.constantFrom('nul\u0000', 'lone\ud800', 'tab\there', 'replaced\ufffd', 'emoji 😀'),
  fc.constantFrom(0, 1, 60, -1, 1.5, 31 * 24 * 3600, 31 * 24 * 3600 + 1, Number.MAX_SAFE_INTEGER),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
);
// Mostly right values (so many bodies reach the fast paths), sometimes anything.
const good: Record<string, fc.Arbitrary<unknown>> = {
  sessionId: fc.string({ minLength: 1, maxLength: 20 }),
  eventId: fc.string({ minLength: 1, maxLength: 20 }),
  accountCode: fc.option(fc.string({ minLength: 1, maxLength: 10 })),
  callingNumber: fc.string({ minLength: 1, maxLength: 40 }),
  calledNumber: fc.string({ minLength: 1, maxLength: 40 }),
  service: fc.constantFrom('voice', 'sms', 'fax', 'email', 'data'),
  direction: fc.constantFrom('outbound', 'inbound'),
  startTime: fc.constant(undefined),
  requestedUnits: fc.integer({ min: 1, max: 31 * 24 * 3600 }),
  usedUnits: fc.integer({ min: 0, max: 31 * 24 * 3600 }),
  units: fc.integer({ min: 1, max: 31 * 24 * 3600 }),
  extra: anyValue,
};
const bodyOf = (keys: string[]) =>
  fc.record(Object.fromEntries([...keys, 'extra'].map((k) => [k, fc.oneof({ weight: 6, arbitrary: good[k]! }, { weight: 1, arbitrary: anyValue })])), { requiredKeys: [] }).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)));

/** The fast path accepts only what zod accepts, and returns what zod returns. */
let accepted = 0;
function agrees(schema: z.ZodType, fast: (b: unknown) => unknown, body: unknown): void {
  const quick = fast(body);
  if (quick === null) return;
  accepted++;
  const parsed = schema.safeParse(body);
  expect(parsed.success, JSON.stringify(body)).toBe(true);
  expect(quick).toStrictEqual(parsed.data);
}

describe('fast body checks of the switch API', () => {
  const authorizeKeys = ['sessionId', 'accountCode', 'callingNumber', 'calledNumber', 'service', 'direction', 'startTime', 'requestedUnits'];
  const eventKeys = ['eventId', 'accountCode', 'callingNumber', 'calledNumber', 'service', 'direction', 'startTime', 'units'];

  it('accept what switches send, as zod reads it', () => {
    const body = { sessionId: 's-1', callingNumber: '+39061000001', calledNumber: '06 5551234', requestedUnits: 60 };
    expect(fastAuthorize(body)).toStrictEqual(AuthorizeBody.parse(body));
    expect(fastAuthorize({ ...body, accountCode: null, service: 'fax', direction: 'inbound' })).toStrictEqual(AuthorizeBody.parse({ ...body, accountCode: null, service: 'fax', direction: 'inbound' }));
    expect(fastTerminate({ usedUnits: 42, other: 1 })).toStrictEqual({ usedUnits: 42 });
    expect(fastUpdate({ usedUnits: 30, requestedUnits: 60 })).toStrictEqual(UpdateBody.parse({ usedUnits: 30, requestedUnits: 60 }));
    const sms = { eventId: 'e-1', callingNumber: '+39061000001', calledNumber: '347 1234567', service: 'sms', units: 2 };
    expect(fastEvent(sms)).toStrictEqual(EventBody.parse(sms));
  });

  it('leave to zod what they do not accept outright (its errors name the field)', () => {
    expect(fastAuthorize({ sessionId: '', callingNumber: '1', calledNumber: '2' })).toBeNull();
    expect(fastAuthorize({ sessionId: 's', callingNumber: '1', calledNumber: '2', startTime: '2026-03-01T10:00:00Z' })).toBeNull();
    expect(fastAuthorize({ sessionId: 's', callingNumber: '1', calledNumber: '2', requestedUnits: 0 })).toBeNull();
    expect(fastTerminate({ usedUnits: -1 })).toBeNull();
    expect(fastTerminate({ usedUnits: 1.5 })).toBeNull();
    expect(fastTerminate(null)).toBeNull();
    expect(fastTerminate([])).toBeNull();
    expect(fastUpdate({ usedUnits: 1, requestedUnits: 0 })).toBeNull();
    expect(fastEvent({ eventId: 'e', callingNumber: '1', calledNumber: '2', service: 'voice', units: 1 })).toBeNull();
  });

  it('never accept what zod refuses, nor read a body differently (generated bodies)', () => {
    fc.assert(fc.property(bodyOf(authorizeKeys), (b) => agrees(AuthorizeBody, fastAuthorize, b)), { numRuns: 3000 });
    fc.assert(fc.property(bodyOf(eventKeys), (b) => agrees(EventBody, fastEvent, b)), { numRuns: 3000 });
    fc.assert(fc.property(bodyOf(['usedUnits', 'requestedUnits']), (b) => agrees(UpdateBody, fastUpdate, b)), { numRuns: 2000 });
    fc.assert(fc.property(bodyOf(['usedUnits']), (b) => agrees(TerminateBody, fastTerminate, b)), { numRuns: 2000 });
    fc.assert(fc.property(anyValue, (b) => (agrees(TerminateBody, fastTerminate, b), agrees(AuthorizeBody, fastAuthorize, b))));
    // The generated bodies reached the fast paths often enough for the agreement to mean something.
    expect(accepted).toBeGreaterThan(200);
  });
});
