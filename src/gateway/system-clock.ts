/** The real-time {@link Clock}: wall clock in ms and node timers (unref'd so they never hold the process open). */
import type { Clock, TimerHandle } from '../ports/clock.js';

interface RealHandle extends TimerHandle {
  timer: NodeJS.Timeout;
}

export class SystemClock implements Clock {
  private nextId = 1;

  now(): number {
    return Date.now();
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const timer = setTimeout(fn, ms);
    timer.unref();
    const h: RealHandle = { id: this.nextId++, timer };
    return h;
  }

  clearTimer(handle: TimerHandle): void {
    const t = (handle as Partial<RealHandle>).timer;
    if (t) clearTimeout(t);
  }
}
