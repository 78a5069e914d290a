/**
 * AntHocNet-style pheromone routing (Di Caro, Ducatelle & Gambardella, "AntHocNet: an
 * adaptive nature-inspired algorithm for routing in mobile ad hoc networks", European
 * Transactions on Telecommunications 16(5), 2005).
 *
 * Each node keeps a pheromone value τ(d, n) per (destination d, neighbour n): an estimate
 * of the goodness (inverse cost) of reaching d through n.
 * - Update from a backward ant (or a measured delivery) that found cost T from this node
 *   to d via n: τ ← γ · τ + (1 − γ) · (1 / T), γ = 0.7 (the paper's value); a new entry
 *   starts at 1 / T.
 * - Ants choose the next hop with probability ∝ τ^β1 (β1 = 1, exploratory); data with
 *   probability ∝ τ^β2 (β2 = 2, the paper's greedier data exponent).
 * - Entries through a neighbour are dropped when the link to it is lost.
 * - Proactive ants are bounded: at most `antsPerRound` per destination per round.
 *
 * {@link PheromoneTable} is one node's table; {@link AntColony} runs ants over a graph of
 * tables (evaluation harness and tests).
 */
import { MeshgateError } from '../errors.js';
import type { RandomSource } from './random.js';

export interface PheromoneTableInit {
  /** EWMA weight of the old value (default 0.7). */
  gamma?: number;
  /** Data forwarding exponent (default 2). */
  dataBeta?: number;
  /** Ant exponent (default 1). */
  antBeta?: number;
  /** Destinations kept (default 4,096; least recently updated evicted). */
  maxDestinations?: number;
}

export class PheromoneTable {
  private readonly random: RandomSource;
  readonly gamma: number;
  readonly dataBeta: number;
  readonly antBeta: number;
  private readonly maxDestinations: number;
  /** dest → (neighbour → τ); Map order = least recently updated first. */
  private readonly table = new Map<string, Map<string, number>>();

  /** @throws MeshgateError MG_ERR_ROUTING_BAD_ARGUMENT for γ outside (0,1) or a negative exponent. */
  constructor(components: { random: RandomSource }, init: PheromoneTableInit = {}) {
    this.random = components.random;
    this.gamma = init.gamma ?? 0.7;
    this.dataBeta = init.dataBeta ?? 2;
    this.antBeta = init.antBeta ?? 1;
    this.maxDestinations = init.maxDestinations ?? 4_096;
    if (!(this.gamma > 0 && this.gamma < 1) || this.dataBeta < 0 || this.antBeta < 0) {
      throw new MeshgateError('MG_ERR_ROUTING_BAD_ARGUMENT', 'pheromone gamma must be in (0,1) and exponents >= 0', { gamma: this.gamma });
    }
  }

  get size(): number {
    return this.table.size;
  }

  /** Reinforce τ(dest, via) with an observed cost (> 0) from here to dest through `via`. */
  reinforce(dest: string, via: string, cost: number): void {
    if (!(cost > 0 && Number.isFinite(cost))) return;
    let row = this.table.get(dest);
    if (row) this.table.delete(dest);
    else row = new Map();
    this.table.set(dest, row);
    const old = row.get(via);
    row.set(via, old === undefined ? 1 / cost : this.gamma * old + (1 - this.gamma) / cost);
    if (this.table.size > this.maxDestinations) this.table.delete(this.table.keys().next().value as string);
  }

  /** Evaporate one entry (a failed delivery through `via`): τ ← γ · τ. */
  penalise(dest: string, via: string): void {
    const row = this.table.get(dest);
    const old = row?.get(via);
    if (row && old !== undefined) row.set(via, this.gamma * old);
  }

  /** Remove one entry; returns whether the destination still has any. */
  remove(dest: string, via: string): boolean {
    const row = this.table.get(dest);
    if (!row) return false;
    row.delete(via);
    if (row.size === 0) this.table.delete(dest);
    return row.size > 0;
  }

  /** Forget every entry through `neighbour` (its link was lost). */
  dropNeighbour(neighbour: string): void {
    for (const [d, row] of this.table) {
      row.delete(neighbour);
      if (row.size === 0) this.table.delete(d);
    }
  }

  /** τ(dest, via), or 0. */
  pheromone(dest: string, via: string): number {
    return this.table.get(dest)?.get(via) ?? 0;
  }

  /** Neighbours with pheromone toward dest, with τ. */
  entries(dest: string): ReadonlyMap<string, number> {
    return this.table.get(dest) ?? new Map();
  }

  /** Destinations known. */
  destinations(): IterableIterator<string> {
    return this.table.keys();
  }

  /** The neighbour with the most pheromone toward dest (undefined when none). */
  best(dest: string, allowed?: (n: string) => boolean): string | undefined {
    let best: string | undefined;
    let bt = -1;
    for (const [n, t] of this.entries(dest)) if ((!allowed || allowed(n)) && t > bt) (bt = t), (best = n);
    return best;
  }

  /** A stochastic next hop ∝ τ^β among `allowed` (β = dataBeta, or antBeta with `ant: true`). */
  choose(dest: string, opts: { ant?: boolean; allowed?: (n: string) => boolean } = {}): string | undefined {
    const beta = opts.ant ? this.antBeta : this.dataBeta;
    let total = 0;
    const row = this.entries(dest);
    for (const [n, t] of row) if (!opts.allowed || opts.allowed(n)) total += Math.pow(t, beta);
    if (total <= 0) return undefined;
    let r = this.random() * total;
    let last: string | undefined;
    for (const [n, t] of row) {
      if (opts.allowed && !opts.allowed(n)) continue;
      last = n;
      r -= Math.pow(t, beta);
      if (r <= 0) return n;
    }
    return last;
  }
}

/** A graph the ant colony runs on: neighbours and link cost of each node (string IDs). */
export interface AntGraph {
  neighbours(node: string): readonly string[];
  /** Cost of the link node → next (> 0), Infinity when the link is down. */
  cost(node: string, next: string): number;
}

/**
 * Ants over a graph of per-node pheromone tables. A forward ant walks from a source to a
 * destination choosing ∝ τ^β1 among unvisited neighbours (uniformly among those with no
 * pheromone when none has any, with probability `explore` at each hop; an unexplored
 * neighbour counts with the mean τ of the known ones); it dies after
 * `maxHops`. On arrival a backward ant retraces the path and reinforces every node's entry
 * with the cost-to-go it measured. Returns the path found (or undefined).
 */
export class AntColony {
  private readonly tables = new Map<string, PheromoneTable>();
  /** Ants launched / arrived. */
  launched = 0;
  arrived = 0;
  /** Hops walked by forward ants and retraced by backward ants (transmissions, for overhead accounting). */
  forwardHops = 0;
  backwardHops = 0;

  constructor(
    private readonly components: { random: RandomSource; graph: AntGraph },
    private readonly init: PheromoneTableInit & { maxHops?: number; explore?: number; antsPerRound?: number } = {},
  ) {}

  table(node: string): PheromoneTable {
    let t = this.tables.get(node);
    if (!t) this.tables.set(node, (t = new PheromoneTable({ random: this.components.random }, this.init)));
    return t;
  }

  /** Launch one forward ant; returns the path (source..dest) when it arrived. */
  ant(source: string, dest: string): string[] | undefined {
    this.launched++;
    const r = this.components.random;
    const g = this.components.graph;
    const maxHops = this.init.maxHops ?? 32;
    const explore = this.init.explore ?? 0.1;
    const path = [source];
    const visited = new Set(path);
    let cur = source;
    while (cur !== dest && path.length <= maxHops) {
      const options = g.neighbours(cur).filter((n) => !visited.has(n) && g.cost(cur, n) < Infinity);
      if (options.length === 0) return undefined;
      let next: string | undefined;
      if (options.includes(dest)) next = dest;
      else if (r() >= explore) next = this.antChoice(this.table(cur), dest, options);
      next ??= options[Math.floor(r() * options.length)];
      path.push(next);
      visited.add(next);
      cur = next;
      this.forwardHops++;
    }
    if (cur !== dest) return undefined;
    this.arrived++;
    this.backwardHops += path.length - 1;
    // backward ant: cost-to-go from each node
    let toGo = 0;
    for (let i = path.length - 2; i >= 0; i--) {
      toGo += g.cost(path[i], path[i + 1]);
      this.table(path[i]).reinforce(dest, path[i + 1], toGo);
    }
    return path;
  }

  /**
   * A reactive forward ant (AntHocNet §3.2): broadcast from `source` — every node re-broadcasts
   * the first copy it gets — so the first copy to reach `dest` follows the cheapest path;
   * it returns as a backward ant along that path, laying pheromone. Used when a source has
   * no pheromone for a destination. Returns the path (undefined when unreachable) and the
   * broadcasts made (each is one transmission per neighbour of the node that sent it).
   */
  reactive(source: string, dest: string): { path: string[] | undefined; transmissions: number } {
    const g = this.components.graph;
    const dist = new Map<string, number>([[source, 0]]);
    const prev = new Map<string, string>();
    const done = new Set<string>();
    let transmissions = 0;
    for (;;) {
      let u: string | undefined;
      let du = Infinity;
      for (const [n, d] of dist) if (!done.has(n) && d < du) (du = d), (u = n);
      if (u === undefined || u === dest) break;
      done.add(u);
      const nbrs = g.neighbours(u);
      transmissions += nbrs.length;
      for (const v of nbrs) {
        const c = du + g.cost(u, v);
        if (c < (dist.get(v) ?? Infinity)) (dist.set(v, c), prev.set(v, u));
      }
    }
    if (!dist.has(dest) || dist.get(dest) === Infinity) return { path: undefined, transmissions };
    const path = [dest];
    for (let v = dest; v !== source; v = prev.get(v) as string) path.push(prev.get(v) as string);
    path.reverse();
    let toGo = 0;
    for (let i = path.length - 2; i >= 0; i--) {
      toGo += g.cost(path[i], path[i + 1]);
      this.table(path[i]).reinforce(dest, path[i + 1], toGo);
    }
    this.backwardHops += path.length - 1;
    return { path, transmissions };
  }

  /**
   * An ant's choice ∝ τ^β1 over `options`; a neighbour with no pheromone yet counts with
   * the mean τ of the known ones (optimistic initial value), so unexplored links get tried.
   */
  private antChoice(t: PheromoneTable, dest: string, options: readonly string[]): string | undefined {
    const known = options.map((n) => t.pheromone(dest, n));
    const seen = known.filter((v) => v > 0);
    const mean = seen.length > 0 ? seen.reduce((a, b) => a + b, 0) / seen.length : 1;
    const w = known.map((v) => Math.pow(v > 0 ? v : mean, t.antBeta));
    let x = this.components.random() * w.reduce((a, b) => a + b, 0);
    for (let i = 0; i < options.length; i++) if ((x -= w[i]) <= 0) return options[i];
    return options[options.length - 1];
  }

  /** One proactive round: `antsPerRound` (default 4) ants source → dest. */
  round(source: string, dest: string): void {
    const n = this.init.antsPerRound ?? 4;
    for (let i = 0; i < n; i++) this.ant(source, dest);
  }

  /** The path data would take greedily (argmax τ at each hop), or undefined when it loops or dead-ends. */
  greedyPath(source: string, dest: string): string[] | undefined {
    const path = [source];
    const seen = new Set(path);
    let cur = source;
    while (cur !== dest) {
      const next = this.table(cur).best(dest, (n) => this.components.graph.cost(cur, n) < Infinity);
      if (next === undefined || seen.has(next)) return undefined;
      path.push(next);
      seen.add(next);
      cur = next;
    }
    return path;
  }

  /**
   * A link was lost: both ends drop their entries through each other, and a link failure
   * notification (AntHocNet §3.4) travels upstream: a node left with no entry for a
   * destination tells the neighbours routing through it, which drop those entries in turn.
   * Returns the notifications sent.
   */
  linkLost(a: string, b: string): number {
    const queue: Array<[string, string]> = [];
    for (const [x, y] of [[a, b], [b, a]] as const) {
      const t = this.tables.get(x);
      if (!t) continue;
      for (const d of [...t.destinations()]) if (t.pheromone(d, y) > 0 && !t.remove(d, y)) queue.push([x, d]);
    }
    let sent = 0;
    while (queue.length > 0) {
      const [node, dest] = queue.shift() as [string, string];
      for (const m of this.components.graph.neighbours(node)) {
        const t = this.tables.get(m);
        if (!t || t.pheromone(dest, node) <= 0) continue;
        sent++;
        if (!t.remove(dest, node)) queue.push([m, dest]);
      }
    }
    return sent;
  }
}
