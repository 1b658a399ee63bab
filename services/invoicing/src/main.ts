import { runService } from '@rcp/runtime';
import { loadInvoicingConfig } from './config.js';
import { createInvoicingService } from './service.js';

await runService('invoicing', loadInvoicingConfig, createInvoicingService);
