/**
 * The `routing` gateway module: feeds the routing engine (src/routing) from what the
 * gateway sees and installs its decisions as the mesh engine's route policy.
 *
 * Inputs
 * - announces (engine 'packet' events): the sender becomes a node (gateway when it has the
 *   gateway capability bit); its neighbour TLV (0x04) is a claim, counted as a link only
 *   when both ends claim each other within 60 s; a direct announce (TTL 7) on a phone link
 *   is our own measured link to that phone;
 * - every accepted packet from S on link L with hop count h = 7 − TTL reinforces the
 *   pheromone τ(S, neighbour behind L) with cost (h + 1) · hopMs (the reverse path as a
 *   backward ant) and counts as a delivery observation for S when we sent it traffic;
 * - gateway links: our own RTT probes (`rping`/`rpong` control messages every LSA
 *   interval), `link-rtt` / `link-quality` / `peer-state` events from other modules;
 * - link-state adverts (`lsa` control messages, signed, src/routing/lsa.ts), flooded to
 *   every other gateway link when newer than the one held, re-originated every LSA interval.
 *
 * Output: a RoutePolicy. Directed packets (and v2 next hops) toward a destination the
 * engine can route go on the one link to the chosen neighbour (a phone's bound link, or
 * the gateway link to the next gateway) instead of flooding; geohash-scoped nostr carriers
 * (0x28) go to local phone links plus the gateway links toward gateways covering the cell;
 * everything else keeps the engine's default. `originate()` adds a v2 source route when
 * the path is known. With the `detection` module running, a next hop over a gateway link is
 * replaced by the link detection's hold-down holds for the recipient, decided on this
 * engine's per-first-hop costs (`gatewayHopCosts`); a peer detection declares down is
 * withdrawn from the topology at once (docs/routing.md "Hold-down and failure detection").
 */
import { preparedRetained } from '../../storage/index.js';
import { errorCodeOf, type ErrorCode } from '../../errors.js';
import { decodeAnnounce, hasCapability, Capability } from '../../protocol/announce.js';
import { fromHex, toHex } from '../../protocol/hex.js';
import { MessageType, isBroadcast, type BitchatPacket } from '../../protocol/packet.js';
import { readTlvs } from '../../protocol/tlv.js';
import type { Link } from '../../ports/link.js';
import type { TimerHandle } from '../../ports/clock.js';
import type { OriginateOptions, PacketEvent, PeerEvent, RoutePolicy, RouteQuery } from '../../mesh/index.js';
import { RoutingEngine, type AlgorithmChoice, type EdgeMetrics } from '../../routing/index.js';
import { AdvertExchange } from './routing-adverts.js';
import type { GatewayConfig } from '../config.js';
import type { GatewayEvents, GatewayModule, GatewayModuleContext } from '../module.js';

/** Directed sends awaiting a sign of delivery (bounded; oldest judged undelivered). */
const MAX_PENDING = 1_024;
/** A destination that has not sent anything back within this window counts as undelivered, ms. */
const DELIVERY_WINDOW_MS = 30_000;
/** bitchat nostr carrier TLV 0x02 = geohash (bitchat-spec.md §4). */
const NOSTR_CARRIER = 0x28;

type RoutingConfig = GatewayConfig['routing'];

/** What the routing policy asks the `detection` module (structural: no import of it). */
interface HoldDown {
  /** The held first-hop link toward `recipient` (decided with hold-down), if any. */
  holdRoute?(recipient: string): string | undefined;
}

export class RoutingModule implements GatewayModule {
  readonly name = 'routing';
  private ctx!: GatewayModuleContext;
  private engine!: RoutingEngine;
  private adverts!: AdvertExchange;
  private readonly cfg: RoutingConfig;
  private lsaTimer: TimerHandle | undefined;
  private readonly unsub: Array<() => void> = [];
  private readonly phoneByLink = new Map<string, string>();
  private readonly pending = new Map<string, number>();
  private readonly rttByLink = new Map<string, { rttMs: number; jitterMs: number; at: number }>();
  private readonly counters = {
    policyQueries: 0,
    routedDirected: 0,
    routedGeo: 0,
    keptDefault: 0,
    heldByDetection: 0,
    peersWithdrawn: 0,
    noLinkForNextHop: 0,
    sourceRouted: 0,
    probesSent: 0,
    drops: {} as Record<string, number>,
  };

  constructor(config: Readonly<GatewayConfig>) {
    this.cfg = config.routing;
  }

  start(ctx: GatewayModuleContext): void {
    this.ctx = ctx;
    const c = this.cfg;
    this.engine = new RoutingEngine(
      { clock: ctx.clock, random: Math.random },
      {
        ownId: ctx.identity.peerId,
        algorithm: c.algorithm as AlgorithmChoice,
        weights: { etx: c.weights.etx / 100, latency: c.weights.latency / 100, size: c.weights.size / 100, jitter: c.weights.jitter / 100, queue: c.weights.queue / 100 },
        thresholds: { maxLinkStateAgeMs: c.maxLinkStateAgeMs, maxPositionAgeMs: c.maxPositionAgeMs, minDelivery: c.minDeliveryPercent / 100 },
        recomputeDelayMs: c.recomputeDelayMs,
        multipathK: c.multipathK,
        maxNodes: c.maxNodes,
      },
    );
    const pos = this.ownPosition();
    this.engine.topology.touchNode(ctx.identity.peerId, 'gateway', ctx.clock.now(), pos ? { position: pos, coverageM: c.coverageM, mobility: 'static' } : {});
    const onPacket = (e: PacketEvent) => this.safely(() => this.onPacket(e));
    const onPeer = (e: PeerEvent) => this.safely(() => this.onPeer(e));
    ctx.engine.on('packet', onPacket);
    ctx.engine.on('peer', onPeer);
    this.unsub.push(() => ctx.engine.off('packet', onPacket), () => ctx.engine.off('peer', onPeer));
    this.listen('link-up', (e) => this.onLinkUp(e.link));
    this.listen('link-down', (e) => this.onLinkDown(e.link));
    this.listen('link-rtt', (e) => this.onRtt(e.linkId, e.rttMs, e.at));
    this.listen('link-quality', (e) => this.onQuality(e));
    this.listen('peer-state', (e) => {
      if (e.state === 'down') this.withdraw(e.peerId);
    });
    const meshPin = preparedRetained<[string], { signing_public_key: string }>(ctx.db, 'SELECT signing_public_key FROM pinned_keys WHERE noise_public_key = ?');
    this.adverts = new AdvertExchange(
      { ctx, engine: this.engine, drop: (code) => this.drop(code), safely: (fn) => this.safely(fn), meshSigningKey: (nk) => meshPin.get(nk)?.signing_public_key },
      { holdMs: c.lsaHoldMs, coverageM: c.coverageM },
    );
    this.unsub.push(ctx.control.on('lsa', (m) => this.safely(() => this.adverts.receive(m.linkId, m.body))));
    this.unsub.push(ctx.control.on('rping', (m) => this.safely(() => this.onPing(m.linkId, m.body))));
    this.unsub.push(ctx.control.on('rpong', (m) => this.safely(() => this.onPong(m.linkId, m.body))));
    ctx.engine.setRoutePolicy(this.policy);
    this.armLsaTimer();
  }

  stop(): void {
    this.ctx.engine.setRoutePolicy(undefined);
    for (const u of this.unsub.splice(0)) u();
    if (this.lsaTimer !== undefined) this.ctx.clock.clearTimer(this.lsaTimer);
    this.lsaTimer = undefined;
    this.adverts.stop();
    this.engine.stop();
  }

  /** The routing engine (for tests and other modules). */
  get routing(): RoutingEngine {
    return this.engine;
  }

  /** The route policy installed in the mesh engine. */
  readonly policy: RoutePolicy = {
    selectLinks: (q: RouteQuery): readonly string[] | undefined => {
      this.counters.policyQueries++;
      try {
        return q.broadcast ? this.selectBroadcast(q) : this.selectDirected(q);
      } catch (err) {
        this.drop(errorCodeOf(err));
        return undefined;
      }
    },
  };

  /**
   * Originate a packet through the mesh engine; a directed one gets a v2 source route
   * (version 2, route = the intermediate hops of the shortest path) when the path is known
   * and has at least one intermediate hop. @throws what MeshEngine.originate throws.
   */
  originate(packet: BitchatPacket, opts: OriginateOptions = {}): Uint8Array {
    return this.ctx.engine.originate(this.withSourceRoute(packet), opts);
  }

  /** The packet with a v2 source route added when one is known (else unchanged). */
  withSourceRoute(packet: BitchatPacket): BitchatPacket {
    if (isBroadcast(packet) || !packet.recipientID || (packet.route && packet.route.length > 0)) return packet;
    const hops = this.engine.sourceRoute(toHex(packet.recipientID));
    if (!hops || hops.length === 0) return packet;
    this.counters.sourceRouted++;
    return { ...packet, version: 2, route: hops.map((h) => fromHex(h, 8)) };
  }

  status(): unknown {
    const now = this.ctx.clock.now();
    const own = this.engine.topology.node(this.ctx.identity.peerId);
    return {
      algorithm: this.engine.algorithm,
      position: own?.position ? { lat: own.position.lat, lon: own.position.lon, coverageM: own.coverageM } : null,
      topology: { ...this.engine.topology.counts(), snapshotNodes: this.engine.snapshot.nodeCount, snapshotEdges: this.engine.snapshot.edgeCount, refused: this.engine.topology.refused },
      engine: { ...this.engine.counters, byAlgorithm: { ...this.engine.counters.byAlgorithm } },
      policy: { ...this.counters, ...this.adverts.counters, drops: { ...this.counters.drops } },
      lsdb: this.adverts.held(now),
      ownLsaSeq: this.adverts.seq,
      routes: this.engine.routes(64),
    };
  }

  // ---- policy ------------------------------------------------------------------------

  private selectDirected(q: RouteQuery): readonly string[] | undefined {
    const dest = q.nextHopPeerId;
    if (dest === undefined) return undefined;
    const d = this.engine.route(dest);
    if (!d || d.nextHops.length === 0) {
      this.counters.keptDefault++;
      return undefined;
    }
    let link = this.linkFor(d.nextHops[0]);
    if (link === undefined || !q.candidateLinkIds.includes(link)) {
      this.counters.noLinkForNextHop++;
      return undefined;
    }
    // one route choice over the gateway overlay: failure detection's hold-down decides among
    // our gateway links, on the costs this engine gives them (docs/routing.md "Hold-down")
    const held = this.isGatewayLink(link) ? this.ctx.module<HoldDown & GatewayModule>('detection')?.holdRoute?.(dest) : undefined;
    if (held !== undefined && held !== link && q.candidateLinkIds.includes(held)) {
      this.counters.heldByDetection++;
      link = held;
    }
    this.counters.routedDirected++;
    this.notePending(dest);
    return [link];
  }

  private selectBroadcast(q: RouteQuery): readonly string[] | undefined {
    if (q.packet.type !== NOSTR_CARRIER) return undefined;
    const geohash = carrierGeohash(q.packet.payload);
    if (geohash === undefined) return undefined;
    const targets = this.engine.geoTargets(geohash);
    if (targets.length === 0) return undefined;
    const gatewayLinks = new Set(this.ctx.links().filter((l) => l.isGatewayLink).map((l) => l.id));
    const out = q.candidateLinkIds.filter((id) => !gatewayLinks.has(id));
    for (const t of targets) {
      const link = t.nextHop !== undefined ? this.linkFor(t.nextHop) : undefined;
      if (link !== undefined && q.candidateLinkIds.includes(link) && !out.includes(link)) out.push(link);
    }
    this.counters.routedGeo++;
    return out;
  }

  /**
   * Candidate first hops over the gateway overlay toward `dest`: each open gateway link with
   * the cost (link-metric ms, rounded) of the best path whose first hop is its peer
   * ({@link RoutingEngine.firstHopCosts}); links whose peer has no path are left out. The
   * input of failure detection's hold-down when both modules run.
   */
  gatewayHopCosts(dest: string): Array<{ linkId: string; cost: number }> {
    const links = this.ctx.links().filter((l) => l.isGatewayLink && l.isOpen && l.remotePeerId !== undefined);
    const costs = this.engine.firstHopCosts(dest, [...new Set(links.map((l) => l.remotePeerId!))]);
    const out: Array<{ linkId: string; cost: number }> = [];
    for (const l of links) {
      const c = costs.get(l.remotePeerId!);
      if (c !== undefined) out.push({ linkId: l.id, cost: Math.max(1, Math.round(c)) });
    }
    return out;
  }

  /**
   * A peer declared down (peer-state 'down'): withdraw at once every edge to and from it
   * (measured, announced and advertised) and its pheromone, and recompute now, instead of
   * waiting for its adverts' hold time to expire. Its next packet or advert brings it back.
   */
  private withdraw(peerId: string): void {
    if (peerId === this.ctx.identity.peerId) return;
    this.engine.topology.removeNode(peerId);
    this.engine.neighbourLost(peerId);
    this.engine.recomputeNow();
    this.counters.peersWithdrawn++;
  }

  private isGatewayLink(linkId: string): boolean {
    return this.ctx.links().some((l) => l.id === linkId && l.isGatewayLink);
  }

  /** The open link to a neighbour: a gateway link by its authenticated peer ID, or a phone's bound link. */
  private linkFor(peerId: string): string | undefined {
    for (const l of this.ctx.links()) if (l.isGatewayLink && l.remotePeerId === peerId && l.isOpen) return l.id;
    return this.ctx.engine.peer(peerId)?.directLinkId ?? undefined;
  }

  // ---- inputs ------------------------------------------------------------------------

  private onPacket(e: PacketEvent): void {
    const p = e.frame.packet;
    const now = this.ctx.clock.now();
    const sender = toHex(p.senderID);
    const t = this.engine.topology;
    const link = this.ctx.links().find((l) => l.id === e.linkId);
    if (p.type === MessageType.ANNOUNCE && e.verified === true) {
      const a = decodeAnnounce(p.payload);
      const gw = hasCapability(a.capabilities, Capability.GATEWAY);
      t.touchNode(sender, gw ? 'gateway' : 'phone', now);
      t.setAnnounceNeighbours(sender, (a.neighbors ?? []).map(toHex), now);
      if (p.ttl === 7 && link && !link.isGatewayLink) {
        this.phoneByLink.set(e.linkId, sender);
        this.measureOwnLink(sender, e.linkId, now);
      }
      this.engine.changed();
    }
    // the reverse path as a backward ant, and a sign of delivery
    const via = link?.isGatewayLink ? link.remotePeerId : this.phoneByLink.get(e.linkId);
    if (via !== undefined && sender !== this.ctx.identity.peerId) {
      const hops = Math.max(0, 7 - p.ttl);
      this.engine.pheromones.reinforce(sender, via, (hops + 1) * this.engine.weights.hopMs);
    }
    if (this.pending.delete(sender)) this.engine.recordDelivery(sender, true);
  }

  private onPeer(e: PeerEvent): void {
    if (e.kind === 'removed') {
      this.engine.topology.removeNode(e.peer.peerId);
      this.engine.neighbourLost(e.peer.peerId);
      return;
    }
    this.engine.topology.touchNode(e.peer.peerId, hasCapability(e.peer.capabilities, Capability.GATEWAY) ? 'gateway' : 'phone', this.ctx.clock.now());
    if (e.peer.directLinkId) {
      this.phoneByLink.set(e.peer.directLinkId, e.peer.peerId);
      this.measureOwnLink(e.peer.peerId, e.peer.directLinkId, this.ctx.clock.now());
    }
    this.engine.changed();
  }

  private onLinkUp(link: Link): void {
    if (!link.isGatewayLink || link.remotePeerId === undefined) return;
    const now = this.ctx.clock.now();
    this.engine.topology.touchNode(link.remotePeerId, 'gateway', now);
    this.measureOwnLink(link.remotePeerId, link.id, now);
    // our links changed: a fresh advert to every gateway; then database exchange (OSPF's DD,
    // simplified): every advert we hold, to the new link
    this.adverts.onLinkUp(link.id);
    this.probe(link);
    this.engine.changed();
  }

  private onLinkDown(link: Link): void {
    const peer = link.isGatewayLink ? link.remotePeerId : this.phoneByLink.get(link.id);
    this.phoneByLink.delete(link.id);
    this.rttByLink.delete(link.id);
    if (peer === undefined) return;
    const own = this.ctx.identity.peerId;
    this.engine.topology.removeEdge(own, peer, 'measured');
    this.engine.topology.removeEdge(peer, own, 'measured');
    this.engine.neighbourLost(peer);
    this.adverts.schedule();
  }

  private onRtt(linkId: string, rttMs: number, at: number): void {
    if (!(rttMs >= 0 && Number.isFinite(rttMs))) return;
    const prev = this.rttByLink.get(linkId);
    // RFC 6298 smoothing: SRTT gain 1/8, RTTVAR gain 1/4
    const srtt = prev ? prev.rttMs + (rttMs - prev.rttMs) / 8 : rttMs;
    const jitter = prev ? prev.jitterMs + (Math.abs(rttMs - prev.rttMs) - prev.jitterMs) / 4 : rttMs / 2;
    this.rttByLink.set(linkId, { rttMs: srtt, jitterMs: jitter, at });
    const peer = this.peerOnLink(linkId);
    if (peer !== undefined) this.measureOwnLink(peer, linkId, at);
  }

  private readonly quality = new Map<string, Parameters<GatewayEvents['link-quality']>[0]>();

  private onQuality(e: Parameters<GatewayEvents['link-quality']>[0]): void {
    this.quality.set(e.linkId, { ...this.quality.get(e.linkId), ...e });
    if (this.quality.size > 4_096) this.quality.delete(this.quality.keys().next().value as string);
    const peer = this.peerOnLink(e.linkId);
    if (peer !== undefined) this.measureOwnLink(peer, e.linkId, e.at);
  }

  private peerOnLink(linkId: string): string | undefined {
    const l = this.ctx.links().find((x) => x.id === linkId);
    return l?.isGatewayLink ? l.remotePeerId : this.phoneByLink.get(linkId);
  }

  /** Our own measured edges to a neighbour on a link, both directions, from what we know of the link. */
  private measureOwnLink(peer: string, linkId: string, now: number): void {
    const link = this.ctx.links().find((l) => l.id === linkId);
    const q = this.quality.get(linkId);
    const r = this.rttByLink.get(linkId);
    let delivery = q?.deliveryRatio;
    if (delivery === undefined && link) {
      const s = link.stats();
      const dropped = Object.values(s.drops).reduce((a, b) => a + b, 0);
      delivery = s.framesOut > 0 ? Math.max(0.05, 1 - dropped / (s.framesOut + dropped)) : undefined;
    }
    const m: EdgeMetrics = { at: now, rttMs: r?.rttMs, jitterMs: r?.jitterMs, deliveryForward: delivery, bandwidthBytesPerSec: q?.bandwidthBytesPerSec, queueLength: q?.queueLength };
    const own = this.ctx.identity.peerId;
    const hold = now + this.cfg.lsaHoldMs;
    if (this.engine.topology.edge(own, peer) === undefined) this.adverts.schedule();
    this.engine.topology.setEdge(own, peer, 'measured', m, hold);
    this.engine.topology.setEdge(peer, own, 'measured', m, hold);
    this.engine.changed();
  }

  // ---- RTT probes --------------------------------------------------------------------

  private probe(link: Link): void {
    if (this.ctx.control.send(link.id, 'rping', { at: this.ctx.clock.now() })) this.counters.probesSent++;
  }

  private onPing(linkId: string, body: unknown): void {
    const at = (body as { at?: unknown } | null)?.at;
    if (typeof at !== 'number' || !Number.isFinite(at)) return this.drop('MG_ERR_CONTROL_BAD_BODY');
    this.ctx.control.send(linkId, 'rpong', { at });
  }

  private onPong(linkId: string, body: unknown): void {
    const at = (body as { at?: unknown } | null)?.at;
    const now = this.ctx.clock.now();
    if (typeof at !== 'number' || !Number.isFinite(at) || at > now || now - at > 60_000) return this.drop('MG_ERR_CONTROL_BAD_BODY');
    this.onRtt(linkId, now - at, now);
  }

  // ---- link-state adverts ------------------------------------------------------------

  private armLsaTimer(): void {
    this.lsaTimer = this.ctx.clock.setTimer(() => {
      this.lsaTimer = undefined;
      this.safely(() => this.periodic());
      this.armLsaTimer();
    }, this.cfg.lsaIntervalMs);
  }

  private periodic(): void {
    const now = this.ctx.clock.now();
    this.adverts.expire(now);
    // pending sends with no sign of life are judged undelivered
    for (const [dest, at] of this.pending) {
      if (now - at < DELIVERY_WINDOW_MS) break;
      this.pending.delete(dest);
      this.engine.recordDelivery(dest, false);
    }
    for (const l of this.ctx.links()) if (l.isGatewayLink && l.isOpen) this.probe(l);
    this.engine.recomputeNow();
    this.adverts.flood();
  }

  // ---- helpers -----------------------------------------------------------------------

  private notePending(dest: string): void {
    if (this.pending.has(dest)) return;
    this.pending.set(dest, this.ctx.clock.now());
    if (this.pending.size > MAX_PENDING) {
      const oldest = this.pending.keys().next().value as string;
      this.pending.delete(oldest);
      this.engine.recordDelivery(oldest, false);
    }
  }

  private ownPosition() {
    const { latitude, longitude } = this.cfg;
    if (latitude === '' || longitude === '') return undefined;
    return { lat: Number(latitude), lon: Number(longitude), accuracyM: 10, at: this.ctx.clock.now() };
  }

  private listen<E extends keyof GatewayEvents>(event: E, fn: GatewayEvents[E]): void {
    const wrapped = ((...args: unknown[]) => this.safely(() => (fn as (...a: unknown[]) => void)(...args))) as unknown as GatewayEvents[E];
    this.ctx.events.on(event, wrapped);
    this.unsub.push(() => this.ctx.events.off(event, wrapped));
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.drop(errorCodeOf(err));
      this.ctx.logger.debug({ err: String(err) }, 'routing input dropped');
    }
  }

  private drop(code: ErrorCode): void {
    this.counters.drops[code] = (this.counters.drops[code] ?? 0) + 1;
  }
}

/** The geohash TLV (0x02; 1-byte type, 2-byte length) of a nostr carrier payload, if any. */
function carrierGeohash(payload: Uint8Array): string | undefined {
  try {
    for (const r of readTlvs(payload, 2)) if (r.type === 0x02 && r.value.length >= 1 && r.value.length <= 12) return new TextDecoder().decode(r.value);
  } catch {
    return undefined;
  }
  return undefined;
}

