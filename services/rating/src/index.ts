export * from './config.js';
export * from './service.js';
export { CatalogueStore, readCatalogueText } from './catalogue/store.js';
export { rateBatch } from './rating/rate-batch.js';
export { rateOffline, readOfflineCdrs, summaryTable, type PeriodSummary } from './cli/offline.js';
export { replayPeriod, type ReplayReport } from './replay/replay.js';
