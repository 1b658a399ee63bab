export * from './config.js';
export * from './service.js';
export { closePeriod } from './periods/close-period.js';
