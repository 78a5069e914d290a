/**
 * The routing engine of one gateway: the live {@link Topology}, the last immutable
 * snapshot with its shortest-path tree from this gateway, this gateway's AntHocNet
 * pheromone table, per-destination delivery statistics, and the per-destination algorithm
 * choice (fixed, or the {@link selectAlgorithm} hybrid).
 *
 * Forwarding (`route`) only reads the last snapshot and tree: O(path length), never a
 * recomputation. Topology changes call `changed()`, which recomputes once after
 * `recomputeDelayMs` (debounce) on the injected clock.
 */
import type { Clock, TimerHandle } from '../ports/clock.js';
import { PheromoneTable } from './ant-colony.js';
import type { CsrGraph } from './csr-graph.js';
import { dijkstra, pathTo, DijkstraWorkspace, type ShortestPathTree } from './dijkstra.js';
import { cellContains, geohashDecode, toLocal } from './geo.js';
import { gpsrForward, GPSR_START, type GeoView, type Planarisation } from './gpsr.js';
import { DEFAULT_HYBRID_THRESHOLDS, selectAlgorithm, type HybridThresholds, type RoutingAlgorithm } from './hybrid.js';
import { DEFAULT_LINK_METRIC_WEIGHTS, type LinkMetricWeights } from './link-metric.js';
import { disjointPaths, LoadSplitter, splitWeights, type WeightedPath } from './multipath.js';
import type { RandomSource } from './random.js';
import { Topology } from './topology.js';
import type { Point } from './types.js';

export type AlgorithmChoice = 'hybrid' | RoutingAlgorithm;

export interface RoutingEngineInit {
  /** This gateway's peer ID (16 hex). */
  ownId: string;
  /** Fixed algorithm or 'hybrid' (default). */
  algorithm?: AlgorithmChoice;
  weights?: Partial<LinkMetricWeights>;
  thresholds?: Partial<HybridThresholds>;
  /** Debounce between a topology change and the recomputation, ms (default 100). */
  recomputeDelayMs?: number;
  /** Paths for multipath (default 3, max 8). */
  multipathK?: number;
  /** Positions older than this are stale, ms (default thresholds.maxPositionAgeMs). */
  positionMaxAgeMs?: number;
  planarisation?: Planarisation;
  /** Destinations with delivery statistics / splitters kept (default 4,096; least recently used evicted). */
  maxDestinations?: number;
  /** Topology bounds (see Topology). */
  maxNodes?: number;
  maxEdges?: number;
}

/** Where a packet for one destination goes. */
export interface RouteDecision {
  readonly destination: string;
  readonly algorithm: RoutingAlgorithm;
  readonly reason: string;
  /** Neighbour peer IDs to send to (one, except flood = []: use the default). */
  readonly nextHops: readonly string[];
  /** The computed path (this gateway first, destination last), for dijkstra / multipath. */
  readonly path?: readonly string[];
  /** Path cost in link-metric units (ms). */
  readonly cost?: number;
}

interface DestState {
  delivery: number | undefined;
  samples: number;
  splitter?: LoadSplitter;
  paths?: WeightedPath[];
  pathsVersion?: number;
  lastAlgorithm?: RoutingAlgorithm;
}

/** Bound on the per-neighbour trees {@link RoutingEngine.firstHopCosts} keeps per snapshot. */
export const MAX_VIA_TREES = 64;

/** EWMA weight of a new delivery sample (1/8, as TCP's SRTT gain, RFC 6298). */
const DELIVERY_GAIN = 0.125;

export class RoutingEngine {
  readonly ownId: string;
  readonly topology: Topology;
  readonly pheromones: PheromoneTable;
  readonly weights: LinkMetricWeights;
  readonly thresholds: HybridThresholds;
  readonly algorithm: AlgorithmChoice;
  private readonly clock: Clock;
  private readonly recomputeDelayMs: number;
  private readonly multipathK: number;
  private readonly positionMaxAgeMs: number;
  private readonly planarisation: Planarisation;
  private readonly maxDestinations: number;
  private readonly ws = new DijkstraWorkspace();
  private graph: CsrGraph;
  private tree: ShortestPathTree;
  private graphVersion = 0;
  /** Per first-hop neighbour index: distances from here through that neighbour only, for the current graph version. */
  private readonly viaTrees = new Map<number, Float64Array>();
  private viaVersion = -1;
  private timer: TimerHandle | undefined;
  private readonly dest = new Map<string, DestState>();
  readonly counters = { recomputes: 0, lastRecomputeMs: 0, queries: 0, routed: 0, byAlgorithm: {} as Record<string, number> };

  constructor(components: { clock: Clock; random: RandomSource }, init: RoutingEngineInit) {
    this.clock = components.clock;
    this.ownId = init.ownId;
    this.algorithm = init.algorithm ?? 'hybrid';
    this.weights = { ...DEFAULT_LINK_METRIC_WEIGHTS, ...init.weights };
    this.thresholds = { ...DEFAULT_HYBRID_THRESHOLDS, ...init.thresholds };
    this.recomputeDelayMs = init.recomputeDelayMs ?? 100;
    this.multipathK = init.multipathK ?? 3;
    this.positionMaxAgeMs = init.positionMaxAgeMs ?? this.thresholds.maxPositionAgeMs;
    this.planarisation = init.planarisation ?? 'gabriel';
    this.maxDestinations = init.maxDestinations ?? 4_096;
    this.topology = new Topology({ ownId: init.ownId, maxNodes: init.maxNodes, maxEdges: init.maxEdges });
    this.pheromones = new PheromoneTable({ random: components.random }, { maxDestinations: this.maxDestinations });
    this.topology.touchNode(init.ownId, 'gateway', this.clock.now());
    this.graph = this.topology.snapshot(this.clock.now(), { weights: this.weights, positionMaxAgeMs: this.positionMaxAgeMs });
    this.tree = dijkstra(this.graph, 0, { workspace: this.ws });
  }

  /** The snapshot routes are computed on now. */
  get snapshot(): CsrGraph {
    return this.graph;
  }

  /** The topology changed: recompute after the debounce delay (one pending timer at most). */
  changed(): void {
    if (this.timer !== undefined) return;
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined;
      this.recomputeNow();
    }, this.recomputeDelayMs);
  }

  /** Expire old facts, take a new snapshot and shortest-path tree now. */
  recomputeNow(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimer(this.timer);
      this.timer = undefined;
    }
    const t0 = this.clock.now();
    this.topology.expire(t0);
    this.graph = this.topology.snapshot(t0, { weights: this.weights, positionMaxAgeMs: this.positionMaxAgeMs });
    this.tree = dijkstra(this.graph, 0, { workspace: this.ws });
    this.graphVersion++;
    this.counters.recomputes++;
    this.counters.lastRecomputeMs = this.clock.now() - t0;
  }

  /** Stop the pending recomputation timer. */
  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  /**
   * Cost (link-metric ms) of the best path to `dest` whose first hop is each of the given
   * neighbours (peer IDs): Dijkstra from here with every other edge out of this gateway
   * masked (the `mask` of {@link dijkstra}), one run per neighbour per snapshot (cached;
   * at most {@link MAX_VIA_TREES} neighbours per snapshot, the rest are skipped).
   * Neighbours without an edge from here or without a path are left out. Used by failure
   * detection's hold-down (docs/detection.md "One route choice") to compare first hops.
   */
  firstHopCosts(dest: string, neighbours: readonly string[]): Map<string, number> {
    const out = new Map<string, number>();
    const g = this.graph;
    const d = g.index.get(dest);
    if (d === undefined || d === 0) return out;
    if (this.viaVersion !== this.graphVersion) {
      this.viaTrees.clear();
      this.viaVersion = this.graphVersion;
    }
    for (const id of neighbours) {
      const n = g.index.get(id);
      if (n === undefined || n === 0) continue;
      let dist = this.viaTrees.get(n);
      if (dist === undefined) {
        if (this.viaTrees.size >= MAX_VIA_TREES) continue;
        const mask = new Uint8Array(g.targets.length);
        let has = false;
        for (let k = g.offsets[0]; k < g.offsets[1]; k++) {
          if (g.targets[k] === n) has = true;
          else mask[k] = 1;
        }
        dist = has ? dijkstra(g, 0, { mask, workspace: this.ws }).dist : new Float64Array(g.nodeCount).fill(Infinity);
        this.viaTrees.set(n, dist);
      }
      if (dist[d] < Infinity) out.set(id, dist[d]);
    }
    return out;
  }

  /** The shortest path to `dest` on the current snapshot (peer IDs, this gateway first), or undefined. */
  shortestPath(dest: string): { path: string[]; cost: number } | undefined {
    const d = this.graph.index.get(dest);
    if (d === undefined || d === 0 || this.tree.dist[d] === Infinity) return undefined;
    return { path: pathTo(this.tree, d).map((i) => this.graph.ids[i]), cost: this.tree.dist[d] };
  }

  /**
   * Decide where a packet for `dest` goes (see the module doc). undefined when the
   * destination is unknown to every algorithm (callers keep their default, i.e. flood).
   */
  route(dest: string): RouteDecision | undefined {
    this.counters.queries++;
    const now = this.clock.now();
    const g = this.graph;
    const d = g.index.get(dest);
    const st = this.state(dest);
    const reachable = d !== undefined && d !== 0 && this.tree.dist[d] < Infinity;
    let algorithm: RoutingAlgorithm;
    let reason: string;
    if (this.algorithm === 'hybrid') {
      const lsAge = reachable ? this.pathAge(d, now) : Infinity;
      const posAge = d !== undefined ? this.positionAge(dest, now) : Infinity;
      const wantPaths = lsAge <= this.thresholds.maxLinkStateAgeMs && st.delivery !== undefined && st.delivery < this.thresholds.minDelivery;
      const pick = selectAlgorithm(
        { linkStateAgeMs: lsAge, positionAgeMs: posAge, delivery: st.delivery, paths: wantPaths && d !== undefined ? this.paths(d, st).length : 0, pheromone: this.pheromones.entries(dest).size > 0 },
        this.thresholds,
      );
      algorithm = pick.algorithm;
      reason = pick.reason;
    } else {
      algorithm = this.algorithm;
      reason = 'configured';
    }
    const decision = this.decide(algorithm, reason, dest, d, st);
    st.lastAlgorithm = decision?.algorithm;
    if (decision && decision.nextHops.length > 0) {
      this.counters.routed++;
      this.counters.byAlgorithm[decision.algorithm] = (this.counters.byAlgorithm[decision.algorithm] ?? 0) + 1;
    }
    return decision;
  }

  private decide(algorithm: RoutingAlgorithm, reason: string, dest: string, d: number | undefined, st: DestState): RouteDecision | undefined {
    const g = this.graph;
    const reachable = d !== undefined && d !== 0 && this.tree.dist[d] < Infinity;
    switch (algorithm) {
      case 'dijkstra': {
        if (!reachable) break;
        const sp = this.shortestPath(dest) as { path: string[]; cost: number };
        return { destination: dest, algorithm, reason, nextHops: [sp.path[1]], path: sp.path, cost: sp.cost };
      }
      case 'multipath': {
        if (!reachable) break;
        const paths = this.paths(d, st);
        if (paths.length === 0) break;
        st.splitter ??= new LoadSplitter();
        st.splitter.setWeights(splitWeights(paths.map((p) => p.cost), paths.map((p) => this.queueOf(p.nodes[1]))));
        const i = Math.max(0, st.splitter.pick());
        const p = paths[i];
        const path = p.nodes.map((n) => g.ids[n]);
        return { destination: dest, algorithm, reason: `${reason}; path ${i + 1}/${paths.length}`, nextHops: [path[1]], path, cost: p.cost };
      }
      case 'gpsr': {
        if (d === undefined) break;
        const target = { x: g.x[d], y: g.y[d] };
        if (Number.isNaN(target.x) || Number.isNaN(g.x[0])) break;
        const r = gpsrForward(this.geoView(), 0, -1, d, target, GPSR_START, { planarisation: this.planarisation });
        if (!('header' in r)) break;
        return { destination: dest, algorithm, reason: `${reason}; ${r.header.mode}`, nextHops: [g.ids[r.next]] };
      }
      case 'aco': {
        const nbrs = this.neighbourSet();
        const via = this.pheromones.choose(dest, { allowed: (n) => nbrs.has(n) });
        if (via === undefined) break;
        return { destination: dest, algorithm, reason, nextHops: [via] };
      }
      case 'flood':
        return { destination: dest, algorithm, reason, nextHops: [] };
    }
    // the chosen algorithm could not route: fall back to the shortest path if any, else flood
    if (algorithm !== 'dijkstra' && reachable) return this.decide('dijkstra', `${algorithm} failed; shortest path`, dest, d, st);
    return { destination: dest, algorithm: 'flood', reason: `${algorithm} has no route`, nextHops: [] };
  }

  /**
   * A v2 source route for a packet this gateway originates to `dest`: the intermediate
   * hops (not sender, not recipient) of the shortest path, when known and at most
   * `maxHops` long (default 7, the bitchat TTL). undefined otherwise.
   */
  sourceRoute(dest: string, maxHops = 7): string[] | undefined {
    const sp = this.shortestPath(dest);
    if (!sp || sp.path.length - 1 > maxHops) return undefined;
    return sp.path.slice(1, -1);
  }

  /**
   * Gateways whose configured position and coverage radius overlap a geohash cell, and the
   * next hop toward each (greedy over the gateway overlay: shortest path when known, else
   * the neighbour gateway geographically closest to the cell). Used for geohash-scoped traffic.
   */
  geoTargets(geohash: string): Array<{ gateway: string; nextHop: string | undefined }> {
    const cell = geohashDecode(geohash);
    const out: Array<{ gateway: string; nextHop: string | undefined }> = [];
    for (const n of this.topology.allNodes()) {
      if (n.kind !== 'gateway' || n.id === this.ownId || !n.position) continue;
      const clampLat = Math.min(Math.max(n.position.lat, cell.latMin), cell.latMax);
      const clampLon = Math.min(Math.max(n.position.lon, cell.lonMin), cell.lonMax);
      const q = toLocal(n.position, { lat: clampLat, lon: clampLon });
      if (!cellContains(cell, n.position.lat, n.position.lon) && Math.hypot(q.x, q.y) > n.coverageM) continue;
      const sp = this.shortestPath(n.id);
      out.push({ gateway: n.id, nextHop: sp?.path[1] ?? this.greedyGatewayToward(cell.lat, cell.lon) });
    }
    return out;
  }

  /** Record whether a packet to `dest` was delivered (receipt / reply seen) or not. */
  recordDelivery(dest: string, delivered: boolean): void {
    const st = this.state(dest);
    const v = delivered ? 1 : 0;
    st.delivery = st.delivery === undefined ? v : st.delivery + DELIVERY_GAIN * (v - st.delivery);
    st.samples++;
  }

  /** A neighbour was lost: drop its pheromone and recompute. */
  neighbourLost(id: string): void {
    this.pheromones.dropNeighbour(id);
    this.changed();
  }

  /** Routes for the status page: up to `limit` reachable destinations, nearest first. */
  routes(limit = 64): Array<{ destination: string; kind: string; algorithm: string; reason: string; nextHop: string | null; hops: number | null; cost: number | null; delivery: number | null }> {
    const g = this.graph;
    const order: number[] = [];
    for (let i = 1; i < g.nodeCount; i++) if (this.tree.dist[i] < Infinity || this.pheromones.entries(g.ids[i]).size > 0) order.push(i);
    order.sort((a, b) => this.tree.dist[a] - this.tree.dist[b]);
    return order.slice(0, limit).map((i) => {
      const id = g.ids[i];
      const st = this.dest.get(id);
      const r = this.peek(id);
      return {
        destination: id,
        kind: ['phone', 'gateway', 'internet'][g.kinds[i]] ?? 'phone',
        algorithm: r?.algorithm ?? 'flood',
        reason: r?.reason ?? 'no route',
        nextHop: r?.nextHops[0] ?? null,
        hops: r?.path ? r.path.length - 1 : null,
        cost: r?.cost !== undefined ? Math.round(r.cost * 100) / 100 : null,
        delivery: st?.delivery !== undefined ? Math.round(st.delivery * 1000) / 1000 : null,
      };
    });
  }

  /** A route decision without touching counters or splitters (for status). */
  private peek(dest: string): RouteDecision | undefined {
    const saved = { ...this.counters, byAlgorithm: { ...this.counters.byAlgorithm } };
    const st = this.dest.get(dest);
    const splitter = st?.splitter;
    if (st) st.splitter = undefined;
    const r = this.route(dest);
    if (st) st.splitter = splitter;
    Object.assign(this.counters, saved);
    return r;
  }

  private state(dest: string): DestState {
    let st = this.dest.get(dest);
    if (st) {
      this.dest.delete(dest);
    } else {
      st = { delivery: undefined, samples: 0 };
      if (this.dest.size >= this.maxDestinations) this.dest.delete(this.dest.keys().next().value as string);
    }
    this.dest.set(dest, st);
    return st;
  }

  private paths(d: number, st: DestState): WeightedPath[] {
    if (st.paths && st.pathsVersion === this.graphVersion) return st.paths;
    st.paths = disjointPaths(this.graph, 0, d, this.multipathK, this.ws);
    st.pathsVersion = this.graphVersion;
    return st.paths;
  }

  /** Age (ms) of the oldest fact on the shortest path to d. */
  private pathAge(d: number, now: number): number {
    let oldest = now;
    for (let v = d; this.tree.parent[v] !== -1; v = this.tree.parent[v]) {
      const t = this.graph.times[this.graph.edgeIndex(this.tree.parent[v], v)];
      if (Number.isNaN(t)) return Infinity;
      if (t < oldest) oldest = t;
    }
    return now - oldest;
  }

  private positionAge(dest: string, now: number): number {
    const ownNode = this.topology.node(this.ownId);
    const node = this.topology.node(dest);
    if (!ownNode?.position || !node?.position) return Infinity;
    // static nodes (configured gateway positions) do not move: their fixes never age
    const age = (n: typeof node) => (n.mobility === 'static' ? 0 : Math.max(0, now - (n.position as { at: number }).at));
    return Math.max(age(ownNode), age(node));
  }

  /** Measured queue length on our link to a neighbour (0 when unmeasured). */
  private queueOf(neighbour: number): number {
    return this.topology.edge(this.ownId, this.graph.ids[neighbour])?.queueLength ?? 0;
  }

  private neighbourSet(): Set<string> {
    const g = this.graph;
    const s = new Set<string>();
    for (let k = g.offsets[0]; k < g.offsets[1]; k++) s.add(g.ids[g.targets[k]]);
    return s;
  }

  private geoView(): GeoView {
    const g = this.graph;
    return {
      position: (i: number): Point | undefined => (Number.isNaN(g.x[i]) ? undefined : { x: g.x[i], y: g.y[i] }),
      neighbours: (i: number) => g.targets.subarray(g.offsets[i], g.offsets[i + 1]),
    };
  }

  private greedyGatewayToward(lat: number, lon: number): string | undefined {
    const own = this.topology.node(this.ownId)?.position;
    let best: string | undefined;
    let bestD = own ? Math.hypot(toLocal(own, { lat, lon }).x, toLocal(own, { lat, lon }).y) : Infinity;
    for (const id of this.neighbourSet()) {
      const n = this.topology.node(id);
      if (n?.kind !== 'gateway' || !n.position) continue;
      const q = toLocal(n.position, { lat, lon });
      const dd = Math.hypot(q.x, q.y);
      if (dd < bestD) (bestD = dd), (best = id);
    }
    return best;
  }
}
