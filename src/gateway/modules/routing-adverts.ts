/**
 * The routing module's link-state advert exchange (docs/routing.md, "Link-state adverts"):
 * originates our signed advert (our measured links and configured position) every LSA
 * interval, when a gateway link comes up, and at most MIN_LSA_GAP_MS after our own links
 * change; receives adverts from other gateways (validate, verify, keep the newest per origin
 * in the LsaDatabase, apply to the topology) and floods new ones on, unchanged, to every
 * other gateway link (OSPF-style, RFC 2328 §13). Counters feed /api/status.
 */
import { toHex } from '../../protocol/hex.js';
import { errorCodeOf, type ErrorCode } from '../../errors.js';
import type { TimerHandle } from '../../ports/clock.js';
import { decodeLsa, encodeLsa, LsaDatabase, MAX_LSA_LINKS, type EdgeMetrics, type LsaLink, type RoutingEngine } from '../../routing/index.js';
import type { GatewayModuleContext } from '../module.js';
import type { Offence } from '../../ports/admission.js';

/** Largest base64 LSA body accepted (1,024 links ≈ 25.8 KB → 34.4 KB base64). */
export const MAX_LSA_BASE64 = 40_000;
/**
 * Shortest gap between a change of our own links and the advert announcing it, ms
 * (OSPF's MinLSInterval, RFC 2328 appendix B, is 5 s; phones come and go faster here).
 */
export const MIN_LSA_GAP_MS = 1_000;

export class AdvertExchange {
  readonly lsdb = new LsaDatabase();
  /** Sequence number of our latest advert. */
  seq = 0;
  readonly counters = { lsaOriginated: 0, lsaReceived: 0, lsaAccepted: 0, lsaFlooded: 0 };
  private soonTimer: TimerHandle | undefined;
  private readonly ctx: GatewayModuleContext;
  private readonly engine: RoutingEngine;

  constructor(
    private readonly components: {
      ctx: GatewayModuleContext;
      engine: RoutingEngine;
      drop: (code: ErrorCode) => void;
      safely: (fn: () => void) => void;
      /** The Ed25519 key (hex) the mesh pinned for a Noise key (hex) when that gateway's announce verified, if any. */
      meshSigningKey?: (noiseKeyHex: string) => string | undefined;
    },
    private readonly init: { holdMs: number; coverageM: number },
  ) {
    this.ctx = components.ctx;
    this.engine = components.engine;
  }

  stop(): void {
    if (this.soonTimer !== undefined) this.ctx.clock.clearTimer(this.soonTimer);
    this.soonTimer = undefined;
  }

  /** A gateway link came up: a fresh advert to every gateway, then every advert we hold to the new link (database exchange). */
  onLinkUp(linkId: string): void {
    this.engine.recomputeNow();
    this.flood();
    for (const s of this.lsdb.all()) this.ctx.control.send(linkId, 'lsa', { lsa: Buffer.from(s.raw).toString('base64') });
  }

  /** Our own links changed: a new advert after MIN_LSA_GAP_MS (at most one pending). */
  schedule(): void {
    if (this.soonTimer !== undefined) return;
    this.soonTimer = this.ctx.clock.setTimer(() => {
      this.soonTimer = undefined;
      this.components.safely(() => {
        this.engine.recomputeNow();
        this.flood();
      });
    }, MIN_LSA_GAP_MS);
  }

  /** Originate our advert and send it on every gateway link. */
  flood(): void {
    this.ctx.control.broadcast('lsa', { lsa: Buffer.from(this.originate()).toString('base64') });
  }

  /** Drop adverts past their hold time, and the topology they brought. */
  expire(now: number): void {
    for (const origin of this.lsdb.expire(now)) {
      this.engine.topology.replaceAdvertised(origin, [], now);
      this.engine.changed();
    }
  }

  /** Adverts held, for /api/status (at most 64). */
  held(now: number): Array<{ origin: string; seq: number; ageMs: number; expiresInMs: number; links: number; via: string | null }> {
    return [...this.lsdb.all()].slice(0, 64).map((s) => ({ origin: s.lsa.origin, seq: s.lsa.seq, ageMs: now - s.receivedAt, expiresInMs: s.expiresAt - now, links: s.lsa.links.length, via: s.viaLinkId ?? null }));
  }

  /** Build and sign our advert (seq + 1): our links on the current snapshot, with their metrics, and our position. */
  originate(): Uint8Array {
    const own = this.ctx.identity.peerId;
    const now = this.ctx.clock.now();
    const g = this.engine.snapshot;
    const t = this.engine.topology;
    const links: LsaLink[] = [];
    for (let k = g.offsets[0]; k < g.offsets[1] && links.length < MAX_LSA_LINKS; k++) {
      const id = g.ids[g.targets[k]];
      const m = t.edge(own, id);
      links.push({ neighbour: id, kind: t.node(id)?.kind ?? 'phone', cost: g.costs[k], rttMs: m?.rttMs ?? 0, deliveryRatio: m?.deliveryForward ?? 0, bandwidthBytesPerSec: m?.bandwidthBytesPerSec ?? 0 });
    }
    // a seconds-based floor keeps sequence numbers growing across restarts
    this.seq = Math.max(this.seq + 1, Math.floor(now / 1000) % 0xffff_ffff);
    const pos = t.node(own)?.position;
    this.counters.lsaOriginated++;
    return encodeLsa(
      { seq: this.seq, holdMs: this.init.holdMs, links, ...(pos ? { position: { lat: pos.lat, lon: pos.lon, accuracyM: pos.accuracyM, coverageM: this.init.coverageM } } : {}) },
      this.ctx.identity.keys,
    );
  }

  /** An `lsa` control message from a gateway link: validate, verify, keep if newer, apply, flood on. Bad ones are counted by code. */
  receive(linkId: string, body: unknown): void {
    this.counters.lsaReceived++;
    const drop = this.components.drop;
    const b64 = (body as { lsa?: unknown } | null)?.lsa;
    if (typeof b64 !== 'string' || b64.length > MAX_LSA_BASE64 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) {
      this.reportOffence(linkId, 'invalid-frame', 'MG_ERR_CONTROL_BAD_BODY');
      return drop('MG_ERR_CONTROL_BAD_BODY');
    }
    const raw = new Uint8Array(Buffer.from(b64, 'base64'));
    let lsa;
    try {
      lsa = decodeLsa(raw);
    } catch (err) {
      const code = errorCodeOf(err);
      // gateways verify adverts before flooding them on, so a bad one is the sending neighbour's offence
      this.reportOffence(linkId, code === 'MG_ERR_LSA_BAD_SIGNATURE' ? 'bad-signature' : 'invalid-frame', code);
      return drop(code);
    }
    // The advert's signing key must be the one the mesh already pinned for that gateway's
    // Noise key (its verified announces), so a TOFU pin evicted from the advert table cannot
    // be re-pinned to an impostor's key.
    const meshKey = this.components.meshSigningKey?.(toHex(lsa.noisePublicKey));
    if (meshKey !== undefined && meshKey !== toHex(lsa.signingPublicKey)) {
      this.reportOffence(linkId, 'bad-signature', 'MG_ERR_LSA_BAD_SIGNATURE');
      return drop('MG_ERR_LSA_BAD_SIGNATURE');
    }
    const now = this.ctx.clock.now();
    if (lsa.origin === this.ctx.identity.peerId) return drop('MG_ERR_LSA_STALE');
    const v = this.lsdb.offer(lsa, now, linkId, raw);
    if (!v.accepted) {
      if (v.code === 'MG_ERR_LSA_BAD_SIGNATURE') this.reportOffence(linkId, 'bad-signature', v.code);
      return drop(v.code);
    }
    this.counters.lsaAccepted++;
    const t = this.engine.topology;
    const expires = now + lsa.holdMs;
    t.touchNode(lsa.origin, 'gateway', now, lsa.position ? { position: { lat: lsa.position.lat, lon: lsa.position.lon, accuracyM: lsa.position.accuracyM, at: now }, coverageM: lsa.position.coverageM, mobility: 'static' } : {});
    for (const l of lsa.links) t.touchNode(l.neighbour, l.kind, now);
    const metrics = (l: LsaLink): EdgeMetrics => ({ at: now, rttMs: l.rttMs || undefined, deliveryForward: l.deliveryRatio || undefined, bandwidthBytesPerSec: l.bandwidthBytesPerSec || undefined });
    t.replaceAdvertised(lsa.origin, lsa.links.map((l) => ({ to: l.neighbour, metrics: metrics(l) })), expires);
    // a phone behind that gateway reaches it too (its link is two-way): the reverse edges
    for (const l of lsa.links) if (l.kind === 'phone') t.setEdge(l.neighbour, lsa.origin, 'lsa', metrics(l), expires);
    this.counters.lsaFlooded += this.ctx.control.broadcast('lsa', { lsa: b64 }, { exceptLinkId: linkId });
    this.engine.changed();
  }

  /** Tell the peer admission (the hygiene module, when it runs) about a neighbour's offence. */
  private reportOffence(linkId: string, offence: Offence, code: ErrorCode): void {
    const link = this.ctx.links().find((l) => l.id === linkId);
    this.ctx.admission.report({ peerId: link?.remotePeerId, address: link?.remoteAddress, offence, detail: `lsa ${code}` });
  }
}
