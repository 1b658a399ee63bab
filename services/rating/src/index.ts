export * from './config.js';
export * from './service.js';
export { CatalogueStore, readCatalogueText } from './catalogue/store.js';
export { rateBatch } from './rating/rate-batch.js';
