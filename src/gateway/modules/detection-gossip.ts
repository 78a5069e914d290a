/**
 * The detection module's gossip over the control bus (docs/detection.md §Wire):
 * `suspect` / `alive` rumours with incarnations (SWIM §4.2) and `topo` link-state records.
 *
 * - A `suspect` rumour about us with an incarnation ≥ ours is refuted: our incarnation
 *   becomes rumour + 1 (persisted by the caller) and we broadcast `alive`.
 * - A `suspect` rumour about a gateway we have a direct link to does not change our view
 *   (our own pings decide) but is passed on once, so the suspect hears it and can refute.
 * - Rumours and records are re-broadcast (except to the link they came from) only when they
 *   changed our state or were not seen before (a bounded set of the last 1,024 rumours), so
 *   cycles in the overlay do not loop them.
 * Bodies are validated (src/detection/gossip-wire.ts); bad ones are counted and dropped.
 */
import type { ControlBus } from '../../overlay/control-bus.js';
import { parseRumour, parseTopo, type Membership, type Topology } from '../../detection/index.js';

/** Rumours remembered for loop suppression. */
export const MAX_SEEN_RUMOURS = 1024;

export interface GossipComponents {
  control: ControlBus;
  membership: Membership;
  topology: Topology;
  now: () => number;
  self: string;
  incarnation: () => number;
  /** Persist and adopt a new incarnation (refutation); returns it. */
  setIncarnation: (n: number) => number;
  /** Whether we have an open link to gateway `peer`. */
  linkedTo: (peer: string) => boolean;
  onGateway: (peer: string) => void;
  onRefute: (incarnation: number, from: string | undefined) => void;
  /** A body failed validation (the caller reports the sender to peer admission). */
  onBadBody: (type: string, linkId: string, peerId: string | undefined) => void;
}

export class DetectionGossip {
  private readonly c: GossipComponents;
  private readonly seen = new Set<string>();
  readonly counters = { badBodies: 0, rumoursIn: 0, refutations: 0, topoIn: 0 };

  constructor(components: GossipComponents) {
    this.c = components;
  }

  /** Register the handlers; returns the unsubscribe functions. */
  register(): Array<() => void> {
    return [
      this.c.control.on('suspect', (m) => this.onSuspect(m.linkId, m.peerId, m.body)),
      this.c.control.on('alive', (m) => this.onAlive(m.linkId, m.peerId, m.body)),
      this.c.control.on('topo', (m) => this.onTopo(m.linkId, m.peerId, m.body)),
    ];
  }

  /** Tell every gateway we suspect `peer` at `incarnation`. */
  suspect(peer: string, incarnation: number): void {
    this.firstTime(`s:${peer}:${incarnation}`);
    this.c.control.broadcast('suspect', { peer, inc: incarnation });
  }

  private onSuspect(linkId: string, from: string | undefined, body: unknown): void {
    const r = parseRumour(body);
    if (!r) return this.bad('suspect', linkId, from);
    this.counters.rumoursIn++;
    if (r.peer === this.c.self) {
      // Only this gateway raises its own incarnation (SWIM §4.2), so a suspicion of us above
      // our current incarnation is forged: counted as a bad body, never adopted.
      if (r.inc > this.c.incarnation()) return this.bad('suspect', linkId, from);
      if (r.inc === this.c.incarnation()) {
        const inc = this.c.setIncarnation(r.inc + 1);
        this.counters.refutations++;
        this.c.onRefute(inc, from);
        this.c.control.broadcast('alive', { peer: this.c.self, inc });
      }
      return;
    }
    const changed = !this.c.linkedTo(r.peer) && this.c.membership.suspectRumour(r.peer, r.inc, from ?? linkId);
    if (this.firstTime(`s:${r.peer}:${r.inc}`) || changed) this.c.control.broadcast('suspect', r, { exceptLinkId: linkId });
  }

  private onAlive(linkId: string, from: string | undefined, body: unknown): void {
    const r = parseRumour(body);
    if (!r) return this.bad('alive', linkId, from);
    this.counters.rumoursIn++;
    if (r.peer === this.c.self) return;
    const news = this.c.membership.aliveRumour(r.peer, r.inc);
    if (this.firstTime(`a:${r.peer}:${r.inc}`) || news) this.c.control.broadcast('alive', r, { exceptLinkId: linkId });
  }

  private onTopo(linkId: string, from: string | undefined, body: unknown): void {
    const t = parseTopo(body);
    if (!t) return this.bad('topo', linkId, from);
    this.counters.topoIn++;
    if (t.origin === this.c.self) return;
    if (this.c.topology.accept({ origin: t.origin, seq: t.seq, neighbours: t.nbrs, phones: t.phones, urls: t.urls, receivedAt: this.c.now() })) {
      // only an accepted record makes its origin a known gateway (refused ones add nothing)
      this.c.onGateway(t.origin);
      // routes are re-decided on the module's next check, not per record
      this.c.control.broadcast('topo', t, { exceptLinkId: linkId });
    }
  }

  private bad(type: string, linkId: string, from: string | undefined): void {
    this.counters.badBodies++;
    this.c.onBadBody(type, linkId, from);
  }

  private firstTime(key: string): boolean {
    if (this.seen.has(key)) return false;
    if (this.seen.size >= MAX_SEEN_RUMOURS) this.seen.delete(this.seen.values().next().value as string);
    this.seen.add(key);
    return true;
  }
}
