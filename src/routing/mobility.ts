/**
 * Mobility models, used to predict where a node will be (dead reckoning with a pattern)
 * and to move nodes in the evaluation harness. Each model is a pure function of time
 * (seconds from the scenario start → position in metres in a local frame) built from a
 * seeded random source, so a scenario replays exactly.
 *
 * - Static: never moves.
 * - Random waypoint (Johnson & Maltz 1996) with the fixes of Yoon, Liu & Noble, "Random
 *   waypoint considered harmful" (INFOCOM 2003): speeds uniform in [vMin, vMax] with
 *   vMin > 0 (so the average speed does not decay to 0), and a stationary start (every
 *   node begins with a pause at its first waypoint).
 * - Linear: constant velocity, reflected at the area's edges.
 * - Circular: constant angular speed about a centre.
 * - Commuter: shuttles between two points (home, work) with a dwell at each end.
 */
import { MeshgateError } from '../errors.js';
import type { RandomSource } from './random.js';
import type { MobilityPattern, Point } from './types.js';

/** A node's trajectory: position (m) and velocity (m/s) at time t (s). */
export interface MobilityModel {
  readonly pattern: MobilityPattern;
  positionAt(t: number): Point;
  velocityAt(t: number): Point;
}

/** The rectangle nodes move in, metres. */
export interface Area {
  readonly width: number;
  readonly height: number;
}

export class StaticMobility implements MobilityModel {
  readonly pattern = 'static' as const;
  constructor(private readonly p: Point) {}
  positionAt(): Point {
    return this.p;
  }
  velocityAt(): Point {
    return { x: 0, y: 0 };
  }
}

/** Random waypoint; legs are generated lazily and kept (bounded by the time asked for). */
export class RandomWaypointMobility implements MobilityModel {
  readonly pattern = 'random-waypoint' as const;
  // leg i: from (x,y) at t0, moving to (x1,y1) arriving at t1, then pausing until t2
  private readonly legs: Array<{ t0: number; x: number; y: number; t1: number; x1: number; y1: number; t2: number }> = [];

  /** @throws MeshgateError MG_ERR_ROUTING_BAD_ARGUMENT unless 0 < vMin <= vMax and pauseS >= 0. */
  constructor(
    private readonly components: { random: RandomSource },
    private readonly init: { area: Area; vMinMps: number; vMaxMps: number; pauseS: number; start?: Point },
  ) {
    if (!(init.vMinMps > 0 && init.vMaxMps >= init.vMinMps && init.pauseS >= 0)) {
      throw new MeshgateError('MG_ERR_ROUTING_BAD_ARGUMENT', 'random waypoint needs 0 < vMin <= vMax and pause >= 0', { ...init });
    }
    const r = components.random;
    const s = init.start ?? { x: r() * init.area.width, y: r() * init.area.height };
    // stationary start: the first "leg" is a pause where the node stands
    const firstPause = r() * init.pauseS;
    this.legs.push({ t0: 0, x: s.x, y: s.y, t1: 0, x1: s.x, y1: s.y, t2: firstPause });
  }

  private legAt(t: number) {
    while (this.legs[this.legs.length - 1].t2 < t) {
      const last = this.legs[this.legs.length - 1];
      const r = this.components.random;
      const x1 = r() * this.init.area.width;
      const y1 = r() * this.init.area.height;
      const v = this.init.vMinMps + r() * (this.init.vMaxMps - this.init.vMinMps);
      const d = Math.hypot(x1 - last.x1, y1 - last.y1);
      const t1 = last.t2 + d / v;
      this.legs.push({ t0: last.t2, x: last.x1, y: last.y1, t1, x1, y1, t2: t1 + this.init.pauseS });
      if (this.legs.length > 4096) this.legs.splice(0, 2048); // bounded: times only move forward in use
    }
    let lo = 0;
    let hi = this.legs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.legs[mid].t2 < t) lo = mid + 1;
      else hi = mid;
    }
    return this.legs[lo];
  }

  positionAt(t: number): Point {
    const l = this.legAt(t);
    if (t >= l.t1 || l.t1 === l.t0) return { x: l.x1, y: l.y1 };
    const f = Math.max(0, (t - l.t0) / (l.t1 - l.t0));
    return { x: l.x + (l.x1 - l.x) * f, y: l.y + (l.y1 - l.y) * f };
  }

  velocityAt(t: number): Point {
    const l = this.legAt(t);
    if (t >= l.t1 || t < l.t0 || l.t1 === l.t0) return { x: 0, y: 0 };
    return { x: (l.x1 - l.x) / (l.t1 - l.t0), y: (l.y1 - l.y) / (l.t1 - l.t0) };
  }
}

export class LinearMobility implements MobilityModel {
  readonly pattern = 'linear' as const;
  constructor(private readonly init: { start: Point; velocity: Point; area: Area }) {}
  positionAt(t: number): Point {
    return { x: reflect(this.init.start.x + this.init.velocity.x * t, this.init.area.width), y: reflect(this.init.start.y + this.init.velocity.y * t, this.init.area.height) };
  }
  velocityAt(t: number): Point {
    const a = this.positionAt(t);
    const b = this.positionAt(t + 1e-3);
    return { x: (b.x - a.x) / 1e-3, y: (b.y - a.y) / 1e-3 };
  }
}

export class CircularMobility implements MobilityModel {
  readonly pattern = 'circular' as const;
  /** `speedMps` along the circle; positive = counterclockwise. */
  constructor(private readonly init: { centre: Point; radiusM: number; speedMps: number; phase: number }) {}
  positionAt(t: number): Point {
    const a = this.init.phase + (this.init.speedMps / this.init.radiusM) * t;
    return { x: this.init.centre.x + this.init.radiusM * Math.cos(a), y: this.init.centre.y + this.init.radiusM * Math.sin(a) };
  }
  velocityAt(t: number): Point {
    const w = this.init.speedMps / this.init.radiusM;
    const a = this.init.phase + w * t;
    return { x: -this.init.radiusM * w * Math.sin(a), y: this.init.radiusM * w * Math.cos(a) };
  }
}

export class CommuterMobility implements MobilityModel {
  readonly pattern = 'commuter' as const;
  constructor(private readonly init: { home: Point; work: Point; speedMps: number; dwellS: number; offsetS: number }) {}
  private phase(t: number): { p: Point; v: Point } {
    const { home, work, speedMps, dwellS } = this.init;
    const d = Math.hypot(work.x - home.x, work.y - home.y);
    const travel = d / speedMps;
    const period = 2 * (travel + dwellS);
    let s = (t + this.init.offsetS) % period;
    if (s < 0) s += period;
    const v = { x: (work.x - home.x) / travel, y: (work.y - home.y) / travel };
    if (s < dwellS) return { p: home, v: { x: 0, y: 0 } };
    s -= dwellS;
    if (s < travel) return { p: { x: home.x + v.x * s, y: home.y + v.y * s }, v };
    s -= travel;
    if (s < dwellS) return { p: work, v: { x: 0, y: 0 } };
    s -= dwellS;
    return { p: { x: work.x - v.x * s, y: work.y - v.y * s }, v: { x: -v.x, y: -v.y } };
  }
  positionAt(t: number): Point {
    return this.phase(t).p;
  }
  velocityAt(t: number): Point {
    return this.phase(t).v;
  }
}

/** Fold a coordinate into [0, size] by reflection at the edges. */
function reflect(v: number, size: number): number {
  if (size <= 0) return 0;
  const p = 2 * size;
  let m = v % p;
  if (m < 0) m += p;
  return m <= size ? m : p - m;
}
