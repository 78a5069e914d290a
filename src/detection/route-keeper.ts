/**
 * The failover route choice toward every known gateway: candidate first hops from the
 * topology (live neighbours that reach the destination without us, BFS), cost =
 * `hopCostMs` × hops + smoothed RTT of the link (ms), decided with hold-down by
 * {@link RouteHold}. Also answers the route-policy question for a directed packet: which
 * gateway is its recipient (the recipient itself, or the gateway a `topo` record lists it
 * under), and the held first hop toward it.
 *
 * With a `candidates` source (the routing module's per-first-hop path costs, when it runs:
 * docs/detection.md "One route choice") those costs replace the BFS ones, every held
 * destination (gateways and recipients routed so far) is re-decided, and {@link decide}
 * answers the forwarding question for one recipient at once — so the route used to forward
 * and the held route are one and the same.
 *
 * Pure: no I/O; the caller passes the open gateway links and their RTTs.
 */
import type { HopCandidate, RouteChange, RouteHold } from './route-hold.js';
import type { Topology } from './topology.js';

export interface GatewayLinkInfo {
  id: string;
  peerId: string | undefined;
}

export class RouteKeeper {
  private readonly topology: Topology;
  private readonly hold: RouteHold;
  private readonly isGateway: (peerId: string) => boolean;
  private readonly candidates: ((destination: string) => HopCandidate[]) | undefined;
  readonly hopCostMs: number;
  readonly defaultRttMs: number;

  /**
   * @param components isGateway: whether a peer ID is a known gateway; candidates (optional):
   *   the candidate first hops (link ID, cost) toward a destination, replacing the BFS ones.
   * @param init hopCostMs (default 1,000 ms per hop), defaultRttMs for links not yet measured (default 500 ms).
   */
  constructor(
    components: { topology: Topology; hold: RouteHold; isGateway: (peerId: string) => boolean; candidates?: (destination: string) => HopCandidate[] },
    init: { hopCostMs?: number; defaultRttMs?: number } = {},
  ) {
    this.candidates = components.candidates;
    this.topology = components.topology;
    this.hold = components.hold;
    this.isGateway = components.isGateway;
    this.hopCostMs = init.hopCostMs ?? 1000;
    this.defaultRttMs = init.defaultRttMs ?? 500;
  }

  /** Re-decide the held route to every known gateway; returns the changes with whether each replaced an earlier route. */
  recompute(links: readonly GatewayLinkInfo[], rttMs: (linkId: string) => number | undefined): Array<RouteChange & { replaced: boolean }> {
    const out: Array<RouteChange & { replaced: boolean }> = [];
    const dests = new Set([...this.topology.gateways(), ...this.topology.ownNeighbours()]);
    if (this.candidates) {
      for (const r of this.hold.routesView()) dests.add(r.destination);
      for (const dest of dests) {
        const ch = this.decideKey(dest);
        if (ch) out.push(ch);
      }
      return out;
    }
    // one BFS per own neighbour (the graph is undirected): O(degree · (V + E)) for all destinations
    const fromNeighbour = new Map<string, Map<string, number>>();
    for (const n of this.topology.ownNeighbours()) fromNeighbour.set(n, this.topology.distancesTo(n));
    for (const dest of dests) {
      const cands: Array<{ linkId: string; cost: number }> = [];
      for (const l of links) {
        const d = l.peerId === undefined ? undefined : fromNeighbour.get(l.peerId)?.get(dest);
        if (d !== undefined) cands.push({ linkId: l.id, cost: (d + 1) * this.hopCostMs + Math.round(rttMs(l.id) ?? this.defaultRttMs) });
      }
      const prev = this.hold.get(dest);
      const ch = this.hold.update(dest, cands);
      if (ch) out.push({ ...ch, replaced: prev !== undefined });
    }
    return out;
  }

  /** Whether candidates come from an outside source (the routing module). */
  get combined(): boolean {
    return this.candidates !== undefined;
  }

  /**
   * The held first hop toward a recipient: its destination gateway (or the recipient itself
   * when no gateway is known to hold it) is re-decided now from the candidates source when
   * there is one. `change` is the route change this made, if any.
   */
  decide(recipient: string, self: string): { linkId: string | undefined; change?: RouteChange & { replaced: boolean } } {
    const key = this.destinationOf(recipient) ?? recipient;
    if (key === self) return { linkId: undefined };
    const change = this.candidates ? this.decideKey(key) : undefined;
    return { linkId: this.hold.get(key), ...(change ? { change } : {}) };
  }

  private decideKey(dest: string): (RouteChange & { replaced: boolean }) | undefined {
    const prev = this.hold.get(dest);
    const ch = this.hold.update(dest, this.candidates!(dest));
    return ch ? { ...ch, replaced: prev !== undefined } : undefined;
  }

  /** The gateway a directed packet's recipient is (or sits behind), if known. */
  destinationOf(recipient: string): string | undefined {
    return this.isGateway(recipient) ? recipient : this.topology.homeOf(recipient);
  }

  /** The held first hop toward a destination gateway. */
  routeFor(gateway: string): string | undefined {
    return this.hold.get(gateway);
  }

  /**
   * Route-policy answer for a directed packet to `nextHop`: the held first hop toward its
   * gateway when that link is among the candidates; undefined (keep the engine's default)
   * for our own phones, unknown recipients, or a withdrawn route.
   */
  select(nextHop: string, candidateLinkIds: readonly string[], self: string): readonly string[] | undefined {
    const dest = this.destinationOf(nextHop);
    if (dest === undefined || dest === self) return undefined;
    const linkId = this.hold.get(dest);
    return linkId !== undefined && candidateLinkIds.includes(linkId) ? [linkId] : undefined;
  }
}
