import type pg from 'pg';
import { chargeItems, dec, sumAmounts } from '@rcp/domain';
import { toCsv } from './csv.js';
import { USAGE_COLUMNS, usageEvent, type UsageRow } from '../periods/record-usage.js';

/**
 * The customer's traffic report: every rated event of the cycle at retail (list) prices, 0 inside an
 * allowance, as the customer's invoice bills it.
 */
export async function customerTrafficCsv(db: pg.Pool, q: { accountId: string; from: string; to: string; destinationName: (id: string) => string }): Promise<string> {
  const { rows } = await db.query<UsageRow>(`select ${USAGE_COLUMNS} from invoicing.usage where account_id = $1 and period_key >= $2 and period_key < $3 order by start_time, rated_id`, [q.accountId, q.from, q.to]);
  return toCsv(
    ['start_time', 'record', 'line', 'service', 'destination', 'destination_name', 'billed_units', 'included_units', 'overage_units', 'charge', 'retail_amount', 'currency'],
    rows.map((r) => [r.start_time, r.rated_id, r.line_id, r.service, r.destination, q.destinationName(r.destination), r.units, r.included_units, r.overage_units, r.pricing, r.retail_amount, r.currency]),
  );
}

/** The partner's traffic report: its customers' events at the wholesale amounts it pays. */
export async function partnerTrafficCsv(db: pg.Pool, q: { accountIds: string[]; from: string; to: string; destinationName: (id: string) => string }): Promise<string> {
  const { rows } = await db.query<UsageRow>(`select ${USAGE_COLUMNS} from invoicing.usage where account_id = any($1) and period_key >= $2 and period_key < $3 order by account_id, start_time, rated_id`, [q.accountIds, q.from, q.to]);
  return toCsv(
    ['account', 'start_time', 'record', 'line', 'service', 'destination', 'destination_name', 'billed_units', 'included_units', 'overage_units', 'charge', 'wholesale_amount', 'overage_wholesale', 'currency'],
    rows.map((r) => [r.account_id, r.start_time, r.rated_id, r.line_id, r.service, r.destination, q.destinationName(r.destination), r.units, r.included_units, r.overage_units, r.pricing, r.wholesale_amount, r.overage_wholesale, r.currency]),
  );
}

/**
 * The partner's reconciliation export: per customer, service, destination and charge type, what the
 * customers were charged (retail), what the partner pays (wholesale) and the margin; overage rows carry no
 * partner discount.
 */
export async function reconciliationCsv(db: pg.Pool, q: { accountIds: string[]; from: string; to: string; destinationName: (id: string) => string; discountPercent: string }): Promise<string> {
  const { rows } = await db.query<UsageRow>(`select ${USAGE_COLUMNS} from invoicing.usage where account_id = any($1) and period_key >= $2 and period_key < $3 order by account_id, start_time, rated_id`, [q.accountIds, q.from, q.to]);
  type Group = { account: string; service: string; destination: string; charge: string; events: Set<string>; units: number; retail: string[]; wholesale: string[]; currency: string };
  const groups = new Map<string, Group>();
  for (const r of rows) {
    const e = usageEvent(r);
    const retail = new Map(chargeItems(e, 'retail').map((i) => [i.chargeType, i]));
    const wholesale = new Map(chargeItems(e, 'wholesale').map((i) => [i.chargeType, i]));
    for (const chargeType of new Set([...retail.keys(), ...wholesale.keys()])) {
      const key = [r.account_id, r.service, r.destination, chargeType].join('\u0000');
      const g = groups.get(key) ?? { account: r.account_id, service: r.service, destination: r.destination, charge: chargeType, events: new Set(), units: 0, retail: [], wholesale: [], currency: r.currency };
      g.events.add(r.rated_id);
      g.units += (retail.get(chargeType) ?? wholesale.get(chargeType))!.units;
      g.retail.push(retail.get(chargeType)?.amount ?? '0');
      g.wholesale.push(wholesale.get(chargeType)?.amount ?? '0');
      groups.set(key, g);
    }
  }
  return toCsv(
    ['account', 'service', 'destination', 'destination_name', 'charge', 'events', 'units', 'retail_amount', 'wholesale_amount', 'margin', 'partner_discount_percent', 'currency'],
    [...groups.values()].map((g) => {
      const retail = sumAmounts(g.retail);
      const wholesale = sumAmounts(g.wholesale);
      return [g.account, g.service, g.destination, q.destinationName(g.destination), g.charge, g.events.size, g.units, retail.toFixed(), wholesale.toFixed(), retail.minus(wholesale).toFixed(), g.charge === 'overage' ? '0' : dec(q.discountPercent).toFixed(), g.currency];
    }),
  );
}
