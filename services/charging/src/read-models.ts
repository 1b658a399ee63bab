import type { Logger } from 'pino';
import type { AccountEventV1, AccountUpserted, CatalogueEventV1 } from '@rcp/contracts';
import { LineDirectory } from '@rcp/ingestion';
import { catalogueVersionAt, normaliseNumber, parseCatalogue, periodAt, type Catalogue, type CatalogueVersion } from '@rcp/domain';
import { TopicTable } from '@rcp/kafka';
import type { ServiceContext } from '@rcp/runtime';
import { DEFAULT_POLICY, type AccountTerms } from './ledger/book.js';

export type ResolvedLine = {
  account: AccountUpserted;
  line: AccountUpserted['lines'][number];
  /** The request's calling number as E.164 digits, when resolve read it (null: it did not read as a number). */
  calling?: string | null;
};

/** The accounts as account.events has them (compacted, rebuilt at start), with the line directory ingestion uses. */
export class Accounts {
  readonly directory = new LineDirectory();
  readonly table: TopicTable<'account.events', AccountUpserted>;

  constructor(ctx: ServiceContext, prefix: string) {
    this.table = new TopicTable<'account.events', AccountUpserted>({
      kafka: ctx.kafka,
      prefix,
      topic: 'account.events',
      service: 'charging',
      logger: ctx.logger,
      producer: ctx.producer,
      metrics: ctx.metrics,
      keyOf: (e: AccountEventV1) => e.accountId,
      reduce: (e: AccountEventV1) => {
        this.directory.apply(e);
        return e.type === 'account.deleted' ? null : e;
      },
    });
  }

  get(accountId: string): AccountUpserted | undefined {
    return this.table.get(accountId);
  }

  /** The account's terms; an account charging does not know yet is plain prepaid in the currency it is charged in. */
  termsOf(accountId: string, fallbackCurrency = 'EUR'): AccountTerms {
    return accountTerms(this.get(accountId), fallbackCurrency);
  }

  /** The line a switch's request is for: by account code, else by the calling number read with the switch's country. */
  resolve(switchCountry: string, accountCode: string | null | undefined, callingNumber: string): ResolvedLine | undefined {
    const calling = normaliseNumber(callingNumber, { countryCode: switchCountry });
    const ref = this.directory.find(accountCode, calling.ok ? calling.e164 : null);
    const account = ref && this.get(ref.accountId);
    const line = account?.lines.find((l) => l.lineId === ref!.lineId);
    return account && line ? { account, line, calling: calling.ok ? calling.e164 : null } : undefined;
  }
}

const termsByAccount = new WeakMap<AccountUpserted, AccountTerms>();

/** An account's terms, made once per account state (each new state from account.events gets its own). */
export function accountTerms(account: AccountUpserted | undefined, fallbackCurrency = 'EUR'): AccountTerms {
  if (!account) return { currency: fallbackCurrency, policy: DEFAULT_POLICY, periodAt: (at) => at.toISOString().slice(0, 7) + '-01' };
  let terms = termsByAccount.get(account);
  if (terms) return terms;
  const c = account.credit;
  // The billing period of an instant: the last one found is kept, as most instants asked about fall in it.
  let last: { key: string; startMs: number; endMs: number } | null = null;
  terms = {
    currency: account.currency,
    policy: { mode: c.mode, postpaidFallback: c.postpaidFallback, creditLimit: c.creditLimit, lowBalanceThreshold: c.lowBalanceThreshold, autoRecharge: c.autoRecharge },
    periodAt: (at) => {
      const ms = at.getTime();
      if (last && last.startMs <= ms && ms < last.endMs) return last.key;
      const p = periodAt({ timeZone: account.timezone, cycleAnchorDay: account.billing.anchorDay }, ms);
      last = { key: p.periodKey, startMs: p.periodStartMs, endMs: p.periodEndMs };
      return p.periodKey;
    },
  };
  termsByAccount.set(account, terms);
  return terms;
}

/**
 * The catalogue in force, from catalogue.events (compacted by catalogue id, published by rating when billing
 * ops apply a document): the newest applied document prices, as in rating. A document that fails the
 * domain's validation is logged and skipped; the one before it stays in force.
 */
export class Catalogues {
  readonly table: TopicTable<'catalogue.events', { revision: number; catalogue: Catalogue }>;

  constructor(ctx: ServiceContext, prefix: string, logger: Logger) {
    this.table = new TopicTable({
      kafka: ctx.kafka,
      prefix,
      topic: 'catalogue.events',
      service: 'charging',
      logger: ctx.logger,
      producer: ctx.producer,
      metrics: ctx.metrics,
      keyOf: (e: CatalogueEventV1) => e.catalogueId,
      reduce: (e: CatalogueEventV1, previous) => {
        try {
          return { revision: e.revision, catalogue: parseCatalogue(e.document) };
        } catch (err) {
          logger.error({ catalogueId: e.catalogueId, revision: e.revision, err: (err as Error).message }, 'catalogue.events document failed validation; keeping the previous one');
          return previous ?? null;
        }
      },
    });
  }

  /** The catalogue version in force at an instant, from the newest applied document. */
  versionAt(at: string): CatalogueVersion | undefined {
    let newest: { revision: number; catalogue: Catalogue } | undefined;
    for (const c of this.table.values()) if (!newest || c.revision > newest.revision) newest = c;
    return newest ? catalogueVersionAt(newest.catalogue, at) : undefined;
  }
}
