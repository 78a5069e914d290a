/**
 * The `directory` gateway module: this gateway's signed advert, the directory of other
 * gateways' adverts (flooded over gateway links as `dir.advert` control messages), RTT
 * pings (`dir.ping` / `dir.pong`), and — when `selection.enabled` — uplink selection that
 * dials the best `selection.uplinks` gateways through `ctx.dialer` (source `directory`).
 *
 * Control messages (bodies validated; bad ones counted MG_ERR_CONTROL_BAD_BODY and
 * reported to peer hygiene as invalid-frame):
 * - `dir.advert` `{ a: Advert, h: hops }` (src/overlay/directory/advert.ts);
 * - `dir.ping` `{ n }` → answered with `dir.pong` `{ n }` (n: integer 0..2^53−1, the nonce).
 * An RTT measured from a pong is emitted as a `link-rtt` event; the selector takes RTT
 * from `link-rtt` events (its own and other modules'), delivery ratio from
 * `link-quality`, and drops gateways reported `down` by `peer-state`.
 *
 * SQLite: `directory_pins(peer_id, signing_key, noise_key, first_seen, last_seen)` —
 * trust-on-first-use key pins, at most {@link MAX_PINS}, least recently seen removed first.
 */
import type { Database } from '../../storage/index.js';
import { applyModuleMigrations, preparedRetained } from '../../storage/index.js';
import type { Link } from '../../ports/link.js';
import type { TimerHandle } from '../../ports/clock.js';
import { ADVERT_CONTROL_TYPE, signAdvert, type Advert } from '../../overlay/directory/advert.js';
import { GatewayDirectory, type PinStore } from '../../overlay/directory/gateway-directory.js';
import { MAX_ADVERT_LIFETIME_MS } from '../../overlay/directory/advert.js';
import { UplinkSelector, type SelectionCandidate } from '../../overlay/selection/uplink-selector.js';
import { urlHost } from '../../overlay/hygiene/ip-prefix.js';
import type { GatewayModule, GatewayModuleContext } from '../module.js';
import { MESHGATE_VERSION } from '../gateway.js';

/** Most key pins kept. */
export const MAX_PINS = 16_384;
/** Control types of RTT pings. */
export const PING_CONTROL_TYPE = 'dir.ping';
export const PONG_CONTROL_TYPE = 'dir.pong';
/** How often the directory expires adverts when selection is off, ms. */
export const DIRECTORY_EXPIRE_INTERVAL_MS = 5_000;

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '']);

const MIGRATIONS = [
  {
    version: 1,
    name: 'directory_pins',
    up(db: Database) {
      db.exec('CREATE TABLE directory_pins (peer_id TEXT PRIMARY KEY, signing_key TEXT NOT NULL, noise_key TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL)');
      db.exec('CREATE INDEX directory_pins_last_seen ON directory_pins (last_seen)');
    },
  },
];

/** SQLite {@link PinStore}. */
class SqlitePinStore implements PinStore {
  private readonly getStmt;
  private readonly setStmt;
  private readonly countStmt;
  private readonly trimStmt;
  private writes = 0;
  constructor(db: Database) {
    this.getStmt = preparedRetained<[string], { signing_key: string; noise_key: string }>(db, 'SELECT signing_key, noise_key FROM directory_pins WHERE peer_id = ?');
    this.setStmt = preparedRetained(
      db,
      'INSERT INTO directory_pins (peer_id, signing_key, noise_key, first_seen, last_seen) VALUES (?, ?, ?, ?, ?) ON CONFLICT(peer_id) DO UPDATE SET last_seen = excluded.last_seen',
    );
    this.countStmt = preparedRetained<[], { n: number }>(db, 'SELECT COUNT(*) AS n FROM directory_pins');
    this.trimStmt = preparedRetained(db, 'DELETE FROM directory_pins WHERE peer_id IN (SELECT peer_id FROM directory_pins ORDER BY last_seen ASC LIMIT ?)');
  }
  get(peerId: string) {
    const r = this.getStmt.get(peerId);
    return r ? { signingKey: r.signing_key, noiseKey: r.noise_key } : undefined;
  }
  set(peerId: string, keys: { signingKey: string; noiseKey: string }, now: number): void {
    this.setStmt.run(peerId, keys.signingKey, keys.noiseKey, now, now);
    if (++this.writes % 256 === 0) {
      const n = this.countStmt.get()?.n ?? 0;
      if (n > MAX_PINS) this.trimStmt.run(n - MAX_PINS);
    }
  }
}

function parsePosition(s: string): [number, number] | null {
  if (!s) return null;
  const [lat, lon] = s.split(',').map((x) => Number(x.trim()));
  return Number.isFinite(lat) && Number.isFinite(lon) ? [lat, lon] : null;
}

const isNonce = (b: unknown): b is { n: number } =>
  typeof b === 'object' && b !== null && Object.keys(b).length === 1 && Number.isSafeInteger((b as { n?: unknown }).n) && (b as { n: number }).n >= 0;

/** Gateway module `directory`: adverts, directory, RTT pings and uplink selection. */
export class DirectoryModule implements GatewayModule {
  readonly name = 'directory';
  private ctx: GatewayModuleContext | undefined;
  private directory: GatewayDirectory | undefined;
  private selector: UplinkSelector | undefined;
  private own: Advert | undefined;
  private startedAt = 0;
  private readonly timers: Array<TimerHandle | undefined> = [undefined, undefined, undefined];
  private readonly cleanups: Array<() => void> = [];
  private readonly pings = new Map<string, { n: number; sentAt: number }>();
  private nonce = 0;
  private readonly counters = { advertsSent: 0, advertsRelayed: 0, pingsSent: 0, pongsReceived: 0, badBodies: 0, dials: 0, dialRefused: {} as Record<string, number> };
  /** peerId → URL dialled for selection, and when. */
  private readonly uplinkUrls = new Map<string, string>();
  private readonly dialledAt = new Map<string, number>();
  /** Chosen gateways that could not be reached in time: peerId → excluded until (ms). */
  private readonly unreachable = new Map<string, number>();
  private readonly down = new Set<string>();

  start(ctx: GatewayModuleContext): void {
    this.ctx = ctx;
    this.startedAt = ctx.clock.now();
    const cfg = ctx.config.directory;
    applyModuleMigrations({ logger: ctx.logger, now: () => ctx.clock.now() }, ctx.db, 'directory', MIGRATIONS);
    const meshPin = preparedRetained<[string], { signing_public_key: string }>(ctx.db, 'SELECT signing_public_key FROM pinned_keys WHERE noise_public_key = ?');
    this.directory = new GatewayDirectory(
      {
        clock: ctx.clock,
        pins: new SqlitePinStore(ctx.db),
        selfPeerId: ctx.identity.peerId,
        // the mesh's own TOFU pins (storage `pinned_keys`, written when an announce verifies)
        meshSigningKey: (nk) => meshPin.get(nk)?.signing_public_key,
      },
      { maxEntries: cfg.maxEntries, maxLifetimeMs: MAX_ADVERT_LIFETIME_MS, maxSkewMs: ctx.config.mesh.maxClockSkewMs, minReadvertMs: cfg.minReadvertMs, maxHops: cfg.maxHops },
    );
    const sel = ctx.config.selection;
    // the selector also keeps the smoothed RTTs shown on the status page when selection is off
    {
      this.selector = new UplinkSelector(
        { clock: ctx.clock },
        { uplinks: sel.uplinks, profile: sel.profile, marginPercent: sel.marginPercent, holdMs: sel.holdMs, ownVersion: MESHGATE_VERSION, ownPosition: parsePosition(cfg.position), maxTracked: cfg.maxEntries },
      );
    }
    this.cleanups.push(
      ctx.control.on(ADVERT_CONTROL_TYPE, (m) => this.onAdvert(m.linkId, m.peerId, m.body)),
      ctx.control.on(PING_CONTROL_TYPE, (m) => {
        if (!isNonce(m.body)) return this.badBody(m.linkId, m.peerId, PING_CONTROL_TYPE);
        ctx.control.send(m.linkId, PONG_CONTROL_TYPE, { n: m.body.n });
      }),
      ctx.control.on(PONG_CONTROL_TYPE, (m) => {
        if (!isNonce(m.body)) return this.badBody(m.linkId, m.peerId, PONG_CONTROL_TYPE);
        const p = this.pings.get(m.linkId);
        if (!p || p.n !== m.body.n) return;
        this.pings.delete(m.linkId);
        this.counters.pongsReceived++;
        const now = ctx.clock.now();
        ctx.events.emit('link-rtt', { linkId: m.linkId, peerId: m.peerId, rttMs: now - p.sentAt, at: now });
      }),
    );
    this.listen('link-up', ({ link }: { link: Link }) => this.onLinkUp(link));
    this.listen('link-down', ({ link }: { link: Link }) => this.pings.delete(link.id));
    this.listen('link-rtt', (e: { linkId: string; peerId: string | undefined; rttMs: number }) => {
      const peer = e.peerId ?? ctx.links().find((l) => l.id === e.linkId)?.remotePeerId;
      if (peer) this.selector?.observeRtt(peer, e.rttMs);
    });
    this.listen('link-quality', (e: { linkId: string; deliveryRatio?: number }) => {
      const peer = ctx.links().find((l) => l.id === e.linkId)?.remotePeerId;
      if (peer && e.deliveryRatio !== undefined) this.selector?.observeDelivery(peer, e.deliveryRatio);
    });
    this.listen('peer-state', (e: { peerId: string; kind: string; state: string }) => {
      if (e.kind !== 'gateway') return;
      if (e.state === 'down') this.down.add(e.peerId);
      else if (e.state === 'alive') this.down.delete(e.peerId);
    });
    this.listen('listening', () => this.refreshAdvert({ broadcast: true }));
    const advertTick = () => {
      this.refreshAdvert({ broadcast: true });
      this.timers[0] = ctx.clock.setTimer(advertTick, cfg.advertIntervalMs);
    };
    this.timers[0] = ctx.clock.setTimer(advertTick, cfg.advertIntervalMs);
    const pingTick = () => {
      this.pingAll();
      this.timers[1] = ctx.clock.setTimer(pingTick, cfg.pingIntervalMs);
    };
    this.timers[1] = ctx.clock.setTimer(pingTick, cfg.pingIntervalMs);
    const evalMs = sel.enabled ? sel.evaluateIntervalMs : DIRECTORY_EXPIRE_INTERVAL_MS;
    const evalTick = () => {
      this.directory?.expire();
      this.evaluate();
      this.timers[2] = ctx.clock.setTimer(evalTick, evalMs);
    };
    this.timers[2] = ctx.clock.setTimer(evalTick, evalMs);
  }

  private listen<K extends 'link-up' | 'link-down' | 'link-rtt' | 'link-quality' | 'peer-state' | 'listening'>(event: K, fn: (e: never) => void): void {
    const ctx = this.ctx!;
    const l = fn as never;
    ctx.events.on(event, l);
    this.cleanups.push(() => ctx.events.off(event, l));
  }

  private badBody(linkId: string, peerId: string | undefined, type: string): void {
    this.counters.badBodies++;
    const link = this.ctx?.links().find((l) => l.id === linkId);
    this.ctx?.admission.report({ peerId, address: link?.remoteAddress, offence: 'invalid-frame', detail: `MG_ERR_CONTROL_BAD_BODY ${type}` });
  }

  private onAdvert(linkId: string, peerId: string | undefined, body: unknown): void {
    const ctx = this.ctx!;
    const r = this.directory!.receive(body, { linkId, peerId });
    if (r.status === 'accepted') {
      if (r.reflood) {
        const n = ctx.control.broadcast(ADVERT_CONTROL_TYPE, { a: r.entry.advert, h: r.entry.hops + 1 }, { exceptLinkId: linkId });
        this.counters.advertsRelayed += n;
      }
    } else if (r.status === 'rejected') {
      ctx.logger.debug({ link: linkId, code: r.code, reason: r.reason }, 'gateway advert rejected');
      if (r.offence) {
        const link = ctx.links().find((l) => l.id === linkId);
        ctx.admission.report({ peerId, address: link?.remoteAddress, offence: r.offence, detail: r.code });
      }
    }
  }

  /** The endpoints to advertise (config, else derived from a concrete gateway.host). */
  private endpoints(): string[] {
    const ctx = this.ctx!;
    if (ctx.config.directory.endpoints.length > 0) return [...ctx.config.directory.endpoints];
    const port = ctx.listenPorts?.().gateway;
    const host = ctx.config.gateway.host;
    if (!ctx.config.gateway.enabled || port === undefined || WILDCARD_HOSTS.has(host)) return [];
    return [`ws://${host.includes(':') ? `[${host}]` : host}:${port}/meshgate`];
  }

  /** Re-sign this gateway's advert (`broadcast`: flood it). */
  private refreshAdvert(opts: { broadcast: boolean }): Advert {
    const ctx = this.ctx!;
    const cfg = ctx.config.directory;
    const now = ctx.clock.now();
    const gatewayLinks = ctx.links().filter((l) => l.isGatewayLink).length;
    const iat = Math.max(now, (this.own?.iat ?? 0) + cfg.minReadvertMs);
    this.own = signAdvert(ctx.identity.keys, {
      iat,
      lifetimeMs: cfg.advertLifetimeMs,
      endpoints: this.endpoints(),
      position: parsePosition(cfg.position),
      load: Math.min(1, gatewayLinks / ctx.config.hygiene.maxPeers),
      uptimeMs: now - this.startedAt,
      fee: cfg.fee,
      bandwidthBytesPerSec: cfg.bandwidthBytesPerSec,
      version: MESHGATE_VERSION,
    });
    if (opts.broadcast) this.counters.advertsSent += ctx.control.broadcast(ADVERT_CONTROL_TYPE, { a: this.own, h: 0 });
    return this.own;
  }

  private onLinkUp(link: Link): void {
    const ctx = this.ctx!;
    if (!link.isGatewayLink) return;
    const own = this.own && this.own.exp > ctx.clock.now() ? this.own : this.refreshAdvert({ broadcast: false });
    if (ctx.control.send(link.id, ADVERT_CONTROL_TYPE, { a: own, h: 0 })) this.counters.advertsSent++;
    for (const e of this.directory!.entries()) {
      if (e.hops + 1 <= ctx.config.directory.maxHops && ctx.control.send(link.id, ADVERT_CONTROL_TYPE, { a: e.advert, h: e.hops + 1 })) this.counters.advertsRelayed++;
    }
  }

  private pingAll(): void {
    const ctx = this.ctx!;
    const now = ctx.clock.now();
    for (const link of ctx.links()) {
      if (!link.isGatewayLink || !link.isOpen) continue;
      const n = (this.nonce = (this.nonce + 1) % Number.MAX_SAFE_INTEGER);
      if (ctx.control.send(link.id, PING_CONTROL_TYPE, { n })) {
        this.pings.set(link.id, { n, sentAt: now });
        this.counters.pingsSent++;
      }
    }
  }

  private evaluate(): void {
    const ctx = this.ctx!;
    if (!this.selector || !ctx.config.selection.enabled) return;
    const now = ctx.clock.now();
    // a chosen uplink that did not link within the connect allowance is set aside for a while
    const allowance = ctx.config.selection.connectTimeoutMs;
    for (const [id, at] of this.dialledAt) {
      if (ctx.links().some((l) => l.remotePeerId === id && l.isOpen)) this.dialledAt.delete(id);
      else if (now - at > allowance) {
        this.dialledAt.delete(id);
        this.unreachable.set(id, now + ctx.config.directory.advertLifetimeMs);
        ctx.logger.info({ peer: id, url: this.uplinkUrls.get(id) }, 'uplink unreachable; set aside');
      }
    }
    for (const [id, until] of this.unreachable) if (until <= now) this.unreachable.delete(id);
    const candidates: SelectionCandidate[] = [];
    for (const e of this.directory!.entries()) {
      const a = e.advert;
      if (this.down.has(a.id) || this.unreachable.has(a.id)) continue;
      const linked = ctx.links().some((l) => l.remotePeerId === a.id && l.isOpen);
      if (a.ep.length === 0 && !linked) continue;
      candidates.push({ peerId: a.id, metrics: { position: a.pos, load: a.load / 1000, uptimeS: a.up, fee: a.fee, bandwidthBytesPerSec: a.bw, version: a.ver } });
    }
    const d = this.selector.evaluate(candidates);
    for (const r of d.remove) {
      const url = this.uplinkUrls.get(r.peerId);
      if (url) ctx.dialer.hangup(url);
      this.uplinkUrls.delete(r.peerId);
      this.dialledAt.delete(r.peerId);
      ctx.logger.info({ peer: r.peerId, reason: r.reason }, 'uplink dropped');
    }
    for (const id of d.add) {
      ctx.logger.info({ peer: id }, 'uplink chosen');
      if (ctx.links().some((l) => l.remotePeerId === id && l.isOpen)) continue; // already linked
      const a = this.directory!.get(id)?.advert;
      for (const url of a?.ep ?? []) {
        const host = urlHost(url);
        const ok = host ? ctx.admission.allowAddress(host, 'outbound') : { ok: false as const, code: 'MG_ERR_CONFIG_INVALID', reason: 'bad URL' };
        if (!ok.ok) {
          this.counters.dialRefused[ok.code] = (this.counters.dialRefused[ok.code] ?? 0) + 1;
          continue;
        }
        if (ctx.dialer.dial(url, { source: 'directory' })) {
          this.uplinkUrls.set(id, url);
          this.dialledAt.set(id, now);
          this.counters.dials++;
          break;
        }
      }
    }
  }

  /** The directory (tests, other modules). */
  get table(): GatewayDirectory | undefined {
    return this.directory;
  }

  stop(): void {
    for (const t of this.timers) if (t) this.ctx?.clock.clearTimer(t);
    for (const c of this.cleanups.splice(0)) c();
    for (const url of this.uplinkUrls.values()) this.ctx?.dialer.hangup(url);
    this.uplinkUrls.clear();
  }

  status(): unknown {
    const now = this.ctx?.clock.now() ?? 0;
    const own = this.own;
    return {
      self: own ? { peerId: own.id, endpoints: own.ep, issuedAt: own.iat, expiresAt: own.exp, load: own.load / 1000, uptimeS: own.up, fee: own.fee, bandwidthBytesPerSec: own.bw, position: own.pos, version: own.ver } : null,
      counters: { ...this.counters, dialRefused: { ...this.counters.dialRefused }, ...(this.directory?.stats() ?? {}) },
      gateways: (this.directory?.entries() ?? []).map((e) => ({
        peerId: e.advert.id,
        endpoints: e.advert.ep.join(' '),
        version: e.advert.ver,
        load: e.advert.load / 1000,
        uptimeS: e.advert.up,
        fee: e.advert.fee,
        bandwidthBytesPerSec: e.advert.bw,
        position: e.advert.pos ? e.advert.pos.join(',') : null,
        hops: e.hops,
        expiresInMs: e.expiresAt - now,
        rttMs: this.selector?.rttOf(e.advert.id) !== undefined ? Math.round(this.selector.rttOf(e.advert.id)! * 10) / 10 : null,
      })),
      selection: this.selector && this.ctx?.config.selection.enabled ? { enabled: true, ...this.selector.status(), dialled: Object.fromEntries(this.uplinkUrls), unreachable: Object.fromEntries(this.unreachable) } : { enabled: false },
    };
  }
}
