/**
 * Shortest paths on a {@link CsrGraph}: Dijkstra's algorithm (Dijkstra, "A note on two
 * problems in connexion with graphs", 1959) with a binary heap and lazy deletion,
 * O((V + E) log V), and a bidirectional variant for one pair (Pohl 1971; stopping rule
 * top_f + top_b ≥ μ, Goldberg & Harrelson, "Computing the shortest path: A* search meets
 * graph theory", SODA 2005). Costs must be > 0 (CsrGraph enforces it); Infinity-cost
 * edges are skipped.
 */
import { BinaryHeap } from './binary-heap.js';
import type { CsrGraph } from './csr-graph.js';

/** A shortest-path tree from `source`: per node its distance, predecessor and first hop. */
export interface ShortestPathTree {
  readonly source: number;
  /** Path cost from the source (Infinity when unreachable). */
  readonly dist: Float64Array;
  /** Predecessor on the path (-1 for the source and unreachable nodes). */
  readonly parent: Int32Array;
  /** The source's neighbour on the path: the next hop (-1 for the source and unreachable nodes). */
  readonly firstHop: Int32Array;
}

/** Reusable scratch space so repeated runs allocate nothing but their results. */
export class DijkstraWorkspace {
  readonly heap = new BinaryHeap(1024);
  private done = new Uint8Array(0);
  settled(n: number): Uint8Array {
    if (this.done.length < n) this.done = new Uint8Array(n);
    else this.done.fill(0, 0, n);
    return this.done;
  }
}

/**
 * Single-source Dijkstra from `source` (node index). `mask`, when given, marks CSR edge
 * indices to ignore (1 = skip), for multipath. Returns the whole tree.
 */
export function dijkstra(g: CsrGraph, source: number, opts: { mask?: Uint8Array; workspace?: DijkstraWorkspace } = {}): ShortestPathTree {
  const n = g.nodeCount;
  const dist = new Float64Array(n).fill(Infinity);
  const parent = new Int32Array(n).fill(-1);
  const firstHop = new Int32Array(n).fill(-1);
  const ws = opts.workspace ?? new DijkstraWorkspace();
  const done = ws.settled(n);
  const heap = ws.heap;
  heap.clear();
  const { offsets, targets, costs } = g;
  const mask = opts.mask;
  dist[source] = 0;
  heap.push(source, 0);
  while (heap.size > 0) {
    const u = heap.pop();
    if (done[u] === 1) continue;
    done[u] = 1;
    const du = heap.lastKey;
    const fh = u === source ? -1 : firstHop[u];
    for (let k = offsets[u], end = offsets[u + 1]; k < end; k++) {
      if (mask !== undefined && mask[k] === 1) continue;
      const v = targets[k];
      const nd = du + costs[k];
      if (nd < dist[v]) {
        dist[v] = nd;
        parent[v] = u;
        firstHop[v] = fh === -1 ? v : fh;
        heap.push(v, nd);
      }
    }
  }
  return { source, dist, parent, firstHop };
}

/** The node path source → target from a tree (empty when unreachable). */
export function pathTo(tree: ShortestPathTree, target: number): number[] {
  if (tree.dist[target] === Infinity) return [];
  const path: number[] = [];
  for (let v = target; v !== -1; v = tree.parent[v]) path.push(v);
  return path.reverse();
}

/** Scratch arrays for {@link shortestPair}, sized to the graph on first use. */
export class PairWorkspace {
  n = 0;
  df = new Float64Array(0);
  db = new Float64Array(0);
  pf = new Int32Array(0);
  pb = new Int32Array(0);
  sf = new Uint8Array(0);
  sb = new Uint8Array(0);
  touched = new Int32Array(0);
  touchedCount = 0;
  readonly hf = new BinaryHeap(256);
  readonly hb = new BinaryHeap(256);

  prepare(n: number): void {
    if (this.n !== n) {
      this.n = n;
      this.df = new Float64Array(n).fill(Infinity);
      this.db = new Float64Array(n).fill(Infinity);
      this.pf = new Int32Array(n).fill(-1);
      this.pb = new Int32Array(n).fill(-1);
      this.sf = new Uint8Array(n);
      this.sb = new Uint8Array(n);
      this.touched = new Int32Array(n);
      this.touchedCount = 0;
      return;
    }
    // reset only what the previous query touched (sub-linear queries stay sub-linear)
    for (let i = 0; i < this.touchedCount; i++) {
      const v = this.touched[i];
      this.df[v] = Infinity;
      this.db[v] = Infinity;
      this.pf[v] = -1;
      this.pb[v] = -1;
      this.sf[v] = 0;
      this.sb[v] = 0;
    }
    this.touchedCount = 0;
  }

  touch(v: number): void {
    if (this.df[v] === Infinity && this.db[v] === Infinity) this.touched[this.touchedCount++] = v;
  }
}

/**
 * One shortest path source → target. With positions on every node (`costPerMetre() > 0`)
 * A* with the heuristic k · |v − target| (admissible and consistent; Hart, Nilsson &
 * Raphael, "A formal basis for the heuristic determination of minimum cost paths", 1968);
 * otherwise bidirectional Dijkstra. Returns the node path (empty when unreachable) and its cost.
 */
export function shortestPair(g: CsrGraph, source: number, target: number, ws: PairWorkspace = new PairWorkspace()): { path: number[]; cost: number } {
  if (source === target) return { path: [source], cost: 0 };
  const k = g.costPerMetre();
  return k > 0 ? aStar(g, source, target, k, ws) : bidirectional(g, source, target, ws);
}

function aStar(g: CsrGraph, source: number, target: number, k: number, ws: PairWorkspace): { path: number[]; cost: number } {
  ws.prepare(g.nodeCount);
  const { df, pf, sf, hf } = ws;
  const { offsets, targets, costs, x, y } = g;
  const tx = x[target];
  const ty = y[target];
  hf.clear();
  ws.touch(source);
  df[source] = 0;
  hf.push(source, k * Math.hypot(x[source] - tx, y[source] - ty));
  while (hf.size > 0) {
    const u = hf.pop();
    if (sf[u] === 1) continue;
    sf[u] = 1;
    if (u === target) break;
    const du = df[u];
    for (let e = offsets[u], end = offsets[u + 1]; e < end; e++) {
      const v = targets[e];
      const nd = du + costs[e];
      if (nd < df[v]) {
        ws.touch(v);
        df[v] = nd;
        pf[v] = u;
        hf.push(v, nd + k * Math.hypot(x[v] - tx, y[v] - ty));
      }
    }
  }
  if (df[target] === Infinity) return { path: [], cost: Infinity };
  const path: number[] = [];
  for (let v = target; v !== -1; v = pf[v]) path.push(v);
  return { path: path.reverse(), cost: df[target] };
}

function bidirectional(g: CsrGraph, source: number, target: number, ws: PairWorkspace): { path: number[]; cost: number } {
  const n = g.nodeCount;
  ws.prepare(n);
  const rev = g.reversed();
  const { df, db, pf, pb, sf, sb, hf, hb } = ws;
  hf.clear();
  hb.clear();
  ws.touch(source);
  df[source] = 0;
  ws.touch(target);
  db[target] = 0;
  hf.push(source, 0);
  hb.push(target, 0);
  let mu = Infinity;
  let meet = -1;
  const { offsets, targets, costs } = g;
  while (hf.size > 0 && hb.size > 0) {
    if (hf.peekKey() + hb.peekKey() >= mu) break;
    if (hf.peekKey() <= hb.peekKey()) {
      const u = hf.pop();
      if (sf[u] === 1) continue;
      sf[u] = 1;
      const du = hf.lastKey;
      for (let k = offsets[u], end = offsets[u + 1]; k < end; k++) {
        const v = targets[k];
        const nd = du + costs[k];
        if (nd < df[v]) {
          ws.touch(v);
          df[v] = nd;
          pf[v] = u;
          hf.push(v, nd);
        }
        const total = nd + db[v];
        if (total < mu) {
          mu = total;
          meet = v;
        }
      }
    } else {
      const u = hb.pop();
      if (sb[u] === 1) continue;
      sb[u] = 1;
      const du = hb.lastKey;
      for (let k = rev.offsets[u], end = rev.offsets[u + 1]; k < end; k++) {
        const v = rev.sources[k];
        const nd = du + rev.costs[k];
        if (nd < db[v]) {
          ws.touch(v);
          db[v] = nd;
          pb[v] = u;
          hb.push(v, nd);
        }
        const total = nd + df[v];
        if (total < mu) {
          mu = total;
          meet = v;
        }
      }
    }
  }
  if (meet < 0) return { path: [], cost: Infinity };
  const path: number[] = [];
  for (let v = meet; v !== -1; v = pf[v]) path.push(v);
  path.reverse();
  for (let v = pb[meet]; v !== -1; v = pb[v]) path.push(v);
  return { path, cost: mu };
}
