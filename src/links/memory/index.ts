/** Public surface of the in-memory link (simulated medium). */
export { MemoryMedium, DEFAULT_MEMORY_MAX_IN_FLIGHT } from './memory-medium.js';
export type { MemoryMediumComponents, MemoryMediumInit, MemoryConnectOptions, MemoryMediumStats } from './memory-medium.js';
export { MemoryLink } from './memory-link.js';
export type { MemoryLinkInit } from './memory-link.js';
export type { MemoryConditions } from './memory-channel.js';
export { MemoryLinkAdapter } from './memory-link-adapter.js';
export type { MemoryLinkAdapterComponents, MemoryLinkAdapterInit } from './memory-link-adapter.js';
export { mulberry32 } from '../../util/prng.js';
