/**
 * An immutable routing snapshot in compressed sparse row (CSR) form: node i's out-edges
 * are `targets[offsets[i] .. offsets[i+1])` with costs in `costs` at the same indices.
 * Typed arrays keep it compact (12 bytes per edge, 4 + 8 per node) and cache friendly;
 * routes are computed on a snapshot while the live topology keeps changing, so forwarding
 * never waits on a recomputation. A link update makes a new snapshot sharing the structure
 * (`withEdgeCost`, O(E) copy of the cost array, no re-sort).
 */
import { MeshgateError } from '../errors.js';
import type { NodeKind } from './types.js';

/** Node kind codes in {@link CsrGraph.kinds}. */
export const KIND_CODE: Readonly<Record<NodeKind, number>> = { phone: 0, gateway: 1, internet: 2 };
export const KIND_NAMES: readonly NodeKind[] = ['phone', 'gateway', 'internet'];

/** One directed edge given to {@link CsrGraph.build}; cost in link-metric units (> 0). */
export interface CsrEdge {
  readonly from: number;
  readonly to: number;
  readonly cost: number;
  /** When the fact behind the edge was measured, ms since the epoch (NaN when unknown). */
  readonly at?: number;
}

export class CsrGraph {
  /** Node IDs (peer IDs, 16 hex) by index. */
  readonly ids: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
  readonly costs: Float64Array;
  /** Per edge: when its fact was measured (ms since the epoch; NaN when unknown). */
  readonly times: Float64Array;
  /** {@link KIND_CODE} per node. */
  readonly kinds: Uint8Array;
  /** Local planar coordinates in metres (NaN when the node's position is unknown or stale). */
  readonly x: Float64Array;
  readonly y: Float64Array;
  private reverse: { offsets: Int32Array; sources: Int32Array; costs: Float64Array } | undefined;

  private constructor(ids: readonly string[], index: ReadonlyMap<string, number>, offsets: Int32Array, targets: Int32Array, costs: Float64Array, times: Float64Array, kinds: Uint8Array, x: Float64Array, y: Float64Array) {
    this.times = times;
    this.ids = ids;
    this.index = index;
    this.offsets = offsets;
    this.targets = targets;
    this.costs = costs;
    this.kinds = kinds;
    this.x = x;
    this.y = y;
  }

  /**
   * Build from node IDs and an edge list (counting sort by source, O(V + E)). Duplicate
   * edges keep the cheapest. @throws MeshgateError MG_ERR_ROUTING_BAD_EDGE for an edge
   * naming a node out of range or a cost that is not a positive finite number.
   */
  static build(ids: readonly string[], edges: readonly CsrEdge[], opts: { kinds?: Uint8Array; x?: Float64Array; y?: Float64Array } = {}): CsrGraph {
    const n = ids.length;
    const index = new Map<string, number>();
    ids.forEach((id, i) => index.set(id, i));
    const offsets = new Int32Array(n + 1);
    for (const e of edges) {
      if (!(e.from >= 0 && e.from < n && e.to >= 0 && e.to < n) || !(e.cost > 0 && Number.isFinite(e.cost))) {
        throw new MeshgateError('MG_ERR_ROUTING_BAD_EDGE', `bad edge ${e.from} -> ${e.to} cost ${e.cost}`, { from: e.from, to: e.to, cost: e.cost });
      }
      offsets[e.from + 1]++;
    }
    for (let i = 0; i < n; i++) offsets[i + 1] += offsets[i];
    const fill = offsets.slice(0, n);
    const targets = new Int32Array(edges.length);
    const costs = new Float64Array(edges.length);
    const times = new Float64Array(edges.length);
    for (const e of edges) {
      const k = fill[e.from]++;
      targets[k] = e.to;
      costs[k] = e.cost;
      times[k] = e.at ?? NaN;
    }
    const g = new CsrGraph(ids, index, offsets, targets, costs, times, opts.kinds ?? new Uint8Array(n), opts.x ?? new Float64Array(n).fill(NaN), opts.y ?? new Float64Array(n).fill(NaN));
    return g.dedupe();
  }

  get nodeCount(): number {
    return this.ids.length;
  }

  get edgeCount(): number {
    return this.targets.length;
  }

  /** CSR position of edge from → to, or -1. O(degree). */
  edgeIndex(from: number, to: number): number {
    const t = this.targets;
    for (let k = this.offsets[from], end = this.offsets[from + 1]; k < end; k++) if (t[k] === to) return k;
    return -1;
  }

  /** Cost of edge from → to (Infinity when absent). */
  cost(from: number, to: number): number {
    const k = this.edgeIndex(from, to);
    return k < 0 ? Infinity : this.costs[k];
  }

  /**
   * A new snapshot with one edge's cost changed (structure shared, costs copied): the
   * incremental link update. Infinity removes the edge from use (kept in the structure).
   * @throws MeshgateError MG_ERR_ROUTING_BAD_EDGE when the edge does not exist.
   */
  withEdgeCost(from: number, to: number, cost: number): CsrGraph {
    const k = this.edgeIndex(from, to);
    if (k < 0 || !(cost > 0)) throw new MeshgateError('MG_ERR_ROUTING_BAD_EDGE', `no edge ${from} -> ${to} to update (or cost ${cost} <= 0)`, { from, to, cost });
    const costs = this.costs.slice();
    costs[k] = cost;
    return new CsrGraph(this.ids, this.index, this.offsets, this.targets, costs, this.times, this.kinds, this.x, this.y);
  }

  /**
   * The largest k with cost(u, v) ≥ k · |uv| for every edge (a lower bound on cost per
   * metre), when every node has a position; 0 otherwise. Makes k · |vt| an admissible,
   * consistent A* heuristic (Hart, Nilsson & Raphael 1968). Computed once, O(E).
   */
  costPerMetre(): number {
    if (this.kMin !== undefined) return this.kMin;
    let k = Infinity;
    for (let u = 0; u < this.nodeCount && k > 0; u++) {
      if (Number.isNaN(this.x[u]) || Number.isNaN(this.y[u])) k = 0;
      for (let e = this.offsets[u]; e < this.offsets[u + 1] && k > 0; e++) {
        const v = this.targets[e];
        const d = Math.hypot(this.x[u] - this.x[v], this.y[u] - this.y[v]);
        if (d > 0) k = Math.min(k, this.costs[e] / d);
      }
    }
    this.kMin = Number.isFinite(k) ? k : 0;
    return this.kMin;
  }

  private kMin: number | undefined;

  /** The transposed graph (in-edges), built once on first use, for bidirectional search. */
  reversed(): { offsets: Int32Array; sources: Int32Array; costs: Float64Array } {
    if (this.reverse) return this.reverse;
    const n = this.nodeCount;
    const offsets = new Int32Array(n + 1);
    for (let k = 0; k < this.targets.length; k++) offsets[this.targets[k] + 1]++;
    for (let i = 0; i < n; i++) offsets[i + 1] += offsets[i];
    const fill = offsets.slice(0, n);
    const sources = new Int32Array(this.targets.length);
    const costs = new Float64Array(this.targets.length);
    for (let u = 0; u < n; u++) {
      for (let k = this.offsets[u]; k < this.offsets[u + 1]; k++) {
        const j = fill[this.targets[k]]++;
        sources[j] = u;
        costs[j] = this.costs[k];
      }
    }
    this.reverse = { offsets, sources, costs };
    return this.reverse;
  }

  private dedupe(): CsrGraph {
    const n = this.nodeCount;
    const seen = new Int32Array(n).fill(-1);
    let dup = false;
    for (let u = 0; u < n && !dup; u++) {
      for (let k = this.offsets[u]; k < this.offsets[u + 1]; k++) {
        if (seen[this.targets[k]] === u) dup = true;
        seen[this.targets[k]] = u;
      }
    }
    if (!dup) return this;
    const edges: CsrEdge[] = [];
    const best = new Map<number, number>();
    for (let u = 0; u < n; u++) {
      best.clear();
      for (let k = this.offsets[u]; k < this.offsets[u + 1]; k++) {
        const v = this.targets[k];
        const prev = best.get(v);
        if (prev === undefined || this.costs[k] < this.costs[prev]) best.set(v, k);
      }
      for (const [v, k] of best) edges.push({ from: u, to: v, cost: this.costs[k], at: this.times[k] });
    }
    return CsrGraph.build(this.ids, edges, { kinds: this.kinds, x: this.x, y: this.y });
  }
}
