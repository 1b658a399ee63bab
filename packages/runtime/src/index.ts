export * from './config.js';
export * from './logger.js';
export * from './metrics.js';
export * from './http.js';
export * from './lifecycle.js';
export * from './service-context.js';
export * from './main.js';
export * from './switches.js';
