/**
 * One evaluation run: a scenario (nodes, area, mobility, voids, flows), one routing
 * algorithm, one seed → delivery, latency, transmissions and stretch. Virtual time
 * (EventQueue), seeded randomness, the radio medium of radio-medium.ts, and the real
 * routing code (CsrGraph, dijkstra, disjointPaths + LoadSplitter, gpsrForward,
 * AntColony/PheromoneTable, selectAlgorithm, linkCost).
 *
 * What each node knows (docs/routing.md, "Evaluation"):
 * - its own connections exactly (a BLE link drop is seen at once) and their PRR (measured ETX);
 * - link state: bitchat announce neighbour lists (TLV 0x04), sent every 15-30 s — a link
 *   counts when both ends list each other; no extra control traffic (announces are sent anyway);
 * - positions (GPSR): a 1 s one-hop beacon from each neighbour, dead-reckoned with its
 *   velocity (counted as control transmissions); the destination's position at send time;
 * - ants (ACO): 2 proactive ants per flow per second, each hop counted.
 * The baseline floods directed packets by bitchat's rules (TTL 7, duplicate suppression,
 * split horizon, straight to the recipient when it is a neighbour).
 */
import { AntColony } from '../ant-colony.js';
import { CsrGraph, type CsrEdge } from '../csr-graph.js';
import { dijkstra } from '../dijkstra.js';
import { gpsrForward, GPSR_START, type GeoView, type GpsrHeader } from '../gpsr.js';
import { selectAlgorithm, type RoutingAlgorithm } from '../hybrid.js';
import { linkCost } from '../link-metric.js';
import { RandomWaypointMobility, StaticMobility, type MobilityModel } from '../mobility.js';
import { disjointPaths, LoadSplitter, splitWeights } from '../multipath.js';
import { seededRandom, type RandomSource } from '../random.js';
import type { Point } from '../types.js';
import { EventQueue } from './event-queue.js';
import { RadioMedium, DEFAULT_RADIO } from './radio-medium.js';

export type SimAlgorithm = 'flood' | 'dijkstra' | 'multipath' | 'gpsr' | 'greedy' | 'aco' | 'hybrid';
export const SIM_ALGORITHMS: readonly SimAlgorithm[] = ['flood', 'dijkstra', 'multipath', 'gpsr', 'greedy', 'aco', 'hybrid'];

export interface ScenarioSpec {
  readonly name: string;
  readonly nodes: number;
  readonly width: number;
  readonly height: number;
  readonly mobility: 'static' | 'pedestrian';
  /** Rectangles with no nodes (holes): x0, y0, x1, y1 in metres. */
  readonly voids?: ReadonlyArray<readonly [number, number, number, number]>;
  /** Flows must start left of this x and end right of `flowToX` (void scenarios). */
  readonly flowFromX?: number;
  readonly flowToX?: number;
  readonly flows: number;
  /** Packets per second per flow (Poisson). */
  readonly rate: number;
  readonly durationS: number;
  /** Hop limit (bitchat TTL 7). */
  readonly ttl: number;
}

export interface RunResult {
  /** Packets sent whose destination was within `ttl` hops at send time. */
  deliverable: number;
  delivered: number;
  latencies: number[];
  /** Hop stretch of each delivered packet: hops taken / oracle minimum hops at send time. */
  stretch: number[];
  dataTx: number;
  controlTx: number;
}

const WARMUP_MS = 5_000;

interface Packet {
  readonly id: number;
  readonly src: number;
  readonly dst: number;
  readonly sentAt: number;
  readonly oracleHops: number;
  readonly algorithm: SimAlgorithm;
  readonly flow: number;
  route?: number[];
  gpsr: GpsrHeader;
  readonly destPos: Point;
}

/** Run one scenario with one algorithm and seed. Deterministic. */
export function runScenario(spec: ScenarioSpec, algorithm: SimAlgorithm, seed: number): RunResult {
  return new Run(spec, algorithm, seed).go();
}

class Run {
  private readonly q = new EventQueue();
  private readonly random: RandomSource;
  private readonly medium: RadioMedium;
  private readonly res: RunResult = { deliverable: 0, delivered: 0, latencies: [], stretch: [], dataTx: 0, controlTx: 0 };
  private readonly claims: Array<{ nbrs: Set<number>; at: number }> = [];
  private view: CsrGraph | undefined;
  private viewBuiltAt = -Infinity;
  private viewDirty = true;
  private readonly distCache = new Map<number, Float64Array>();
  private readonly colony: AntColony;
  private readonly splitters = new Map<number, LoadSplitter>();
  private readonly flowDelivery = new Map<number, number>();
  private readonly announcedCost: number;

  constructor(
    private readonly spec: ScenarioSpec,
    private readonly algorithm: SimAlgorithm,
    seed: number,
  ) {
    // the same seed gives the same placement, mobility and flows for every algorithm
    const placement = seededRandom(seed * 7919 + 1);
    const mobility: MobilityModel[] = [];
    for (let i = 0; i < spec.nodes; i++) {
      let p: Point;
      do p = { x: placement() * spec.width, y: placement() * spec.height };
      while ((spec.voids ?? []).some(([x0, y0, x1, y1]) => p.x >= x0 && p.x <= x1 && p.y >= y0 && p.y <= y1));
      mobility.push(
        spec.mobility === 'static'
          ? new StaticMobility(p)
          : new RandomWaypointMobility({ random: seededRandom(seed * 104_729 + i) }, { area: { width: spec.width, height: spec.height }, vMinMps: 0.5, vMaxMps: 1.5, pauseS: 30, start: p }),
      );
    }
    this.medium = new RadioMedium({ random: seededRandom(seed * 31 + 7), mobility }, DEFAULT_RADIO);
    this.random = seededRandom(seed * 13 + algorithm.length);
    this.colony = new AntColony(
      { random: this.random, graph: { neighbours: (n) => this.medium.neighbours(Number(n), this.q.now).map(String), cost: (a, b) => this.ownCost(Number(a), Number(b)) } },
      { antsPerRound: 2, maxHops: spec.ttl },
    );
    this.announcedCost = linkCost({ at: 0 });
    this.flowRandom = seededRandom(seed * 17 + 3);
  }

  private readonly flowRandom: RandomSource;
  private reactiveTx = 0;

  go(): RunResult {
    const s = this.spec;
    const end = WARMUP_MS + s.durationS * 1000;
    // announces: first within 2 s, then every 15-30 s (bitchat-spec.md §3)
    for (let i = 0; i < s.nodes; i++) this.scheduleAnnounce(i, this.flowRandom() * 2_000);
    const flows = this.pickFlows();
    flows.forEach(([src, dst], f) => {
      let t = WARMUP_MS + (-Math.log(1 - this.flowRandom()) / s.rate) * 1000;
      while (t < end) {
        const at = t;
        this.q.at(at, () => this.originate(src, dst, f));
        t += (-Math.log(1 - this.flowRandom()) / s.rate) * 1000;
      }
    });
    if (this.algorithm === 'gpsr' || this.algorithm === 'greedy') this.every(1_000, end, () => this.beacons());
    if (this.algorithm === 'aco') {
      this.every(1_000, end, () => {
        if (this.q.now < WARMUP_MS - 1_000) return;
        for (const [src, dst] of flows) {
          // reactive set-up when the source has no pheromone, then bounded proactive ants
          if (this.colony.table(String(src)).entries(String(dst)).size === 0) this.reactiveTx += this.colony.reactive(String(src), String(dst)).transmissions;
          this.colony.round(String(src), String(dst));
        }
        this.res.controlTx = this.colony.forwardHops + this.colony.backwardHops + this.reactiveTx;
      });
    }
    this.q.run(end + 10_000);
    return this.res;
  }

  private every(periodMs: number, end: number, fn: () => void): void {
    const tick = (t: number) => {
      if (t > end) return;
      this.q.at(t, () => {
        fn();
        tick(t + periodMs);
      });
    };
    tick(0);
  }

  private beacons(): void {
    for (let i = 0; i < this.spec.nodes; i++) this.res.controlTx += this.medium.neighbours(i, this.q.now).length;
  }

  private scheduleAnnounce(i: number, at: number): void {
    this.q.at(at, () => {
      this.claims[i] = { nbrs: new Set(this.medium.neighbours(i, this.q.now)), at: this.q.now };
      this.viewDirty = true;
      this.scheduleAnnounce(i, this.q.now + 15_000 + this.flowRandom() * 15_000);
    });
  }

  /** Flows: random pairs 2..ttl−1 hops apart at the end of warm-up (left → right in void scenarios). */
  private pickFlows(): Array<[number, number]> {
    const s = this.spec;
    const out: Array<[number, number]> = [];
    for (let tries = 0; out.length < s.flows && tries < 20_000; tries++) {
      const a = Math.floor(this.flowRandom() * s.nodes);
      const b = Math.floor(this.flowRandom() * s.nodes);
      if (a === b) continue;
      if (s.flowFromX !== undefined && (this.medium.position(a, WARMUP_MS).x > s.flowFromX || this.medium.position(b, WARMUP_MS).x < (s.flowToX ?? 0))) continue;
      const h = this.hops(a, b, WARMUP_MS);
      if (h >= 2 && h < s.ttl) out.push([a, b]);
    }
    return out;
  }

  /** Oracle: minimum hop count on the true graph at t (Infinity when disconnected). */
  private hops(a: number, b: number, t: number): number {
    const dist = new Int32Array(this.spec.nodes).fill(-1);
    dist[a] = 0;
    const queue = [a];
    for (let qi = 0; qi < queue.length; qi++) {
      const u = queue[qi];
      if (u === b) return dist[u];
      for (const v of this.medium.neighbours(u, t)) if (dist[v] < 0) (dist[v] = dist[u] + 1), queue.push(v);
    }
    return Infinity;
  }

  private ownCost(a: number, b: number): number {
    if (!this.medium.connected(a, b, this.q.now)) return Infinity;
    const prr = this.medium.prr(a, b, this.q.now);
    return linkCost({ at: this.q.now, deliveryForward: prr, deliveryReverse: prr });
  }

  // ---- link state from announces --------------------------------------------------------

  private viewGraph(): CsrGraph {
    if (this.view && (!this.viewDirty || this.q.now - this.viewBuiltAt < 1_000)) return this.view;
    const n = this.spec.nodes;
    const edges: CsrEdge[] = [];
    for (let a = 0; a < n; a++) {
      const ca = this.claims[a];
      if (!ca) continue;
      for (const b of ca.nbrs) if (this.claims[b]?.nbrs.has(a)) edges.push({ from: a, to: b, cost: this.announcedCost, at: Math.min(ca.at, this.claims[b].at) });
    }
    this.view = CsrGraph.build(Array.from({ length: n }, (_, i) => String(i)), edges);
    this.viewBuiltAt = this.q.now;
    this.viewDirty = false;
    this.distCache.clear();
    return this.view;
  }

  private distTo(d: number): Float64Array {
    const g = this.viewGraph();
    let dist = this.distCache.get(d);
    if (!dist) this.distCache.set(d, (dist = dijkstra(g, d).dist)); // announce links are symmetric
    return dist;
  }

  // ---- packets ------------------------------------------------------------------------

  private originate(src: number, dst: number, flow: number): void {
    const now = this.q.now;
    const oracleHops = this.hops(src, dst, now);
    const deliverable = oracleHops <= this.spec.ttl;
    if (deliverable) this.res.deliverable++;
    let algorithm = this.algorithm;
    if (algorithm === 'hybrid') algorithm = this.hybridChoice(src, dst, flow);
    const p: Packet = { id: 0, src, dst, sentAt: now, oracleHops: deliverable ? oracleHops : Infinity, algorithm, flow, gpsr: GPSR_START, destPos: this.medium.position(dst, now) };
    if (algorithm === 'flood') return this.flood(p);
    if (algorithm === 'multipath') p.route = this.multipathRoute(src, dst, flow);
    this.hop(p, src, -1, 0);
  }

  private hybridChoice(src: number, dst: number, flow: number): SimAlgorithm {
    const g = this.viewGraph();
    const dist = this.distTo(dst);
    const known = dist[src] < Infinity;
    let oldest = this.q.now;
    if (known) for (let k = g.offsets[src]; k < g.offsets[src + 1]; k++) oldest = Math.min(oldest, g.times[k]);
    const delivery = this.flowDelivery.get(flow);
    const choice = selectAlgorithm({
      linkStateAgeMs: known ? this.q.now - oldest : Infinity,
      positionAgeMs: Infinity, // no beacons: hybrid in the phone mesh has no positions (bitchat announces carry none)
      delivery,
      paths: delivery !== undefined && delivery < 0.9 ? disjointPaths(g, src, dst, 3).length : 0,
      pheromone: false,
    });
    return choice.algorithm === 'aco' ? 'gpsr' : (choice.algorithm as RoutingAlgorithm) === 'flood' ? 'flood' : (choice.algorithm as SimAlgorithm);
  }

  private multipathRoute(src: number, dst: number, flow: number): number[] | undefined {
    // only paths that fit in the TTL
    const paths = disjointPaths(this.viewGraph(), src, dst, 3).filter((p) => p.nodes.length - 1 <= this.spec.ttl);
    if (paths.length === 0) return undefined;
    let sp = this.splitters.get(flow);
    if (!sp) this.splitters.set(flow, (sp = new LoadSplitter()));
    sp.setWeights(splitWeights(paths.map((p) => p.cost)));
    return [...paths[Math.max(0, sp.pick())].nodes];
  }

  /** Forward a routed packet at node u (arrived from prev after `hopsSoFar` hops). */
  private hop(p: Packet, u: number, prev: number, hopsSoFar: number, excluded: number[] = []): void {
    if (u === p.dst) return this.deliver(p, hopsSoFar);
    if (hopsSoFar >= this.spec.ttl) return this.lost(p);
    const next = this.nextHop(p, u, prev, excluded);
    if (next < 0) return this.lost(p);
    const r = this.medium.send(u, next, this.q.now, this.random);
    this.res.dataTx += r.attempts;
    if (!r.ok) {
      // link-layer failure: the link is gone or lossy; try another neighbour (at most 2 retries)
      if (this.algorithm === 'aco' || p.algorithm === 'aco') this.colony.linkLost(String(u), String(next));
      if (excluded.length >= 2) return this.lost(p);
      p.route = undefined;
      this.q.at(this.q.now + r.delayMs, () => this.hop(p, u, prev, hopsSoFar, [...excluded, next]));
      return;
    }
    this.q.at(this.q.now + r.delayMs, () => this.hop(p, next, u, hopsSoFar + 1));
  }

  private nextHop(p: Packet, u: number, prev: number, excluded: readonly number[]): number {
    const now = this.q.now;
    const nbrs = this.medium.neighbours(u, now).filter((v) => !excluded.includes(v));
    if (nbrs.includes(p.dst)) return p.dst;
    switch (p.algorithm) {
      case 'multipath': {
        const i = p.route?.indexOf(u) ?? -1;
        if (p.route && i >= 0 && i + 1 < p.route.length && nbrs.includes(p.route[i + 1])) return p.route[i + 1];
        p.route = undefined;
        return this.linkStateNext(p, u, prev, nbrs);
      }
      case 'dijkstra':
        return this.linkStateNext(p, u, prev, nbrs);
      case 'gpsr':
      case 'greedy': {
        const view: GeoView = {
          position: (i) => (i === u ? this.medium.position(u, now) : this.beaconPosition(i, now)),
          neighbours: (i) => (i === u ? nbrs : this.medium.neighbours(i, now)),
        };
        const r = gpsrForward(view, u, prev, p.dst, p.destPos, p.gpsr, { perimeter: p.algorithm === 'gpsr' });
        if (!('header' in r)) return -1;
        p.gpsr = r.header;
        return r.next;
      }
      case 'aco': {
        const via = this.colony.table(String(u)).choose(String(p.dst), { allowed: (n) => nbrs.includes(Number(n)) && Number(n) !== prev });
        return via === undefined ? -1 : Number(via);
      }
      default:
        return -1;
    }
  }

  /** Hop-by-hop link state: minimise measured own-link cost + announced distance onward. */
  private linkStateNext(p: Packet, u: number, prev: number, nbrs: readonly number[]): number {
    const dist = this.distTo(p.dst);
    let best = -1;
    let bestC = Infinity;
    for (const v of nbrs) {
      if (v === prev) continue;
      const c = this.ownCost(u, v) + dist[v];
      if (c < bestC) (bestC = c), (best = v);
    }
    return best;
  }

  /** A neighbour's position as its last 1 s beacon told, dead-reckoned with the beacon's velocity. */
  private beaconPosition(i: number, now: number): Point {
    const tb = now - (now % 1_000);
    const p = this.medium.position(i, tb);
    const v = this.medium.velocity(i, tb);
    const dt = (now - tb) / 1000;
    return { x: p.x + v.x * dt, y: p.y + v.y * dt };
  }

  private deliver(p: Packet, hops: number): void {
    if (p.oracleHops === Infinity) return;
    this.res.delivered++;
    this.res.latencies.push(this.q.now - p.sentAt);
    this.res.stretch.push(hops / p.oracleHops);
    this.feedback(p.flow, 1);
  }

  private lost(p: Packet): void {
    this.feedback(p.flow, 0);
  }

  private feedback(flow: number, v: number): void {
    const d = this.flowDelivery.get(flow);
    this.flowDelivery.set(flow, d === undefined ? v : d + 0.125 * (v - d));
  }

  // ---- the bitchat flooding baseline --------------------------------------------------

  private flood(p: Packet): void {
    const seen = new Uint8Array(this.spec.nodes);
    seen[p.src] = 1;
    let done = false;
    const relay = (u: number, from: number, ttl: number, hops: number) => {
      const nbrs = this.medium.neighbours(u, this.q.now);
      const targets = nbrs.includes(p.dst) ? [p.dst] : nbrs.filter((v) => v !== from);
      for (const v of targets) {
        const r = this.medium.send(u, v, this.q.now, this.random);
        this.res.dataTx += r.attempts;
        if (!r.ok) continue;
        this.q.at(this.q.now + r.delayMs, () => {
          if (v === p.dst) {
            if (!done) (done = true), this.deliver(p, hops + 1);
            return;
          }
          if (seen[v]) return;
          seen[v] = 1;
          if (ttl <= 1) return; // bitchat: never relay TTL <= 1
          relay(v, u, ttl - 1, hops + 1);
        });
      }
    };
    relay(p.src, -1, this.spec.ttl, 0);
    this.q.at(this.q.now + 10_000, () => {
      if (!done) this.lost(p);
    });
  }
}
