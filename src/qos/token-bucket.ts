/**
 * A token bucket (tc-tbf(8), tc-htb(8)): tokens are bytes, refilled at `rateBytesPerSec`
 * up to `burstBytes`. A unit of `n` bytes may leave when at least `n` tokens are present,
 * so the bytes released in any window of T ms are at most rate·T/1000 + burst (the rate
 * envelope). Pure: time is passed in (ms since the epoch) by the caller's Clock.
 */
/** Rounding tolerance on token counts, bytes. */
const TOKEN_EPSILON = 1e-9;

export interface TokenBucketInit {
  /** Refill rate, bytes/s; 0 = unlimited (the bucket never holds a unit back). */
  rateBytesPerSec: number;
  /** Bucket depth, bytes (>= the largest unit, or that unit could never leave). */
  burstBytes: number;
  /** ms since the epoch at creation (the bucket starts full). */
  now: number;
}

export class TokenBucket {
  private rate: number;
  private burst: number;
  private tokens: number;
  private last: number;

  constructor(init: TokenBucketInit) {
    this.rate = Math.max(0, init.rateBytesPerSec);
    this.burst = Math.max(1, init.burstBytes);
    this.tokens = this.burst;
    this.last = init.now;
  }

  /** Current rate, bytes/s (0 = unlimited). */
  get rateBytesPerSec(): number {
    return this.rate;
  }

  get burstBytes(): number {
    return this.burst;
  }

  /** Change the rate (bytes/s) from `now` on; tokens earned so far are kept. */
  setRate(rateBytesPerSec: number, now: number): void {
    this.refill(now);
    this.rate = Math.max(0, rateBytesPerSec);
  }

  /** Tokens (bytes) available at `now`. */
  available(now: number): number {
    this.refill(now);
    return this.rate === 0 ? Number.POSITIVE_INFINITY : this.tokens;
  }

  /** ms until `bytes` tokens are available (0 when they are now). */
  waitMs(bytes: number, now: number): number {
    if (this.rate === 0) return 0;
    this.refill(now);
    const need = Math.min(bytes, this.burst) - this.tokens - TOKEN_EPSILON;
    // never less than 1 µs, so a timer armed with it always moves time forward
    return need <= 0 ? 0 : Math.max(0.001, (need * 1000) / this.rate);
  }

  /** Take `bytes` tokens if present; false (nothing taken) otherwise. Units over the burst take the whole full bucket. */
  tryTake(bytes: number, now: number): boolean {
    if (this.rate === 0) return true;
    this.refill(now);
    const n = Math.min(bytes, this.burst);
    if (this.tokens + TOKEN_EPSILON < n) return false;
    this.tokens = Math.max(0, this.tokens - n);
    return true;
  }

  // --- sharing between links (group and peer buckets) ---
  private readonly waiters = new Map<object, { since: number; id: string; need: number }>();

  /**
   * For a bucket several links share: ms until `owner` may take `bytes`. Owners that find
   * too few tokens wait in the order of `key` (the time they were first held back, then
   * their ID), the same order in every bucket, so no two links can hold each other up and
   * the link whose timer happens to fire first cannot starve the others. The first waiter
   * goes when its bytes are there; a later one when there is enough for both.
   */
  sharedWaitMs(owner: object, key: { since: number; id: string }, bytes: number, now: number): number {
    let me = this.waiters.get(owner);
    if (!me) {
      const w = this.waitMs(bytes, now);
      if (w === 0 && this.waiters.size === 0) return 0;
      me = { since: key.since, id: key.id, need: bytes };
      this.waiters.set(owner, me);
    }
    me.need = bytes;
    let head = me;
    for (const w of this.waiters.values()) if (w.since < head.since || (w.since === head.since && w.id < head.id)) head = w;
    return head === me ? this.waitMs(bytes, now) : this.waitMs(head.need + bytes, now);
  }

  /** Take `bytes` for `owner` (after sharedWaitMs said 0) and leave the wait queue. */
  sharedTake(owner: object, bytes: number, now: number): boolean {
    this.waiters.delete(owner);
    return this.tryTake(bytes, now);
  }

  /** `owner` no longer waits (its queue emptied, or it stopped). */
  leave(owner: object): void {
    this.waiters.delete(owner);
  }

  /** Owners waiting (at most the number of links sharing the bucket). */
  get waiting(): number {
    return this.waiters.size;
  }

  private refill(now: number): void {
    const dt = now - this.last;
    if (dt > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (this.rate * dt) / 1000);
      this.last = now;
    }
  }
}
