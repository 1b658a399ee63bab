export * from './primitives.js';
export * from './cdr.js';
export * from './rejected.js';
export * from './rated.js';
export * from './balance.js';
export * from './invoice.js';
export * from './account.js';
export * from './topics.js';
