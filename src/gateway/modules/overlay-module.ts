/**
 * Gateway module `overlay` (issue 6 part A): the session authority for every gateway
 * transport (negotiation policy from config, capability pins in SQLite), the WebTransport
 * (HTTP/2) adapter with its rotated self-signed certificate and the `https:` dial scheme,
 * HTTP/3 detection, and the status of every encrypted session (mode and features).
 * The WebSocket adapter (ws/wss) is built by the gateway and consults this module's
 * authority through `Gateway.sessionAuthority`.
 */
import type { GatewayModule, GatewayModuleContext } from '../module.js';
import type { LinkAdapter } from '../../ports/link.js';
import type { TimerHandle } from '../../ports/clock.js';
import { createSessionAuthority, GATEWAY_PROTOCOL_VERSION, type SessionAuthority } from '../../overlay/session/index.js';
import { NOISE_PROTOCOL_NAME } from '../../overlay/noise/index.js';
import { detectHttp3, loadOrCreateCertificate, SecureLink, WebTransportLinkAdapter, DEFAULT_WT_PATH, type GatewayCertificate, type SessionInfo } from '../../overlay/transports/index.js';
import type { FeatureName } from '../../overlay/negotiation/index.js';
import { migrateOverlay, SqliteCapabilityPinStore } from './sqlite-capability-pins.js';
import { negotiationPolicyFromConfig } from './overlay-config.js';

/** How often the WebTransport certificate's expiry is checked, ms. */
export const CERT_CHECK_INTERVAL_MS = 3_600_000;
/** A WebTransport certificate is replaced this long before it expires (or a quarter of its validity if shorter), ms. */
export const CERT_RENEW_BEFORE_MS = 86_400_000;
/** Most recently closed sessions kept for status. */
export const MAX_CLOSED_SESSIONS_SHOWN = 20;

export class OverlayModule implements GatewayModule {
  readonly name = 'overlay';
  private ctx: GatewayModuleContext | undefined;
  private auth: SessionAuthority | undefined;
  private pins: SqliteCapabilityPinStore | undefined;
  private readonly sessions = new Set<SecureLink>();
  private readonly recentlyClosed: Array<Record<string, unknown>> = [];
  private http3 = { available: false, detail: 'not probed' };
  private wt: WebTransportLinkAdapter | undefined;
  private wtCert: GatewayCertificate | undefined;
  private certTimer: TimerHandle | undefined;
  private stopped = false;

  async start(ctx: GatewayModuleContext): Promise<void> {
    this.ctx = ctx;
    const now = () => ctx.clock.now();
    migrateOverlay(ctx.db, { logger: ctx.logger, now });
    this.pins = new SqliteCapabilityPinStore({ db: ctx.db });
    const base = createSessionAuthority({ pins: this.pins, now }, { policy: negotiationPolicyFromConfig(ctx.config.overlay), pinnedFeatures: ctx.config.overlay.pinnedFeatures });
    this.auth = { ...base, opened: (link) => this.track(link) };
    this.http3 = await detectHttp3();
    const w = ctx.config.overlay.webtransport;
    if (w.enabled) {
      if (w.listen) this.wtCert = await this.certificate();
      const cert = this.wtCert;
      this.wt = new WebTransportLinkAdapter(
        { logger: ctx.logger.child({ transport: 'webtransport' }), identity: ctx.identity, now, authority: this.auth, admission: ctx.admission },
        {
          listen: cert ? { host: w.host, port: w.port, certPem: cert.certPem, keyPem: cert.keyPem } : undefined,
          nickname: ctx.config.nickname,
          helloTimeoutMs: ctx.config.gateway.helloTimeoutMs,
          allowedPeers: ctx.config.gateway.allowedPeers.length > 0 ? [...ctx.config.gateway.allowedPeers] : undefined,
          rekeyInterval: ctx.config.overlay.rekeyInterval,
        },
      );
      const wt = this.wt;
      ctx.dialer.registerScheme('https:', (url, source) => {
        wt.addPeer(url, source);
        return { hangup: () => wt.removePeer(url), linkId: () => wt.linkIdOf(url) };
      });
      for (const url of w.peers) ctx.dialer.dial(url, { source: 'config' });
      if (cert) this.certTimer = ctx.clock.setTimer(() => void this.rotate(), CERT_CHECK_INTERVAL_MS);
    }
  }

  /** The authority the gateway's transports consult (undefined before start). */
  sessionAuthority(): SessionAuthority | undefined {
    return this.auth;
  }

  /**
   * The negotiated session of a gateway link (by link ID, as the control bus and the route
   * policy see it), or undefined for links without one (phones, memory links).
   */
  sessionFor(linkId: string): SessionInfo | undefined {
    for (const l of this.sessions) if (l.id === linkId && l.isOpen) return l.session;
    return undefined;
  }

  /**
   * The feature gate other modules use before speaking a feature's control messages on a
   * link (EnhancedRouting adverts, ProofOfRelay receipts, …): true only when the session on
   * that link negotiated the feature. In Limited and Legacy sessions the switched-off
   * features stay silent, which is how an older peer is served without them.
   */
  hasFeature(linkId: string, feature: FeatureName): boolean {
    return this.sessionFor(linkId)?.features.includes(feature) ?? false;
  }

  /**
   * This gateway's WebTransport endpoint for adverts: `https://<host>:<port>/meshgate?certhash=<hex>`
   * with the current (rotated) certificate hash, or undefined when not listening. `host` is the
   * name or address other gateways reach this one at (the bound address is often a wildcard).
   */
  webTransportUrl(host: string): string | undefined {
    const a = this.wt?.address();
    if (!a || !this.wtCert) return undefined;
    const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    return `https://${h}:${a.port}${DEFAULT_WT_PATH}?certhash=${this.wtCert.sha256}`;
  }

  adapters(): readonly LinkAdapter[] {
    return this.wt ? [this.wt] : [];
  }

  stop(): void {
    this.stopped = true;
    if (this.certTimer) this.ctx?.clock.clearTimer(this.certTimer);
    this.certTimer = undefined;
  }

  status(): unknown {
    const o = this.ctx?.config.overlay;
    const open = [...this.sessions].filter((l) => l.isOpen);
    const modes: Record<string, number> = {};
    for (const l of open) modes[l.session.mode] = (modes[l.session.mode] ?? 0) + 1;
    const wtAddr = this.wt?.address();
    return {
      protocol: {
        version: GATEWAY_PROTOCOL_VERSION,
        suite: NOISE_PROTOCOL_NAME,
        features: o?.features.join(', ') ?? '',
        requiredFeatures: o?.requiredFeatures.join(', ') ?? '',
        minimumVersion: o?.minimumVersion ?? null,
        legacyMajors: o?.legacyMajors ?? null,
        pinnedFeatures: o?.pinnedFeatures.join(', ') ?? '',
        rekeyInterval: o?.rekeyInterval ?? null,
      },
      sessionCount: open.length,
      modes,
      sessions: open.map((l) => this.describe(l)),
      recentlyClosed: [...this.recentlyClosed],
      pinnedPeers: this.pins?.size() ?? 0,
      http3: this.http3,
      webtransport: {
        enabled: o?.webtransport.enabled ?? false,
        http2: this.wt !== undefined,
        listen: o?.webtransport.listen ?? false,
        listening: wtAddr ?? null,
        path: DEFAULT_WT_PATH,
        certificate: this.wtCert ? { sha256: this.wtCert.sha256, notAfter: this.wtCert.notAfter, source: this.wtCert.source } : null,
        /** The URL other gateways dial (replace the host with a reachable one). */
        url: wtAddr && this.wtCert ? `https://${wtAddr.host}:${wtAddr.port}${DEFAULT_WT_PATH}?certhash=${this.wtCert.sha256}` : null,
        adapter: this.wt?.stats() ?? null,
      },
    };
  }

  private describe(l: SecureLink): Record<string, unknown> {
    const s = l.session;
    const r = l.sessionStats();
    // the status page shows the first 12 fields of a table row: the most telling first
    return {
      peerId: s.peerId,
      nickname: s.nickname,
      transport: s.transport,
      mode: s.mode,
      features: s.features.join(', '),
      disabled: s.disabled.join(', '),
      peerVersion: s.peerVersion,
      inferred: s.inferred,
      role: s.role,
      sessionId: s.sessionId,
      recordsSealed: r.recordsSealed,
      recordsOpened: r.recordsOpened,
      linkId: l.id,
      peerCapabilities: s.peerCapabilities,
      establishedAt: s.establishedAt,
      rekeys: r.rekeys,
    };
  }

  private track(link: unknown): void {
    if (!(link instanceof SecureLink)) return;
    this.sessions.add(link);
    link.on('close', (reason) => {
      this.sessions.delete(link);
      this.recentlyClosed.unshift({ ...this.describe(link), closedAt: this.ctx?.clock.now() ?? 0, reason });
      this.recentlyClosed.length = Math.min(this.recentlyClosed.length, MAX_CLOSED_SESSIONS_SHOWN);
    });
  }

  private certificate(): Promise<GatewayCertificate> {
    const ctx = this.ctx!;
    const validityMs = ctx.config.overlay.webtransport.certificateDays * 86_400_000;
    return loadOrCreateCertificate({
      stateDir: ctx.config.stateDir,
      name: 'webtransport',
      validityMs,
      renewBeforeMs: Math.min(CERT_RENEW_BEFORE_MS, validityMs / 4),
      now: ctx.clock.now(),
    });
  }

  /** Replace the WebTransport certificate when it is within a day of expiry; new sessions use the new one. */
  private async rotate(): Promise<void> {
    const ctx = this.ctx;
    if (!ctx || !this.wt) return;
    try {
      const c = await this.certificate();
      if (this.wtCert && c.sha256 !== this.wtCert.sha256) {
        this.wt.updateCertificate(c.certPem, c.keyPem);
        ctx.logger.info({ sha256: c.sha256, notAfter: c.notAfter }, 'WebTransport certificate rotated; peers dial with the new certhash');
      }
      this.wtCert = c;
    } catch (err) {
      ctx.logger.warn({ err: String(err) }, 'WebTransport certificate rotation failed');
    } finally {
      if (!this.stopped) this.certTimer = ctx.clock.setTimer(() => void this.rotate(), CERT_CHECK_INTERVAL_MS);
    }
  }
}
