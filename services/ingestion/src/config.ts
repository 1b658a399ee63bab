import { z } from 'zod';
import { baseConfigShape, parseConfig } from '@rcp/runtime';

/** One switch allowed to post CDRs: its API key and how to read its numbers and local times. */
export const SwitchConfig = z.object({
  id: z.string().regex(/^[A-Za-z0-9._-]+$/, 'switch id: letters, digits, dot, dash, underscore'),
  apiKey: z.string().min(16, 'API keys must be at least 16 characters'),
  /** Country calling code of the switch's lines, for national numbers (e.g. 39). */
  country: z.string().regex(/^\d{1,3}$/),
  /** IANA zone of the switch's local timestamps (Asterisk Master.csv with usegmtime off). */
  timeZone: z.string().default('UTC'),
});
export type SwitchConfig = z.infer<typeof SwitchConfig>;

export const ingestionConfigShape = {
  ...baseConfigShape,
  PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  /** JSON array of switches: [{"id":"fs1","apiKey":"...","country":"39","timeZone":"Europe/Rome"}]. */
  RCP_SWITCHES: z
    .string({ error: 'is required: a JSON array of {id, apiKey, country, timeZone}' })
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(z.array(SwitchConfig).min(1, 'must name at least one switch')),
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
