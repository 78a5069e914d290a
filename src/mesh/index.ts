/**
 * The mesh engine's public surface (`meshgate/mesh`): the relay engine, its clock gate,
 * and the building blocks it is made of (duplicate cache, peer table, jitter, scheduler).
 */
export { MeshEngine, DEFAULT_GATEWAY_CAPABILITIES, DENSE_DEGREE, DENSE_TTL_CAP, type OriginateOptions } from './relay-engine.js';
export type {
  ClockStatePort,
  LinkMeshStats,
  MeshEngineComponents,
  MeshEngineEvents,
  MeshEngineInit,
  MeshOptions,
  MeshStats,
  PacketEvent,
  PeerEvent,
} from './mesh-types.js';
export { resolveMeshOptions } from './mesh-types.js';
export type { RoutePolicy, RouteQuery } from './route-policy.js';
export { PeerDirectory, type PeerDirectoryComponents, type PeerDirectoryInit } from './peer-directory.js';
export { LinkSet, type LinkState } from './link-set.js';
export { nextHopId, peerIdEquals } from './next-hop.js';
export { TypedEmitter, type EventMap } from './typed-emitter.js';
export { ClockState, type ClockStateSnapshot, type ClockStateListener } from './clock-state.js';
export { DedupCache, DEFAULT_DEDUP_CAPACITY, DEFAULT_DEDUP_WINDOW_MS, type DedupCacheInit } from './dedup-cache.js';
export { PeerTable, DEFAULT_MAX_PEERS, DEFAULT_MAX_ROUTES, type PeerEntry, type PeerInfo, type RouteEntry, type PeerTableInit } from './peer-table.js';
export { jitterRangeMs, relayJitterMs, JITTER_LOW_MS, JITTER_HIGH_MS, JITTER_LOW_DEGREE, JITTER_HIGH_DEGREE } from './jitter.js';
export { RelayScheduler, DEFAULT_MAX_SCHEDULED_RELAYS, type DuplicateAction, type RelaySchedulerInit, type RelaySender } from './relay-scheduler.js';
export { Announcer, type AnnouncerComponents, type AnnouncerInit } from './announcer.js';
export { verifyAnnounce, type AnnounceVerdict, type VerifiedAnnounce } from './announce-verifier.js';
export { LogLimiter, type LogLimiterInit } from './log-limiter.js';
