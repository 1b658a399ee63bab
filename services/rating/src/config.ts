import { z } from 'zod';
import { baseConfigShape, parseConfig } from '@rcp/runtime';

export const ratingConfigShape = {
  ...baseConfigShape,
  PORT: z.coerce.number().int().min(0).max(65535).default(8082),
  /** Bearer token for applying catalogues over HTTP (billing ops). */
  RCP_OPS_TOKEN: z.string().min(16, 'must be at least 16 characters'),
  /** How long a CDR waits for its account to reach rating's view of account.events before it is rejected. */
  RCP_ACCOUNT_WAIT_MS: z.coerce.number().int().min(0).default(10_000),
};
export type RatingConfig = ReturnType<typeof loadRatingConfig>;
export function loadRatingConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseConfig('rating', ratingConfigShape, env);
}
