import type pg from 'pg';
import { parse as parseYaml } from 'yaml';
import { parseCatalogue, type Catalogue } from '@rcp/domain';

/** Reads a catalogue file's text (YAML, of which JSON is a subset) into a validated catalogue. */
export function readCatalogueText(text: string): Catalogue {
  return parseCatalogue(parseYaml(text));
}

/** The catalogue in force, kept in memory and in PostgreSQL; applying a new document replaces it. */
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

  /** Validates and stores a catalogue; throws CatalogueValidationError naming every problem. */
  async apply(input: unknown, appliedBy: string): Promise<{ revision: number; catalogue: Catalogue }> {
    const catalogue = parseCatalogue(input);
    const { rows } = await this.pool.query<{ revision: number }>(
      `insert into rating.catalogue_documents (catalogue_id, document, applied_by) values ($1, $2, $3) returning revision`,
      [catalogue.catalogue ?? 'catalogue', JSON.stringify(input), appliedBy],
    );
    this.current = { revision: rows[0]!.revision, catalogue };
    return this.current;
  }
}
