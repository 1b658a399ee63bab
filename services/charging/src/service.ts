import { fileURLToPath } from 'node:url';
import type { AccountEventV1, AccountUpserted } from '@rcp/contracts';
import { drainOutbox, inTransaction } from '@rcp/db';
import type { CreditPolicy } from '@rcp/domain';
import { runContractConsumer, TopicTable } from '@rcp/kafka';
import { createServiceContext, type ServiceContext } from '@rcp/runtime';
import type { ChargingConfig } from './config.js';
import { registerChargingRoutes } from './http/routes.js';
import { DEFAULT_POLICY, postEntries, type Posting } from './ledger/posting.js';

const migrationsFolder = fileURLToPath(new URL('../migrations', import.meta.url));

export type ChargingService = { ctx: ServiceContext; listen(): Promise<string>; stop(): Promise<void>; drain(): Promise<number> };

export function creditPolicyOf(account: AccountUpserted | undefined): CreditPolicy {
  if (!account) return DEFAULT_POLICY;
  const c = account.credit;
  return { mode: c.mode, postpaidFallback: c.postpaidFallback, creditLimit: c.creditLimit, lowBalanceThreshold: c.lowBalanceThreshold };
}

/** Wires charging: account credit policies from account.events, cdr.rated -> ledger, balance API. */
export async function createChargingService(config: ChargingConfig): Promise<ChargingService> {
  const ctx = await createServiceContext({
    name: 'charging',
    description: 'Balance and credit control: the ledger, prepaid credit and top-ups, postpaid fallback and credit limits.',
    config,
    migrationsFolder,
  });
  const accounts = new TopicTable<'account.events', AccountUpserted>({
    kafka: ctx.kafka,
    prefix: config.RCP_TOPIC_PREFIX,
    topic: 'account.events',
    service: 'charging',
    logger: ctx.logger,
    producer: ctx.producer,
    metrics: ctx.metrics,
    keyOf: (e: AccountEventV1) => e.accountId,
    reduce: (e: AccountEventV1) => (e.type === 'account.deleted' ? null : e),
  });
  await accounts.start();
  ctx.onStop(() => accounts.stop());
  await accounts.ready();

  // One drain at a time in this process; the advisory lock covers other instances.
  let draining: Promise<number> | null = null;
  const drain = async (): Promise<number> => {
    while (draining) await draining.catch(() => 0);
    draining = drainOutbox(ctx.pool, 'charging', async (rows) => {
      await ctx.producer.publish('balance.events', rows.map((r) => ({ key: r.key, value: r.payload as never })));
    }).finally(() => {
      draining = null;
    });
    return draining;
  };
  await drain();
  const timer = setInterval(() => void drain().catch((err) => ctx.logger.warn({ err }, 'outbox drain failed; will retry')), 1000);
  ctx.onStop(async () => clearInterval(timer));

  const rated = await runContractConsumer({
    kafka: ctx.kafka,
    prefix: config.RCP_TOPIC_PREFIX,
    groupId: 'charging',
    topic: 'cdr.rated',
    logger: ctx.logger,
    producer: ctx.producer,
    metrics: ctx.metrics,
    handleBatch: async (messages) => {
      const postings: Posting[] = messages.map(({ value: r }) => ({
        accountId: r.accountId,
        currency: r.retail.currency,
        cause: 'rated_cdr',
        causeRef: `${r.ratedId}#${r.revision}`,
        amount: r.retail.amount.startsWith('-') ? r.retail.amount.slice(1) : `-${r.retail.amount}`,
      }));
      await inTransaction(ctx.pool, (client) => postEntries(client, postings, (id) => creditPolicyOf(accounts.get(id))));
      await drain();
    },
  });
  ctx.onStop(() => rated.stop());

  registerChargingRoutes(ctx.app, {
    pool: ctx.pool,
    account: (id) => {
      const a = accounts.get(id);
      return a ? { currency: a.currency, policy: creditPolicyOf(a) } : undefined;
    },
    afterCommit: async () => {
      await drain();
    },
  });
  return { ctx, listen: () => ctx.listen(), stop: () => ctx.stop(), drain };
}
