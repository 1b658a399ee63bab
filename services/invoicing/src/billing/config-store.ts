import type pg from 'pg';
import { EMPTY_BILLING_CONFIG, parseBillingConfig, type BillingConfig } from '@rcp/domain';

/**
 * The billing document in force (billing-time discounts, cost caps, taxes per customer, dunning,
 * profitability): every applied revision is kept; the newest is in force. Read from PostgreSQL when it
 * changed, so every instance uses the same one.
 */
export class BillingConfigStore {
  private cached: { revision: number; config: BillingConfig } = { revision: 0, config: EMPTY_BILLING_CONFIG };

  constructor(private readonly pool: pg.Pool) {}

  async current(db: pg.Pool | pg.PoolClient = this.pool): Promise<{ revision: number; config: BillingConfig }> {
    const { rows } = await db.query<{ revision: number }>(`select coalesce(max(revision), 0)::int as revision from invoicing.billing_documents`);
    const revision = rows[0]!.revision;
    if (revision !== this.cached.revision) {
      const doc = await db.query<{ document: unknown }>(`select document from invoicing.billing_documents where revision = $1`, [revision]);
      this.cached = { revision, config: revision === 0 ? EMPTY_BILLING_CONFIG : parseBillingConfig(doc.rows[0]!.document) };
    }
    return this.cached;
  }

  /** Validates (BillingConfigError with paths on failure) and stores a document; in force at once. */
  async apply(document: unknown, appliedBy: string): Promise<{ revision: number; config: BillingConfig }> {
    const config = parseBillingConfig(document);
    const { rows } = await this.pool.query<{ revision: number }>(`insert into invoicing.billing_documents (document, applied_by) values ($1, $2) returning revision`, [JSON.stringify(document), appliedBy]);
    this.cached = { revision: rows[0]!.revision, config };
    return this.cached;
  }
}
