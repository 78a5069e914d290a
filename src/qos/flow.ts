/**
 * One flow's FIFO of units plus its DRR deficit and CoDel state. A flow is an origin peer
 * (broadcast) or an origin/recipient pair (directed), or one control-message type.
 */
import { CodelState } from './codel.js';
import type { HeapItem } from './flow-heap.js';
import type { QosClass } from './classes.js';

/** One queued unit. */
export interface QueuedUnit<P> {
  readonly payload: P;
  /** Bytes on the wire (what the token buckets are charged). */
  readonly bytes: number;
  /** Enqueue time, ms since the epoch. */
  readonly enqueuedAt: number;
  /** True when AQM may drop it (frames); false for control messages. */
  readonly aqm: boolean;
}

export class Flow<P> implements HeapItem {
  readonly key: string;
  readonly cls: QosClass;
  bytes = 0;
  heapIndex = -1;
  /** DRR deficit counter, bytes (Shreedhar & Varghese 1995). */
  deficit = 0;
  /** In its class's DRR active list. */
  active = false;
  /** Next flow in the class's circular active list. */
  next: Flow<P> | undefined;
  readonly codel = new CodelState();
  private units: QueuedUnit<P>[] = [];
  private head = 0;

  constructor(key: string, cls: QosClass) {
    this.key = key;
    this.cls = cls;
  }

  get length(): number {
    return this.units.length - this.head;
  }

  peek(): QueuedUnit<P> | undefined {
    return this.units[this.head];
  }

  push(u: QueuedUnit<P>): void {
    this.units.push(u);
    this.bytes += u.bytes;
  }

  shift(): QueuedUnit<P> | undefined {
    const u = this.units[this.head];
    if (u === undefined) return undefined;
    this.units[this.head] = undefined as unknown as QueuedUnit<P>;
    this.head++;
    this.bytes -= u.bytes;
    if (this.head === this.units.length) {
      this.units = [];
      this.head = 0;
    } else if (this.head >= 64 && this.head * 2 >= this.units.length) {
      this.units = this.units.slice(this.head);
      this.head = 0;
    }
    return u;
  }

  /** Remove every unit (returned oldest first). */
  drain(): QueuedUnit<P>[] {
    const out = this.units.slice(this.head);
    this.units = [];
    this.head = 0;
    this.bytes = 0;
    return out;
  }
}
