/**
 * The live topology: nodes (phones, gateways, internet peers) with optional positions and
 * mobility patterns, and directed edges with measured metrics from three sources:
 *
 * - `measured`: this gateway's own links (RTT, delivery, bandwidth, queue) — wins over the others;
 * - `lsa`: link-state adverts of other gateways (replaced as a whole per origin);
 * - `announce`: bitchat announce neighbour lists (TLV 0x04). A phone-to-phone link counts
 *   (in both directions) only while both phones list each other in announces at most
 *   `announceFreshMs` old (default 60 s; bitchat-spec.md §4).
 *
 * Mutations bump `version`; {@link Topology.snapshot} turns the current state into an
 * immutable {@link CsrGraph} that route computations use while the topology keeps changing.
 * Bounded: `maxNodes` (least recently seen node evicted, never this gateway), `maxEdges`
 * per source (new edges refused, counted MG_ERR_ROUTING_TABLE_FULL).
 */
import { CsrGraph, KIND_CODE, type CsrEdge } from './csr-graph.js';
import { predictPosition, toLocal } from './geo.js';
import { linkCost, DEFAULT_LINK_METRIC_WEIGHTS, type LinkMetricWeights } from './link-metric.js';
import type { EdgeMetrics, EdgeSource, GeoPosition, MobilityPattern, NodeKind } from './types.js';

export interface TopologyNode {
  readonly id: string;
  kind: NodeKind;
  position: GeoPosition | undefined;
  /** Coverage radius of a gateway's configured position, m (for geohash scoping). */
  coverageM: number;
  mobility: MobilityPattern;
  lastSeen: number;
}

interface EdgeRecord {
  metrics: EdgeMetrics;
  expiresAt: number;
}

export interface TopologyInit {
  /** This gateway's peer ID (16 hex). */
  ownId: string;
  /** Nodes kept (default 10,000). */
  maxNodes?: number;
  /** Edges kept per source (default 100,000). */
  maxEdges?: number;
  /** Announce neighbour lists older than this are ignored, ms (default 60,000). */
  announceFreshMs?: number;
}

export interface SnapshotOptions {
  readonly weights?: LinkMetricWeights;
  /** Positions older than this (after dead reckoning) are treated as unknown, ms (default 30,000). */
  readonly positionMaxAgeMs?: number;
}

const SOURCES: readonly EdgeSource[] = ['measured', 'lsa', 'announce'];

export class Topology {
  readonly ownId: string;
  private readonly maxNodes: number;
  private readonly maxEdges: number;
  private readonly announceFreshMs: number;
  private readonly nodes = new Map<string, TopologyNode>();
  private readonly edges: Record<EdgeSource, Map<string, Map<string, EdgeRecord>>> = { measured: new Map(), lsa: new Map(), announce: new Map() };
  private readonly edgeCounts: Record<EdgeSource, number> = { measured: 0, lsa: 0, announce: 0 };
  private readonly claims = new Map<string, { neighbours: readonly string[]; at: number }>();
  /** Bumped on every change. */
  version = 0;
  /** Facts refused because a bound was hit. */
  refused = 0;

  constructor(init: TopologyInit) {
    this.ownId = init.ownId;
    this.maxNodes = init.maxNodes ?? 10_000;
    this.maxEdges = init.maxEdges ?? 100_000;
    this.announceFreshMs = init.announceFreshMs ?? 60_000;
  }

  get nodeCount(): number {
    return this.nodes.size;
  }

  node(id: string): TopologyNode | undefined {
    return this.nodes.get(id);
  }

  allNodes(): IterableIterator<TopologyNode> {
    return this.nodes.values();
  }

  /** Add or refresh a node (kind only upgrades phone → gateway, never back). */
  touchNode(id: string, kind: NodeKind, now: number, extra: { position?: GeoPosition; coverageM?: number; mobility?: MobilityPattern } = {}): TopologyNode {
    let n = this.nodes.get(id);
    if (n) {
      this.nodes.delete(id);
      if (kind !== 'phone') n.kind = kind;
    } else {
      n = { id, kind, position: undefined, coverageM: 0, mobility: 'unknown', lastSeen: now };
      this.version++;
    }
    this.nodes.set(id, n);
    n.lastSeen = now;
    if (extra.position) {
      n.position = extra.position;
      this.version++;
    }
    if (extra.coverageM !== undefined) n.coverageM = extra.coverageM;
    if (extra.mobility) n.mobility = extra.mobility;
    if (this.nodes.size > this.maxNodes) this.evictOldest();
    return n;
  }

  /** Remove a node, its edges and its announce claim. */
  removeNode(id: string): void {
    if (!this.nodes.delete(id)) return;
    this.claims.delete(id);
    for (const s of SOURCES) {
      const out = this.edges[s].get(id);
      if (out) this.edgeCounts[s] -= out.size;
      this.edges[s].delete(id);
      for (const m of this.edges[s].values()) if (m.delete(id)) this.edgeCounts[s]--;
    }
    this.version++;
  }

  /** Set one directed edge's metrics from `source`, valid until `expiresAt` (ms). False when refused (bound). */
  setEdge(from: string, to: string, source: EdgeSource, metrics: EdgeMetrics, expiresAt: number): boolean {
    const map = this.edges[source];
    let out = map.get(from);
    const existing = out?.get(to);
    if (!existing && this.edgeCounts[source] >= this.maxEdges) {
      this.refused++;
      return false;
    }
    if (!out) map.set(from, (out = new Map()));
    if (!existing) this.edgeCounts[source]++;
    out.set(to, { metrics, expiresAt });
    this.version++;
    return true;
  }

  /** Metrics of edge from → to by precedence (measured, lsa, announce-claimed has none). */
  edge(from: string, to: string): EdgeMetrics | undefined {
    for (const src of SOURCES) {
      const r = this.edges[src].get(from)?.get(to);
      if (r) return r.metrics;
    }
    return undefined;
  }

  /** Remove one directed edge of one source. */
  removeEdge(from: string, to: string, source: EdgeSource): void {
    if (this.edges[source].get(from)?.delete(to)) {
      this.edgeCounts[source]--;
      this.version++;
    }
  }

  /** Replace every `lsa` edge of `origin` with `links` (an advert supersedes the previous one). */
  replaceAdvertised(origin: string, links: ReadonlyArray<{ to: string; metrics: EdgeMetrics }>, expiresAt: number): void {
    const old = this.edges.lsa.get(origin);
    if (old) this.edgeCounts.lsa -= old.size;
    this.edges.lsa.delete(origin);
    for (const l of links) this.setEdge(origin, l.to, 'lsa', l.metrics, expiresAt);
    this.version++;
  }

  /** Record a phone's announce neighbour list (TLV 0x04) heard at `now`. */
  setAnnounceNeighbours(peer: string, neighbours: readonly string[], now: number): void {
    const prev = this.claims.get(peer);
    this.claims.set(peer, { neighbours: [...neighbours], at: now });
    if (!prev || prev.neighbours.join() !== neighbours.join()) this.version++;
  }

  /** Whether `a` and `b` list each other in fresh announces (the bidirectionality rule). */
  mutualAnnounce(a: string, b: string, now: number): boolean {
    const ca = this.claims.get(a);
    const cb = this.claims.get(b);
    return !!ca && !!cb && now - ca.at <= this.announceFreshMs && now - cb.at <= this.announceFreshMs && ca.neighbours.includes(b) && cb.neighbours.includes(a);
  }

  /** Drop expired edges and stale claims; returns how many facts went. */
  expire(now: number): number {
    let n = 0;
    for (const s of SOURCES) {
      for (const [from, out] of this.edges[s]) {
        for (const [to, r] of out) {
          if (r.expiresAt <= now) {
            out.delete(to);
            this.edgeCounts[s]--;
            n++;
          }
        }
        if (out.size === 0) this.edges[s].delete(from);
      }
    }
    for (const [p, c] of this.claims) if (now - c.at > this.announceFreshMs) (this.claims.delete(p), n++);
    if (n > 0) this.version++;
    return n;
  }

  /** Edge counts per source. */
  counts(): Record<EdgeSource, number> & { nodes: number; claims: number } {
    return { ...this.edgeCounts, nodes: this.nodes.size, claims: this.claims.size };
  }

  /**
   * An immutable snapshot: node order = insertion order with this gateway first; per
   * directed pair the `measured` edge wins over `lsa` over mutual `announce`. Positions are
   * dead-reckoned to `now` (static nodes keep theirs) and projected about this gateway's
   * position (or the first known).
   */
  snapshot(now: number, opts: SnapshotOptions = {}): CsrGraph {
    const w = opts.weights ?? DEFAULT_LINK_METRIC_WEIGHTS;
    const maxAge = opts.positionMaxAgeMs ?? 30_000;
    if (!this.nodes.has(this.ownId)) this.touchNode(this.ownId, 'gateway', now);
    const ids = [this.ownId, ...[...this.nodes.keys()].filter((id) => id !== this.ownId)];
    const index = new Map<string, number>();
    ids.forEach((id, i) => index.set(id, i));
    const kinds = new Uint8Array(ids.length);
    const x = new Float64Array(ids.length).fill(NaN);
    const y = new Float64Array(ids.length).fill(NaN);
    // a static node (a gateway's configured position) does not move, so its fix never ages;
    // others are dead-reckoned and dropped once older than maxAge
    const predicted = ids.map((id) => {
      const n = this.nodes.get(id) as TopologyNode;
      if (!n.position) return undefined;
      return n.mobility === 'static' ? n.position : predictPosition(n.position, now, maxAge);
    });
    const origin = predicted[0] ?? predicted.find((p) => p !== undefined);
    ids.forEach((id, i) => {
      kinds[i] = KIND_CODE[(this.nodes.get(id) as TopologyNode).kind];
      const p = predicted[i];
      if (p && origin) {
        const q = toLocal(origin, p);
        x[i] = q.x;
        y[i] = q.y;
      }
    });
    const chosen = new Map<string, CsrEdge>();
    for (const s of SOURCES) {
      for (const [from, out] of this.edges[s]) {
        const fi = index.get(from);
        if (fi === undefined) continue;
        for (const [to, r] of out) {
          const ti = index.get(to);
          if (ti === undefined || r.expiresAt <= now) continue;
          const key = `${fi}>${ti}`;
          if (!chosen.has(key)) chosen.set(key, { from: fi, to: ti, cost: linkCost(r.metrics, w), at: r.metrics.at });
        }
      }
    }
    for (const [a, ca] of this.claims) {
      const ai = index.get(a);
      if (ai === undefined || now - ca.at > this.announceFreshMs) continue;
      for (const b of ca.neighbours) {
        const bi = index.get(b);
        if (bi === undefined || !this.mutualAnnounce(a, b, now)) continue;
        const key = `${ai}>${bi}`;
        if (!chosen.has(key)) chosen.set(key, { from: ai, to: bi, cost: linkCost({ at: ca.at }, w), at: Math.min(ca.at, this.claims.get(b)?.at ?? ca.at) });
      }
    }
    return CsrGraph.build(ids, [...chosen.values()], { kinds, x, y });
  }

  private evictOldest(): void {
    for (const id of this.nodes.keys()) {
      if (id === this.ownId) continue;
      this.removeNode(id);
      this.refused++;
      return;
    }
  }
}
