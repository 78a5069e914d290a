/**
 * The Clock port: core logic reads time and schedules timers only through this, so the
 * same code runs under real time, fake time in unit tests and virtual time in simulations.
 * All times are milliseconds; `now()` is milliseconds since the Unix epoch.
 */
export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Milliseconds since the Unix epoch (may be virtual). */
  now(): number;
  /** Run `fn` once after `ms` milliseconds (ms >= 0). */
  setTimer(fn: () => void, ms: number): TimerHandle;
  /** Cancel a timer; cancelling an already-fired or unknown timer is a no-op. */
  clearTimer(handle: TimerHandle): void;
}

interface PendingTimer {
  id: number;
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A deterministic virtual clock for tests and simulations. Time moves only when
 * `advance(ms)` or `runAll()` is called; timers fire in (due time, creation order).
 */
export class ManualClock implements Clock {
  private current: number;
  private nextId = 1;
  private seq = 0;
  private timers = new Map<number, PendingTimer>();

  /** @param startMs initial value of now(), ms since the epoch (default 1,700,000,000,000). */
  constructor(startMs = 1_700_000_000_000) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.current + Math.max(0, ms), seq: this.seq++, fn });
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle.id);
  }

  /** Number of timers still pending. */
  get pending(): number {
    return this.timers.size;
  }

  /** Advance virtual time by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = this.nextDue(target);
      if (!next) break;
      this.timers.delete(next.id);
      this.current = next.at;
      next.fn();
    }
    this.current = target;
  }

  /** Set absolute time (must not go backwards), firing due timers. */
  setTime(ms: number): void {
    this.advance(Math.max(0, ms - this.current));
  }

  private nextDue(limit: number): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.timers.values()) {
      if (t.at > limit) continue;
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
