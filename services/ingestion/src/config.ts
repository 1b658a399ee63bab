import { z } from 'zod';
import { baseConfigShape, parseConfig, switchesSetting } from '@rcp/runtime';

export { SwitchConfig } from '@rcp/runtime';

export const ingestionConfigShape = {
  ...baseConfigShape,
  PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  /** JSON array of switches: [{"id":"fs1","apiKey":"...","country":"39","timeZone":"Europe/Rome"}]. */
  RCP_SWITCHES: switchesSetting({ required: true }),
  /** Largest request body, JSON or NDJSON stream. */
  RCP_INGEST_BODY_LIMIT_MB: z.coerce.number().int().min(1).max(1024).default(64),
  /** Bearer token for ops actions (listing and re-driving rejected records); unset: those are disabled. */
  RCP_OPS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Records validated, deduplicated and published together. */
  RCP_INGEST_CHUNK: z.coerce.number().int().min(1).max(50_000).default(2000),
};
export type IngestionConfig = ReturnType<typeof loadIngestionConfig>;

export function loadIngestionConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseConfig('ingestion', ingestionConfigShape, env);
}
