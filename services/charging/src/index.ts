export * from './config.js';
export * from './service.js';
export * from './ledger/posting.js';
export { LedgerBook } from './ledger/book.js';
export { CreditControl, type Caller, type Granted, type Refused, type Terminated, type EventCharged } from './credit-control/control.js';
export { chargeRatedCdrs } from './consumers/rated.js';
export { applyStandingEvents, standingChangeOf } from './consumers/standing.js';
