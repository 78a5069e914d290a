/**
 * AIMD adaptation of a link's shaped rate from its measured driver queue (the bytes the
 * OS socket or the BLE stack still holds). Once per CoDel interval:
 * - the driver sojourn stayed above target for the whole interval (its minimum > target,
 *   CoDel's signal, RFC 8289 §4.2) → rate × 0.85, and never above the rate the driver was
 *   measured to drain during that interval (it was backlogged throughout, so that is the
 *   link's real capacity; the same idea as CAKE's ingress autorate / BBR's delivery rate);
 * - 3 clean intervals in a row (maximum sojourn ≤ target) → rate + 5 % of the maximum;
 * - the rate stays within [minRate, maxRate].
 * The 0.85 / 5 % / 3 constants are the (docs/qos.md); AIMD: Chiu & Jain 1989.
 */
export interface AimdInit {
  /** The configured link rate, bytes/s (upper bound). */
  maxRateBytesPerSec: number;
  /** Lower bound, bytes/s (default maxRate / 64). */
  minRateBytesPerSec?: number;
  decreaseFactor?: number;
  increaseFraction?: number;
  cleanIntervals?: number;
}

/** One interval's driver-queue observation. */
export interface AimdSample {
  minSojournMs: number;
  maxSojournMs: number;
  targetMs: number;
  /** Bytes the driver drained during the interval, per second. */
  drainedBytesPerSec: number;
}

export class AimdRate {
  readonly maxRate: number;
  readonly minRate: number;
  private readonly decrease: number;
  private readonly increase: number;
  private readonly cleanNeeded: number;
  private current: number;
  private clean = 0;
  /** Decreases and increases applied so far. */
  decreases = 0;
  increases = 0;

  constructor(init: AimdInit) {
    this.maxRate = init.maxRateBytesPerSec;
    this.minRate = init.minRateBytesPerSec ?? Math.max(1, init.maxRateBytesPerSec / 64);
    this.decrease = init.decreaseFactor ?? 0.85;
    this.increase = init.increaseFraction ?? 0.05;
    this.cleanNeeded = init.cleanIntervals ?? 3;
    this.current = this.maxRate;
  }

  get rateBytesPerSec(): number {
    return this.current;
  }

  /** Feed one interval; returns the new rate, bytes/s. */
  onInterval(s: AimdSample): number {
    if (s.minSojournMs > s.targetMs) {
      this.clean = 0;
      let r = this.current * this.decrease;
      if (s.drainedBytesPerSec > 0) r = Math.min(r, s.drainedBytesPerSec);
      this.current = Math.max(this.minRate, r);
      this.decreases++;
    } else if (s.maxSojournMs <= s.targetMs) {
      this.clean++;
      if (this.clean >= this.cleanNeeded) {
        this.clean = 0;
        if (this.current < this.maxRate) {
          this.current = Math.min(this.maxRate, this.current + this.increase * this.maxRate);
          this.increases++;
        }
      }
    } else this.clean = 0;
    return this.current;
  }
}
