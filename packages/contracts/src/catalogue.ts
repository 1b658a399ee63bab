import { z } from 'zod';
import { IsoInstant } from './primitives.js';

/**
 * catalogue.events v1: every catalogue document billing ops apply, published by rating (which validates
 * and stores it). Compacted by catalogue id, so services that price (charging's authorizations, invoicing's
 * fees) rebuild the catalogue in force by reading the topic. The document is validated again by
 * `parseCatalogue` from @rcp/domain on receipt: the domain's zod schema is the single source of its shape.
 */
export const CatalogueEventV1 = z.object({
  v: z.literal(1),
  type: z.literal('catalogue.applied'),
  catalogueId: z.string().min(1),
  revision: z.number().int().min(1),
  document: z.unknown(),
  appliedAt: IsoInstant,
});
export type CatalogueEventV1 = z.infer<typeof CatalogueEventV1>;
