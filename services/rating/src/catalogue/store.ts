import type pg from 'pg';
import type { CatalogueEventV1 } from '@rcp/contracts';
import { enqueueOutbox, inTransaction } from '@rcp/db';
import { parse as parseYaml } from 'yaml';
import { parseCatalogue, type Catalogue } from '@rcp/domain';

/** Reads a catalogue file's text (YAML, of which JSON is a subset) into a validated catalogue. */
export function readCatalogueText(text: string): Catalogue {
  return parseCatalogue(parseYaml(text));
}

/** The catalogue in force, kept in memory and in PostgreSQL; applying a new document replaces it. */
/** A compare-and-set apply found another revision in force than the one the change was made on. */
export class CatalogueChangedError extends Error {
  readonly code = 'catalogue_changed';
  constructor(
    readonly latest: number | null,
    readonly expected: number | null,
  ) {
    super(`the catalogue in force is revision ${latest ?? 'none'}, not ${expected ?? 'none'}: read it again and apply the change to it`);
  }
}

export class CatalogueStore {
  private current: { revision: number; catalogue: Catalogue } | null = null;

  constructor(private readonly pool: pg.Pool) {}

  get catalogue(): Catalogue | null {
    return this.current?.catalogue ?? null;
  }

  get revision(): number | null {
    return this.current?.revision ?? null;
  }

  /** Loads the newest applied document, if newer than the one in memory (other instances may apply). */
  async refresh(): Promise<void> {
    const { rows } = await this.pool.query<{ revision: number; document: unknown }>(
      `select revision, document from rating.catalogue_documents where revision > $1 order by revision desc limit 1`,
      [this.current?.revision ?? 0],
    );
    if (rows[0]) this.current = { revision: rows[0].revision, catalogue: parseCatalogue(rows[0].document) };
  }

  /**
   * Validates and stores a catalogue, and queues it for catalogue.events in the same transaction so the
   * services that price from it follow; throws CatalogueValidationError naming every problem.
   */
  async apply(input: unknown, appliedBy: string, opts: { ifRevision?: number | null } = {}): Promise<{ revision: number; catalogue: Catalogue }> {
    const catalogue = parseCatalogue(input);
    const catalogueId = catalogue.catalogue ?? 'catalogue';
    const revision = await inTransaction(this.pool, async (client) => {
      // Applies are serialised, so a compare-and-set sees the latest revision of any instance.
      await client.query(`select pg_advisory_xact_lock(hashtext('rating:catalogue'))`);
      if (opts.ifRevision !== undefined) {
        const latest = (await client.query<{ r: number | null }>('select max(revision) as r from rating.catalogue_documents')).rows[0]!.r;
        if (latest !== opts.ifRevision) throw new CatalogueChangedError(latest, opts.ifRevision);
      }
      const { rows } = await client.query<{ revision: number; applied_at: string }>(
        `insert into rating.catalogue_documents (catalogue_id, document, applied_by) values ($1, $2, $3) returning revision, applied_at::text`,
        [catalogueId, JSON.stringify(input), appliedBy],
      );
      const row = rows[0]!;
      const event: CatalogueEventV1 = { v: 1, type: 'catalogue.applied', catalogueId, revision: row.revision, document: input, appliedAt: new Date(row.applied_at).toISOString() };
      await enqueueOutbox(client, 'rating', [{ topic: 'catalogue.events', key: catalogueId, payload: event }]);
      return row.revision;
    });
    this.current = { revision, catalogue };
    return this.current;
  }
}
