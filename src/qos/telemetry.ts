/**
 * Telemetry building blocks: bytes/s over wall-clock windows (not per read) and sojourn
 * percentiles over a rolling window. Pure: callers pass `now` (ms since the epoch).
 */

/** Length of one rate slot, ms. */
export const RATE_SLOT_MS = 1_000;
/** Slots kept (the longest window), i.e. 60 s. */
export const RATE_SLOTS = 60;

/**
 * Bytes per wall-clock second in a ring of 60 one-second slots. `bytesPerSec(now, 10)` is
 * the mean over the last 10 *completed* seconds, so a figure never depends on how reads
 * were chunked.
 */
export class RateMeter {
  private readonly slots = new Float64Array(RATE_SLOTS);
  private readonly slotSecond = new Float64Array(RATE_SLOTS).fill(-1);
  private total = 0;
  private readonly startSecond: number;

  constructor(now: number) {
    this.startSecond = Math.floor(now / RATE_SLOT_MS);
  }

  /** Count `bytes` at `now`. */
  add(bytes: number, now: number): void {
    const sec = Math.floor(now / RATE_SLOT_MS);
    const i = sec % RATE_SLOTS;
    if (this.slotSecond[i] !== sec) {
      this.slotSecond[i] = sec;
      this.slots[i] = 0;
    }
    this.slots[i] += bytes;
    this.total += bytes;
  }

  /** All bytes counted. */
  get totalBytes(): number {
    return this.total;
  }

  /** Mean bytes/s over the last `seconds` completed seconds (1..60), or fewer if younger. */
  bytesPerSec(now: number, seconds: number): number {
    const cur = Math.floor(now / RATE_SLOT_MS);
    const n = Math.max(1, Math.min(RATE_SLOTS - 1, seconds, cur - this.startSecond));
    let sum = 0;
    for (let s = cur - n; s < cur; s++) {
      const i = ((s % RATE_SLOTS) + RATE_SLOTS) % RATE_SLOTS;
      if (this.slotSecond[i] === s) sum += this.slots[i];
    }
    return sum / n;
  }
}

/** Histogram buckets: 0.1 ms × 1.1^i, i < 200 (up to ~18 h); relative error ≤ 10 %. */
const H_BASE = 0.1;
const H_RATIO = 1.1;
const H_BUCKETS = 200;
const LOG_RATIO = Math.log(H_RATIO);

function bucketOf(ms: number): number {
  if (ms <= H_BASE) return 0;
  return Math.min(H_BUCKETS - 1, Math.ceil(Math.log(ms / H_BASE) / LOG_RATIO));
}

/** Log-bucketed latency histogram (bounded: 200 counters). */
export class LatencyHistogram {
  private readonly counts = new Float64Array(H_BUCKETS);
  private n = 0;
  private maxMs = 0;

  record(ms: number): void {
    this.counts[bucketOf(ms)]++;
    this.n++;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  get count(): number {
    return this.n;
  }

  /** The q-quantile (0..1), ms (upper edge of its bucket, capped at the max seen); 0 when empty. */
  quantile(q: number): number {
    if (this.n === 0) return 0;
    const rank = Math.ceil(q * this.n);
    let acc = 0;
    for (let i = 0; i < H_BUCKETS; i++) {
      acc += this.counts[i];
      if (acc >= rank) return Math.min(this.maxMs, i === 0 ? H_BASE : H_BASE * H_RATIO ** i);
    }
    return this.maxMs;
  }

  merge(o: LatencyHistogram): void {
    for (let i = 0; i < H_BUCKETS; i++) this.counts[i] += o.counts[i];
    this.n += o.n;
    this.maxMs = Math.max(this.maxMs, o.maxMs);
  }

  reset(): void {
    this.counts.fill(0);
    this.n = 0;
    this.maxMs = 0;
  }
}

/** Sojourn percentiles over the current and the previous wall-clock window (default 10 s each). */
export class WindowedLatency {
  private cur = new LatencyHistogram();
  private prev = new LatencyHistogram();
  private windowStart: number;

  constructor(
    now: number,
    private readonly windowMs = 10_000,
  ) {
    this.windowStart = now;
  }

  record(ms: number, now: number): void {
    this.rotate(now);
    this.cur.record(ms);
  }

  /** q-quantile over the last one to two windows, ms. */
  quantile(q: number, now: number): number {
    this.rotate(now);
    const h = new LatencyHistogram();
    h.merge(this.prev);
    h.merge(this.cur);
    return h.quantile(q);
  }

  private rotate(now: number): void {
    if (now - this.windowStart < this.windowMs) return;
    const skipped = now - this.windowStart >= 2 * this.windowMs;
    const old = this.prev;
    this.prev = skipped ? (old.reset(), old) : this.cur;
    this.cur = skipped ? this.cur : old;
    this.cur.reset();
    this.windowStart = now - ((now - this.windowStart) % this.windowMs);
  }
}
