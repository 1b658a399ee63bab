export * from './config.js';
export * from './service.js';
export * from './ledger/posting.js';
