import { z } from 'zod';
import { baseConfigShape, parseConfig } from '@rcp/runtime';

export const invoicingConfigShape = {
  ...baseConfigShape,
  PORT: z.coerce.number().int().min(0).max(65535).default(8084),
};
export type InvoicingConfig = ReturnType<typeof loadInvoicingConfig>;
export function loadInvoicingConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseConfig('invoicing', invoicingConfigShape, env);
}
