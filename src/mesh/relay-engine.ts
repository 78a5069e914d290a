/**
 * The mesh engine: ingress checks, duplicate suppression, announce verification and the
 * peer table, signature checks, reverse-path learning, the relay decision with jitter,
 * local delivery events, origination and the gateway's own announces
 * (bitchat-spec.md §3, §6). Upstream: Android `mesh/PacketRelayManager.kt`,
 * `mesh/SecurityManager.kt`; iOS `Services/RelayController.swift`,
 * `Utils/MessageDeduplicator.swift`, `BLEIngressPacketGuard.swift`.
 *
 * Per received frame: decode → clamp TTL to 7 → own packet? → timestamp skew (when our
 * clock is synchronised and the packet is not RSR) → duplicate? → announce / signature
 * check → mark seen → learn the reverse path → relay → emit `packet` → feed fragments to
 * the reassembler. Every rejection is counted per link and per code; nothing from a link
 * ever throws out of the engine. A relayed frame is the received bytes with only the TTL
 * byte patched, made once and shared by every egress link.
 *
 * Relay rules: never relay TTL <= 1 (after the clamp), request-sync, our own packets or
 * packets addressed to us; relay with TTL − 1, capped at 5 for broadcasts when degree >= 6.
 * Broadcasts (and unknown types) go to every open link but the ingress (split horizon)
 * after a degree-dependent jitter; directed packets go at once, only to the next hop's link
 * when it is known, open and not the ingress, else flood.
 *
 * Core logic: time and timers come only from the injected Clock, randomness from
 * `random`, persistence from the PeerStore port.
 *
 * Why over 400 lines in one file: the per-frame pipeline (including the route-policy
 * hook) stays readable top to bottom in one place; each of its parts (dedup cache, peer
 * directory, relay scheduler, announcer, link set, jitter, next hop, route policy types)
 * already lives in a file of its own.
 */
import type { KeyObject } from 'node:crypto';
import { MeshgateError, errorCodeOf, type ErrorCode } from '../errors.js';
import type { Clock, TimerHandle } from '../ports/clock.js';
import type { Link } from '../ports/link.js';
import type { Logger } from '../ports/logger.js';
import { Capability, capabilityBits, MAX_ANNOUNCE_NEIGHBORS } from '../protocol/announce.js';
import { decodePacket, encodePacket, withTtl, type EncodeOptions } from '../protocol/codec.js';
import { fromHex, toHex } from '../protocol/hex.js';
import { ed25519PrivateKey } from '../protocol/keys.js';
import { duplicateKey } from '../protocol/packet-id.js';
import { Flags, MAX_TTL, MessageType, isBroadcast, type BitchatPacket, type DecodedFrame } from '../protocol/packet.js';
import { FragmentReassembler } from '../protocol/reassembler.js';
import { signPacket, verifyFrame } from '../protocol/signing.js';
import { Announcer } from './announcer.js';
import { DedupCache } from './dedup-cache.js';
import { relayJitterMs } from './jitter.js';
import { LinkSet, type LinkState } from './link-set.js';
import { LogLimiter } from './log-limiter.js';
import { resolveMeshOptions, type ClockStatePort, type MeshEngineComponents, type MeshEngineEvents, type MeshEngineInit, type MeshOptions, type MeshStats } from './mesh-types.js';
import { nextHopId, peerIdEquals } from './next-hop.js';
import { PeerDirectory } from './peer-directory.js';
import type { PeerEntry, PeerInfo } from './peer-table.js';
import { RelayScheduler } from './relay-scheduler.js';
import { TypedEmitter } from './typed-emitter.js';
import type { RoutePolicy } from './route-policy.js';

/** Default own capabilities: gateway (bit 2) | bridge (bit 7) = 0x84 (bitchat-spec.md §4). */
export const DEFAULT_GATEWAY_CAPABILITIES = capabilityBits(Capability.GATEWAY, Capability.BRIDGE);
/** Broadcast relays from a node with this many links or more leave with TTL <= 5 (bitchat-spec.md §6). */
export const DENSE_DEGREE = 6;
export const DENSE_TTL_CAP = 5;

/** Types whose signature must verify when the sender's key is known (bitchat-spec.md §2). */
const SIGNED_TYPE = new Uint8Array(256);
for (const t of [MessageType.MESSAGE, MessageType.LEAVE, MessageType.FILE_TRANSFER, MessageType.VOICE_FRAME]) SIGNED_TYPE[t] = 1;

/** Options of {@link MeshEngine.originate}. */
export interface OriginateOptions extends EncodeOptions {
  /** Sign the packet with our Ed25519 key before encoding (default false). */
  sign?: boolean;
}

/** The relay engine; see the module doc. Lifecycle: `start()` / `stop()`. */
export class MeshEngine {
  /** Our peer ID, 16 lowercase hex. */
  readonly peerId: string;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly random: () => number;
  private readonly clockState: ClockStatePort;
  private readonly ownId: Uint8Array;
  private readonly signingKey: KeyObject;
  private readonly opts: MeshOptions;
  private readonly dedup: DedupCache;
  private readonly links: LinkSet;
  private readonly directory: PeerDirectory;
  private readonly scheduler: RelayScheduler;
  private readonly reassembler: FragmentReassembler;
  private readonly announcer: Announcer;
  private readonly logLimiter: LogLimiter;
  private readonly events: TypedEmitter<MeshEngineEvents>;
  private readonly counters = { received: 0, accepted: 0, relayed: 0, originated: 0, duplicates: 0, unverified: 0, storeErrors: 0 };
  private readonly dropsByCode: Record<string, number> = {};
  private sweepTimer: TimerHandle | undefined;
  private unsubscribeClock: (() => void) | undefined;
  private running = false;
  private routePolicy: RoutePolicy | undefined;

  /**
   * @param components clock, logger, peerStore, clockState, identity, optional random.
   * @param init options (see {@link MeshEngineInit}; every field but `nickname` has a default).
   * @throws MeshgateError MG_ERR_BAD_KEY when the identity's signing key is not 32 bytes;
   *   MG_ERR_BAD_HEX when `identity.peerId` is not 16 hex characters;
   *   MG_ERR_CONFIG_INVALID for a non-positive fragment timeout.
   */
  constructor(components: MeshEngineComponents, init: MeshEngineInit) {
    this.clock = components.clock;
    this.logger = components.logger;
    this.random = components.random;
    this.clockState = components.clockState;
    this.peerId = components.identity.peerId.toLowerCase();
    this.ownId = fromHex(this.peerId, 8);
    this.signingKey = ed25519PrivateKey(components.identity.keys.signingPrivateKey);
    this.opts = resolveMeshOptions(init);
    this.events = new TypedEmitter<MeshEngineEvents>(this.logger);
    this.logLimiter = new LogLimiter({ clock: this.clock });
    this.dedup = new DedupCache({ capacity: this.opts.dedupCapacity, windowMs: this.opts.dedupWindowMs });
    this.links = new LinkSet({ onFrame: (ls, frame) => this.ingest(ls, frame), onClose: (link) => this.removeLink(link) });
    const isOpen = (id: string): boolean => this.links.isOpen(id);
    this.directory = new PeerDirectory(
      { store: components.peerStore, isOpen, onPeer: (e) => this.events.emit('peer', e), onStoreError: (err) => this.storeFailed(err) },
      { maxPeers: this.opts.maxPeers, maxRoutes: this.opts.maxRoutes, persistIntervalMs: this.opts.persistIntervalMs },
    );
    this.scheduler = new RelayScheduler(
      { clock: this.clock, send: (frame, ids) => this.sendRelay(frame, ids) },
      { maxScheduled: this.opts.maxScheduledRelays, duplicateAction: this.opts.duplicateAction },
    );
    this.reassembler = new FragmentReassembler({ clock: this.clock }, { timeoutMs: this.opts.fragmentTimeoutMs });
    this.announcer = new Announcer(
      {
        clock: this.clock,
        random: this.random,
        keys: components.identity.keys,
        senderID: this.ownId,
        signingKey: this.signingKey,
        neighbours: () => this.directory.directNeighbours(MAX_ANNOUNCE_NEIGHBORS),
        linkIds: () => this.links.ids(),
        mayOriginate: () => this.clockState.isSynchronized(),
        send: (linkId, frame, packet) => this.sendOwn(linkId, frame, packet),
      },
      {
        nickname: init.nickname,
        capabilities: init.capabilities ?? DEFAULT_GATEWAY_CAPABILITIES,
        intervalMinMs: this.opts.announceIntervalMinMs,
        intervalMaxMs: this.opts.announceIntervalMaxMs,
      },
    );
  }

  // ---- lifecycle -------------------------------------------------------------------

  /** Start the announce and sweep timers and announce on links already added. Idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.announcer.start();
    this.armSweep();
    this.unsubscribeClock = this.clockState.onChange?.((synced) => {
      if (synced && this.running) this.announcer.announceOn(this.links.ids());
    });
    this.announcer.announceOn(this.links.ids());
  }

  /** Cancel every timer the engine owns, drop waiting relays and fragment sets, detach from all links. */
  stop(): void {
    this.running = false;
    this.announcer.stop();
    if (this.sweepTimer !== undefined) this.clock.clearTimer(this.sweepTimer);
    this.sweepTimer = undefined;
    this.unsubscribeClock?.();
    this.unsubscribeClock = undefined;
    this.scheduler.clear();
    this.reassembler.clear();
    for (const ls of [...this.links.values()]) this.removeLink(ls.link);
  }

  // ---- links -------------------------------------------------------------------------

  /** Attach an open link: its frames are processed, and our announce is sent on it when running and the clock is synchronised. */
  addLink(link: Link): void {
    if (this.links.attach(link) && this.running) this.announcer.announceOn([link.id]);
  }

  /** Detach a link (also done on its `close` event): unbinds its peers, drops it from waiting relays, forgets its stats. */
  removeLink(link: Link): void {
    if (!this.links.detach(link)) return;
    this.scheduler.dropLink(link.id);
    this.announcer.forget(link.id);
    this.directory.unbindLink(link.id);
  }

  /** Number of attached links (the node's degree). */
  get degree(): number {
    return this.links.size;
  }

  // ---- ingress -----------------------------------------------------------------------

  private ingest(ls: LinkState, bytes: Uint8Array): void {
    this.counters.received++;
    ls.stats.received++;
    try {
      this.process(decodePacket(bytes), ls, false);
    } catch (err) {
      // Decode errors; anything else (a bug) must not escape into the link either.
      this.drop(ls, errorCodeOf(err), err);
    }
  }

  private process(frame: DecodedFrame, ls: LinkState, reassembled: boolean): void {
    const p = frame.packet;
    if (p.ttl > MAX_TTL) p.ttl = MAX_TTL;
    if (peerIdEquals(p.senderID, this.ownId)) return this.drop(ls, 'MG_ERR_OWN_PACKET');
    const now = this.clock.now();
    if ((p.flags & Flags.IS_RSR) === 0 && this.clockState.isSynchronized() && Math.abs(p.timestamp - now) > this.opts.maxClockSkewMs) {
      return this.drop(ls, 'MG_ERR_STALE_TIMESTAMP');
    }
    const key = duplicateKey(p.senderID, p.timestamp, p.type, p.payload);
    if (this.dedup.has(key, now)) {
      this.counters.duplicates++;
      this.count(ls, 'MG_ERR_DUPLICATE');
      this.scheduler.onDuplicate(key, ls.link.id, this.links.size);
      if (p.type === MessageType.ANNOUNCE && p.ttl === MAX_TTL && !ls.link.isGatewayLink) this.directory.bindDuplicateAnnounce(frame, ls.link.id);
      return;
    }
    const senderHex = toHex(p.senderID);
    let verified: boolean | null = null;
    let peer: PeerEntry | undefined;
    if (p.type === MessageType.ANNOUNCE) {
      const r = this.directory.acceptAnnounce(frame, senderHex, ls.link.id, ls.link.isGatewayLink, now);
      if (typeof r === 'string') return this.drop(ls, r);
      peer = r;
      verified = true;
    } else if (SIGNED_TYPE[p.type] === 1) {
      peer = this.directory.table.get(senderHex);
      if (peer) {
        if (!verifyFrame(frame, peer.signingKey)) return this.drop(ls, 'MG_ERR_BAD_SIGNATURE');
        verified = true;
      } else {
        this.counters.unverified++;
      }
    }
    // Marked seen only now, so a forged copy (bad signature) cannot pre-empt the real one.
    this.dedup.add(key, now);
    this.counters.accepted++;
    ls.stats.accepted++;
    // Reverse-path learning (only verified packets move a peer whose key is known).
    if (p.type !== MessageType.ANNOUNCE) this.directory.learn(senderHex, ls.link.id, verified ? peer : undefined, now);
    const relayed = reassembled ? false : this.relay(frame, key, ls);
    if (this.events.has('packet')) this.events.emit('packet', { frame, linkId: ls.link.id, relayed, verified, reassembled });
    if (p.type === MessageType.FRAGMENT && !reassembled) this.reassemble(p, senderHex, ls);
  }

  /** Feed a fragment to the reassembler; a completed packet is processed locally (not relayed again). */
  private reassemble(p: BitchatPacket, senderHex: string, ls: LinkState): void {
    let inner: DecodedFrame;
    try {
      const r = this.reassembler.add(senderHex, p.payload);
      if (!r.complete) return;
      inner = decodePacket(r.frame);
      if (inner.packet.type !== r.originalType || inner.packet.type === MessageType.FRAGMENT) {
        return this.drop(ls, 'MG_ERR_BAD_FRAGMENT');
      }
    } catch (err) {
      return this.drop(ls, errorCodeOf(err), err);
    }
    this.process(inner, ls, true);
  }

  // ---- relay -------------------------------------------------------------------------

  /** Decide and perform the relay of an accepted packet. Returns true when sent or scheduled. */
  private relay(frame: DecodedFrame, key: string, ls: LinkState): boolean {
    const p = frame.packet;
    // Sync responses (RSR) are link-local history: the RSR bit is not signed, so relaying
    // them would let anyone replay old packets past every node's freshness check.
    if (p.ttl <= 1 || p.type === MessageType.REQUEST_SYNC || (p.flags & Flags.IS_RSR) !== 0) return false;
    const broadcast = isBroadcast(p);
    if (!broadcast && peerIdEquals(p.recipientID as Uint8Array, this.ownId)) return false;
    const degree = this.links.size;
    let ttl = p.ttl - 1;
    if (broadcast && degree >= DENSE_DEGREE && ttl > DENSE_TTL_CAP) ttl = DENSE_TTL_CAP;
    let ids: string[];
    let nextHop: string | undefined;
    if (broadcast) {
      ids = this.links.openIdsExcept(ls);
    } else {
      nextHop = toHex(nextHopId(p, this.ownId));
      const hop = this.directory.linkFor(nextHop);
      // The next hop sits behind the link this came in on: it already has it (split horizon).
      if (hop === ls.link.id) return false;
      ids = hop !== undefined ? [hop] : this.links.openIdsExcept(ls);
    }
    if (this.routePolicy) {
      const chosen = this.applyPolicy(p, broadcast, nextHop, ls, ids);
      if (chosen.length === 0 && ids.length > 0) {
        this.count(ls, 'MG_ERR_NO_ROUTE');
        return false;
      }
      ids = chosen;
    }
    if (ids.length === 0) return false;
    const out = withTtl(frame.bytes, ttl);
    if (broadcast && this.opts.relayJitter && this.scheduler.schedule(key, out, ids, relayJitterMs(degree, this.random))) return true;
    this.sendRelay(out, ids);
    return true;
  }

  /**
   * Install (or remove, with undefined) the route policy consulted for every relayed and
   * originated packet (src/mesh/route-policy.ts).
   */
  setRoutePolicy(policy: RoutePolicy | undefined): void {
    this.routePolicy = policy;
  }

  /** Ask the policy; keep only open candidate links; fall back to the default on a throw. */
  private applyPolicy(p: BitchatPacket, broadcast: boolean, nextHop: string | undefined, ls: LinkState | undefined, defaults: string[]): string[] {
    const candidates = this.links.openIdsExcept(ls);
    let chosen: readonly string[] | undefined;
    try {
      chosen = this.routePolicy?.selectLinks({ packet: p, broadcast, nextHopPeerId: nextHop, ingressLinkId: ls?.link.id, defaultLinkIds: defaults, candidateLinkIds: candidates });
    } catch (err) {
      this.dropsByCode.MG_ERR_UNKNOWN = (this.dropsByCode.MG_ERR_UNKNOWN ?? 0) + 1;
      this.logger.warn({ err: String(err) }, 'route policy threw; using the default links');
      return defaults;
    }
    if (chosen === undefined) return defaults;
    const allowed = new Set(candidates);
    return chosen.filter((id) => allowed.has(id));
  }

  /** The one link a directed (or routed) packet we originate should take, or undefined to flood. */
  private directedLink(p: BitchatPacket): string | undefined {
    return this.directory.linkFor(toHex(nextHopId(p, this.ownId)));
  }

  private sendRelay(frame: Uint8Array, linkIds: readonly string[]): void {
    if (this.links.sendTo(linkIds, frame) > 0) this.counters.relayed++;
  }

  // ---- origination -------------------------------------------------------------------

  /**
   * Originate a packet: optionally sign it, encode it, mark it as seen (so echoes are
   * dropped) and send it at once — a directed packet to its next hop's link when known,
   * anything else to every link. Returns the frame sent.
   * @throws MeshgateError MG_ERR_CLOCK_UNSYNCED while the clock is not synchronised;
   *   codec errors (MG_ERR_BAD_LENGTH, MG_ERR_FRAME_TOO_LARGE) for a bad packet.
   */
  originate(packet: BitchatPacket, opts: OriginateOptions = {}): Uint8Array {
    if (!this.clockState.isSynchronized()) {
      throw new MeshgateError('MG_ERR_CLOCK_UNSYNCED', 'refusing to originate: the clock is not synchronised');
    }
    const pk = opts.sign ? signPacket(packet, this.signingKey, { compress: opts.compress }) : packet;
    const frame = encodePacket(pk, { compress: opts.compress, pad: opts.pad });
    this.dedup.add(duplicateKey(pk.senderID, pk.timestamp, pk.type, pk.payload), this.clock.now());
    this.counters.originated++;
    const target = isBroadcast(pk) ? undefined : this.directedLink(pk);
    let ids = target !== undefined ? [target] : [...this.links.ids()];
    if (this.routePolicy) {
      const broadcast = isBroadcast(pk);
      ids = this.applyPolicy(pk, broadcast, broadcast ? undefined : toHex(nextHopId(pk, this.ownId)), undefined, ids);
      if (ids.length === 0) this.dropsByCode.MG_ERR_NO_ROUTE = (this.dropsByCode.MG_ERR_NO_ROUTE ?? 0) + 1;
    }
    this.links.sendTo(ids, frame);
    return frame;
  }

  /** Send our announce on every link now (links announced on in the last second are skipped). Returns the links announced on. */
  announceNow(): number {
    return this.announcer.announceOn(this.links.ids());
  }

  private sendOwn(linkId: string, frame: Uint8Array, packet: BitchatPacket): void {
    const ls = this.links.get(linkId);
    if (!ls) return;
    const now = this.clock.now();
    const key = duplicateKey(packet.senderID, packet.timestamp, packet.type, packet.payload);
    if (!this.dedup.has(key, now)) {
      this.dedup.add(key, now);
      this.counters.originated++;
    }
    this.links.sendOn(ls, frame);
  }

  // ---- housekeeping ------------------------------------------------------------------

  private armSweep(): void {
    this.sweepTimer = this.clock.setTimer(() => {
      this.sweepTimer = undefined;
      this.sweep();
      if (this.running) this.armSweep();
    }, this.opts.sweepIntervalMs);
  }

  /** Expire stale peers and routes, duplicate keys and fragment sets (runs on the sweep timer). */
  sweep(): void {
    const now = this.clock.now();
    this.directory.expire(now, this.opts.peerExpiryMs);
    this.dedup.prune(now);
    this.reassembler.sweep();
  }

  private count(ls: LinkState, code: ErrorCode): void {
    this.dropsByCode[code] = (this.dropsByCode[code] ?? 0) + 1;
    this.links.countDrop(ls, code);
  }

  private drop(ls: LinkState, code: ErrorCode, err?: unknown): void {
    this.count(ls, code);
    if (!this.logger.isLevelEnabled('debug')) return;
    const suppressed = this.logLimiter.take();
    if (suppressed === undefined) return;
    this.logger.debug({ link: ls.link.id, code, suppressed, err: err instanceof Error ? err.message : undefined }, 'dropped packet');
  }

  private storeFailed(err: unknown): void {
    this.counters.storeErrors++;
    if (this.logLimiter.take() !== undefined) this.logger.warn({ code: errorCodeOf(err), err: String(err) }, 'peer store failed');
  }

  // ---- events & status ---------------------------------------------------------------

  /** Subscribe to `packet` (every accepted packet) or `peer` (added / updated / removed). */
  on<E extends keyof MeshEngineEvents>(event: E, listener: MeshEngineEvents[E]): void {
    this.events.on(event, listener);
  }

  off<E extends keyof MeshEngineEvents>(event: E, listener: MeshEngineEvents[E]): void {
    this.events.off(event, listener);
  }

  /** Announced peers, most recently seen first (for `/api/status`). */
  peers(): PeerInfo[] {
    return this.directory.table.list().map((p) => this.directory.info(p));
  }

  /** One announced peer by peer ID (16 hex), if known. */
  peer(peerId: string): PeerInfo | undefined {
    const p = this.directory.table.get(peerId.toLowerCase());
    return p ? this.directory.info(p) : undefined;
  }

  /** Counters for `/api/status` (copies). */
  stats(): MeshStats {
    const sc = this.scheduler.counters();
    return {
      ...this.counters,
      dropsByCode: { ...this.dropsByCode },
      perLink: this.links.stats(),
      scheduledRelays: this.scheduler.size,
      relaysCancelled: sc.cancelled,
      relayOverflow: sc.overflow,
      dedupSize: this.dedup.size,
      peers: this.directory.table.size,
      routes: this.directory.table.routeCount,
    };
  }
}
