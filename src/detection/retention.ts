/**
 * Failover retention: directed frames sent on each gateway link are kept (bounded per
 * link) until the neighbour has acknowledged them (a pong to a later ping: control
 * messages travel in order with frames) *and* they are older than `retainMs`, so when that
 * link or its gateway is declared down they can be re-sent through another gateway link. Duplicates are harmless: every
 * gateway's duplicate cache (bitchat-spec.md §6) drops a copy that already arrived, so a
 * frame the dead gateway had in fact forwarded is delivered once.
 *
 * `retainMs` covers a neighbour that received a frame but died before forwarding it; a
 * silent neighbour acknowledges nothing, so everything sent since its last pong is held
 * however long detection takes.
 * Bounds: `maxFramesPerLink` (overflow forgets the oldest, counted
 * MG_ERR_FAILOVER_OVERFLOW) and `maxBytesPerLink`.
 *
 * Pure: time from the injected Clock.
 */
import type { Clock } from '../ports/clock.js';

export interface RetainedFrame {
  at: number;
  frame: Uint8Array;
  /** 16-hex recipient (next hop) of the directed frame. */
  recipient: string;
}

interface Queue {
  items: RetainedFrame[];
  head: number;
  bytes: number;
  /** Frames sent before this time (ms) are known to have reached the neighbour. */
  ackedUntil: number;
}

export class RetentionBuffer {
  private readonly clock: Clock;
  readonly retainMs: number;
  readonly maxFramesPerLink: number;
  readonly maxBytesPerLink: number;
  private readonly queues = new Map<string, Queue>();
  private readonly counters = { retained: 0, overflow: 0, expired: 0, taken: 0 };

  constructor(components: { clock: Clock }, init: { retainMs: number; maxFramesPerLink?: number; maxBytesPerLink?: number }) {
    this.clock = components.clock;
    this.retainMs = init.retainMs;
    this.maxFramesPerLink = init.maxFramesPerLink ?? 1024;
    this.maxBytesPerLink = init.maxBytesPerLink ?? 4 * 1024 * 1024;
  }

  /** Keep one frame sent on `linkId`. */
  push(linkId: string, frame: Uint8Array, recipient: string): void {
    const now = this.clock.now();
    let q = this.queues.get(linkId);
    if (!q) this.queues.set(linkId, (q = { items: [], head: 0, bytes: 0, ackedUntil: 0 }));
    this.prune(q, now);
    while (q.items.length - q.head >= this.maxFramesPerLink || (q.items.length > q.head && q.bytes + frame.length > this.maxBytesPerLink)) {
      q.bytes -= q.items[q.head].frame.length;
      q.head++;
      this.counters.overflow++;
    }
    q.items.push({ at: now, frame, recipient });
    q.bytes += frame.length;
    this.counters.retained++;
    if (q.head > 1024 && q.head * 2 > q.items.length) {
      q.items = q.items.slice(q.head);
      q.head = 0;
    }
  }

  /**
   * The neighbour has everything sent on `linkId` before `sentBefore` (ms): a pong to a
   * ping sent then arrived, and control messages travel in order with frames. Acknowledged
   * frames are still kept for `retainMs` (the neighbour may die before forwarding them);
   * unacknowledged ones are kept until acknowledged or the per-link bound is hit.
   */
  ack(linkId: string, sentBefore: number): void {
    const q = this.queues.get(linkId);
    if (!q || sentBefore <= q.ackedUntil) return;
    q.ackedUntil = sentBefore;
    this.prune(q, this.clock.now());
  }

  /** Remove and return the frames of `linkId` still inside the window, oldest first. */
  take(linkId: string): RetainedFrame[] {
    const q = this.queues.get(linkId);
    this.queues.delete(linkId);
    if (!q) return [];
    this.prune(q, this.clock.now());
    const out = q.items.slice(q.head);
    this.counters.taken += out.length;
    return out;
  }

  /** Frames held for `linkId` now (after pruning). */
  size(linkId: string): number {
    const q = this.queues.get(linkId);
    if (!q) return 0;
    this.prune(q, this.clock.now());
    return q.items.length - q.head;
  }

  /** Forget a link's frames. */
  drop(linkId: string): void {
    this.queues.delete(linkId);
  }

  /** Frames pushed, dropped by overflow (MG_ERR_FAILOVER_OVERFLOW), expired, taken for failover; frames held now. */
  stats(): { retained: number; overflow: number; expired: number; taken: number; held: number } {
    let held = 0;
    for (const q of this.queues.values()) held += q.items.length - q.head;
    return { ...this.counters, held };
  }

  private prune(q: Queue, now: number): void {
    while (q.head < q.items.length && q.items[q.head].at < q.ackedUntil && now - q.items[q.head].at > this.retainMs) {
      q.bytes -= q.items[q.head].frame.length;
      q.head++;
      this.counters.expired++;
    }
    if (q.head === q.items.length) {
      q.items = [];
      q.head = 0;
      q.bytes = 0;
    }
  }
}
