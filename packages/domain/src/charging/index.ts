export * from './credit.js';
export * from './grant.js';
export * from './reconcile.js';
export * from './buckets.js';
export * from './line-profile.js';
