// The bench's catalogue and accounts, shared by bench:authorize and bench:decide: Italy 0.10/min and Italian
// mobiles 0.12/min at 60/60, pay-as-you-go prepaid accounts of one line each.
import { randomBytes } from 'node:crypto';
import type { AccountUpserted, CatalogueEventV1 } from '@rcp/contracts';
import { createScratchDatabase } from '@rcp/db';
import type { Infra } from '@rcp/infra';
import { ContractProducer, createKafka, ensureTopics } from '@rcp/kafka';
import { createLogger } from '@rcp/runtime';

export const SWITCH = { id: 'bench-switch', apiKey: 'bench-switch-key-0123456789abcdef', country: '39', timeZone: 'Europe/Rome' };

export const CATALOGUE = {
  catalogue: 'bench',
  versions: [
    {
      version: 'bench-1',
      effectiveFrom: '2020-01-01T00:00:00Z',
      destinations: [
        { id: 'IT', name: 'Italy', prefixes: ['39'] },
        { id: 'IT-MOB', name: 'Italy mobile', prefixes: ['393'] },
      ],
      defaults: { retailPriceList: 'retail', wholesalePriceList: 'wholesale' },
      priceLists: [
        { id: 'retail', kind: 'retail', currency: 'EUR', increments: { initial: 60, subsequent: 60 }, rates: [{ destination: 'IT', pricePerMinute: '0.1000' }, { destination: 'IT-MOB', pricePerMinute: '0.1200' }] },
        { id: 'wholesale', kind: 'wholesale', currency: 'EUR', rates: [{ destination: 'IT', pricePerMinute: '0.0400' }, { destination: 'IT-MOB', pricePerMinute: '0.0500' }] },
      ],
      offers: [{ id: 'payg', kind: 'payg', channels: { count: 1000 } }],
    },
  ],
};

export function accountOf(i: number): AccountUpserted {
  const id = `B-${String(i).padStart(5, '0')}`;
  return {
    v: 1,
    type: 'account.upserted',
    eventId: `${id}-1`,
    at: '2026-01-01T00:00:00Z',
    accountId: id,
    partnerId: null,
    name: id,
    country: '39',
    timezone: 'Europe/Rome',
    currency: 'EUR',
    billing: { cycle: 'monthly', anchorDay: 1, taxRate: '0.22', paymentTermDays: 14 },
    credit: { mode: 'prepaid', postpaidFallback: null, creditLimit: '0', autoRecharge: null, lowBalanceThreshold: '0' },
    lines: [{ lineId: `${id}-L1`, numbers: [`3906${String(1_000_000 + i)}`], accountCodes: [], offerId: 'payg', channels: 1000, activeFrom: '2026-01-01', activeTo: null, closedUserGroups: [] }],
  };
}


/** A scratch database, a topic prefix, and the catalogue and `count` accounts published on it (what charging reads at start). */
export async function provision(infra: Infra, label: string, count: number) {
  const scratch = await createScratchDatabase(infra.postgres.url, label);
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const logger = createLogger('bench', 'fatal');
  const kafka = createKafka({ brokers: infra.kafka.brokers, clientId: 'bench', logger });
  await ensureTopics(kafka, prefix);
  const producer = new ContractProducer(kafka, prefix, logger);
  await producer.connect();
  const catalogue: CatalogueEventV1 = { v: 1, type: 'catalogue.applied', catalogueId: 'bench', revision: 1, document: CATALOGUE, appliedAt: '2026-01-01T00:00:00Z' };
  await producer.publish('catalogue.events', [{ key: 'bench', value: catalogue }]);
  const accounts = Array.from({ length: count }, (_, i) => accountOf(i));
  await producer.publish('account.events', accounts.map((a) => ({ key: a.accountId, value: a })));
  await producer.disconnect();
  return { scratch, prefix, accounts };
}
