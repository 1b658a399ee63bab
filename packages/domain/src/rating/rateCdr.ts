import { rateCdrReference } from './reference.js';
import type { RatingCdr, RatingContext, RatingOutcome } from './types.js';

/**
 * Rates one CDR: a pure function of the CDR, the catalogue version in force, the line's profile and its
 * period state. Returns the rated charge (retail and wholesale, explained) with the new state, or a
 * rejection with a stable code.
 */
export function rateCdr(cdr: RatingCdr, ctx: RatingContext): RatingOutcome {
  return rateCdrReference(cdr, ctx);
}
