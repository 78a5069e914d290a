/**
 * Deficit round robin over the backlogged flows of one class (M. Shreedhar and
 * G. Varghese, "Efficient Fair Queuing using Deficit Round Robin", SIGCOMM '95): each turn
 * a flow earns one quantum of bytes and sends head units while they fit its deficit, so
 * every backlogged flow gets an equal share of bytes whatever its unit sizes. O(1) per
 * unit when the quantum is at least the largest unit.
 */
import type { Flow } from './flow.js';

export class DrrList<P> {
  private headFlow: Flow<P> | undefined;
  private tailFlow: Flow<P> | undefined;
  private count = 0;

  /** @param quantum bytes a flow earns per turn (>= the largest unit). */
  constructor(private readonly quantum: number) {}

  get size(): number {
    return this.count;
  }

  /**
   * Append a newly backlogged flow (deficit starts at 0). Flows emptied by drops are left in
   * the list and removed lazily when they reach its head.
   */
  add(f: Flow<P>): void {
    if (f.active) return;
    f.active = true;
    f.deficit = 0;
    f.next = undefined;
    if (this.tailFlow) this.tailFlow.next = f;
    else this.headFlow = f;
    this.tailFlow = f;
    this.count++;
  }

  /**
   * The flow whose head unit is next in DRR order. Rotates flows (adding a quantum to each
   * whose deficit is short) until the head flow's deficit covers its head unit.
   */
  current(): Flow<P> | undefined {
    for (;;) {
      const f = this.headFlow;
      if (!f) return undefined;
      const u = f.peek();
      if (u === undefined) {
        this.removeHead();
        continue;
      }
      if (f.deficit >= u.bytes) return f;
      f.deficit += this.quantum;
      if (f.deficit >= u.bytes && this.count === 1) return f;
      this.rotate();
    }
  }

  /** After the head flow sent `bytes`: charge its deficit; drop it from the list when empty. */
  charge(f: Flow<P>, bytes: number): void {
    f.deficit -= bytes;
    if (f.length === 0 && this.headFlow === f) this.removeHead();
  }

  /** Every flow in the list, head first. */
  *flows(): IterableIterator<Flow<P>> {
    for (let cur = this.headFlow; cur; cur = cur.next) yield cur;
  }

  private rotate(): void {
    const f = this.headFlow;
    if (!f || f === this.tailFlow) return;
    this.headFlow = f.next;
    f.next = undefined;
    (this.tailFlow as Flow<P>).next = f;
    this.tailFlow = f;
  }

  private removeHead(): void {
    const f = this.headFlow;
    if (!f) return;
    this.headFlow = f.next;
    if (this.tailFlow === f) this.tailFlow = undefined;
    f.active = false;
    f.next = undefined;
    f.deficit = 0;
    this.count--;
  }
}
