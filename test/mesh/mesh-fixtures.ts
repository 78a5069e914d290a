/**
 * Test fixtures for the mesh engine: a pair of in-memory links (BaseLink subclasses that
 * deliver through a ManualClock, or synchronously with latency 0), an in-memory PeerStore,
 * simulated phones that build signed frames, and an engine factory.
 */
import type { KeyObject } from 'node:crypto';
import { BaseLink } from '../../src/links/base-link.js';
import type { Clock } from '../../src/ports/clock.js';
import { ManualClock } from '../../src/ports/clock.js';
import { silentLogger } from '../../src/ports/logger.js';
import type { PeerRecord, PeerStore } from '../../src/ports/stores.js';
import { encodeAnnounce } from '../../src/protocol/announce.js';
import { decodePacket, encodePacket } from '../../src/protocol/codec.js';
import { toHex } from '../../src/protocol/hex.js';
import { ed25519PrivateKey, generateIdentityKeys, peerIdFromNoiseKey, type IdentityKeys } from '../../src/protocol/keys.js';
import { MessageType, type BitchatPacket, type DecodedFrame } from '../../src/protocol/packet.js';
import { signPacket } from '../../src/protocol/signing.js';
import { mulberry32 } from '../../src/util/prng.js';
import { ClockState } from '../../src/mesh/clock-state.js';
import { MeshEngine } from '../../src/mesh/relay-engine.js';
import type { MeshEngineInit } from '../../src/mesh/mesh-types.js';

export const T0 = 1_700_000_000_000;

/** One end of a fake link pair. `received` holds every frame delivered to this end. */
export class FakeLink extends BaseLink {
  other: FakeLink | undefined;
  readonly received: Uint8Array[] = [];
  /** When set, transmit returns false (egress queue full). */
  full = false;
  private readonly clock: Clock;
  private readonly latencyMs: number;

  constructor(clock: Clock, id: string, isGatewayLink: boolean, latencyMs: number, maxFrameBytes?: number) {
    super({ id, kind: 'memory', isGatewayLink, now: () => clock.now(), maxFrameBytes });
    this.clock = clock;
    this.latencyMs = latencyMs;
    this.on('frame', (f) => this.received.push(f));
  }

  protected transmit(frame: Uint8Array): boolean {
    if (this.full) return false;
    const other = this.other;
    if (!other) return true;
    const copy = frame.slice();
    if (this.latencyMs === 0) other.deliver(copy);
    else this.clock.setTimer(() => other.deliver(copy), this.latencyMs);
    return true;
  }

  protected async teardown(): Promise<void> {
    const other = this.other;
    if (other && other.isOpen) other.remoteClosed('remote closed');
  }

  /** Inject a frame as if the remote end had sent it. */
  inject(frame: Uint8Array): void {
    this.deliver(frame);
  }

  /** Decoded frames received at this end. */
  decoded(): DecodedFrame[] {
    return this.received.map((f) => decodePacket(f));
  }
}

/** Two connected fake links: `[a, b]`; what a sends arrives at b and vice versa. */
export function linkPair(clock: Clock, ids: [string, string], opts: { gateway?: boolean; latencyMs?: number; maxFrameBytes?: number } = {}): [FakeLink, FakeLink] {
  const a = new FakeLink(clock, ids[0], opts.gateway ?? false, opts.latencyMs ?? 1, opts.maxFrameBytes);
  const b = new FakeLink(clock, ids[1], opts.gateway ?? false, opts.latencyMs ?? 1, opts.maxFrameBytes);
  a.other = b;
  b.other = a;
  return [a, b];
}

/** In-memory PeerStore (same contract as the SQLite one). */
export class MemoryPeerStore implements PeerStore {
  readonly pins = new Map<string, string>();
  readonly peers = new Map<string, PeerRecord>();
  upserts = 0;
  getPinnedSigningKey(noise: string): string | undefined {
    return this.pins.get(noise);
  }
  pinSigningKey(noise: string, signing: string): void {
    if (!this.pins.has(noise)) this.pins.set(noise, signing);
  }
  upsertPeer(r: PeerRecord): void {
    this.upserts++;
    const old = this.peers.get(r.peerId);
    this.peers.set(r.peerId, { ...r, firstSeen: old?.firstSeen ?? r.firstSeen });
  }
  getPeer(id: string): PeerRecord | undefined {
    return this.peers.get(id);
  }
  listPeers(limit = 1000): PeerRecord[] {
    return [...this.peers.values()].sort((a, b) => b.lastSeen - a.lastSeen).slice(0, limit);
  }
}

/** A simulated phone identity that builds signed frames. */
export class TestPhone {
  readonly keys: IdentityKeys;
  readonly id: Uint8Array;
  readonly peerId: string;
  readonly signingKey: KeyObject;
  constructor(readonly nickname: string, readonly clock: Clock) {
    this.keys = generateIdentityKeys();
    this.id = peerIdFromNoiseKey(this.keys.noisePublicKey);
    this.peerId = toHex(this.id);
    this.signingKey = ed25519PrivateKey(this.keys.signingPrivateKey);
  }

  packet(over: Partial<BitchatPacket> = {}): BitchatPacket {
    return {
      version: 1,
      type: MessageType.MESSAGE,
      ttl: 7,
      timestamp: this.clock.now(),
      flags: 0,
      senderID: this.id,
      payload: new TextEncoder().encode(`hello from ${this.nickname}`),
      ...over,
    };
  }

  /** Encode a packet, signed unless `sign: false`. */
  frame(over: Partial<BitchatPacket> = {}, sign = true): Uint8Array {
    const p = this.packet(over);
    return encodePacket(sign ? signPacket(p, this.signingKey) : p);
  }

  message(text: string, over: Partial<BitchatPacket> = {}, sign = true): Uint8Array {
    return this.frame({ payload: new TextEncoder().encode(text), ...over }, sign);
  }

  announce(over: Partial<BitchatPacket> = {}, payload?: Uint8Array): Uint8Array {
    const body = payload ?? encodeAnnounce({ nickname: this.nickname, noisePublicKey: this.keys.noisePublicKey, signingPublicKey: this.keys.signingPublicKey });
    return this.frame({ type: MessageType.ANNOUNCE, payload: body, ...over });
  }
}

export interface EngineFixture {
  engine: MeshEngine;
  clock: ManualClock;
  store: MemoryPeerStore;
  clockState: ClockState;
  identity: { keys: IdentityKeys; peerId: string };
}

/** A started engine on a ManualClock (clock synchronised unless `synced: false`). */
export function makeEngine(
  opts: Partial<MeshEngineInit> & { clock?: ManualClock; synced?: boolean; seed?: number; store?: MemoryPeerStore } = {},
): EngineFixture {
  const clock = opts.clock ?? new ManualClock(T0);
  const store = opts.store ?? new MemoryPeerStore();
  const clockState = new ClockState({ synchronized: opts.synced ?? true, source: 'test' });
  const keys = generateIdentityKeys();
  const identity = { keys, peerId: toHex(peerIdFromNoiseKey(keys.noisePublicKey)) };
  const { clock: _c, synced: _s, seed, store: _st, ...init } = opts;
  const engine = new MeshEngine(
    { clock, logger: silentLogger, peerStore: store, clockState, identity, random: mulberry32(seed ?? 1) },
    { nickname: 'gw', relayJitter: false, ...init },
  );
  engine.start();
  return { engine, clock, store, clockState, identity };
}

/** Attach `n` phone links to an engine; returns the far ends (what a phone would hold). */
export function attachPhones(f: EngineFixture, n: number, prefix = 'phone', latencyMs = 0): FakeLink[] {
  const ends: FakeLink[] = [];
  for (let i = 0; i < n; i++) {
    const [near, far] = linkPair(f.clock, [`${prefix}${i}`, `${prefix}${i}-far`], { latencyMs });
    f.engine.addLink(near);
    ends.push(far);
  }
  return ends;
}

/** Frames received by a far end, excluding the engine's own announces. */
export function nonAnnounce(end: FakeLink): DecodedFrame[] {
  return end.decoded().filter((d) => d.packet.type !== MessageType.ANNOUNCE);
}
