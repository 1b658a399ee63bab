import { z } from 'zod';
import { baseConfigShape, parseConfig, switchesSetting } from '@rcp/runtime';

export const chargingConfigShape = {
  ...baseConfigShape,
  PORT: z.coerce.number().int().min(0).max(65535).default(8083),
  /**
   * The switches allowed to use the real-time credit-control API: the same JSON as ingestion's RCP_SWITCHES
   * ([{"id","apiKey","country","timeZone"}]), so one setting serves both. Empty: the API refuses every call
   * with 401 (a platform that only rates CDRs after the fact needs none).
   */
  RCP_SWITCHES: switchesSetting({ required: false }),
  /**
   * Bearer token for the operations that move money by hand: top-ups and adjustments (billing ops, and
   * provisioning on a customer's behalf). Unset: they answer 401.
   */
  RCP_OPS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Most seconds a call is granted at once; the switch asks for more with an update. */
  RCP_MAX_GRANT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
  /** A reservation stays valid for its granted seconds plus this, for the switch to report; then it is released. */
  RCP_GRANT_GRACE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** How often lapsed reservations are marked expired (they stop counting the moment they lapse). */
  RCP_EXPIRY_SWEEP_MS: z.coerce.number().int().min(50).max(600_000).default(5000),
  /** How long a committed call's allowance use counts against its line while its CDR has not been rated. */
  RCP_UNRATED_HOLD_HOURS: z.coerce.number().int().min(1).max(24 * 31).default(24),
  /** PostgreSQL connections for real-time reads (an account's first load, calls not held in memory). */
  RCP_DB_POOL_MAX: z.coerce.number().int().min(2).max(200).default(20),
  /**
   * How long the owner's writer lets decisions gather into one group commit, from the oldest one queued (0: a
   * commit takes whatever arrived while the previous one was committing). Longer: fewer, larger transactions,
   * and a call authorized and terminated within it is written once; what a crash can lose grows with it (see
   * docs/charging.md, "Guarantees": never money).
   */
  RCP_GROUP_COMMIT_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(5),
};
export type ChargingConfig = ReturnType<typeof loadChargingConfig>;
export function loadChargingConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseConfig('charging', chargingConfigShape, env);
}
