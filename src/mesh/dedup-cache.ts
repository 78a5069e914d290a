/**
 * Duplicate suppression: the set of recently seen packet keys, bounded in both size and
 * age. bitchat-spec.md §6: "an LRU of recent message keys, at least 1,000 entries,
 * 5 minutes (Android keeps 10,000)"; upstream iOS `Utils/MessageDeduplicator.swift`,
 * Android `mesh/SecurityManager.kt`.
 *
 * Entries are only ever appended (a hit does not refresh an entry, so the oldest entry is
 * always first), which makes every operation O(1) amortised: expired entries are pruned
 * from the front, and when the cache is full the oldest entry is evicted.
 */

/** Options of {@link DedupCache}. */
export interface DedupCacheInit {
  /** Maximum number of keys kept (default 10,000, Android's value; minimum 1). */
  capacity?: number;
  /** A key counts as seen for this many ms after it was first added (default 300,000 = 5 min). */
  windowMs?: number;
}

/** Default capacity: Android `SecurityManager` keeps 10,000 message IDs. */
export const DEFAULT_DEDUP_CAPACITY = 10_000;
/** Default window: 5 minutes (bitchat-spec.md §6). */
export const DEFAULT_DEDUP_WINDOW_MS = 300_000;

/**
 * A bounded, time-windowed set of seen keys.
 * Bound: `capacity` keys; when full, `add` evicts the oldest key (a very old duplicate may
 * then be accepted again, which the TTL limits). Keys older than `windowMs` are forgotten.
 *
 * Layout: a ring buffer of (key, addedAt) in insertion order plus a Map key → sequence
 * number of its live ring slot. Evicting from the ring head is O(1) and never iterates the
 * Map (iterating a Map after many front deletions skips tombstones, which is slow).
 */
export class DedupCache {
  readonly capacity: number;
  readonly windowMs: number;
  /** key → sequence number of the ring slot holding it (slot = seq % capacity). */
  private readonly seen = new Map<string, number>();
  private readonly ringKeys: (string | undefined)[];
  private readonly ringTimes: Float64Array;
  /** Sequence number of the oldest slot in use, and of the next slot to write. */
  private headSeq = 0;
  private tailSeq = 0;
  private evictions = 0;

  constructor(init: DedupCacheInit = {}) {
    this.capacity = Math.max(1, Math.floor(init.capacity ?? DEFAULT_DEDUP_CAPACITY));
    this.windowMs = Math.max(0, init.windowMs ?? DEFAULT_DEDUP_WINDOW_MS);
    this.ringKeys = new Array<string | undefined>(this.capacity);
    this.ringTimes = new Float64Array(this.capacity);
  }

  /** True when `key` was added less than `windowMs` before `nowMs`. */
  has(key: string, nowMs: number): boolean {
    const seq = this.seen.get(key);
    return seq !== undefined && nowMs - this.ringTimes[seq % this.capacity] < this.windowMs;
  }

  /**
   * Record `key` as seen at `nowMs`. Re-adding a key that is still inside the window is a
   * no-op (its age is kept); re-adding an expired key moves it to the back.
   */
  add(key: string, nowMs: number): void {
    this.prune(nowMs);
    const seq = this.seen.get(key);
    if (seq !== undefined) {
      if (nowMs - this.ringTimes[seq % this.capacity] < this.windowMs) return;
      this.seen.delete(key); // its stale slot is skipped when it reaches the head
    }
    if (this.tailSeq - this.headSeq >= this.capacity) {
      this.evictHead();
      this.evictions++;
    }
    const slot = this.tailSeq % this.capacity;
    this.ringKeys[slot] = key;
    this.ringTimes[slot] = nowMs;
    this.seen.set(key, this.tailSeq);
    this.tailSeq++;
  }

  /**
   * `has` then `add` in one call: returns true if `key` was already seen (a duplicate),
   * otherwise records it and returns false.
   */
  checkAndAdd(key: string, nowMs: number): boolean {
    if (this.has(key, nowMs)) return true;
    this.add(key, nowMs);
    return false;
  }

  /** Drop every entry older than the window (called by `add`; cheap to call from a timer too). */
  prune(nowMs: number): void {
    while (this.headSeq < this.tailSeq && nowMs - this.ringTimes[this.headSeq % this.capacity] >= this.windowMs) this.evictHead();
  }

  private evictHead(): void {
    const slot = this.headSeq % this.capacity;
    const key = this.ringKeys[slot] as string;
    if (this.seen.get(key) === this.headSeq) this.seen.delete(key);
    this.ringKeys[slot] = undefined;
    this.headSeq++;
  }

  /** Number of ring slots in use (keys held, including expired ones not yet pruned). */
  get size(): number {
    return this.tailSeq - this.headSeq;
  }

  /** Keys evicted because the cache was full (for stats). */
  get evicted(): number {
    return this.evictions;
  }

  clear(): void {
    this.seen.clear();
    this.ringKeys.fill(undefined);
    this.headSeq = this.tailSeq = 0;
  }
}
