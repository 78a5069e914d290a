/**
 * A binary min-heap of (node index, key) pairs in typed arrays, with lazy deletion: a node
 * may be pushed again with a smaller key and stale entries are skipped by the caller
 * (compare the popped key with the node's current distance). Williams, "Algorithm 232:
 * Heapsort", CACM 1964. Grows by doubling; `clear()` keeps the storage for reuse.
 */
export class BinaryHeap {
  private nodes: Int32Array;
  private keys: Float64Array;
  private n = 0;

  constructor(initialCapacity = 1024) {
    this.nodes = new Int32Array(Math.max(4, initialCapacity));
    this.keys = new Float64Array(Math.max(4, initialCapacity));
  }

  get size(): number {
    return this.n;
  }

  clear(): void {
    this.n = 0;
  }

  push(node: number, key: number): void {
    if (this.n === this.nodes.length) this.grow();
    const nodes = this.nodes;
    const keys = this.keys;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pk = keys[p];
      if (pk <= key) break;
      nodes[i] = nodes[p];
      keys[i] = pk;
      i = p;
    }
    nodes[i] = node;
    keys[i] = key;
  }

  /** Key of the minimum (Infinity when empty). */
  peekKey(): number {
    return this.n > 0 ? this.keys[0] : Infinity;
  }

  /** Remove the minimum; returns its node (-1 when empty). Its key is `lastKey`. */
  pop(): number {
    if (this.n === 0) return -1;
    const nodes = this.nodes;
    const keys = this.keys;
    const top = nodes[0];
    this.lastKey = keys[0];
    const n = --this.n;
    if (n > 0) {
      const node = nodes[n];
      const key = keys[n];
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && keys[c + 1] < keys[c]) c++;
        if (keys[c] >= key) break;
        nodes[i] = nodes[c];
        keys[i] = keys[c];
        i = c;
      }
      nodes[i] = node;
      keys[i] = key;
    }
    return top;
  }

  /** Key of the node returned by the last `pop()`. */
  lastKey = Infinity;

  private grow(): void {
    const nodes = new Int32Array(this.nodes.length * 2);
    nodes.set(this.nodes);
    const keys = new Float64Array(this.keys.length * 2);
    keys.set(this.keys);
    this.nodes = nodes;
    this.keys = keys;
  }
}
