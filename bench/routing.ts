/**
 * bench/routing — route computation on a 10,000-node random geometric graph (unit square,
 * radius r = sqrt(10 / (π N)) for a mean degree of about 10, edge cost = Euclidean length),
 * against baselines in the same run:
 *
 * - full routing table (single-source shortest-path tree + next hops from one node):
 *   meshgate's CSR Dijkstra vs graphology-shortest-path `dijkstra.singleSource`; goal ≥ 30×;
 * - one pair: meshgate's `shortestPair` (A* with the snapshot's positions; bidirectional
 *   Dijkstra without) vs ngraph.path's NBA* with its default settings (no heuristic); goal ≥ 5×.
 *   NBA* given the same Euclidean heuristic is printed too, and our bidirectional Dijkstra
 *   on a snapshot without positions;
 * - one incremental link update: a new snapshot with one edge cost changed (`withEdgeCost`)
 *   plus the new tree, against a full snapshot rebuild plus tree.
 *
 * Usage: npm run bench:routing [-- --nodes 10000 --rounds 15 --pairs 300]
 * Last line: one JSON object with the figures.
 */
import { cpus } from 'node:os';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { CsrGraph, dijkstra, shortestPair, DijkstraWorkspace, PairWorkspace, seededRandom, type CsrEdge } from '../src/routing/index.js';

const require = createRequire(import.meta.url);
/* eslint-disable @typescript-eslint/no-explicit-any */
const Graph: any = require('graphology');
const { dijkstra: gDijkstra }: any = require('graphology-shortest-path');
const createNGraph: any = require('ngraph.graph');
const ngraphPath: any = require('ngraph.path');

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const N = arg('nodes', 10_000);
const ROUNDS = arg('rounds', 15);
const PAIRS = arg('pairs', 300);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
function time(fn: () => void, rounds: number): number {
  fn(); // warm-up
  const ts: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    fn();
    ts.push(performance.now() - t);
  }
  return median(ts);
}

// ---- the graph ----------------------------------------------------------------------
const rnd = seededRandom(42);
const xs = new Float64Array(N).map(() => rnd());
const ys = new Float64Array(N).map(() => rnd());
const r = Math.sqrt(10 / (Math.PI * N));
const cells = Math.floor(1 / r);
const buckets = new Map<number, number[]>();
for (let i = 0; i < N; i++) {
  const k = Math.min(cells - 1, Math.floor(xs[i] * cells)) * cells + Math.min(cells - 1, Math.floor(ys[i] * cells));
  (buckets.get(k) ?? buckets.set(k, []).get(k)!).push(i);
}
const edges: CsrEdge[] = [];
for (let i = 0; i < N; i++) {
  const cx = Math.min(cells - 1, Math.floor(xs[i] * cells));
  const cy = Math.min(cells - 1, Math.floor(ys[i] * cells));
  for (let dx = -1; dx <= 1; dx++) {
    for (let dy = -1; dy <= 1; dy++) {
      for (const j of buckets.get((cx + dx) * cells + (cy + dy)) ?? []) {
        if (j === i || cx + dx < 0 || cy + dy < 0 || cx + dx >= cells || cy + dy >= cells) continue;
        const d = Math.hypot(xs[i] - xs[j], ys[i] - ys[j]);
        if (d <= r) edges.push({ from: i, to: j, cost: d });
      }
    }
  }
}
const ids = Array.from({ length: N }, (_, i) => String(i));
const g = CsrGraph.build(ids, edges, { x: xs, y: ys });
const meanDegree = g.edgeCount / N;

const gg = new Graph({ type: 'undirected' });
for (const id of ids) gg.addNode(id);
for (const e of edges) if (e.from < e.to) gg.addEdge(String(e.from), String(e.to), { weight: e.cost });
const ng = createNGraph();
for (const e of edges) if (e.from < e.to) ng.addLink(e.from, e.to, { weight: e.cost });

// source: the node nearest the centre (so the tree spans the connected component)
let src = 0;
for (let i = 0; i < N; i++) if (Math.hypot(xs[i] - 0.5, ys[i] - 0.5) < Math.hypot(xs[src] - 0.5, ys[src] - 0.5)) src = i;
const treeCheck = dijkstra(g, src);
const reachable = treeCheck.dist.filter((d) => d < Infinity).length;

// ---- full table ---------------------------------------------------------------------
const ws = new DijkstraWorkspace();
const oursTableMs = time(() => void dijkstra(g, src, { workspace: ws }), ROUNDS);
const graphologyTableMs = time(() => void gDijkstra.singleSource(gg, String(src), 'weight'), Math.max(3, Math.floor(ROUNDS / 3)));
// same answer: graphology's path lengths equal our distances
const gPaths = gDijkstra.singleSource(gg, String(src), 'weight');
let maxDiff = 0;
for (const [node, path] of Object.entries(gPaths) as Array<[string, string[]]>) {
  let c = 0;
  for (let i = 0; i + 1 < path.length; i++) c += g.cost(Number(path[i]), Number(path[i + 1]));
  maxDiff = Math.max(maxDiff, Math.abs(c - treeCheck.dist[Number(node)]));
}

// ---- pairs --------------------------------------------------------------------------
const pairs: Array<[number, number]> = [];
const pr = seededRandom(7);
while (pairs.length < PAIRS) {
  const a = Math.floor(pr() * N);
  const b = Math.floor(pr() * N);
  if (a !== b && treeCheck.dist[a] < Infinity && treeCheck.dist[b] < Infinity) pairs.push([a, b]);
}
const pws = new PairWorkspace();
const oursPairMs = time(() => {
  for (const [a, b] of pairs) shortestPair(g, a, b, pws);
}, ROUNDS) / PAIRS;
const gNoPos = CsrGraph.build(ids, edges);
const bidiPairMs = time(() => {
  for (const [a, b] of pairs) shortestPair(gNoPos, a, b, pws);
}, Math.max(3, Math.floor(ROUNDS / 3))) / PAIRS;
const nba = ngraphPath.nba(ng, { distance: (_a: unknown, _b: unknown, link: { data: { weight: number } }) => link.data.weight });
const ngraphPairMs = time(() => {
  for (const [a, b] of pairs) nba.find(a, b);
}, Math.max(3, Math.floor(ROUNDS / 3))) / PAIRS;
const nbaH = ngraphPath.nba(ng, {
  distance: (_a: unknown, _b: unknown, link: { data: { weight: number } }) => link.data.weight,
  heuristic: (a: { id: number }, b: { id: number }) => Math.hypot(xs[a.id] - xs[b.id], ys[a.id] - ys[b.id]),
});
const ngraphHeuristicPairMs = time(() => {
  for (const [a, b] of pairs) nbaH.find(a, b);
}, Math.max(3, Math.floor(ROUNDS / 3))) / PAIRS;
// same answer on the pairs
let pairDiff = 0;
for (const [a, b] of pairs.slice(0, 50)) {
  const ours = shortestPair(g, a, b, pws).cost;
  const theirs: Array<{ id: number }> = nba.find(a, b);
  let c = 0;
  for (let i = 0; i + 1 < theirs.length; i++) c += g.cost(theirs[i].id, theirs[i + 1].id);
  pairDiff = Math.max(pairDiff, Math.abs(ours - c));
}

// ---- incremental link update -------------------------------------------------------
const upd = seededRandom(9);
const updateMs = time(() => {
  const k = Math.floor(upd() * g.edgeCount);
  let u = 0;
  let lo = 0;
  let hi = N - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (g.offsets[mid] <= k) lo = mid;
    else hi = mid - 1;
  }
  u = lo;
  const g2 = g.withEdgeCost(u, g.targets[k], g.costs[k] * 1.5);
  dijkstra(g2, src, { workspace: ws });
}, ROUNDS);
const snapshotOnlyMs = time(() => void g.withEdgeCost(g.offsets[src] < g.offsets[src + 1] ? src : 0, g.targets[g.offsets[src]], 1), ROUNDS);
const rebuildMs = time(() => {
  const g3 = CsrGraph.build(ids, edges, { x: xs, y: ys });
  dijkstra(g3, src, { workspace: ws });
}, Math.max(3, Math.floor(ROUNDS / 3)));

const out = {
  bench: 'routing',
  machine: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  node: process.version,
  nodes: N,
  edges: g.edgeCount,
  meanDegree: Math.round(meanDegree * 100) / 100,
  reachable,
  tableMs: round(oursTableMs),
  graphologyTableMs: round(graphologyTableMs),
  tableX: round(graphologyTableMs / oursTableMs),
  tableMaxCostDiff: maxDiff,
  pairMs: round(oursPairMs, 4),
  ngraphNbaPairMs: round(ngraphPairMs, 4),
  pairX: round(ngraphPairMs / oursPairMs),
  ngraphNbaHeuristicPairMs: round(ngraphHeuristicPairMs, 4),
  pairVsHeuristicX: round(ngraphHeuristicPairMs / oursPairMs),
  bidirectionalPairMs: round(bidiPairMs, 4),
  bidirectionalPairX: round(ngraphPairMs / bidiPairMs),
  pairMaxCostDiff: pairDiff,
  linkUpdateMs: round(updateMs),
  linkUpdateSnapshotMs: round(snapshotOnlyMs, 4),
  fullRebuildMs: round(rebuildMs),
  linkUpdateX: round(rebuildMs / updateMs),
  goals: { tableX: '>= 30', pairX: '>= 5' },
};
console.log(`machine: ${out.machine} (${out.cores} cores), node ${out.node}`);
console.log(`graph: ${N} nodes, ${g.edgeCount} directed edges, mean degree ${out.meanDegree}, ${reachable} reachable from the source`);
console.log(`full table: meshgate ${out.tableMs} ms, graphology-shortest-path ${out.graphologyTableMs} ms → ${out.tableX}x (goal >= 30x); max cost difference ${maxDiff}`);
console.log(`one pair: meshgate A* ${out.pairMs} ms, ngraph.path NBA* ${out.ngraphNbaPairMs} ms → ${out.pairX}x (goal >= 5x); NBA* with the same heuristic ${out.ngraphNbaHeuristicPairMs} ms (${out.pairVsHeuristicX}x); meshgate bidirectional Dijkstra (no positions) ${out.bidirectionalPairMs} ms (${out.bidirectionalPairX}x)`);
console.log(`link update: snapshot ${out.linkUpdateSnapshotMs} ms, snapshot + tree ${out.linkUpdateMs} ms vs full rebuild + tree ${out.fullRebuildMs} ms`);
console.log(JSON.stringify(out));

function round(v: number, d = 3): number {
  const f = 10 ** d;
  return Math.round(v * f) / f;
}
