import { z } from 'zod';
import { baseConfigShape, parseConfig } from '@rcp/runtime';

export const invoicingConfigShape = {
  ...baseConfigShape,
  PORT: z.coerce.number().int().min(0).max(65535).default(8084),
  /** When set, billing-document changes, closes, notes, payments and runs need this bearer token. */
  RCP_OPS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** The issuer of invoices to customers the operator sells to directly, and of partner invoices. */
  RCP_OPERATOR_ISSUER: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'an identifier (letters, digits, _ . -)').default('operator'),
  /** How often the daily runs (dunning, follow-ups) run by themselves with today's date; 0 turns them off. */
  RCP_DAILY_RUN_INTERVAL_MS: z.coerce.number().int().min(0).default(3_600_000),
};
export type InvoicingConfig = ReturnType<typeof loadInvoicingConfig>;
export function loadInvoicingConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseConfig('invoicing', invoicingConfigShape, env);
}
