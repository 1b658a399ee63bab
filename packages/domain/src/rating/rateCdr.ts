import { rateCdrFast } from './engine.js';
import type { RatingCdr, RatingContext, RatingOutcome } from './types.js';

/**
 * Rates one CDR: a pure function of the CDR, the catalogue version in force, the line's profile and its
 * period state. Returns the rated charge (retail and wholesale, explained) with the new state, or a
 * rejection with a stable code. Runs the fast integer engine (./engine.ts), which equals the decimal
 * reference (rateCdrReference) on every input.
 */
export function rateCdr(cdr: RatingCdr, ctx: RatingContext): RatingOutcome {
  return rateCdrFast(cdr, ctx);
}
