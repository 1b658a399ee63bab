export * from './pool.js';
export * from './migrate.js';
export * from './testing.js';
export * from './outbox.js';
export * from './copy.js';
