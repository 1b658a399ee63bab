import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from './common.js';
import { registerInvoiceRoutes } from './invoices.js';
import { registerOperationRoutes } from './operations.js';
import { registerPeriodRoutes } from './periods.js';

export type { RouteDeps };

export function registerInvoicingRoutes(app: FastifyInstance, deps: RouteDeps): void {
  registerPeriodRoutes(app, deps);
  registerInvoiceRoutes(app, deps);
  registerOperationRoutes(app, deps);
}
