/**
 * An indexed binary max-heap of flows by queued bytes, so "drop from the fattest flow"
 * (CAKE, `sch_cake.c` `cake_drop` / `cake_heapify`) costs O(log n) per update instead of
 * a scan over every flow. Each item stores its own heap position.
 */
export interface HeapItem {
  /** Queued bytes (the key). */
  bytes: number;
  /** Position in the heap, -1 when not in it (managed by the heap). */
  heapIndex: number;
}

export class FlowHeap<T extends HeapItem> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  /** The item with the most bytes, or undefined. */
  top(): T | undefined {
    return this.items[0];
  }

  /** Insert or re-position `item` after its `bytes` changed; removes it when bytes is 0. */
  update(item: T): void {
    if (item.bytes <= 0) {
      this.remove(item);
      return;
    }
    if (item.heapIndex < 0) {
      item.heapIndex = this.items.length;
      this.items.push(item);
    }
    this.up(item.heapIndex);
    this.down(item.heapIndex);
  }

  remove(item: T): void {
    const i = item.heapIndex;
    if (i < 0) return;
    const last = this.items.pop() as T;
    item.heapIndex = -1;
    if (last !== item) {
      this.items[i] = last;
      last.heapIndex = i;
      this.up(i);
      this.down(last.heapIndex);
    }
  }

  private up(i: number): void {
    const a = this.items;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p].bytes >= a[i].bytes) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const a = this.items;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && a[l].bytes > a[m].bytes) m = l;
      if (r < a.length && a[r].bytes > a[m].bytes) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(i: number, j: number): void {
    const a = this.items;
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
    a[i].heapIndex = i;
    a[j].heapIndex = j;
  }
}
