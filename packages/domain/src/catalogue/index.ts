export * from './schema.js';
export * from './errors.js';
export { parseCatalogue, catalogueVersionAt } from './parse.js';
