/** Shared fixtures for routing tests: random graphs, unit-disk graphs, a brute-force oracle. */
import { CsrGraph, type CsrEdge } from '../../src/routing/index.js';
import type { GeoView, Point } from '../../src/routing/index.js';

/** Floyd-Warshall all-pairs distances (the brute-force oracle). */
export function floydWarshall(n: number, edges: readonly CsrEdge[]): number[][] {
  const d = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 0 : Infinity)));
  for (const e of edges) if (e.cost < d[e.from][e.to]) d[e.from][e.to] = e.cost;
  for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (d[i][k] + d[k][j] < d[i][j]) d[i][j] = d[i][k] + d[k][j];
  return d;
}

export function ids(n: number): string[] {
  return Array.from({ length: n }, (_, i) => i.toString(16).padStart(16, '0'));
}

/** A unit-disk graph over points: an edge both ways between points at most `range` apart. */
export function unitDisk(points: readonly Point[], range: number): { graph: CsrGraph; view: GeoView; adj: number[][] } {
  const edges: CsrEdge[] = [];
  const adj: number[][] = points.map(() => []);
  for (let i = 0; i < points.length; i++) {
    for (let j = 0; j < points.length; j++) {
      if (i === j) continue;
      const d = Math.hypot(points[i].x - points[j].x, points[i].y - points[j].y);
      if (d <= range) {
        edges.push({ from: i, to: j, cost: d + 1e-3 });
        adj[i].push(j);
      }
    }
  }
  const graph = CsrGraph.build(ids(points.length), edges);
  return { graph, adj, view: { position: (i) => points[i], neighbours: (i) => adj[i] } };
}

export function connected(adj: number[][]): boolean {
  const seen = new Set([0]);
  const stack = [0];
  while (stack.length) for (const v of adj[stack.pop() as number]) if (!seen.has(v)) (seen.add(v), stack.push(v));
  return seen.size === adj.length;
}
