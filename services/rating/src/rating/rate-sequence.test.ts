import { describe, expect, it } from 'vitest';
import type { AccountUpserted, CdrRawV1 } from '@rcp/contracts';
import { parseCatalogue } from '@rcp/domain';
import { LineStates, rateSequence } from './rate-sequence.js';

const catalogue = parseCatalogue({
  catalogue: 'test',
  versions: [
    {
      version: 'v1',
      effectiveFrom: '2026-01-01T00:00:00Z',
      destinations: [{ id: 'IT', name: 'Italy', prefixes: ['39'] }],
      defaults: { retailPriceList: 'retail', wholesalePriceList: 'wholesale' },
      priceLists: [
        { id: 'retail', kind: 'retail', currency: 'EUR', increments: { initial: 60, subsequent: 60 }, rates: [{ destination: 'IT', pricePerMinute: '0.1000' }] },
        { id: 'wholesale', kind: 'wholesale', currency: 'EUR', rates: [{ destination: 'IT', pricePerMinute: '0.0400' }] },
      ],
      offers: [{ id: 'payg', name: 'PAYG', kind: 'payg', channels: { count: 2 } }],
    },
  ],
});

const account: AccountUpserted = {
  v: 1,
  type: 'account.upserted',
  eventId: 'e1',
  at: '2026-10-01T00:00:00Z',
  accountId: 'ACC-1',
  partnerId: null,
  name: 'Rossi',
  country: '39',
  timezone: 'Europe/Rome',
  currency: 'EUR',
  billing: { cycle: 'monthly', anchorDay: 1, taxRate: '0.22', paymentTermDays: 14 },
  credit: { mode: 'postpaid', postpaidFallback: null, creditLimit: '100', autoRecharge: null, lowBalanceThreshold: '0' },
  lines: [{ lineId: 'L1', numbers: ['390611110001'], accountCodes: [], offerId: 'payg', channels: 2, activeFrom: '2026-10-05', activeTo: '2026-11-01', closedUserGroups: [] }],
};

const cdr = (recordId: string, startTime: string): CdrRawV1 => ({
  v: 1,
  source: 'pbx',
  recordId,
  accountId: 'ACC-1',
  lineId: 'L1',
  service: 'voice',
  direction: 'outbound',
  callingNumber: '390611110001',
  calledNumber: '390655512345',
  startTime,
  answerTime: null,
  endTime: null,
  billableUnits: 60,
  disposition: 'answered',
  format: 'json',
  receivedAt: '2026-11-02T00:00:00Z',
});

describe('rating a line only while it is active', () => {
  it('refuses calls before the activation day and from the day the line was closed on, with the reason', async () => {
    const outcomes = await rateSequence(
      [
        cdr('before', '2026-10-04T21:59:59Z'), // 23:59:59 on the 4th in Rome
        cdr('first', '2026-10-04T22:00:00Z'), // 00:00 on the 5th
        cdr('last', '2026-10-31T22:59:59Z'), // 23:59:59 on the 31st
        cdr('closed', '2026-10-31T23:00:00Z'), // 00:00 on 1 November
      ],
      { catalogue, account: () => account, states: new LineStates(), now: '2026-11-02T00:00:00Z' },
    );
    expect(outcomes.map((o) => (o.kind === 'rated' ? o.message.retail.amount : o.message.reasons[0]!.code))).toEqual(['line_not_active', '0.1000', '0.1000', 'line_not_active']);
    const refused = outcomes[3]!;
    expect(refused.kind === 'rejected' && refused.message.reasons[0]!.message).toBe(
      'line L1 was not active at 2026-10-31T23:00:00Z: active from 2026-10-05 until 2026-11-01 (the day it was closed on), Europe/Rome',
    );
  });

  it('names a line whose dates cannot be read', async () => {
    const broken = { ...account, lines: [{ ...account.lines[0]!, activeFrom: 'someday' }] };
    const [outcome] = await rateSequence([cdr('x', '2026-10-10T10:00:00Z')], { catalogue, account: () => broken, states: new LineStates(), now: '2026-11-02T00:00:00Z' });
    expect(outcome!.kind === 'rejected' && outcome!.message.reasons[0]!.code).toBe('invalid_line');
  });
});
