/**
 * In-memory {@link PeerStore} and {@link CounterStore}: for tests, simulations and
 * library use without a disk. Same semantics and bounds order as the SQLite stores (one
 * compliance suite, test/storage/store-compliance.ts); nothing survives the process.
 */
import type { CounterStore, PeerRecord, PeerStore } from '../ports/stores.js';
import { COUNTER_OVERFLOW_NAME, DEFAULT_MAX_COUNTERS, checkBound, checkIncrement, normaliseLimit, type CounterStoreBounds, type PeerStoreBounds } from './store-bounds.js';

/** Default cap on peers kept in memory. */
export const MEMORY_DEFAULT_MAX_PEERS = 10_000;
/** Default cap on TOFU pins kept in memory. */
export const MEMORY_DEFAULT_MAX_PINNED_KEYS = 10_000;

/** listPeers order: lastSeen descending, then peerId ascending. Eviction takes the last. */
function byRecency(a: PeerRecord, b: PeerRecord): number {
  return b.lastSeen - a.lastSeen || (a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0);
}

/**
 * Peers and pins in Maps. Bounds: past `maxPeers` (default 10,000) the least recently
 * seen peer (smallest lastSeen; ties: greatest peerId) is evicted, an O(n) scan done only
 * when a new peer arrives at the cap; past `maxPinnedKeys` (default 10,000) the oldest
 * pin (smallest pinnedAt; ties: greatest Noise key).
 * @throws MG_ERR_STORAGE from the constructor when a bound is not a positive integer.
 */
export class MemoryPeerStore implements PeerStore {
  readonly maxPeers: number;
  readonly maxPinnedKeys: number;
  private readonly peers = new Map<string, PeerRecord>();
  private readonly pins = new Map<string, { signing: string; pinnedAt: number }>();

  constructor(init: PeerStoreBounds = {}) {
    this.maxPeers = checkBound('maxPeers', init.maxPeers ?? MEMORY_DEFAULT_MAX_PEERS);
    this.maxPinnedKeys = checkBound('maxPinnedKeys', init.maxPinnedKeys ?? MEMORY_DEFAULT_MAX_PINNED_KEYS);
  }

  getPinnedSigningKey(noisePublicKeyHex: string): string | undefined {
    return this.pins.get(noisePublicKeyHex)?.signing;
  }

  pinSigningKey(noisePublicKeyHex: string, signingPublicKeyHex: string, nowMs: number): void {
    if (this.pins.has(noisePublicKeyHex)) return;
    this.pins.set(noisePublicKeyHex, { signing: signingPublicKeyHex, pinnedAt: nowMs });
    while (this.pins.size > this.maxPinnedKeys) {
      let victim: string | undefined;
      let at = Infinity;
      for (const [key, pin] of this.pins) {
        if (pin.pinnedAt < at || (pin.pinnedAt === at && victim !== undefined && key > victim)) {
          victim = key;
          at = pin.pinnedAt;
        }
      }
      this.pins.delete(victim!);
    }
  }

  upsertPeer(record: PeerRecord): void {
    const existing = this.peers.get(record.peerId);
    if (existing) {
      this.peers.set(record.peerId, { ...record, firstSeen: existing.firstSeen });
      return;
    }
    this.peers.set(record.peerId, { ...record });
    while (this.peers.size > this.maxPeers) {
      let victim: PeerRecord | undefined;
      for (const p of this.peers.values()) if (victim === undefined || byRecency(p, victim) > 0) victim = p;
      this.peers.delete(victim!.peerId);
    }
  }

  getPeer(peerId: string): PeerRecord | undefined {
    const p = this.peers.get(peerId);
    return p ? { ...p } : undefined;
  }

  listPeers(limit?: number): PeerRecord[] {
    const n = normaliseLimit(limit);
    return [...this.peers.values()].sort(byRecency).slice(0, n).map((p) => ({ ...p }));
  }

  /** Number of peers held (for status and tests). */
  get size(): number {
    return this.peers.size;
  }
}

/**
 * Counters in a Map. Bound: `maxCounters` distinct names (default 10,000); increments of
 * a new name beyond it go to {@link COUNTER_OVERFLOW_NAME}.
 * @throws MG_ERR_STORAGE for a non-finite increment or a bad bound.
 */
export class MemoryCounterStore implements CounterStore {
  readonly maxCounters: number;
  private readonly values = new Map<string, number>();

  constructor(init: CounterStoreBounds = {}) {
    this.maxCounters = checkBound('maxCounters', init.maxCounters ?? DEFAULT_MAX_COUNTERS);
  }

  increment(name: string, by = 1): void {
    checkIncrement(name, by);
    let key = name;
    if (key !== COUNTER_OVERFLOW_NAME && !this.values.has(key)) {
      const used = this.values.size - (this.values.has(COUNTER_OVERFLOW_NAME) ? 1 : 0);
      if (used >= this.maxCounters) key = COUNTER_OVERFLOW_NAME;
    }
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  get(name: string): number {
    return this.values.get(name) ?? 0;
  }

  all(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of [...this.values.keys()].sort()) out[name] = this.values.get(name)!;
    return out;
  }
}
