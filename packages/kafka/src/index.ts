export * from './client.js';
export * from './topics.js';
export * from './producer.js';
export * from './consumer.js';
export * from './read-model.js';
