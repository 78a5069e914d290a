/**
 * GPSR: Greedy Perimeter Stateless Routing (Karp & Kung, MobiCom 2000).
 *
 * - Greedy mode: forward to the neighbour geographically closest to the destination, if it
 *   is closer than this node.
 * - Perimeter mode, entered at a void (no closer neighbour) at point Lp: traverse faces of
 *   a planar subgraph (Gabriel graph, or RNG) by the right-hand rule (the next edge is the
 *   next one counterclockwise about x from the edge the packet arrived on; on entry, from
 *   the line x→D). When the edge about to be taken crosses the segment Lp→D at a point
 *   closer to D than Lf (where the current face was entered), the packet changes face
 *   (Lf := crossing, take the next edge counterclockwise). The packet returns to greedy
 *   mode at the first node closer to D than Lp. Taking the first edge e0 of a face a
 *   second time means D is unreachable.
 * - Planarisation is local (each node tests its own neighbours as witnesses), so on a
 *   unit-disk graph the Gabriel graph is planar and keeps connectivity (Bose, Morin,
 *   Stojmenović & Urrutia, "Routing with guaranteed delivery in ad hoc wireless networks",
 *   1999/2001); delivery is then guaranteed on connected unit-disk graphs.
 *
 * Stateless per node: all state travels in {@link GpsrHeader}.
 */
import type { Point } from './types.js';

/** What GPSR needs to know about the graph around a node. */
export interface GeoView {
  /** Position of node i (local metres), undefined when unknown or stale. */
  position(i: number): Point | undefined;
  /** Neighbours of node i (radio links that are up). */
  neighbours(i: number): ArrayLike<number>;
}

export type Planarisation = 'gabriel' | 'rng';

/** Per-packet GPSR state (carried in the packet). */
export interface GpsrHeader {
  readonly mode: 'greedy' | 'perimeter';
  /** Where perimeter mode was entered. */
  readonly lp?: Point;
  /** Where the current face was entered (a point on Lp→D). */
  readonly lf?: Point;
  /** First edge taken on the current face. */
  readonly e0From?: number;
  readonly e0To?: number;
}

export const GPSR_START: GpsrHeader = Object.freeze({ mode: 'greedy' });

/** A forwarding decision: the next node and the updated header, or why there is none. */
export type GpsrDecision = { readonly next: number; readonly header: GpsrHeader } | { readonly next: -1; readonly reason: 'void' | 'unreachable' | 'no-position' };

/**
 * Neighbours of `u` kept by the planarisation. Gabriel: v is kept unless another neighbour
 * w lies strictly inside the circle with diameter uv. RNG: v is kept unless some w has
 * max(|uw|, |vw|) < |uv| (Toussaint 1980). Neighbours without a position are dropped.
 */
export function planarNeighbours(view: GeoView, u: number, kind: Planarisation = 'gabriel'): number[] {
  const pu = view.position(u);
  if (!pu) return [];
  const nb = view.neighbours(u);
  const pts: Array<{ v: number; p: Point }> = [];
  for (let i = 0; i < nb.length; i++) {
    const p = view.position(nb[i]);
    if (p) pts.push({ v: nb[i], p });
  }
  const out: number[] = [];
  for (const { v, p } of pts) {
    const duv2 = sq(pu.x - p.x) + sq(pu.y - p.y);
    let keep = true;
    if (kind === 'gabriel') {
      const mx = (pu.x + p.x) / 2;
      const my = (pu.y + p.y) / 2;
      const r2 = duv2 / 4;
      for (const w of pts) if (w.v !== v && sq(w.p.x - mx) + sq(w.p.y - my) < r2) keep = false;
    } else {
      for (const w of pts) {
        if (w.v === v) continue;
        const duw2 = sq(pu.x - w.p.x) + sq(pu.y - w.p.y);
        const dvw2 = sq(p.x - w.p.x) + sq(p.y - w.p.y);
        if (Math.max(duw2, dvw2) < duv2) keep = false;
      }
    }
    if (keep) out.push(v);
  }
  return out;
}

/**
 * One GPSR forwarding decision at node `cur` for a packet to `dest` at `destPos`, arrived
 * from `prev` (-1 at the source). `perimeter: false` gives greedy-only forwarding (the
 * evaluation's ablation): a void then ends with reason 'void'.
 */
export function gpsrForward(view: GeoView, cur: number, prev: number, dest: number, destPos: Point, header: GpsrHeader, opts: { perimeter?: boolean; planarisation?: Planarisation } = {}): GpsrDecision {
  const pc = view.position(cur);
  if (!pc) return { next: -1, reason: 'no-position' };
  const nb = view.neighbours(cur);
  for (let i = 0; i < nb.length; i++) if (nb[i] === dest) return { next: dest, header: GPSR_START };
  const dCur = dist(pc, destPos);
  if (header.mode === 'perimeter' && header.lp && dCur < dist(header.lp, destPos)) header = GPSR_START;
  if (header.mode === 'greedy') {
    let best = -1;
    let bestD = dCur;
    for (let i = 0; i < nb.length; i++) {
      const p = view.position(nb[i]);
      if (!p) continue;
      const d = dist(p, destPos);
      if (d < bestD) {
        bestD = d;
        best = nb[i];
      }
    }
    if (best >= 0) return { next: best, header: GPSR_START };
    if (opts.perimeter === false) return { next: -1, reason: 'void' };
    // enter perimeter mode: first edge counterclockwise from the line cur→D
    const planar = planarNeighbours(view, cur, opts.planarisation);
    const first = ccwNext(view, pc, planar, Math.atan2(destPos.y - pc.y, destPos.x - pc.x), -1);
    if (first < 0) return { next: -1, reason: 'void' };
    return { next: first, header: { mode: 'perimeter', lp: pc, lf: pc, e0From: cur, e0To: first } };
  }
  // perimeter mode
  const lp = header.lp as Point;
  let lf = header.lf as Point;
  let e0From = header.e0From as number;
  let e0To = header.e0To as number;
  const planar = planarNeighbours(view, cur, opts.planarisation);
  const pPrev = prev >= 0 ? view.position(prev) : undefined;
  const refAngle = pPrev ? Math.atan2(pPrev.y - pc.y, pPrev.x - pc.x) : Math.atan2(destPos.y - pc.y, destPos.x - pc.x);
  let next = ccwNext(view, pc, planar, refAngle, prev);
  if (next < 0) return { next: -1, reason: 'void' };
  let changed = false;
  // face changes: at most one per planar neighbour at this node
  for (let guard = 0; guard < planar.length; guard++) {
    const pn = view.position(next) as Point;
    const cross = segmentIntersection(pc, pn, lp, destPos);
    if (!cross || dist(cross, destPos) >= dist(lf, destPos) - 1e-9) break;
    lf = cross;
    next = ccwNext(view, pc, planar, Math.atan2(pn.y - pc.y, pn.x - pc.x), next);
    e0From = cur;
    e0To = next;
    changed = true;
  }
  if (!changed && cur === e0From && next === e0To) return { next: -1, reason: 'unreachable' };
  return { next, header: { mode: 'perimeter', lp, lf, e0From, e0To } };
}

/** The neighbour first counterclockwise from direction `ref` (radians) about `pc`; `refNode` itself only when it is the only one. */
function ccwNext(view: GeoView, pc: Point, planar: readonly number[], ref: number, refNode: number): number {
  let best = -1;
  let bestDelta = Infinity;
  for (const v of planar) {
    const p = view.position(v) as Point;
    let delta = Math.atan2(p.y - pc.y, p.x - pc.x) - ref;
    while (delta <= 1e-12) delta += 2 * Math.PI;
    while (delta > 2 * Math.PI) delta -= 2 * Math.PI;
    if (v === refNode) delta = 2 * Math.PI + 1; // go back only as a last resort
    if (delta < bestDelta) {
      bestDelta = delta;
      best = v;
    }
  }
  return best;
}

/** Intersection of segments ab and cd when they cross (endpoints of ab excluded at a), else undefined. */
function segmentIntersection(a: Point, b: Point, c: Point, d: Point): Point | undefined {
  const rx = b.x - a.x;
  const ry = b.y - a.y;
  const sx = d.x - c.x;
  const sy = d.y - c.y;
  const den = rx * sy - ry * sx;
  if (Math.abs(den) < 1e-12) return undefined;
  const t = ((c.x - a.x) * sy - (c.y - a.y) * sx) / den;
  const u = ((c.x - a.x) * ry - (c.y - a.y) * rx) / den;
  if (t <= 1e-9 || t > 1 || u < 0 || u > 1) return undefined;
  return { x: a.x + t * rx, y: a.y + t * ry };
}

function dist(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

function sq(v: number): number {
  return v * v;
}
