import type { Logger } from 'pino';
import type { CatalogueEventV1 } from '@rcp/contracts';
import { catalogueVersionAt, parseCatalogue, type Catalogue, type CatalogueVersion } from '@rcp/domain';
import type { TopicTable } from '@rcp/kafka';
import { ApiError, refused } from '../http/errors.js';

export type CatalogueInForce = { catalogueId: string; revision: number; catalogue: Catalogue };

/**
 * The catalogue as rating applied it, from catalogue.events (compacted by catalogue id): the newest
 * revision is in force, as in rating's own store. Offers, channels and single-number rules are checked
 * against the version in force at a change's effective instant.
 */
export class CatalogueView {
  private parsed: CatalogueInForce | null = null;

  constructor(
    private readonly table: Pick<TopicTable<'catalogue.events', CatalogueEventV1>, 'values'>,
    private readonly logger: Logger,
  ) {}

  /** The newest applied catalogue, or null before rating has applied any. */
  current(): CatalogueInForce | null {
    let newest: CatalogueEventV1 | undefined;
    for (const e of this.table.values()) if (!newest || e.revision > newest.revision) newest = e;
    if (!newest) return null;
    if (this.parsed?.revision !== newest.revision) {
      try {
        this.parsed = { catalogueId: newest.catalogueId, revision: newest.revision, catalogue: parseCatalogue(newest.document) };
      } catch (err) {
        // Rating validated it with the same code; a failure here means the two disagree: keep the last good one.
        this.logger.error({ err, revision: newest.revision }, 'catalogue on catalogue.events does not parse; keeping the previous one');
      }
    }
    return this.parsed;
  }

  /** The version in force at an instant; a 503 before any catalogue, a 422 when none is in force then. */
  versionAt(at: Date): CatalogueVersion {
    const c = this.current();
    if (!c) throw new ApiError(503, 'no_catalogue', 'no catalogue has been applied to rating yet; offers cannot be checked');
    const v = catalogueVersionAt(c.catalogue, at.toISOString());
    if (!v) throw refused('no_catalogue_version', `no catalogue version is in force at ${at.toISOString()}`);
    return v;
  }
}
