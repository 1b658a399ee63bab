import { z } from 'zod';
import { baseConfigShape, parseConfig } from '@rcp/runtime';

export const chargingConfigShape = {
  ...baseConfigShape,
  PORT: z.coerce.number().int().min(0).max(65535).default(8083),
};
export type ChargingConfig = ReturnType<typeof loadChargingConfig>;
export function loadChargingConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseConfig('charging', chargingConfigShape, env);
}
