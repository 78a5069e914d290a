/**
 * One direction of a simulated medium: a bounded FIFO of in-flight frames, each delivered
 * after the medium's latency (+ uniform jitter) through the injected Clock, or lost with
 * the medium's loss rate. Delivery order equals send order even with jitter: a frame is
 * never due before the frame queued ahead of it (like a link-layer FIFO, e.g. one BLE
 * connection). Pure logic: timers only through the Clock.
 */
import type { Clock, TimerHandle } from '../../ports/clock.js';
import type { ControlMessage } from '../../ports/link.js';

/** Link conditions of a simulated medium. */
export interface MemoryConditions {
  /** One-way delay in ms added to every frame (>= 0). */
  latencyMs: number;
  /** Extra delay in ms, uniform in [0, jitterMs), per frame (>= 0). Order is preserved. */
  jitterMs: number;
  /** Probability in [0, 1] that a frame is lost in flight. */
  lossRate: number;
}

/** Counters shared by every channel of one medium. */
export interface MemoryMediumCounters {
  /** Frames accepted into a channel (queued or lost). */
  sent: number;
  /** Frames handed to the receiving link. */
  delivered: number;
  /** Frames lost by the simulated loss rate. */
  lost: number;
  /** Frames refused because the channel's in-flight queue was full. */
  queueFull: number;
  /** In-flight frames discarded because the link closed or was severed. */
  discarded: number;
}

export interface MemoryChannelComponents {
  clock: Clock;
  /** Uniform [0, 1) source (the medium's seeded PRNG). */
  random: () => number;
  /** Current conditions, read at send time. */
  conditions: () => MemoryConditions;
  counters: MemoryMediumCounters;
}

export interface MemoryChannelInit {
  /** Bound on frames in flight in this direction (close markers are exempt). */
  maxInFlight: number;
  /** Receives each frame at its due time. */
  onFrame: (frame: Uint8Array) => void;
  /** Receives each control message at its due time (gateway memory links). */
  onControl?: (msg: ControlMessage) => void;
  /** Receives the close notification, after every frame sent before it. */
  onClose: (reason: string) => void;
}

/** Result of {@link MemoryChannel.push}. */
export type MemoryPushResult = 'queued' | 'lost' | 'full';

interface Entry {
  dueAt: number;
  frame: Uint8Array | undefined;
  control?: ControlMessage;
  closeReason: string | undefined;
}

/** One direction of a {@link MemoryMedium} pair. Not used directly by link users. */
export class MemoryChannel {
  private readonly c: MemoryChannelComponents;
  private readonly init: MemoryChannelInit;
  private queue: Entry[] = [];
  private head = 0;
  private frames = 0;
  private lastDueAt = -Infinity;
  private timer: TimerHandle | undefined;
  private done = false;

  constructor(components: MemoryChannelComponents, init: MemoryChannelInit) {
    this.c = components;
    this.init = init;
  }

  /** Frames currently in flight. */
  get inFlight(): number {
    return this.frames;
  }

  /**
   * Put one frame on the air. The caller passes a frame it will not mutate (MemoryLink
   * copies on send). Returns 'full' when `maxInFlight` frames are already in flight.
   */
  push(frame: Uint8Array): MemoryPushResult {
    return this.admit({ dueAt: 0, frame, closeReason: undefined });
  }

  /**
   * Put one control message on the air, in order with frames; same loss and in-flight
   * bound as frames. The body is deep-copied through JSON (as a real transport would).
   */
  pushControl(msg: ControlMessage): MemoryPushResult {
    const copy: ControlMessage = { type: msg.type, body: JSON.parse(JSON.stringify(msg.body ?? null)) as unknown };
    return this.admit({ dueAt: 0, frame: undefined, control: copy, closeReason: undefined });
  }

  /** Apply the in-flight bound, loss and latency (+ jitter) to one frame or control entry. */
  private admit(e: Entry): MemoryPushResult {
    if (this.done) return 'lost';
    if (this.frames >= this.init.maxInFlight) {
      this.c.counters.queueFull++;
      return 'full';
    }
    const cond = this.c.conditions();
    this.c.counters.sent++;
    if (cond.lossRate > 0 && this.c.random() < cond.lossRate) {
      this.c.counters.lost++;
      return 'lost';
    }
    const jitter = cond.jitterMs > 0 ? this.c.random() * cond.jitterMs : 0;
    e.dueAt = this.c.clock.now() + cond.latencyMs + jitter;
    this.enqueue(e);
    this.frames++;
    return 'queued';
  }

  /** Queue the close notification behind the frames in flight (never lost, never refused). */
  pushClose(reason: string): void {
    if (this.done) return;
    this.enqueue({ dueAt: this.c.clock.now() + this.c.conditions().latencyMs, frame: undefined, closeReason: reason });
    this.done = true;
  }

  /** Notify the receiver of the close at once, discarding frames in flight (a severed link). */
  closeNow(reason: string): void {
    const wasDone = this.done;
    this.discard();
    if (!wasDone) this.init.onClose(reason);
  }

  /** Drop everything in flight and stop; the receiver is not notified. */
  discard(): void {
    this.c.counters.discarded += this.frames;
    this.queue = [];
    this.head = 0;
    this.frames = 0;
    this.done = true;
    if (this.timer) this.c.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private enqueue(e: Entry): void {
    e.dueAt = Math.max(e.dueAt, this.lastDueAt);
    this.lastDueAt = e.dueAt;
    this.queue.push(e);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.head >= this.queue.length) return;
    const delay = Math.max(0, this.queue[this.head].dueAt - this.c.clock.now());
    this.timer = this.c.clock.setTimer(() => this.fire(), delay);
  }

  private fire(): void {
    this.timer = undefined;
    const now = this.c.clock.now();
    while (this.head < this.queue.length && this.queue[this.head].dueAt <= now) {
      const e = this.queue[this.head++];
      if (e.frame) {
        this.frames--;
        this.c.counters.delivered++;
        this.init.onFrame(e.frame);
      } else if (e.control) {
        this.frames--;
        this.c.counters.delivered++;
        this.init.onControl?.(e.control);
      } else {
        this.queue = [];
        this.head = 0;
        this.init.onClose(e.closeReason ?? 'closed by remote');
        return;
      }
    }
    if (this.head > 256 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.schedule();
  }
}
