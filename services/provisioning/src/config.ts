import { z } from 'zod';
import { baseConfigShape, parseConfig } from '@rcp/runtime';
import { HASHED_CREDENTIAL } from './auth/credentials.js';

const optionalUrl = z
  .string()
  .regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL')
  .transform((s) => s.replace(/\/+$/, ''))
  .optional();

export const provisioningConfigShape = {
  ...baseConfigShape,
  PORT: z.coerce.number().int().min(0).max(65535).default(8085),
  /**
   * The first back-office credential, as `<keyId>:<scrypt hash>` printed by `npm run credential -w
   * @rcp/provisioning` (the token itself is shown once and never configured). Without it the service runs
   * but nobody can sign in until a credential exists in the database.
   */
  RCP_BOOTSTRAP_BACKOFFICE: z.string().regex(HASHED_CREDENTIAL, 'must be <keyId>:scrypt$N$r$p$salt$hash as printed by the credential tool').optional(),
  /** Charging's HTTP API and its ops bearer token: top-ups are posted there (it owns the ledger). */
  RCP_CHARGING_URL: optionalUrl,
  RCP_CHARGING_OPS_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Invoicing's HTTP API: invoices and usage reports are read there, scoped here. */
  RCP_INVOICING_URL: optionalUrl,
  /** Rating's HTTP API and its ops bearer token (named SECRET so a bad value is never echoed): partner retail prices are applied there as catalogue versions. */
  RCP_RATING_URL: optionalUrl,
  RCP_RATING_OPS_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** How often scheduled package changes are published and the outbox is drained as a safety net. */
  RCP_TICK_MS: z.coerce.number().int().min(50).default(1000),
  /** How long a verified token is trusted without re-hashing (a revocation on another instance takes this long). */
  RCP_CREDENTIAL_CACHE_MS: z.coerce.number().int().min(0).default(30_000),
  /** How long a top-up waits for charging to know an account created a moment ago. */
  RCP_UPSTREAM_WAIT_MS: z.coerce.number().int().min(0).default(10_000),
};
export type ProvisioningConfig = ReturnType<typeof loadProvisioningConfig>;
export function loadProvisioningConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseConfig('provisioning', provisioningConfigShape, env);
}
