/**
 * The `detection` gateway module (docs/detection.md): failure detection and resilience.
 *
 * - Monitors phones (every accepted packet from a sender heard on a phone link, or relayed
 *   from another gateway, is a heartbeat), gateways (pings/pongs on any link, relayed
 *   announces, indirect acks) and gateway links (pongs on that link), each with a phi
 *   accrual detector whose parameters follow the kind's heartbeat schedule
 *   (src/detection/membership.ts). Emits `peer-state` (phones, gateways) and `link-rtt`.
 * - Probes gateway links over the control channel (ping/pong/ping-req/ping-ack/ping-nack),
 *   gossips `suspect`/`alive` rumours with incarnations (refuting rumours about itself; its
 *   incarnation is persisted in SQLite and bumped at every start) and floods `topo`
 *   records (neighbours, attached phones, dial URLs) for the overlay topology.
 * - Reacts: a gateway link whose detector declares it down, or whose gateway is declared
 *   down, is closed (MG_ERR_PEER_DOWN; the dialler then redials with back-off); the
 *   directed frames retained for a closed gateway link are re-sent through the current
 *   route (or every other gateway link); routes toward each destination gateway are
 *   chosen with hold-down (src/detection/route-hold.ts); partitions are detected and
 *   healed (src/detection/topology.ts); recovery strategies are chosen and recorded
 *   (src/detection/recovery.ts); health scores are computed (src/detection/health.ts).
 * - Installs its route choice as the engine's RoutePolicy when `detection.routePolicy` is
 *   `on`, or `auto` and no `routing` module runs. With the routing module (and not `on`) the
 *   two are one route choice: the hold-down decides among routing's first hops
 *   (`gatewayHopCosts`), and routing's policy forwards on the held link (`holdRoute`).
 *
 * Why ~490 lines in one file: this is only the wiring — inputs (engine, link and control
 * events) to the parts and their decisions back to links and events; every part lives in a
 * file of its own (src/detection/*, failover-link, failover-controller, detection-gossip,
 * detection-health, recovery-planner), and splitting the plumbing would scatter one
 * event's path across files.
 */
import type { GatewayModule, GatewayModuleContext } from '../module.js';
import type { Link } from '../../ports/link.js';
import type { RouteQuery } from '../../mesh/index.js';
import { toHex } from '../../protocol/hex.js';
import { applyModuleMigrations, preparedRetained } from '../../storage/index.js';
import { DEFAULT_RECONNECT_POLICY } from '../../links/backoff.js';
import { RecoveryPlanner } from './recovery-planner.js';
import { DetectionGossip } from './detection-gossip.js';
import {
  Awareness, EventsRing, GatewayProber, HealthModel, Membership, PROBE_TYPES, RetentionBuffer, RouteHold, RouteKeeper, Topology,
  MAX_TOPO_PHONES, MAX_TOPO_URLS, MAX_TOPO_NEIGHBOURS, isTopoUrl, type ProbeType, type Transition,
} from '../../detection/index.js';
import { FailoverLink } from './failover-link.js';
import { FailoverController } from './failover-controller.js';
import { HealthTracker } from './detection-health.js';

/** One entry of the events ring on /api/status. */
export type DetectionEvent =
  | { type: 'state'; at: number; id: string; kind: string; from: string; to: string; reason: string; phi: number; incarnation: number }
  | { type: 'route'; at: number; destination: string; from: string | null; to: string | null; forced: boolean }
  | { type: 'partition'; at: number; state: 'detected' | 'healed'; unreachable: string[] }
  | { type: 'recovery'; at: number; peer: string; strategies: string[]; detail: string }
  | { type: 'failover'; at: number; linkId: string; resent: number; noRoute: number }
  | { type: 'refute'; at: number; incarnation: number; from: string | null };

const linkKey = (linkId: string) => `link:${linkId}`;

/** What detection asks the `routing` module (structural: no import of it). */
interface HopCostSource {
  /** Candidate first hops (gateway link ID, path cost ms) toward a destination. */
  gatewayHopCosts?(destination: string): Array<{ linkId: string; cost: number }>;
}

export class DetectionModule implements GatewayModule {
  readonly name = 'detection';
  private ctx!: GatewayModuleContext;
  private self = '';
  private incarnation = 0;
  private awareness!: Awareness;
  private membership!: Membership;
  private prober!: GatewayProber;
  private routes!: RouteHold;
  private keeper!: RouteKeeper;
  private topology!: Topology;
  private health!: HealthTracker;
  private retention!: RetentionBuffer;
  private failovers!: FailoverController;
  private recovery!: RecoveryPlanner;
  private gossip!: DetectionGossip;
  private events!: EventsRing<DetectionEvent>;
  private readonly gatewayIds = new Set<string>();
  /** Phones heard directly on our phone links: peer ID → link ID. */
  private readonly localPhones = new Map<string, string>();
  private readonly rttMs = new Map<string, number>();
  private partitioned = false;
  private unreachable: string[] = [];
  private readonly counters = { closedPeerDown: 0, badProbeBodies: 0, partitionsDetected: 0, partitionsHealed: 0, routeChanges: 0 };
  private topoSeq = 0;
  private tickTimer: { id: number } | undefined;
  private topoTimer: { id: number } | undefined;
  private policyInstalled = false;
  private readonly unsubscribe: Array<() => void> = [];
  private readonly random: () => number;

  /** @param components random: uniform [0, 1) for choosing indirect-probe intermediaries (default Math.random). */
  constructor(components: { random?: () => number } = {}) {
    this.random = components.random ?? Math.random;
  }

  start(ctx: GatewayModuleContext): void {
    this.ctx = ctx;
    const cfg = ctx.config.detection;
    this.self = ctx.identity.peerId;
    this.incarnation = this.bumpIncarnation();
    this.awareness = new Awareness({ max: 8 });
    const gw = { threshold: cfg.threshold, maxSampleSize: cfg.maxSampleSize, minStdDeviationMs: cfg.minStdDeviationMs, acceptableHeartbeatPauseMs: cfg.gatewayPauseMs, firstHeartbeatEstimateMs: cfg.pingIntervalMs };
    this.membership = new Membership(
      { clock: ctx.clock, awareness: this.awareness, onTransition: (t) => this.onTransition(t) },
      {
        params: { gateway: gw, link: gw, phone: { ...gw, acceptableHeartbeatPauseMs: cfg.phonePauseMs, firstHeartbeatEstimateMs: cfg.phoneIntervalMs } },
        suspicionMinMs: cfg.suspicionMinMs,
        suspicionMaxMs: cfg.suspicionMaxMs,
        expectedConfirmations: cfg.indirectProbes,
        maxMembers: cfg.maxMonitoredPeers,
      },
    );
    this.routes = new RouteHold({ clock: ctx.clock }, { holdTimeMs: cfg.holdTimeMs });
    this.topology = new Topology({ self: this.self, ttlMs: 3 * cfg.topologyIntervalMs });
    // one route choice: with the routing module running (and routePolicy not 'on'), hold-down
    // decides among the first hops on routing's path costs (docs/detection.md "One route choice")
    const routing = cfg.routePolicy === 'on' ? undefined : ctx.module<GatewayModule & HopCostSource>('routing');
    const candidates = routing?.gatewayHopCosts ? (dest: string) => routing.gatewayHopCosts!(dest) : undefined;
    this.keeper = new RouteKeeper({ topology: this.topology, hold: this.routes, isGateway: (p) => this.gatewayIds.has(p), ...(candidates ? { candidates } : {}) });
    this.health = new HealthTracker({ model: new HealthModel({ warningBelow: cfg.healthWarningBelow, criticalBelow: cfg.healthCriticalBelow }), membership: this.membership }, { threshold: cfg.threshold });
    this.retention = new RetentionBuffer({ clock: ctx.clock }, { retainMs: cfg.failoverRetainMs, maxFramesPerLink: cfg.failoverMaxFrames });
    this.recovery = new RecoveryPlanner({ topology: this.topology, dialer: ctx.dialer, gatewayLinks: () => this.gatewayLinks() }, { self: this.self });
    this.failovers = new FailoverController({
      retention: this.retention,
      gatewayLinks: () => this.gatewayLinks(),
      routeToward: (recipient) => this.holdRoute(recipient),
    });
    this.events = new EventsRing(cfg.eventsCapacity);
    this.prober = new GatewayProber(
      {
        clock: ctx.clock,
        random: this.random,
        awareness: this.awareness,
        send: (linkId, type, body) => ctx.control.send(linkId, type, body),
        links: () => this.gatewayLinks().map((l) => ({ linkId: l.id, peerId: l.remotePeerId })),
        incarnation: () => this.incarnation,
        onHeard: (e) => this.onHeard(e),
        onIndirect: (e) => this.onIndirect(e),
        onBadBody: (type, linkId) => {
          this.counters.badProbeBodies++;
          this.reportBadBody(type, linkId, this.linkById(linkId)?.remotePeerId);
        },
      },
      { pingIntervalMs: cfg.pingIntervalMs, pingTimeoutMs: cfg.pingTimeoutMs, indirectProbes: cfg.indirectProbes },
    );
    for (const t of PROBE_TYPES) this.unsubscribe.push(ctx.control.on(t, (m) => this.prober.receive(t as ProbeType, m.linkId, m.peerId, m.body)));
    this.gossip = new DetectionGossip({
      control: ctx.control,
      membership: this.membership,
      topology: this.topology,
      now: () => ctx.clock.now(),
      self: this.self,
      incarnation: () => this.incarnation,
      setIncarnation: (n) => (this.incarnation = this.persistIncarnation(n)),
      linkedTo: (peer) => this.gatewayLinks().some((l) => l.remotePeerId === peer),
      onGateway: (peer) => this.addGateway(peer),
      onRefute: (incarnation, from) => this.events.push({ type: 'refute', at: ctx.clock.now(), incarnation, from: from ?? null }),
      onBadBody: (type, linkId, peerId) => this.reportBadBody(type, linkId, peerId),
    });
    this.unsubscribe.push(...this.gossip.register());
    ctx.events.on('link-up', this.onLinkUp);
    ctx.events.on('link-down', this.onLinkDown);
    ctx.events.on('link-quality', this.onQuality);
    ctx.engine.on('packet', this.onPacket);
    ctx.engine.on('peer', this.onPeer);
    const mode = cfg.routePolicy;
    if (mode === 'on' || (mode === 'auto' && ctx.module('routing') === undefined)) {
      ctx.engine.setRoutePolicy({ selectLinks: (q) => this.selectLinks(q) });
      this.policyInstalled = true;
    }
    this.prober.start();
    const tick = () => {
      this.tick();
      this.tickTimer = ctx.clock.setTimer(tick, cfg.checkIntervalMs);
    };
    this.tickTimer = ctx.clock.setTimer(tick, cfg.checkIntervalMs);
    const topo = () => {
      this.floodOwnTopology();
      this.topoTimer = ctx.clock.setTimer(topo, cfg.topologyIntervalMs);
    };
    this.topoTimer = ctx.clock.setTimer(topo, cfg.topologyIntervalMs);
  }

  stop(): void {
    this.prober?.stop();
    if (this.tickTimer) this.ctx.clock.clearTimer(this.tickTimer);
    if (this.topoTimer) this.ctx.clock.clearTimer(this.topoTimer);
    this.tickTimer = this.topoTimer = undefined;
    for (const u of this.unsubscribe.splice(0)) u();
    if (!this.ctx) return;
    this.ctx.events.off('link-up', this.onLinkUp);
    this.ctx.events.off('link-down', this.onLinkDown);
    this.ctx.events.off('link-quality', this.onQuality);
    this.ctx.engine.off('packet', this.onPacket);
    this.ctx.engine.off('peer', this.onPeer);
    // a routing module started after us owns the policy now: leave it alone
    if (this.policyInstalled && this.ctx.module('routing') === undefined) this.ctx.engine.setRoutePolicy(undefined);
  }

  wrapLink(link: Link): Link {
    if (!link.isGatewayLink || !this.retention) return link;
    return new FailoverLink({ retention: this.retention, divert: (frame, to, from) => this.failovers.divert(frame, to, from) }, link);
  }

  // ---- public queries (for tests, the routing module and the CLI) --------------------

  /** State of a monitored peer (phone or gateway peer ID) or link (`link:<id>`). */
  peerState(id: string): 'alive' | 'suspect' | 'down' | undefined {
    return this.membership.state(id);
  }

  /** Whether a phone or gateway is reachable (monitored and alive). */
  isReachable(peerId: string): boolean {
    return this.membership.state(peerId) === 'alive';
  }

  /** The first-hop link chosen (with hold-down) toward a destination gateway. */
  routeFor(gatewayPeerId: string): string | undefined {
    return this.keeper.routeFor(gatewayPeerId);
  }

  /**
   * The held first-hop link toward a recipient (phone or gateway peer ID): the route of its
   * destination gateway, or of the recipient itself when no gateway is known to hold it. With
   * the routing module running it is re-decided now, with hold-down, from routing's costs
   * (the routing policy forwards on it; failover re-sends on it).
   */
  holdRoute(recipient: string): string | undefined {
    const { linkId, change } = this.keeper.decide(recipient, this.self);
    if (change) this.noteRouteChange(change);
    return linkId;
  }

  /** Route changes so far (not counting first choices). */
  get routeChanges(): number {
    return this.counters.routeChanges;
  }

  /** This gateway's incarnation number. */
  get currentIncarnation(): number {
    return this.incarnation;
  }

  /** Every event in the ring, oldest first. */
  recentEvents(): DetectionEvent[] {
    return this.events.toArray();
  }

  // ---- inputs ----------------------------------------------------------------------------

  private readonly onPacket = (e: { frame: { packet: { senderID: Uint8Array } }; linkId: string }): void => {
    const sender = toHex(e.frame.packet.senderID);
    if (sender === this.self) return;
    const link = this.linkById(e.linkId);
    if (this.gatewayIds.has(sender)) {
      this.membership.heartbeat(sender, 'gateway');
      return;
    }
    this.membership.heartbeat(sender, 'phone');
    if (link && !link.isGatewayLink) {
      if (!this.localPhones.has(sender) && this.localPhones.size >= MAX_TOPO_PHONES * 16) this.localPhones.delete(this.localPhones.keys().next().value as string);
      this.localPhones.set(sender, link.id);
    }
  };

  private readonly onPeer = (e: { kind: string; peer: { peerId: string } }): void => {
    if (e.kind === 'removed' && !this.gatewayIds.has(e.peer.peerId)) {
      this.membership.remove(e.peer.peerId);
      this.localPhones.delete(e.peer.peerId);
    }
  };

  private readonly onLinkUp = (e: { link: Link }): void => {
    const l = e.link;
    if (!l.isGatewayLink) return;
    this.routes.linkUp(l.id);
    this.membership.heartbeat(linkKey(l.id), 'link');
    if (l.remotePeerId) {
      this.addGateway(l.remotePeerId);
      this.membership.heartbeat(l.remotePeerId, 'gateway');
    }
    this.prober.ping(l.id);
    this.refreshTopology();
    this.floodOwnTopology();
  };

  private readonly onLinkDown = (e: { link: Link; reason: string }): void => {
    const l = e.link;
    this.health.forget(l.id);
    this.rttMs.delete(l.id);
    for (const [p, id] of this.localPhones) if (id === l.id) this.localPhones.delete(p);
    if (!l.isGatewayLink) return;
    this.routes.linkDown(l.id);
    this.membership.remove(linkKey(l.id));
    this.refreshTopology();
    const peer = l.remotePeerId;
    if (peer && !this.gatewayLinks().some((x) => x.remotePeerId === peer)) {
      // our last direct link to it: suspect it and ask others to probe it (SWIM)
      this.membership.suspectNow(peer);
    }
    this.failover(l.id);
    this.floodOwnTopology();
  };

  private readonly onQuality = (e: { linkId: string; sojournMs?: number }): void => {
    if (e.sojournMs !== undefined && this.linkById(e.linkId)) this.health.setSojourn(e.linkId, e.sojournMs);
  };

  private onHeard(e: { linkId: string; peerId: string | undefined; incarnation: number; rttMs: number | undefined; pingSentAt?: number }): void {
    const now = this.ctx.clock.now();
    if (e.pingSentAt !== undefined) this.retention.ack(e.linkId, e.pingSentAt);
    if (e.rttMs !== undefined) {
      this.membership.heartbeat(linkKey(e.linkId), 'link');
      const prev = this.rttMs.get(e.linkId);
      // RFC 6298 smoothing (α = 1/8)
      this.rttMs.set(e.linkId, prev === undefined ? e.rttMs : prev + (e.rttMs - prev) / 8);
      this.ctx.events.emit('link-rtt', { linkId: e.linkId, peerId: e.peerId, rttMs: e.rttMs, at: now });
    }
    if (e.peerId) {
      this.addGateway(e.peerId);
      this.membership.heartbeat(e.peerId, 'gateway');
      this.membership.aliveRumour(e.peerId, e.incarnation);
    }
  }

  /** Remember a gateway peer ID; bounded by detection.maxMonitoredPeers (the longest-known is forgotten first). */
  private addGateway(peer: string): void {
    if (this.gatewayIds.has(peer)) return;
    const max = this.ctx?.config.detection.maxMonitoredPeers ?? 10_000;
    if (this.gatewayIds.size >= max) {
      const oldest = this.gatewayIds.values().next().value;
      if (oldest !== undefined) this.gatewayIds.delete(oldest);
    }
    this.gatewayIds.add(peer);
  }

  private onIndirect(e: { target: string; ok: boolean; acks: number; nacks: number; requested: number }): void {
    if (e.ok) this.membership.indirectAck(e.target);
  }

  // ---- gossip ------------------------------------------------------------------------------

  private floodOwnTopology(): void {
    const urls: Record<string, string> = {};
    for (const d of this.ctx.dialer.dialled()) {
      const peer = d.linkId ? this.linkById(d.linkId)?.remotePeerId : undefined;
      if (peer && isTopoUrl(d.url) && Object.keys(urls).length < MAX_TOPO_URLS) urls[peer] = d.url;
    }
    const phones = [...this.localPhones.keys()].filter((p) => this.membership.state(p) === 'alive').slice(0, MAX_TOPO_PHONES);
    this.topoSeq = Math.max(this.topoSeq + 1, this.ctx.clock.now());
    this.ctx.control.broadcast('topo', { origin: this.self, seq: this.topoSeq, nbrs: this.topology.ownNeighbours().slice(0, MAX_TOPO_NEIGHBOURS), phones, urls });
  }

  // ---- state changes and reactions ------------------------------------------------------

  private onTransition(t: Transition): void {
    if (t.from === 'new' && t.to === 'alive' && t.kind === 'phone') {
      this.ctx.events.emit('peer-state', { peerId: t.id, kind: 'phone', state: 'alive', at: t.at, phi: t.phi });
      return; // a phone's first packet is not an event worth the ring
    }
    this.events.push({ type: 'state', at: t.at, id: t.id, kind: t.kind, from: t.from, to: t.to, reason: t.reason, phi: Math.round(Math.min(t.phi, 1e6) * 100) / 100, incarnation: t.incarnation });
    if (t.kind === 'link') return this.onLinkTransition(t);
    const linkId = t.kind === 'phone' ? this.localPhones.get(t.id) : this.gatewayLinks().find((l) => l.remotePeerId === t.id)?.id;
    this.ctx.events.emit('peer-state', { peerId: t.id, kind: t.kind, state: t.to, at: t.at, phi: t.phi, ...(linkId ? { linkId } : {}) });
    if (t.kind !== 'gateway') return;
    if (t.to === 'suspect' && (t.reason === 'phi' || t.reason === 'declared')) {
      this.gossip.suspect(t.id, t.incarnation);
      this.prober.probeIndirect(t.id);
    }
    if (t.to === 'down') {
      for (const l of this.gatewayLinks().filter((x) => x.remotePeerId === t.id)) this.closeDead(l, `gateway ${t.id} declared down`);
      this.refreshTopology();
      this.recordRecovery(t.id); // its record stays: it goes stale, and shows the gateway as unreachable until forgotten
    }
    if (t.to === 'alive' && t.from !== 'new') this.recomputeRoutes();
  }

  private onLinkTransition(t: Transition): void {
    const linkId = t.id.slice(5);
    if (t.to === 'alive') {
      this.routes.linkUp(linkId);
    } else {
      this.routes.linkDown(linkId);
    }
    this.refreshTopology();
    if (t.to === 'down') {
      const l = this.linkById(linkId);
      if (l) this.closeDead(l, `link ${linkId} silent (phi ${t.phi.toFixed(1)})`);
    }
  }

  /** Close a link judged dead; its close runs failover (onLinkDown). */
  private closeDead(l: Link, reason: string): void {
    this.counters.closedPeerDown++;
    this.ctx.logger.warn({ link: l.id, peer: l.remotePeerId, code: 'MG_ERR_PEER_DOWN' }, reason);
    void l.close(`MG_ERR_PEER_DOWN: ${reason}`).catch(() => undefined);
  }

  /** Re-send the frames retained for a closed gateway link through the current routes. */
  private failover(linkId: string): void {
    const { resent, noRoute } = this.failovers.failover(linkId);
    if (resent + noRoute === 0) return;
    this.events.push({ type: 'failover', at: this.ctx.clock.now(), linkId, resent, noRoute });
    this.ctx.logger.info({ link: linkId, resent, noRoute, ...(noRoute > 0 ? { code: 'MG_ERR_FAILOVER_NO_ROUTE' } : {}) }, 'failover: retained frames re-sent');
  }

  private recordRecovery(peer: string): void {
    const { strategies, detail } = this.recovery.plan(peer);
    this.events.push({ type: 'recovery', at: this.ctx.clock.now(), peer, strategies, detail });
  }

  // ---- periodic evaluation -----------------------------------------------------------------

  private tick(): void {
    this.membership.check();
    this.recovery.noteDialled();
    const gone = this.topology.expire(this.ctx.clock.now());
    // combined: routing's costs change without telling us, so re-decide every check
    if (gone.length > 0 || this.topology.takeChanged() || this.keeper.combined) this.recomputeRoutes();
    this.updatePartition();
    this.updateHealth();
  }

  /** Our live gateway neighbours into the topology, then routes. */
  private refreshTopology(): void {
    const peers = this.gatewayLinks()
      .filter((l) => l.remotePeerId && this.membership.state(linkKey(l.id)) !== 'down' && this.routes.isUp(l.id))
      .map((l) => l.remotePeerId!);
    this.topology.setOwnNeighbours(peers);
    this.recomputeRoutes();
  }

  /** Re-decide the hold-down route to every known gateway. */
  private recomputeRoutes(): void {
    this.topology.takeChanged();
    const links = this.gatewayLinks().map((l) => ({ id: l.id, peerId: l.remotePeerId }));
    for (const ch of this.keeper.recompute(links, (id) => this.rttMs.get(id))) this.noteRouteChange(ch);
  }

  private noteRouteChange(ch: { replaced: boolean; at: number; destination: string; from: string | undefined; to: string | undefined; forced: boolean }): void {
    if (ch.replaced) this.counters.routeChanges++;
    this.events.push({ type: 'route', at: ch.at, destination: ch.destination, from: ch.from ?? null, to: ch.to ?? null, forced: ch.forced });
  }

  private updatePartition(): void {
    const p = this.topology.partitionState();
    const unreachable = p.others.flat();
    if (p.partitioned && !this.partitioned) {
      this.counters.partitionsDetected++;
      this.events.push({ type: 'partition', at: this.ctx.clock.now(), state: 'detected', unreachable });
      this.ctx.logger.warn({ unreachable }, 'overlay partition detected');
      for (const g of unreachable) this.recordRecovery(g);
    } else if (!p.partitioned && this.partitioned) {
      this.counters.partitionsHealed++;
      this.events.push({ type: 'partition', at: this.ctx.clock.now(), state: 'healed', unreachable: this.unreachable });
      this.ctx.logger.info({ rejoined: this.unreachable }, 'overlay partition healed');
    }
    this.partitioned = p.partitioned;
    this.unreachable = unreachable;
  }

  private updateHealth(): void {
    const memberOf = (l: Link): string | undefined => {
      if (l.isGatewayLink) return linkKey(l.id);
      for (const [p, id] of this.localPhones) if (id === l.id) return p;
      return undefined;
    };
    this.health.update(this.ctx.links(), memberOf, this.awareness.snapshot(), this.partitioned);
  }

  // ---- route policy ---------------------------------------------------------------------------

  /**
   * RoutePolicy.selectLinks: directed traffic to a phone or gateway behind a known gateway
   * takes the held route. A phone of ours that is no longer alive has its route withdrawn:
   * if another gateway now lists it (it roamed), traffic fails over there; else the engine's
   * default applies (nothing is dropped by this policy).
   */
  selectLinks(q: RouteQuery): readonly string[] | undefined {
    const to = q.nextHopPeerId;
    if (q.broadcast || to === undefined) return undefined;
    if (this.localPhones.has(to) && this.membership.state(to) === 'alive') return undefined;
    return this.keeper.select(to, q.candidateLinkIds, this.self);
  }

  /** A malformed control body is an offence of the sending gateway (issue 6 hygiene decides what follows). */
  private reportBadBody(type: string, linkId: string, peerId: string | undefined): void {
    const address = this.linkById(linkId)?.remoteAddress;
    this.ctx.admission.report({ ...(peerId ? { peerId } : {}), ...(address ? { address } : {}), offence: 'invalid-frame', detail: `MG_ERR_CONTROL_BAD_BODY: detection ${type}` });
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private gatewayLinks(): Link[] {
    return this.ctx.links().filter((l) => l.isGatewayLink && l.isOpen);
  }

  private linkById(id: string): Link | undefined {
    return this.ctx.links().find((l) => l.id === id);
  }

  private bumpIncarnation(): number {
    applyModuleMigrations({ logger: this.ctx.logger, now: () => this.ctx.clock.now() }, this.ctx.db, 'detection', [
      { version: 1, name: 'incarnation', up: (db) => db.exec('CREATE TABLE detection_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL)') },
    ]);
    const row = preparedRetained<[string], { value: number }>(this.ctx.db, 'SELECT value FROM detection_state WHERE key = ?').get('incarnation');
    return this.persistIncarnation((row?.value ?? 0) + 1);
  }

  private persistIncarnation(n: number): number {
    preparedRetained(this.ctx.db, 'INSERT INTO detection_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run('incarnation', n);
    return n;
  }

  // ---- status ------------------------------------------------------------------------------------

  status(): unknown {
    const cfg = this.ctx.config.detection;
    const counts = this.membership.counts();
    return {
      self: { peerId: this.self, incarnation: this.incarnation },
      thresholds: {
        phi: cfg.threshold, suspicionMinMs: cfg.suspicionMinMs, suspicionMaxMs: cfg.suspicionMaxMs, holdTimeMs: cfg.holdTimeMs,
        pingIntervalMs: cfg.pingIntervalMs, gatewayPauseMs: cfg.gatewayPauseMs, phoneIntervalMs: cfg.phoneIntervalMs, phonePauseMs: cfg.phonePauseMs,
        healthWarningBelow: cfg.healthWarningBelow, healthCriticalBelow: cfg.healthCriticalBelow, failoverRetainMs: cfg.failoverRetainMs,
      },
      awareness: this.awareness.snapshot(),
      counts,
      health: { gateway: this.health.gateway ?? null, links: this.health.links },
      gateways: this.membership.view('gateway', 256),
      links: this.membership.view('link', 256).map((v) => ({ ...v, rttMs: this.rttMs.has(v.id.slice(5)) ? Math.round(this.rttMs.get(v.id.slice(5))!) : null })),
      phones: this.membership.view('phone', 256),
      routeSource: this.keeper.combined ? 'routing' : 'topology',
      routes: this.routes.routesView().slice(-256).map((r) => ({ ...r, linkId: r.linkId ?? null, cost: r.cost ?? null })),
      routePolicyInstalled: this.policyInstalled,
      partition: { partitioned: this.partitioned, unreachable: this.unreachable, components: this.topology.partitionState().components, knownGateways: this.topology.gateways().length },
      failover: { ...this.retention.stats(), ...this.failovers.stats() },
      reconnect: { ...DEFAULT_RECONNECT_POLICY },
      prober: this.prober.stats(),
      counters: { ...this.counters, ...this.gossip.counters, badBodies: this.counters.badProbeBodies + this.gossip.counters.badBodies, bridgesDialled: this.recovery.bridgesDialled },
      drops: {
        MG_ERR_FAILOVER_OVERFLOW: this.retention.stats().overflow,
        MG_ERR_FAILOVER_NO_ROUTE: this.failovers.stats().noRoute,
        MG_ERR_CONTROL_BAD_BODY: this.counters.badProbeBodies + this.gossip.counters.badBodies,
        MG_ERR_PEER_DOWN: this.counters.closedPeerDown,
      },
      events: this.events.toArray().slice(-64).reverse(),
      eventsTotal: this.events.pushed,
    };
  }
}
