import { describe, expect, it } from 'vitest';
import type { InvoiceEventV1 } from '@rcp/contracts';
import { latestStandings, standingChangeOf } from './standing.js';

const event = (type: string, accountId: string, n: number): InvoiceEventV1 =>
  ({
    specversion: '1.0',
    id: `${type}-${accountId}-${n}`,
    source: 'invoicing',
    time: `2026-10-0${n}T00:00:00Z`,
    subject: accountId,
    idempotencyKey: `${type}-${accountId}-${n}`,
    datacontenttype: 'application/json',
    type,
    data: { accountId, reason: 'unpaid' },
  }) as InvoiceEventV1;

describe('account standing from invoice.events', () => {
  const cases: { name: string; events: InvoiceEventV1[]; expected: [string, string][] }[] = [
    { name: 'a suspension refuses usage', events: [event('account.suspended', 'A', 1)], expected: [['A', 'suspended']] },
    { name: 'an unsuspension reinstates', events: [event('account.suspended', 'A', 1), event('account.unsuspended', 'A', 2)], expected: [['A', 'active']] },
    { name: 'termination is final', events: [event('account.terminated', 'A', 1), event('account.unsuspended', 'A', 2)], expected: [['A', 'terminated']] },
    { name: 'invoice events say nothing about standing', events: [event('invoice.overdue', 'A', 1)], expected: [] },
    { name: 'each account keeps its own last word', events: [event('account.suspended', 'A', 1), event('account.suspended', 'B', 2), event('account.unsuspended', 'A', 3)], expected: [['A', 'active'], ['B', 'suspended']] },
  ];
  for (const c of cases) it(c.name, () => expect(latestStandings(c.events).map((s) => [s.accountId, s.standing])).toEqual(c.expected));

  it('keeps the reason and the event that decided it', () => {
    expect(standingChangeOf(event('account.suspended', 'A', 1))).toEqual({ accountId: 'A', standing: 'suspended', reason: 'unpaid', eventId: 'account.suspended-A-1', at: '2026-10-01T00:00:00Z' });
  });
});
