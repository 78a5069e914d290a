/** Public surface of the link adapters (see src/ports/link.ts for the Link contract). */
export { BaseLink, DEFAULT_MAX_FRAME_BYTES } from './base-link.js';
export type { BaseLinkInit } from './base-link.js';
export * from './memory/index.js';
export * from './lan-tcp/index.js';
export { reconnectDelayMs, reconnectPolicy, DEFAULT_RECONNECT_POLICY, type ReconnectPolicy } from './backoff.js';
export { DelegatingLink } from './delegating-link.js';
