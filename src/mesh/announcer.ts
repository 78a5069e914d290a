/**
 * The gateway's own announces (bitchat-spec.md §3): a signed announce (type 0x01, TTL 7,
 * version 1, broadcast with no recipient, as iOS sends it) carrying the gateway's nickname,
 * Noise static key, Ed25519 signing key, up to 10 direct neighbour peer IDs and its
 * capability bitfield. Sent on every new link and then on all links every random
 * 15-30 s, at most once a second per link. Upstream: iOS `BLEService.sendAnnounce`
 * (15-30 s announce interval), Android `BluetoothMeshService.sendBroadcastAnnounce`.
 *
 * The announcer owns its timer (through the injected Clock) and the per-link "last
 * announced at" map; the engine supplies the links and the send function.
 */
import type { KeyObject } from 'node:crypto';
import type { Clock, TimerHandle } from '../ports/clock.js';
import { encodeAnnounce, MAX_ANNOUNCE_NEIGHBORS } from '../protocol/announce.js';
import { encodePacket } from '../protocol/codec.js';
import type { IdentityKeys } from '../protocol/keys.js';
import { MAX_TTL, MessageType, type BitchatPacket } from '../protocol/packet.js';
import { signPacket } from '../protocol/signing.js';

/** What the announcer needs from the engine. */
export interface AnnouncerComponents {
  clock: Clock;
  /** Uniform in [0, 1). */
  random: () => number;
  keys: IdentityKeys;
  /** Our 8-byte peer ID. */
  senderID: Uint8Array;
  /** Ed25519 private KeyObject of `keys.signingPrivateKey` (created once by the engine). */
  signingKey: KeyObject;
  /** Peer IDs (8 bytes) of phones bound on open direct links, most recent first. */
  neighbours: () => Uint8Array[];
  /** Ids of the links to announce on at a periodic tick. */
  linkIds: () => Iterable<string>;
  /** Whether originating is allowed (the clock is synchronised). */
  mayOriginate: () => boolean;
  /** Send one announce frame on a link; `packet` is the signed packet that was encoded. */
  send: (linkId: string, frame: Uint8Array, packet: BitchatPacket) => void;
}

export interface AnnouncerInit {
  nickname: string;
  /** Capability bitfield (TLV 0x05). */
  capabilities: bigint | number;
  /** Periodic interval bounds in ms (default 15,000..30,000). */
  intervalMinMs?: number;
  intervalMaxMs?: number;
  /** Minimum gap between two announces on one link, ms (default 1,000). */
  minGapMs?: number;
}

/** Periodic own-announce driver; see the module doc. */
export class Announcer {
  private readonly c: AnnouncerComponents;
  private readonly nickname: string;
  private readonly capabilities: bigint | number;
  private readonly intervalMinMs: number;
  private readonly intervalMaxMs: number;
  private readonly minGapMs: number;
  /** linkId → ms of the last announce sent on it. Bounded by the number of links (entries removed with the link). */
  private readonly lastSent = new Map<string, number>();
  private timer: TimerHandle | undefined;
  private sentCount = 0;

  constructor(components: AnnouncerComponents, init: AnnouncerInit) {
    this.c = components;
    this.nickname = init.nickname;
    this.capabilities = init.capabilities;
    this.intervalMinMs = Math.max(0, init.intervalMinMs ?? 15_000);
    this.intervalMaxMs = Math.max(this.intervalMinMs, init.intervalMaxMs ?? 30_000);
    this.minGapMs = Math.max(0, init.minGapMs ?? 1_000);
  }

  /** Start the periodic timer (idempotent). */
  start(): void {
    if (this.timer === undefined) this.arm();
  }

  /** Cancel the periodic timer. */
  stop(): void {
    if (this.timer !== undefined) this.c.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  /** Forget a removed link. */
  forget(linkId: string): void {
    this.lastSent.delete(linkId);
  }

  /** Number of announce frames sent (one per link). */
  get sent(): number {
    return this.sentCount;
  }

  /** Build our signed announce packet at the current clock time. */
  buildPacket(): BitchatPacket {
    const neighbours = this.c.neighbours().slice(0, MAX_ANNOUNCE_NEIGHBORS);
    const payload = encodeAnnounce({
      nickname: this.nickname,
      noisePublicKey: this.c.keys.noisePublicKey,
      signingPublicKey: this.c.keys.signingPublicKey,
      neighbors: neighbours.length > 0 ? neighbours : undefined,
      capabilities: this.capabilities,
    });
    const packet: BitchatPacket = {
      version: 1,
      type: MessageType.ANNOUNCE,
      ttl: MAX_TTL,
      timestamp: this.c.clock.now(),
      flags: 0,
      senderID: this.c.senderID,
      payload,
    };
    return signPacket(packet, this.c.signingKey);
  }

  /**
   * Announce on the given links now (those announced on less than `minGapMs` ago are
   * skipped). Nothing is sent while `mayOriginate()` is false.
   * @returns the number of links announced on.
   */
  announceOn(linkIds: Iterable<string>): number {
    if (!this.c.mayOriginate()) return 0;
    const now = this.c.clock.now();
    let frame: Uint8Array | undefined;
    let packet: BitchatPacket | undefined;
    let n = 0;
    for (const id of linkIds) {
      const last = this.lastSent.get(id);
      if (last !== undefined && now - last < this.minGapMs) continue;
      if (!frame || !packet) {
        packet = this.buildPacket();
        frame = encodePacket(packet);
      }
      this.lastSent.set(id, now);
      this.c.send(id, frame, packet);
      this.sentCount++;
      n++;
    }
    return n;
  }

  private arm(): void {
    const span = this.intervalMaxMs - this.intervalMinMs;
    const delay = this.intervalMinMs + Math.floor(this.c.random() * (span + 1));
    this.timer = this.c.clock.setTimer(() => {
      this.timer = undefined;
      this.announceOn(this.c.linkIds());
      this.arm();
    }, Math.min(delay, this.intervalMaxMs));
  }
}
