/**
 * The known gateway overlay topology and partition detection.
 *
 * Every gateway floods a small link-state record `{ origin, seq, neighbours, phones, urls }`
 * (control type `topo`, docs/detection.md); this table keeps the newest record per origin
 * (bounded: `maxGateways`; records older than `ttlMs` expire). Our own adjacency comes
 * from our live gateway links. From the union:
 *
 * - **connected components** (BFS over the undirected graph; an edge counts when one end
 *   reports it and no end with a fresh record denies it — a dead gateway stops refreshing
 *   its record, which goes stale after `ttlMs`, and its neighbours drop it at once);
 * - **partitions**: gateways known (heard of within `forgetAfterMs`) but not in our
 *   component (a dead gateway shows as a one-node component until forgotten);
 *   a partition is *detected* when that set becomes non-empty and *healed* when it empties;
 * - **first-hop candidates** toward a destination gateway: for each live neighbour n,
 *   1 + the hop distance from n to the destination in the graph without us (BFS).
 *
 * Pure data structure; the caller passes times (ms since the epoch).
 */
export interface TopologyRecord {
  origin: string;
  seq: number;
  neighbours: readonly string[];
  phones: readonly string[];
  /** peer ID → URL the origin dials it at (lets others bridge to it). */
  urls: Readonly<Record<string, string>>;
  receivedAt: number;
}

export interface PartitionState {
  partitioned: boolean;
  /** Our component (sorted peer IDs, including us). */
  component: string[];
  /** The other components of known gateways. */
  others: string[][];
  components: number;
}

const EMPTY: ReadonlySet<string> = new Set();

export class Topology {
  readonly self: string;
  private readonly ttlMs: number;
  private readonly forgetAfterMs: number;
  private now = 0;
  private readonly maxGateways: number;
  private readonly records = new Map<string, TopologyRecord>();
  private neighbourSet = new Set<string>();
  private phoneHome = new Map<string, string>();
  private dirty = true;
  private changed = true;
  /** Bumped on every change; the adjacency is cached per version. */
  private version = 0;
  private adjCache: Map<string, Set<string>> | undefined;
  private adjVersion = -1;
  private dropped = 0;

  /** @param init ttlMs: record freshness; forgetAfterMs: when a silent origin is forgotten (default 20 × ttlMs). */
  constructor(init: { self: string; ttlMs: number; forgetAfterMs?: number; maxGateways?: number }) {
    this.self = init.self;
    this.ttlMs = init.ttlMs;
    this.forgetAfterMs = init.forgetAfterMs ?? 20 * init.ttlMs;
    this.maxGateways = init.maxGateways ?? 1024;
  }

  private markChanged(): void {
    this.dirty = this.changed = true;
    this.version++;
  }

  /** Our live gateway neighbours (peer IDs of open, alive gateway links). */
  setOwnNeighbours(peers: Iterable<string>): void {
    const next = new Set(peers);
    if (next.size !== this.neighbourSet.size || [...next].some((p) => !this.neighbourSet.has(p))) {
      this.neighbourSet = next;
      this.markChanged();
    }
  }

  ownNeighbours(): string[] {
    return [...this.neighbourSet];
  }

  /**
   * Accept a record if it is newer (higher seq) than the one held. Returns true when
   * accepted (the caller re-floods it). Records about ourselves are ignored.
   */
  accept(rec: TopologyRecord): boolean {
    if (rec.origin === this.self) return false;
    const old = this.records.get(rec.origin);
    if (old && old.seq >= rec.seq) return false;
    if (!old && this.records.size >= this.maxGateways) {
      this.dropped++;
      return false;
    }
    this.records.set(rec.origin, rec);
    if (rec.receivedAt > this.now) this.now = rec.receivedAt;
    this.markChanged();
    return true;
  }

  /**
   * Advance time: records older than the TTL become stale (their edges stop counting,
   * their origin stays known, so it shows as unreachable); records older than
   * `forgetAfterMs` are dropped. Returns the origins dropped.
   */
  expire(now: number): string[] {
    const wasStale = [...this.records.values()].filter((r) => this.now - r.receivedAt > this.ttlMs).length;
    this.now = now;
    const gone: string[] = [];
    if ([...this.records.values()].filter((r) => now - r.receivedAt > this.ttlMs).length !== wasStale) this.markChanged();
    for (const [o, r] of this.records) {
      if (now - r.receivedAt > this.forgetAfterMs) {
        this.records.delete(o);
        gone.push(o);
      }
    }
    if (gone.length) this.markChanged();
    return gone;
  }

  /** Forget one origin's record (e.g. it was declared down). */
  forget(origin: string): void {
    if (this.records.delete(origin)) this.markChanged();
  }

  /**
   * What `node` says its neighbours are: ours for us, a fresh record's list, the empty
   * set for a stale record (older than the TTL: its origin stopped refreshing it), and
   * undefined when we have no record.
   */
  private reports(node: string): ReadonlySet<string> | undefined {
    if (node === this.self) return this.neighbourSet;
    const r = this.records.get(node);
    if (!r) return undefined;
    if (this.now - r.receivedAt > this.ttlMs) return EMPTY;
    return (r as TopologyRecord & { set?: Set<string> }).set ?? ((r as TopologyRecord & { set?: Set<string> }).set = new Set(r.neighbours));
  }

  /**
   * Undirected adjacency (without self-loops). An edge a–b counts when at least one end
   * reports it and neither end that has a record denies it, so a link that closed
   * disappears as soon as either end's record says so.
   */
  adjacency(): Map<string, Set<string>> {
    if (this.adjCache && this.adjVersion === this.version) return this.adjCache;
    const adj = new Map<string, Set<string>>([[this.self, new Set()]]);
    for (const o of this.records.keys()) adj.set(o, new Set());
    const consider = (a: string, b: string) => {
      if (a === b) return;
      const rb = this.reports(b);
      if (rb !== undefined && !rb.has(a)) return;
      (adj.get(a) ?? adj.set(a, new Set()).get(a)!).add(b);
      (adj.get(b) ?? adj.set(b, new Set()).get(b)!).add(a);
    };
    for (const a of adj.keys()) for (const b of this.reports(a) ?? []) consider(a, b);
    this.adjCache = adj;
    this.adjVersion = this.version;
    return adj;
  }

  /** Connected components, ours first; each sorted. */
  components(): string[][] {
    const adj = this.adjacency();
    const seen = new Set<string>();
    const out: string[][] = [];
    const order = [this.self, ...[...adj.keys()].filter((k) => k !== this.self).sort()];
    for (const start of order) {
      if (seen.has(start)) continue;
      const comp: string[] = [];
      const queue = [start];
      seen.add(start);
      for (let i = 0; i < queue.length; i++) {
        const v = queue[i];
        comp.push(v);
        for (const w of adj.get(v) ?? []) if (!seen.has(w)) (seen.add(w), queue.push(w));
      }
      out.push(comp.sort());
    }
    return out;
  }

  partitionState(): PartitionState {
    const comps = this.components();
    return { partitioned: comps.length > 1, component: comps[0], others: comps.slice(1), components: comps.length };
  }

  /** Hop distances from `dest` to every node, in the graph without `self`. */
  distancesTo(dest: string): Map<string, number> {
    const adj = this.adjacency();
    const dist = new Map<string, number>([[dest, 0]]);
    const queue = [dest];
    for (let i = 0; i < queue.length; i++) {
      const v = queue[i];
      for (const w of adj.get(v) ?? []) {
        if (w === this.self || dist.has(w)) continue;
        dist.set(w, dist.get(v)! + 1);
        queue.push(w);
      }
    }
    return dist;
  }

  /** For each own neighbour that can reach `dest` without us: its peer ID and hop count (1 + distance). */
  firstHops(dest: string): Array<{ via: string; hops: number }> {
    const dist = this.distancesTo(dest);
    const out: Array<{ via: string; hops: number }> = [];
    for (const n of this.neighbourSet) {
      const d = dist.get(n);
      if (d !== undefined) out.push({ via: n, hops: d + 1 });
    }
    return out.sort((a, b) => a.hops - b.hops || (a.via < b.via ? -1 : 1));
  }

  /** Which gateway a phone is attached to (from records; our own phones are not listed). */
  homeOf(phone: string): string | undefined {
    if (this.dirty) this.rebuildPhones();
    return this.phoneHome.get(phone);
  }

  /** Known gateway peer IDs (from records), excluding us. */
  gateways(): string[] {
    return [...this.records.keys()];
  }

  /** A URL some gateway dials `peer` at, if any record names one. */
  urlOf(peer: string): string | undefined {
    for (const r of this.records.values()) {
      const u = r.urls[peer];
      if (u) return u;
    }
    return undefined;
  }

  record(origin: string): TopologyRecord | undefined {
    return this.records.get(origin);
  }

  /** Records refused because the table was full. */
  get droppedRecords(): number {
    return this.dropped;
  }

  /** True when something changed since the last call (then clears the flag). */
  takeChanged(): boolean {
    const c = this.changed;
    this.changed = false;
    return c;
  }

  private rebuildPhones(): void {
    this.phoneHome = new Map();
    for (const r of this.records.values()) for (const p of r.phones) this.phoneHome.set(p, r.origin);
    this.dirty = false;
  }
}
