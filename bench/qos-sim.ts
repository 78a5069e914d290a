/**
 * A virtual-time link for the QoS evaluation: a driver FIFO drained at a capacity (bytes/s)
 * that can change, fed by the real LinkShaper (or by the FIFO tail-drop baseline), with
 * traffic generators on the same ManualClock. Not part of the daemon.
 */
import { ManualClock } from '../src/ports/clock.js';

export interface SimUnit {
  cls: 0 | 1 | 2;
  flow: string;
  bytes: number;
  createdAt: number;
}

/** Delivery record: unit and the time its last byte left the link. */
export interface Delivery {
  unit: SimUnit;
  at: number;
}

/** The simulated driver + wire: FIFO, serialises one unit at a time at `capacity` bytes/s. */
export class SimWire {
  private fifo: SimUnit[] = [];
  private queued = 0;
  private busy = false;
  readonly deliveries: Delivery[] = [];
  /** (time, bytes) of every hand-off from the scheduler to the driver. */
  readonly handoffs: { t: number; bytes: number }[] = [];

  constructor(
    private readonly clock: ManualClock,
    public capacity: number,
  ) {}

  /** Bytes in the driver (including the unit on the wire). */
  get queueBytes(): number {
    return this.queued;
  }

  push(u: SimUnit): boolean {
    this.handoffs.push({ t: this.clock.now(), bytes: u.bytes });
    this.fifo.push(u);
    this.queued += u.bytes;
    if (!this.busy) this.next();
    return true;
  }

  private next(): void {
    const u = this.fifo[0];
    if (!u) {
      this.busy = false;
      return;
    }
    this.busy = true;
    this.clock.setTimer(() => {
      this.fifo.shift();
      this.queued -= u.bytes;
      this.deliveries.push({ unit: u, at: this.clock.now() });
      this.next();
    }, (u.bytes * 1000) / this.capacity);
  }
}

/** Periodic generator: calls `emit()` every `periodMs` from `startMs` until `endMs`. */
export function periodic(clock: ManualClock, startMs: number, periodMs: number, endMs: number, emit: () => void): void {
  const tick = () => {
    if (clock.now() >= endMs) return;
    emit();
    clock.setTimer(tick, periodMs);
  };
  clock.setTimer(tick, startMs - clock.now());
}

/** p-quantile of numbers (nearest rank). */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/** Jain's fairness index (Jain, Chiu & Hawe 1984): (Σx)² / (n·Σx²). */
export function jain(xs: readonly number[]): number {
  const s = xs.reduce((a, b) => a + b, 0);
  const s2 = xs.reduce((a, b) => a + b * b, 0);
  return s2 === 0 ? 1 : (s * s) / (xs.length * s2);
}

/**
 * Rate-envelope violations: hand-offs that a token bucket of depth `burst` refilled at
 * `rate` bytes/s could not have paid for (equivalent to checking bytes in every window T
 * ≤ rate·T + burst).
 */
export function envelopeViolations(handoffs: readonly { t: number; bytes: number }[], rate: number, burst: number): number {
  let tokens = burst;
  let last = handoffs[0]?.t ?? 0;
  let v = 0;
  for (const h of handoffs) {
    tokens = Math.min(burst, tokens + ((h.t - last) * rate) / 1000);
    last = h.t;
    tokens -= h.bytes;
    if (tokens < -1e-6) {
      v++;
      tokens = 0;
    }
  }
  return v;
}
