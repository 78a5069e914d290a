/**
 * Load-balanced multipath: k link-disjoint paths by successive shortest paths with the
 * links of earlier paths removed (both directions, so no two paths share a radio link),
 * and a traffic splitter whose weights follow path cost and measured load.
 *
 * Split weights: base p_i ∝ 1 / c_i (c_i = path cost), then AntNet's queue-length
 * correction p'_i = (p_i + α · l_i) / (1 + α), l_i = 1 − q_i / Σ_j q_j (Di Caro & Dorigo,
 * "AntNet: distributed stigmergetic control for communications networks", JAIR 1998, §3.2),
 * renormalised. Packets are assigned by smooth weighted round-robin (nginx upstream
 * `ngx_http_upstream_get_peer`), so over any window of W packets each path's share is
 * within 1/W of its weight: deterministic and testable.
 */
import { MeshgateError } from '../errors.js';
import { dijkstra, pathTo, DijkstraWorkspace } from './dijkstra.js';
import type { CsrGraph } from './csr-graph.js';

/** One path: node indices from source to target and its cost. */
export interface WeightedPath {
  readonly nodes: readonly number[];
  readonly cost: number;
}

/** Largest k accepted by {@link disjointPaths}. */
export const MAX_MULTIPATH_K = 8;

/**
 * Up to `k` link-disjoint paths source → target, cheapest first.
 * @throws MeshgateError MG_ERR_ROUTING_BAD_ARGUMENT when k is not 1..MAX_MULTIPATH_K.
 */
export function disjointPaths(g: CsrGraph, source: number, target: number, k: number, ws: DijkstraWorkspace = new DijkstraWorkspace()): WeightedPath[] {
  if (!Number.isInteger(k) || k < 1 || k > MAX_MULTIPATH_K) throw new MeshgateError('MG_ERR_ROUTING_BAD_ARGUMENT', `multipath k must be 1..${MAX_MULTIPATH_K}, got ${k}`, { k });
  const mask = new Uint8Array(g.edgeCount);
  const out: WeightedPath[] = [];
  for (let i = 0; i < k; i++) {
    const tree = dijkstra(g, source, { mask, workspace: ws });
    const nodes = pathTo(tree, target);
    if (nodes.length < 2) break;
    let cost = 0;
    for (let j = 0; j + 1 < nodes.length; j++) {
      const e = g.edgeIndex(nodes[j], nodes[j + 1]);
      cost += g.costs[e];
      mask[e] = 1;
      const back = g.edgeIndex(nodes[j + 1], nodes[j]);
      if (back >= 0) mask[back] = 1;
    }
    out.push({ nodes, cost });
  }
  return out;
}

/** Split weights from path costs and queue lengths (module doc); they sum to 1. α default 0.3 (AntNet's range 0.2..0.5). */
export function splitWeights(costs: readonly number[], queues: readonly number[] = [], alpha = 0.3): number[] {
  if (costs.length === 0) return [];
  const inv = costs.map((c) => (c > 0 && Number.isFinite(c) ? 1 / c : 0));
  const s = inv.reduce((a, b) => a + b, 0);
  let p = s > 0 ? inv.map((v) => v / s) : costs.map(() => 1 / costs.length);
  const qsum = queues.reduce((a, b) => a + Math.max(0, b), 0);
  if (qsum > 0 && costs.length > 1) {
    p = p.map((pi, i) => (pi + alpha * (1 - Math.max(0, queues[i] ?? 0) / qsum)) / (1 + alpha));
    const t = p.reduce((a, b) => a + b, 0);
    p = p.map((v) => v / t);
  }
  return p;
}

/** Smooth weighted round-robin over paths; weights can be changed between picks. */
export class LoadSplitter {
  private weights: number[] = [];
  private current: number[] = [];
  private counts: number[] = [];

  /** Set the weights (non-negative; need not sum to 1). Keeps per-path progress when the count is unchanged. */
  setWeights(weights: readonly number[]): void {
    if (weights.length !== this.weights.length) {
      this.current = weights.map(() => 0);
      this.counts = weights.map(() => 0);
    }
    this.weights = weights.map((w) => (w > 0 && Number.isFinite(w) ? w : 0));
  }

  /** Index of the path for the next packet (-1 when there are no paths or all weights are 0). */
  pick(): number {
    let total = 0;
    let best = -1;
    for (let i = 0; i < this.weights.length; i++) {
      total += this.weights[i];
      this.current[i] += this.weights[i];
      if (this.weights[i] > 0 && (best < 0 || this.current[i] > this.current[best])) best = i;
    }
    if (best < 0) return -1;
    this.current[best] -= total;
    this.counts[best]++;
    return best;
  }

  /** Packets assigned to each path so far. */
  assigned(): readonly number[] {
    return this.counts;
  }
}
