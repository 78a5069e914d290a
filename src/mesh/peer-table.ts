/**
 * The peer table: what the mesh engine knows about other peers (bitchat-spec.md §3, §6).
 *
 * Two bounded maps, both keyed by peer ID (16 lowercase hex):
 * - **announced peers**: verified identity (nickname, Noise and signing keys, the cached
 *   Ed25519 `KeyObject`), the physical link a direct (TTL 7) announce bound
 *   (`directLinkId`), the link it was last heard on (`viaLinkId`) and the hop count
 *   (7 − TTL of its latest announce);
 * - **learned routes**: reverse-path entries for senders that have not announced
 *   ("sender S is reachable via link L"), so directed traffic to them need not flood.
 * Learned routes never evict announced peers, so a burst of spoofed sender IDs cannot push
 * verified peers out of the table.
 *
 * Both maps are kept in last-seen order (an update moves the entry to the back), so
 * eviction of the least recently seen entry is O(1).
 */
import type { KeyObject } from 'node:crypto';

/** One announced peer. Byte fields are owned copies. */
export interface PeerEntry {
  peerId: string;
  /** The 8-byte peer ID. */
  peerIdBytes: Uint8Array;
  nickname: string;
  noisePublicKey: Uint8Array;
  signingPublicKey: Uint8Array;
  /** Ed25519 public key, created once per key (creating one per packet is costly). */
  signingKey: KeyObject;
  /** Capability bitfield from the latest announce (0 when absent). */
  capabilities: number;
  /** ms since the epoch of the first verified announce this process saw. */
  firstSeen: number;
  /** ms since the epoch of the latest verified packet. */
  lastSeen: number;
  /** Link bound by a direct (TTL 7) announce on a phone link, if open. */
  directLinkId: string | undefined;
  /** Link the peer was last heard on. */
  viaLinkId: string | undefined;
  /** 7 − TTL of the latest announce (0 = direct neighbour). */
  hops: number;
  /** ms since the epoch this entry was last written to the PeerStore (0 = never). */
  persistedAt: number;
  /** Timestamp (ms, sender's clock) of the newest announce accepted; older ones do not change the entry. */
  announcedAt: number;
}

/** A learned reverse-path route to a sender that has not announced. */
export interface RouteEntry {
  viaLinkId: string;
  lastSeen: number;
}

/** Public view of a peer for `/api/status` (no key objects). */
export interface PeerInfo {
  peerId: string;
  nickname: string;
  /** 64 lowercase hex. */
  noisePublicKey: string;
  /** 64 lowercase hex. */
  signingPublicKey: string;
  capabilities: number;
  firstSeen: number;
  lastSeen: number;
  directLinkId: string | null;
  viaLinkId: string | null;
  hops: number;
}

export interface PeerTableInit {
  /** Announced peers kept (default 4,096). Overflow evicts the least recently seen. */
  maxPeers?: number;
  /** Learned routes kept (default 4,096). Overflow evicts the least recently seen. */
  maxRoutes?: number;
}

export const DEFAULT_MAX_PEERS = 4_096;
export const DEFAULT_MAX_ROUTES = 4_096;

/** Bounded peer table; see the module doc. Pure data structure: no clock, no I/O. */
export class PeerTable {
  readonly maxPeers: number;
  readonly maxRoutes: number;
  private readonly peers = new Map<string, PeerEntry>();
  private readonly routes = new Map<string, RouteEntry>();

  constructor(init: PeerTableInit = {}) {
    this.maxPeers = Math.max(1, init.maxPeers ?? DEFAULT_MAX_PEERS);
    this.maxRoutes = Math.max(1, init.maxRoutes ?? DEFAULT_MAX_ROUTES);
  }

  get size(): number {
    return this.peers.size;
  }

  get routeCount(): number {
    return this.routes.size;
  }

  get(peerId: string): PeerEntry | undefined {
    return this.peers.get(peerId);
  }

  /**
   * Insert or replace an announced peer and move it to the back (most recently seen).
   * Drops any learned route for the same peer ID.
   * The least recently seen peer is evicted, skipping peers on an open direct link (a flood
   * of fresh identities must not push out the phones actually connected); if every peer is
   * on an open link, the oldest goes anyway.
   * @param isOpen whether a link ID is open (default: none is).
   * @returns the entry evicted to make room, if the table was full.
   */
  upsert(entry: PeerEntry, isOpen: (linkId: string) => boolean = () => false): PeerEntry | undefined {
    this.routes.delete(entry.peerId);
    const had = this.peers.delete(entry.peerId);
    let evicted: PeerEntry | undefined;
    if (!had && this.peers.size >= this.maxPeers) {
      for (const candidate of this.peers.values()) {
        evicted ??= candidate;
        if (candidate.directLinkId === undefined || !isOpen(candidate.directLinkId)) {
          evicted = candidate;
          break;
        }
      }
      if (evicted) this.peers.delete(evicted.peerId);
    }
    this.peers.set(entry.peerId, entry);
    return evicted;
  }

  /** Move an existing peer to the back after its `lastSeen` was raised. */
  touch(entry: PeerEntry): void {
    if (this.peers.get(entry.peerId) !== entry) return;
    this.peers.delete(entry.peerId);
    this.peers.set(entry.peerId, entry);
  }

  remove(peerId: string): PeerEntry | undefined {
    const e = this.peers.get(peerId);
    if (e) this.peers.delete(peerId);
    return e;
  }

  /** Learn that an unannounced sender is reachable via `linkId` (no-op for announced peers). */
  learnRoute(peerId: string, linkId: string, nowMs: number): void {
    if (this.peers.has(peerId)) return;
    const r = this.routes.get(peerId);
    if (r) {
      this.routes.delete(peerId);
      r.viaLinkId = linkId;
      r.lastSeen = nowMs;
      this.routes.set(peerId, r);
      return;
    }
    if (this.routes.size >= this.maxRoutes) {
      for (const oldest of this.routes.keys()) {
        this.routes.delete(oldest);
        break;
      }
    }
    this.routes.set(peerId, { viaLinkId: linkId, lastSeen: nowMs });
  }

  route(peerId: string): RouteEntry | undefined {
    return this.routes.get(peerId);
  }

  /**
   * The link ids known for `peerId` as `[directLinkId, viaLinkId]`: for an announced peer
   * its direct and last-heard links, for an unannounced sender `[undefined, learned route]`,
   * `[undefined, undefined]` when unknown. The caller checks that they are open.
   */
  linksFor(peerId: string): [string | undefined, string | undefined] {
    const p = this.peers.get(peerId);
    if (p) return [p.directLinkId, p.viaLinkId];
    return [undefined, this.routes.get(peerId)?.viaLinkId];
  }

  /**
   * Forget everything bound to a closed link: clears `directLinkId`/`viaLinkId` of peers and
   * deletes learned routes through it. Returns the peers that changed.
   */
  unbindLink(linkId: string): PeerEntry[] {
    const changed: PeerEntry[] = [];
    for (const p of this.peers.values()) {
      let c = false;
      if (p.directLinkId === linkId) {
        p.directLinkId = undefined;
        c = true;
      }
      if (p.viaLinkId === linkId) {
        p.viaLinkId = undefined;
        c = true;
      }
      if (c) changed.push(p);
    }
    for (const [id, r] of this.routes) if (r.viaLinkId === linkId) this.routes.delete(id);
    return changed;
  }

  /**
   * Remove peers and routes last seen at or before `nowMs − expiryMs`. Peers still bound to
   * an open direct link (`isLinkOpen(directLinkId)`) are kept: they are connected.
   * @returns the removed peers.
   */
  expire(nowMs: number, expiryMs: number, isLinkOpen: (linkId: string) => boolean): PeerEntry[] {
    const cutoff = nowMs - expiryMs;
    const removed: PeerEntry[] = [];
    for (const p of this.peers.values()) {
      if (p.lastSeen > cutoff) continue;
      if (p.directLinkId !== undefined && isLinkOpen(p.directLinkId)) continue;
      removed.push(p);
    }
    for (const p of removed) this.peers.delete(p.peerId);
    for (const [id, r] of this.routes) {
      if (r.lastSeen > cutoff) break;
      this.routes.delete(id);
    }
    return removed;
  }

  /** Announced peers, most recently seen first, at most `limit`. */
  list(limit = Number.POSITIVE_INFINITY): PeerEntry[] {
    const all = [...this.peers.values()];
    all.reverse();
    return all.length > limit ? all.slice(0, limit) : all;
  }

  /** Peers bound to a direct link for which `isLinkOpen` holds, most recent first, at most `limit`. */
  directNeighbours(limit: number, isLinkOpen: (linkId: string) => boolean): PeerEntry[] {
    const out: PeerEntry[] = [];
    const all = [...this.peers.values()];
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
      const p = all[i];
      if (p.directLinkId !== undefined && isLinkOpen(p.directLinkId)) out.push(p);
    }
    return out;
  }

  clear(): void {
    this.peers.clear();
    this.routes.clear();
  }
}
