import type { Logger } from 'pino';
import type { CatalogueEventV1 } from '@rcp/contracts';
import { catalogueVersionAt, localMidnight, offerById, parseCatalogue, type Catalogue, type CatalogueVersion, type Offer, type OfferFees } from '@rcp/domain';

export type AppliedCatalogue = { revision: number; catalogue: Catalogue };

/**
 * The catalogue in force as invoicing sees it, from catalogue.events: fees and names of offers and
 * destinations. Rating numbers every applied document; the highest revision is the one in force.
 */
export class CatalogueView {
  private readonly applied = new Map<string, AppliedCatalogue>();

  constructor(private readonly logger: Logger) {}

  /** Folds one catalogue.events message (the TopicTable's reduce); a document that fails validation is logged and ignored. */
  apply(event: CatalogueEventV1): AppliedCatalogue | null {
    try {
      const applied = { revision: event.revision, catalogue: parseCatalogue(event.document) };
      this.applied.set(event.catalogueId, applied);
      return applied;
    } catch (err) {
      this.logger.error({ err, catalogueId: event.catalogueId, revision: event.revision }, 'catalogue.events document does not validate; kept the previous one');
      return this.applied.get(event.catalogueId) ?? null;
    }
  }

  get current(): AppliedCatalogue | null {
    let best: AppliedCatalogue | null = null;
    for (const a of this.applied.values()) if (!best || a.revision > best.revision) best = a;
    return best;
  }

  /** The version in force at the start of a date in the customer's zone. */
  versionOn(date: string, timeZone: string): CatalogueVersion | undefined {
    const c = this.current;
    return c ? catalogueVersionAt(c.catalogue, localMidnight(date, timeZone)) : undefined;
  }

  offerOn(offerId: string, date: string, timeZone: string): Offer | undefined {
    const v = this.versionOn(date, timeZone);
    return v ? offerById(v, offerId) : undefined;
  }

  /** An offer's fees on a date, as the fee rules want them. */
  feesOf(offerId: string, date: string, timeZone: string): OfferFees | undefined {
    const offer = this.offerOn(offerId, date, timeZone);
    if (!offer) return undefined;
    return { setup: offer.fees?.setup, recurring: offer.fees?.recurring, currency: offer.fees?.currency, offerName: offer.name ?? offer.id };
  }

  /** Destination names of the version in force on a date (ids stay as they are when unknown). */
  destinationNames(date: string, timeZone: string): Record<string, string> {
    const v = this.versionOn(date, timeZone);
    return Object.fromEntries((v?.destinations ?? []).map((d) => [d.id, d.name]));
  }
}
