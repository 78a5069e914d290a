export * from './clock.js';
export * from './logger.js';
export * from './link.js';
export * from './stores.js';
