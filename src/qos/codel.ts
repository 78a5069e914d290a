/**
 * CoDel (Controlled Delay) active queue management, RFC 8289 §5 (the pseudo-code's
 * `dodequeue` / control law), one instance per flow as in CAKE (`sch_cake.c`,
 * `cobalt_should_drop`), with CAKE's slow-link scaling of target and interval.
 * Pure: the caller passes the dequeue time and each unit's sojourn time.
 */

/** RFC 8289 §4.3/§4.4 defaults: target 5 ms, interval 100 ms. */
export const CODEL_DEFAULT_TARGET_MS = 5;
export const CODEL_DEFAULT_INTERVAL_MS = 100;

export interface CodelParams {
  /** Acceptable standing sojourn time, ms. */
  targetMs: number;
  /** Window over which the minimum sojourn must stay above target before dropping, ms. */
  intervalMs: number;
}

/**
 * CAKE's slow-link scaling (sch_cake.c `cake_set_rate`): on links where one unit takes
 * longer than the target to serialise, target = max(5 ms, 1.5 × one unit's serialisation
 * time) and interval = max(100 ms + target − 5 ms, 2 × target).
 * @param unitBytes the largest unit (MTU) in bytes.
 * @param rateBytesPerSec the link rate, bytes/s; 0 (unknown/unshaped) gives RFC 8289's defaults.
 */
export function cakeCodelParams(unitBytes: number, rateBytesPerSec: number): CodelParams {
  if (!(rateBytesPerSec > 0)) return { targetMs: CODEL_DEFAULT_TARGET_MS, intervalMs: CODEL_DEFAULT_INTERVAL_MS };
  const unitMs = (unitBytes * 1000) / rateBytesPerSec;
  const targetMs = Math.max(CODEL_DEFAULT_TARGET_MS, 1.5 * unitMs);
  const intervalMs = Math.max(CODEL_DEFAULT_INTERVAL_MS + targetMs - CODEL_DEFAULT_TARGET_MS, 2 * targetMs);
  return { targetMs, intervalMs };
}

/**
 * Per-queue CoDel state (RFC 8289 §5.5-5.7). Call {@link shouldDrop} for the head unit at
 * each dequeue; while it returns true the caller drops the head and asks again for the
 * next one (RFC 8289's drop loop).
 */
export class CodelState {
  private firstAboveTime = 0;
  private dropNext = 0;
  private count = 0;
  private lastCount = 0;
  private dropping = false;

  /** True while in the dropping state. */
  get isDropping(): boolean {
    return this.dropping;
  }

  /**
   * Decide whether to drop the head unit.
   * @param sojournMs how long the head unit has waited, ms.
   * @param now ms (any monotonic origin, same as previous calls).
   * @param queueBytesAfter bytes left in this queue if the head leaves (RFC 8289: do not drop
   *   when less than one MTU would remain).
   * @param mtuBytes the largest unit, bytes.
   */
  shouldDrop(sojournMs: number, now: number, queueBytesAfter: number, mtuBytes: number, p: CodelParams): boolean {
    const okToDrop = this.okToDrop(sojournMs, now, queueBytesAfter, mtuBytes, p);
    if (this.dropping) {
      if (!okToDrop) {
        this.dropping = false;
        return false;
      }
      if (now >= this.dropNext) {
        this.count++;
        this.dropNext = this.controlLaw(this.dropNext, p);
        return true;
      }
      return false;
    }
    if (okToDrop) {
      this.dropping = true;
      // RFC 8289 §5.6: restart from a count near the last one if we were dropping recently
      const delta = this.count - this.lastCount;
      this.count = delta > 1 && now - this.dropNext < 16 * p.intervalMs ? delta : 1;
      this.lastCount = this.count;
      this.dropNext = this.controlLaw(now, p);
      return true;
    }
    return false;
  }

  /** Forget the state (the queue went empty for good). */
  reset(): void {
    this.firstAboveTime = 0;
    this.dropping = false;
  }

  private okToDrop(sojournMs: number, now: number, queueBytesAfter: number, mtuBytes: number, p: CodelParams): boolean {
    if (sojournMs < p.targetMs || queueBytesAfter <= mtuBytes) {
      this.firstAboveTime = 0;
      return false;
    }
    if (this.firstAboveTime === 0) {
      this.firstAboveTime = now + p.intervalMs;
      return false;
    }
    return now >= this.firstAboveTime;
  }

  /** RFC 8289 §5.7 control law: next drop at t + interval / sqrt(count). */
  private controlLaw(t: number, p: CodelParams): number {
    return t + p.intervalMs / Math.sqrt(this.count);
  }
}
