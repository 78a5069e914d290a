/**
 * Route hysteresis (hold-down): the chosen first hop toward each destination gateway,
 * changed only when it must be or when it clearly pays, so a flapping link does not flap
 * routes (the idea of BGP route flap damping, RFC 2439, reduced to two rules):
 *
 * 1. **Forced change**: the current hop is gone (link down/closed) → switch at once to the
 *    best hop that is up, preferring *stable* hops (up continuously for ≥ holdTimeMs);
 *    with none up the route is withdrawn (undefined).
 * 2. **Optional change**: a better hop exists → switch only when the current route is at
 *    least `holdTimeMs` old, the candidate has been up for ≥ holdTimeMs, and its cost is
 *    below `(1 − improvement)` × the current cost.
 *
 * So a link that flaps every 2 s is never stable for a 30 s hold time and never attracts
 * the route back; the route changes at most once per hold time unless the current hop
 * itself fails. Costs are caller-defined (hops, RTT ms); lower is better.
 *
 * Pure: time from the injected Clock. Bounded: at most `maxDestinations` routes (the
 * least recently updated is dropped) and one up-since entry per known link.
 */
import type { Clock } from '../ports/clock.js';

export interface HopCandidate {
  linkId: string;
  cost: number;
}

export interface RouteChoice {
  destination: string;
  linkId: string | undefined;
  cost: number | undefined;
  /** ms since the epoch of the last change. */
  changedAt: number;
  changes: number;
}

export interface RouteChange {
  destination: string;
  from: string | undefined;
  to: string | undefined;
  at: number;
  forced: boolean;
}

export class RouteHold {
  private readonly clock: Clock;
  readonly holdTimeMs: number;
  readonly improvement: number;
  private readonly maxDestinations: number;
  private readonly routes = new Map<string, RouteChoice>();
  /** linkId → ms since the epoch it last came up; absent = down. */
  private readonly upSince = new Map<string, number>();

  constructor(components: { clock: Clock }, init: { holdTimeMs: number; improvement?: number; maxDestinations?: number }) {
    this.clock = components.clock;
    this.holdTimeMs = init.holdTimeMs;
    this.improvement = init.improvement ?? 0.2;
    this.maxDestinations = init.maxDestinations ?? 4096;
  }

  /** A link came up (or is up): starts its stability clock if it was down. */
  linkUp(linkId: string): void {
    if (!this.upSince.has(linkId)) this.upSince.set(linkId, this.clock.now());
  }

  /** A link went down or closed. */
  linkDown(linkId: string): void {
    this.upSince.delete(linkId);
  }

  isUp(linkId: string): boolean {
    return this.upSince.has(linkId);
  }

  /** Up continuously for at least the hold time. */
  isStable(linkId: string, now = this.clock.now()): boolean {
    const t = this.upSince.get(linkId);
    return t !== undefined && now - t >= this.holdTimeMs;
  }

  /**
   * Re-decide the route to `destination` from its candidates (links that are down are
   * ignored). Returns the change made, if any.
   */
  update(destination: string, candidates: readonly HopCandidate[]): RouteChange | undefined {
    const now = this.clock.now();
    const up = candidates.filter((c) => this.upSince.has(c.linkId));
    let r = this.routes.get(destination);
    if (!r) {
      if (this.routes.size >= this.maxDestinations) this.routes.delete(this.routes.keys().next().value as string);
      r = { destination, linkId: undefined, cost: undefined, changedAt: now, changes: 0 };
      this.routes.set(destination, r);
    }
    const current = r.linkId === undefined ? undefined : up.find((c) => c.linkId === r.linkId);
    if (!current) {
      const best = this.best(up, now);
      if (best?.linkId === r.linkId && r.linkId === undefined) return undefined;
      return this.change(r, best, now, r.linkId !== undefined);
    }
    r.cost = current.cost;
    if (now - r.changedAt < this.holdTimeMs) return undefined;
    const stable = up.filter((c) => c.linkId !== current.linkId && this.isStable(c.linkId, now));
    const challenger = stable.sort((a, b) => a.cost - b.cost || (a.linkId < b.linkId ? -1 : 1))[0];
    if (challenger && challenger.cost < current.cost * (1 - this.improvement)) return this.change(r, challenger, now, false);
    return undefined;
  }

  /** The chosen first hop for `destination` (undefined = none / withdrawn). */
  get(destination: string): string | undefined {
    return this.routes.get(destination)?.linkId;
  }

  /** Forget a destination. */
  forget(destination: string): void {
    this.routes.delete(destination);
  }

  routesView(): RouteChoice[] {
    return [...this.routes.values()].map((r) => ({ ...r }));
  }

  private best(up: readonly HopCandidate[], now: number): HopCandidate | undefined {
    let best: HopCandidate | undefined;
    let bestStable = false;
    for (const c of up) {
      const s = this.isStable(c.linkId, now);
      if (!best || (s && !bestStable) || (s === bestStable && (c.cost < best.cost || (c.cost === best.cost && c.linkId < best.linkId)))) {
        best = c;
        bestStable = s;
      }
    }
    return best;
  }

  private change(r: RouteChoice, to: HopCandidate | undefined, now: number, forced: boolean): RouteChange | undefined {
    if (to?.linkId === r.linkId) return undefined;
    const ch: RouteChange = { destination: r.destination, from: r.linkId, to: to?.linkId, at: now, forced };
    r.linkId = to?.linkId;
    r.cost = to?.cost;
    r.changedAt = now;
    r.changes++;
    return ch;
  }
}
