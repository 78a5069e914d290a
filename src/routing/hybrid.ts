/**
 * The hybrid selector: per destination, pick the routing algorithm that fits what is known.
 *
 * Inputs (all per destination):
 *   linkStateAgeMs   age of the oldest link-state fact on the shortest path (announce,
 *                    measurement or LSA); Infinity when no path is known.
 *   positionAgeMs    age of the destination's (and our own) position fix; Infinity when unknown.
 *   delivery         observed delivery ratio of the currently chosen algorithm (EWMA of
 *                    delivered / sent, from receipts and reverse traffic); undefined before
 *                    enough samples.
 *   paths            number of link-disjoint paths known (multipath possible when ≥ 2).
 *   pheromone        whether the ant colony has pheromone toward the destination.
 *
 * Rules, first match wins:
 *   1. link state fresh (age ≤ maxLinkStateAgeMs) and observed delivery ≥ minDelivery (or
 *      unknown) → 'dijkstra' (the optimal path for a known topology);
 *   2. link state fresh, delivery below minDelivery and ≥ 2 disjoint paths → 'multipath'
 *      (spread load off a congested or lossy primary);
 *   3. positions fresh (age ≤ maxPositionAgeMs) → 'gpsr' (needs no link state, survives mobility);
 *   4. pheromone known → 'aco' (learnt from traffic, adapts without topology);
 *   5. otherwise → 'flood' (bitchat's default behaviour).
 * With stale link state, rule 1/2 do not apply even when a path exists: a mobile mesh makes
 * old topology wrong faster than positions (Mauve, Widmer & Hartenstein, "A survey on
 * position-based routing in mobile ad hoc networks", IEEE Network 2001).
 */

export type RoutingAlgorithm = 'dijkstra' | 'multipath' | 'gpsr' | 'aco' | 'flood';
export const ROUTING_ALGORITHMS: readonly RoutingAlgorithm[] = ['dijkstra', 'multipath', 'gpsr', 'aco', 'flood'];

export interface HybridInputs {
  readonly linkStateAgeMs: number;
  readonly positionAgeMs: number;
  readonly delivery: number | undefined;
  readonly paths: number;
  readonly pheromone: boolean;
}

export interface HybridThresholds {
  /** Link state older than this is stale, ms (default 90,000: 1.5 × the 60 s announce freshness). */
  readonly maxLinkStateAgeMs: number;
  /** Positions older than this are stale, ms (default 30,000). */
  readonly maxPositionAgeMs: number;
  /** Below this observed delivery ratio single-path routing is abandoned (default 0.9). */
  readonly minDelivery: number;
}

export const DEFAULT_HYBRID_THRESHOLDS: HybridThresholds = Object.freeze({ maxLinkStateAgeMs: 90_000, maxPositionAgeMs: 30_000, minDelivery: 0.9 });

/** The algorithm for one destination (rules in the module doc), with the rule that decided. */
export function selectAlgorithm(inp: HybridInputs, th: HybridThresholds = DEFAULT_HYBRID_THRESHOLDS): { algorithm: RoutingAlgorithm; reason: string } {
  const lsFresh = inp.linkStateAgeMs <= th.maxLinkStateAgeMs;
  const good = inp.delivery === undefined || inp.delivery >= th.minDelivery;
  if (lsFresh && good) return { algorithm: 'dijkstra', reason: 'fresh link state' };
  if (lsFresh && inp.paths >= 2) return { algorithm: 'multipath', reason: `delivery ${inp.delivery?.toFixed(2)} below ${th.minDelivery}` };
  if (inp.positionAgeMs <= th.maxPositionAgeMs) return { algorithm: 'gpsr', reason: lsFresh ? 'single path lossy, positions fresh' : 'link state stale, positions fresh' };
  if (inp.pheromone) return { algorithm: 'aco', reason: 'pheromone only' };
  if (lsFresh) return { algorithm: 'dijkstra', reason: 'fresh link state (lossy, no alternative)' };
  return { algorithm: 'flood', reason: 'nothing known' };
}
