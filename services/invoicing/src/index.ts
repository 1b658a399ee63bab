export * from './config.js';
export * from './service.js';
export { closePeriod } from './periods/close-period.js';
export { invoiceEventsJsonSchema } from './events/json-schema.js';
