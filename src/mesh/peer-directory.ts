/**
 * The peer directory: turns verified announces into peer-table entries, persists them
 * through the PeerStore, binds direct links, learns reverse paths and expires stale peers,
 * emitting `peer` events (bitchat-spec.md §3, §6).
 *
 * Binding rules: an announce received with TTL 7 on a phone link (not a gateway link) is a
 * direct announce and binds that link to the peer (`directLinkId`), as iOS does; every
 * accepted packet from a peer sets `viaLinkId` to the link it came on, but for a peer
 * with a known signing key only verified packets do, so a spoofed unsigned packet cannot
 * divert its traffic.
 */
import type { ErrorCode } from '../errors.js';
import type { PeerStore } from '../ports/stores.js';
import { toHex } from '../protocol/hex.js';
import { Flags, MAX_TTL, type DecodedFrame } from '../protocol/packet.js';
import { verifyFrame } from '../protocol/signing.js';
import { verifyAnnounce } from './announce-verifier.js';
import type { PeerEvent } from './mesh-types.js';
import { PeerTable, type PeerEntry, type PeerInfo } from './peer-table.js';

export interface PeerDirectoryComponents {
  store: PeerStore;
  /** Whether a link id is attached and open. */
  isOpen: (linkId: string) => boolean;
  /** Receives every peer event. */
  onPeer: (e: PeerEvent) => void;
  /** Called when a PeerStore call throws (the directory carries on in memory). */
  onStoreError: (err: unknown) => void;
}

export interface PeerDirectoryInit {
  maxPeers: number;
  maxRoutes: number;
  /** Minimum gap between PeerStore writes of an unchanged peer, ms. */
  persistIntervalMs: number;
}

export class PeerDirectory {
  readonly table: PeerTable;
  private readonly c: PeerDirectoryComponents;
  private readonly persistIntervalMs: number;

  constructor(components: PeerDirectoryComponents, init: PeerDirectoryInit) {
    this.c = components;
    this.table = new PeerTable({ maxPeers: init.maxPeers, maxRoutes: init.maxRoutes });
    this.persistIntervalMs = init.persistIntervalMs;
  }

  /**
   * Verify an announce (see `verifyAnnounce`) and record its peer.
   * @returns the updated entry, or the drop code (MG_ERR_BAD_ANNOUNCE, MG_ERR_BAD_TLV,
   *   MG_ERR_BAD_KEY, MG_ERR_BAD_SIGNATURE, MG_ERR_KEY_PIN_MISMATCH).
   */
  acceptAnnounce(frame: DecodedFrame, senderHex: string, linkId: string, isGatewayLink: boolean, now: number): PeerEntry | ErrorCode {
    const p = frame.packet;
    const existing = this.table.get(senderHex);
    const verdict = verifyAnnounce(frame, existing, this.c.store, now);
    if (verdict.storeError !== undefined) this.c.onStoreError(verdict.storeError);
    if (!verdict.ok) return verdict.code;
    const { announce, signingKey } = verdict.value;
    const rsr = (p.flags & Flags.IS_RSR) !== 0;
    // A replayed or sync-response copy of an older announce must not roll the entry back.
    if (existing && p.timestamp < existing.announcedAt) return existing;
    const caps = announce.capabilities === undefined ? 0 : Number(BigInt.asUintN(53, BigInt(announce.capabilities)));
    const entry: PeerEntry = existing ?? {
      peerId: senderHex,
      peerIdBytes: p.senderID.slice(),
      nickname: announce.nickname,
      noisePublicKey: announce.noisePublicKey,
      signingPublicKey: announce.signingPublicKey,
      signingKey,
      capabilities: caps,
      firstSeen: now,
      lastSeen: now,
      directLinkId: undefined,
      viaLinkId: undefined,
      hops: MAX_TTL - p.ttl,
      persistedAt: 0,
      announcedAt: p.timestamp,
    };
    const changed = !existing || existing.nickname !== announce.nickname || existing.signingKey !== signingKey;
    entry.nickname = announce.nickname;
    entry.noisePublicKey = announce.noisePublicKey;
    entry.signingPublicKey = announce.signingPublicKey;
    entry.signingKey = signingKey;
    entry.capabilities = caps;
    entry.announcedAt = p.timestamp;
    // Sync responses (RSR) are history served by a neighbour: they say nothing about where
    // the peer is now, so they neither refresh lastSeen nor move its links.
    if (!rsr || !existing) {
      entry.lastSeen = now;
      entry.viaLinkId = linkId;
      entry.hops = MAX_TTL - p.ttl;
      if (p.ttl === MAX_TTL && !isGatewayLink && !rsr && !this.hasOpenDirectLink(entry)) entry.directLinkId = linkId;
    }
    const evicted = this.table.upsert(entry, this.c.isOpen);
    if (evicted) this.c.onPeer({ kind: 'removed', peer: this.info(evicted), reason: 'evicted' });
    if (changed || now - entry.persistedAt >= this.persistIntervalMs) this.persist(entry, now);
    this.c.onPeer({ kind: existing ? 'updated' : 'added', peer: this.info(entry) });
    return entry;
  }

  private persist(entry: PeerEntry, now: number): void {
    try {
      this.c.store.upsertPeer({
        peerId: entry.peerId,
        nickname: entry.nickname,
        noisePublicKey: toHex(entry.noisePublicKey),
        signingPublicKey: toHex(entry.signingPublicKey),
        firstSeen: entry.firstSeen,
        lastSeen: now,
      });
      entry.persistedAt = now;
    } catch (err) {
      this.c.onStoreError(err);
    }
  }

  /**
   * A duplicate direct (TTL 7) announce arrived on another phone link: bind that link too
   * (iOS binds a physical link only on a direct announce). The duplicate key hashes only
   * 4 bytes of the payload, so the signature is checked with the peer's known key first.
   * @returns true when the binding changed.
   */
  bindDuplicateAnnounce(frame: DecodedFrame, linkId: string): boolean {
    const entry = this.table.get(toHex(frame.packet.senderID));
    if (!entry || entry.directLinkId === linkId) return false;
    // The TTL byte is not signed: a neighbour can hand our own relay back with TTL 7. A
    // physical link does not move while it is open, so only an unbound peer is rebound.
    if ((frame.packet.flags & Flags.IS_RSR) !== 0 || this.hasOpenDirectLink(entry)) return false;
    if (!verifyFrame(frame, entry.signingKey)) return false;
    entry.directLinkId = linkId;
    entry.viaLinkId = linkId;
    entry.hops = 0;
    this.c.onPeer({ kind: 'updated', peer: this.info(entry) });
    return true;
  }

  /**
   * Reverse-path learning for an accepted non-announce packet from `senderHex` on `linkId`.
   * @param verifiedPeer the sender's entry when its signature verified with the known key.
   */
  learn(senderHex: string, linkId: string, verifiedPeer: PeerEntry | undefined, now: number): void {
    if (verifiedPeer) {
      verifiedPeer.lastSeen = now;
      verifiedPeer.viaLinkId = linkId;
      this.table.touch(verifiedPeer);
    } else {
      this.table.learnRoute(senderHex, linkId, now);
    }
  }

  private hasOpenDirectLink(entry: PeerEntry): boolean {
    return entry.directLinkId !== undefined && this.c.isOpen(entry.directLinkId);
  }

  /** The open link to reach `peerId` through: its direct link, else its last-heard link. */
  linkFor(peerId: string): string | undefined {
    const [direct, via] = this.table.linksFor(peerId);
    if (direct !== undefined && this.c.isOpen(direct)) return direct;
    if (via !== undefined && this.c.isOpen(via)) return via;
    return undefined;
  }

  /** A link closed: unbind its peers (emits `updated` for each). */
  unbindLink(linkId: string): void {
    for (const p of this.table.unbindLink(linkId)) this.c.onPeer({ kind: 'updated', peer: this.info(p) });
  }

  /** Expire peers and routes not heard for `expiryMs` (emits `removed`). */
  expire(now: number, expiryMs: number): void {
    for (const p of this.table.expire(now, expiryMs, this.c.isOpen)) this.c.onPeer({ kind: 'removed', peer: this.info(p), reason: 'expired' });
  }

  /** Up to `limit` peer IDs (8 bytes) bound on open direct links, most recent first. */
  directNeighbours(limit: number): Uint8Array[] {
    return this.table.directNeighbours(limit, this.c.isOpen).map((p) => p.peerIdBytes);
  }

  /** Public view of an entry (keys as hex; `directLinkId` only while that link is open). */
  info(p: PeerEntry): PeerInfo {
    return {
      peerId: p.peerId,
      nickname: p.nickname,
      noisePublicKey: toHex(p.noisePublicKey),
      signingPublicKey: toHex(p.signingPublicKey),
      capabilities: p.capabilities,
      firstSeen: p.firstSeen,
      lastSeen: p.lastSeen,
      directLinkId: p.directLinkId !== undefined && this.c.isOpen(p.directLinkId) ? p.directLinkId : null,
      viaLinkId: p.viaLinkId ?? null,
      hops: p.hops,
    };
  }
}
