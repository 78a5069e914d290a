/**
 * Shapes shared by the mesh engine and its consumers: constructor components and options,
 * typed events, and the stats snapshot that feeds `/api/status`.
 */
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { PeerStore } from '../ports/stores.js';
import type { IdentityKeys } from '../protocol/keys.js';
import type { DecodedFrame } from '../protocol/packet.js';
import type { PeerInfo } from './peer-table.js';
import type { DuplicateAction } from './relay-scheduler.js';

/** The part of {@link ClockState} the engine reads; `onChange` is optional. */
export interface ClockStatePort {
  isSynchronized(): boolean;
  onChange?(listener: (synchronized: boolean) => void): () => void;
}

/** What the engine uses (DESIGN.md §3 `(components, init)`). */
export interface MeshEngineComponents {
  clock: Clock;
  logger: Logger;
  peerStore: PeerStore;
  /** Uniform in [0, 1) for relay jitter and announce intervals: the daemon passes the platform's, tests a seeded one (src/util/prng.ts). Core code never reads a random source of its own. */
  random: () => number;
  clockState: ClockStatePort;
  /** This gateway's identity; `peerId` is 16 lowercase hex. */
  identity: { keys: IdentityKeys; peerId: string };
}

/** Engine options. Times in ms. Every field but `nickname` has a default. */
export interface MeshEngineInit {
  nickname: string;
  /** Duplicate-suppression LRU size (default 10,000; Android `SecurityManager`). */
  dedupCapacity?: number;
  /** Duplicate-suppression window (default 300,000 = 5 min; bitchat-spec.md §6). */
  dedupWindowMs?: number;
  /** Own announce interval bounds (default 15,000..30,000; bitchat-spec.md §3). */
  announceIntervalMinMs?: number;
  announceIntervalMaxMs?: number;
  /** A peer not heard for this long is forgotten (default 180,000). */
  peerExpiryMs?: number;
  /** Non-RSR packets further than this from our (synchronised) clock are dropped (default 120,000; iOS). */
  maxClockSkewMs?: number;
  /** Jitter broadcast relays (default true). */
  relayJitter?: boolean;
  /** Own capability bitfield (default gateway | bridge = bits 2 and 7 = 0x84). */
  capabilities?: bigint | number;
  /** Announced peers kept (default 4,096; least recently seen evicted). */
  maxPeers?: number;
  /** Reverse-path routes to unannounced senders kept (default 4,096; least recently seen evicted). */
  maxRoutes?: number;
  /** Jittered relays waiting at once (default 4,096; when full, relays go out immediately). */
  maxScheduledRelays?: number;
  /** What a duplicate does to a waiting relay: `prune` its link (default) or `cancel` it (iOS, degree > 2). */
  duplicateAction?: DuplicateAction;
  /** Peer expiry sweep period (default 10,000). */
  sweepIntervalMs?: number;
  /** Minimum gap between writes of one peer's lastSeen to the PeerStore (default 60,000). */
  persistIntervalMs?: number;
  /** Fragment reassembly timeout (default 30,000; bitchat-spec.md §5). */
  fragmentTimeoutMs?: number;
}

/** Emitted for every accepted packet (after relaying it) and every completed reassembly. */
export interface PacketEvent {
  /** The decoded frame; `frame.packet.ttl` is the clamped (<= 7) received TTL. */
  frame: DecodedFrame;
  /** Id of the link it arrived on. */
  linkId: string;
  /** Whether a relay was sent or scheduled (a scheduled relay may still be pruned by duplicates). */
  relayed: boolean;
  /** true: signature verified with the sender's known key; false never (bad ones are dropped); null: not checked (unsigned type or unknown key). */
  verified: boolean | null;
  /** True when this packet was reassembled from fragments (it was not relayed as a whole). */
  reassembled: boolean;
}

export type PeerEvent =
  | { kind: 'added'; peer: PeerInfo }
  | { kind: 'updated'; peer: PeerInfo }
  | { kind: 'removed'; peer: PeerInfo; reason: 'expired' | 'evicted' };

export interface MeshEngineEvents {
  packet: (e: PacketEvent) => void;
  peer: (e: PeerEvent) => void;
}

/** Per-link engine counters. */
export interface LinkMeshStats {
  /** Frames received from this link. */
  received: number;
  /** Packets from this link that passed every check. */
  accepted: number;
  /** Frames the engine handed to this link (relays, originated packets, own announces). */
  relayedOut: number;
  /** Ingress drops by MeshgateError code. */
  dropsByCode: Record<string, number>;
  /** Egress failures by code (`MG_ERR_LINK_QUEUE_FULL` when send returned false, or the thrown code). */
  sendErrorsByCode: Record<string, number>;
}

/** Engine-wide counters (monotonic unless noted). */
export interface MeshStats {
  received: number;
  accepted: number;
  /** Packets relayed (sent to at least one link). */
  relayed: number;
  /** Packets originated by `originate` and own announces. */
  originated: number;
  duplicates: number;
  /** Signed-type packets relayed without verification because the sender's key is unknown. */
  unverified: number;
  dropsByCode: Record<string, number>;
  perLink: Record<string, LinkMeshStats>;
  /** Jittered relays waiting now. */
  scheduledRelays: number;
  /** Waiting relays cancelled because duplicates covered every target. */
  relaysCancelled: number;
  /** Relays sent at once because the scheduler was full. */
  relayOverflow: number;
  /** Keys in the duplicate cache now. */
  dedupSize: number;
  /** Announced peers known now. */
  peers: number;
  /** Reverse-path routes to unannounced senders now. */
  routes: number;
  /** PeerStore calls that threw. */
  storeErrors: number;
}

/** {@link MeshEngineInit} with every default filled in (except `nickname` and `capabilities`). */
export type MeshOptions = Required<Omit<MeshEngineInit, 'capabilities' | 'nickname'>>;

/** Fill in the defaults documented on {@link MeshEngineInit}. */
export function resolveMeshOptions(init: MeshEngineInit): MeshOptions {
  return {
    dedupCapacity: init.dedupCapacity ?? 10_000,
    dedupWindowMs: init.dedupWindowMs ?? 300_000,
    announceIntervalMinMs: init.announceIntervalMinMs ?? 15_000,
    announceIntervalMaxMs: init.announceIntervalMaxMs ?? 30_000,
    peerExpiryMs: init.peerExpiryMs ?? 180_000,
    maxClockSkewMs: init.maxClockSkewMs ?? 120_000,
    relayJitter: init.relayJitter ?? true,
    maxPeers: init.maxPeers ?? 4_096,
    maxRoutes: init.maxRoutes ?? 4_096,
    maxScheduledRelays: init.maxScheduledRelays ?? 4_096,
    duplicateAction: init.duplicateAction ?? 'prune',
    sweepIntervalMs: init.sweepIntervalMs ?? 10_000,
    persistIntervalMs: init.persistIntervalMs ?? 60_000,
    fragmentTimeoutMs: init.fragmentTimeoutMs ?? 30_000,
  };
}
