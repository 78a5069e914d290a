/**
 * The composition root: builds every component from a frozen config and starts them in
 * dependency order (storage → identity → clock probe → mesh engine → link adapters →
 * status server); stops them in reverse (SQLite closes last).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Link, LinkAdapter } from '../ports/link.js';
import type { Logger } from '../ports/logger.js';
import type { Clock, TimerHandle } from '../ports/clock.js';
import { MeshEngine, ClockState } from '../mesh/index.js';
import { LanTcpLinkAdapter } from '../links/lan-tcp/index.js';
import { WsGatewayLinkAdapter } from '../overlay/transports/ws-adapter.js';
import { openDatabase, SqlitePeerStore, SqliteCounterStore, type Database } from '../storage/index.js';
import { loadOrCreateIdentity } from './identity-store.js';
import type { GatewayConfig } from './config.js';
import { probeClockSync } from './clock-sync.js';
import { SystemClock } from './system-clock.js';
import { StatusServer } from '../web/status-server.js';
import { toHex } from '../protocol/hex.js';
import { MeshgateError } from '../errors.js';
import type { IdentityKeys } from '../protocol/keys.js';
import { TypedEmitter } from '../mesh/index.js';
import { ControlBus } from '../overlay/control-bus.js';
import { OPEN_ADMISSION, type PeerAdmission } from '../ports/admission.js';
import type { GatewayDialer, GatewayEvents, GatewayModule, GatewayModuleContext } from './module.js';
import { createModules } from './modules.js';
import type { OverlayModule } from './modules/overlay-module.js';
import { negotiationPolicyFromConfig } from './modules/overlay-config.js';
import { memorySessionAuthority, type SessionAuthority } from '../overlay/session/index.js';
import { loadOrCreateCertificate } from '../overlay/transports/certificates.js';

/** meshgate's version, shown on /api/status. */
export const MESHGATE_VERSION = '0.1.0';
/** How often (ms) clock synchronisation is re-probed in `auto` mode. */
export const CLOCK_PROBE_INTERVAL_MS = 60_000;

export interface GatewayComponents {
  logger: Logger;
  clock?: Clock;
  /** The modules to run (default: `createModules(config)`, src/gateway/modules.ts). */
  modules?: GatewayModule[];
}

export interface ListenPorts {
  http: number | undefined;
  lan: number | undefined;
  gateway: number | undefined;
}

/** One running meshgate: `start()`, `stop()`, `status()`. */
export class Gateway {
  readonly config: Readonly<GatewayConfig>;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private db: Database | undefined;
  private engine: MeshEngine | undefined;
  private readonly clockState = new ClockState();
  private readonly adapters: LinkAdapter[] = [];
  private lan: LanTcpLinkAdapter | undefined;
  private ws: WsGatewayLinkAdapter | undefined;
  private http: StatusServer | undefined;
  private readonly links = new Map<string, Link>();
  /** Link-level drops of links that have closed, by code (so /api/status totals never go down). */
  private readonly closedLinkDrops: Record<string, number> = {};
  private closedLinks = 0;
  private identity: { keys: IdentityKeys; peerId: string } | undefined;
  private startedAt = 0;
  private probeTimer: TimerHandle | undefined;
  private stopped = false;
  private readonly modules: GatewayModule[];
  private readonly startedModules: GatewayModule[] = [];
  /** Cross-module events (src/gateway/module.ts). */
  readonly events: TypedEmitter<GatewayEvents>;
  /** Gateway-to-gateway control messages, dispatched by type to modules. */
  readonly control: ControlBus;
  private readonly schemes = new Map<string, (url: string, source: string) => { hangup(): void; linkId(): string | undefined }>();
  private readonly schemeDials = new Map<string, { source: string; handle: { hangup(): void; linkId(): string | undefined } }>();
  /** The admission in force: the first module that provides one, else everyone is admitted. */
  readonly admission: PeerAdmission = {
    allowAddress: (address, direction) => this.activeAdmission().allowAddress(address, direction),
    allowPeer: (peerId, address) => this.activeAdmission().allowPeer(peerId, address),
    report: (e) => this.activeAdmission().report(e),
  };

  constructor(components: GatewayComponents, config: Readonly<GatewayConfig>) {
    this.config = config;
    this.logger = components.logger;
    this.clock = components.clock ?? new SystemClock();
    this.modules = components.modules ?? createModules(config);
    const names = new Set<string>();
    for (const m of this.modules) {
      if (names.has(m.name)) throw new MeshgateError('MG_ERR_CONFIG_INVALID', `two gateway modules are named ${m.name}`, { module: m.name });
      names.add(m.name);
    }
    this.events = new TypedEmitter<GatewayEvents>(this.logger);
    this.control = new ControlBus({ logger: this.logger.child({ component: 'control' }), links: () => [...this.links.values()] });
  }

  /** A started module by name. */
  module<T extends GatewayModule>(name: string): T | undefined {
    return this.startedModules.find((m) => m.name === name) as T | undefined;
  }

  private activeAdmission(): PeerAdmission {
    for (const m of this.startedModules) {
      const a = m.admission?.();
      if (a) return a;
    }
    return OPEN_ADMISSION;
  }

  private fallbackAuthority: SessionAuthority | undefined;
  /** The overlay module's session authority (negotiation policy, capability pins), else one from config with in-memory pins. */
  readonly sessionAuthority: SessionAuthority = {
    policy: () => this.activeAuthority().policy(),
    authorize: (r) => this.activeAuthority().authorize(r),
    opened: (link) => this.activeAuthority().opened?.(link),
  };

  private activeAuthority(): SessionAuthority {
    const a = this.module<OverlayModule>('overlay')?.sessionAuthority?.();
    if (a) return a;
    this.fallbackAuthority ??= memorySessionAuthority(() => this.clock.now(), { policy: negotiationPolicyFromConfig(this.config.overlay), pinnedFeatures: this.config.overlay.pinnedFeatures });
    return this.fallbackAuthority;
  }

  /** Dial gateways at run time: ws:/wss: through the WebSocket adapter, other schemes through registered transports. */
  readonly dialer: GatewayDialer = {
    dial: (url, opts) => {
      const source = opts?.source ?? 'runtime';
      let scheme: string;
      try {
        scheme = new URL(url).protocol;
      } catch {
        return false;
      }
      if (scheme === 'ws:' || scheme === 'wss:') {
        if (!this.ws) return false;
        this.ws.addPeer(url, source);
        return true;
      }
      const dial = this.schemes.get(scheme);
      if (!dial) return false;
      if (!this.schemeDials.has(url)) this.schemeDials.set(url, { source, handle: dial(url, source) });
      return true;
    },
    hangup: (url) => {
      this.ws?.removePeer(url);
      const d = this.schemeDials.get(url);
      if (d) {
        this.schemeDials.delete(url);
        d.handle.hangup();
      }
    },
    dialled: () => [
      ...(this.ws?.dialled() ?? []),
      ...[...this.schemeDials].map(([url, d]) => ({ url, source: d.source, linkId: d.handle.linkId() })),
    ],
    registerScheme: (scheme, dial) => {
      this.schemes.set(scheme.endsWith(':') ? scheme : `${scheme}:`, dial);
    },
  };

  get peerId(): string {
    if (!this.identity) throw new Error('gateway not started');
    return this.identity.peerId;
  }

  /** Bound ports (useful when the config asked for port 0). */
  get ports(): ListenPorts {
    return { http: this.http?.port, lan: this.lan?.address()?.port, gateway: this.ws?.address()?.port };
  }

  get meshEngine(): MeshEngine {
    if (!this.engine) throw new Error('gateway not started');
    return this.engine;
  }

  async start(): Promise<void> {
    const cfg = this.config;
    this.startedAt = this.clock.now();
    mkdirSync(cfg.stateDir, { recursive: true, mode: 0o700 });
    this.db = openDatabase({ logger: this.logger.child({ component: 'storage' }) }, { path: join(cfg.stateDir, 'meshgate.db') });
    const peerStore = new SqlitePeerStore(this.db);
    const counters = new SqliteCounterStore(this.db);
    counters.increment('starts');
    const id = loadOrCreateIdentity({ logger: this.logger.child({ component: 'identity' }) }, { stateDir: cfg.stateDir });
    this.identity = { keys: id.keys, peerId: id.peerId };

    await this.probeClock();
    this.engine = new MeshEngine(
      { clock: this.clock, logger: this.logger.child({ component: 'mesh' }), peerStore, clockState: this.clockState, identity: this.identity, random: Math.random },
      {
        nickname: cfg.nickname,
        dedupCapacity: cfg.mesh.dedupCapacity,
        dedupWindowMs: cfg.mesh.dedupWindowMs,
        announceIntervalMinMs: cfg.mesh.announceIntervalMinMs,
        announceIntervalMaxMs: cfg.mesh.announceIntervalMaxMs,
        peerExpiryMs: cfg.mesh.peerExpiryMs,
        maxClockSkewMs: cfg.mesh.maxClockSkewMs,
        relayJitter: cfg.mesh.relayJitter,
      },
    );
    this.engine.start();
    const engine = this.engine;
    const db = this.db;
    const identity = this.identity;

    const now = () => this.clock.now();
    if (cfg.lan.enabled) {
      this.lan = new LanTcpLinkAdapter(
        { logger: this.logger, clock: this.clock },
        { listen: { host: cfg.lan.host, port: cfg.lan.port }, peers: cfg.lan.peers.map(parseHostPort), maxFrameBytes: cfg.lan.maxFrameBytes },
      );
      this.adapters.push(this.lan);
    }
    if (cfg.gateway.enabled) {
      const tls = cfg.overlay.tls;
      const cert = tls.enabled
        ? await loadOrCreateCertificate({ stateDir: cfg.stateDir, name: 'tls', validityMs: tls.certificateDays * 86_400_000, renewBeforeMs: 7 * 86_400_000, certFile: tls.certFile || undefined, keyFile: tls.keyFile || undefined, now: this.clock.now() })
        : undefined;
      this.ws = new WsGatewayLinkAdapter(
        { logger: this.logger.child({ component: 'ws-gateway' }), identity: this.identity, now, authority: this.sessionAuthority, admission: this.admission },
        {
          listen: { host: cfg.gateway.host, port: cfg.gateway.port },
          tls: cert ? { cert: cert.certPem, key: cert.keyPem, sha256: cert.sha256, notAfter: cert.notAfter } : undefined,
          rekeyInterval: cfg.overlay.rekeyInterval,
          peers: [...cfg.gateway.peers],
          nickname: cfg.nickname,
          helloTimeoutMs: cfg.gateway.helloTimeoutMs,
          allowedPeers: cfg.gateway.allowedPeers.length > 0 ? [...cfg.gateway.allowedPeers] : undefined,
        },
      );
      this.adapters.push(this.ws);
    }
    for (const m of this.modules) {
      const ctx: GatewayModuleContext = {
        config: cfg,
        clock: this.clock,
        logger: this.logger.child({ component: m.name }),
        db,
        identity,
        engine,
        control: this.control,
        events: this.events,
        dialer: this.dialer,
        admission: this.admission,
        links: () => [...this.links.values()],
        listenPorts: () => this.ports,
        module: <T extends GatewayModule>(name: string) => this.module<T>(name),
      };
      await m.start(ctx);
      this.startedModules.push(m);
      for (const a of m.adapters?.() ?? []) this.adapters.push(a);
    }
    for (const adapter of this.adapters) {
      adapter.on('link', (link) => this.attach(link));
      adapter.on('error', (err) => this.logger.debug({ err: String(err) }, 'link adapter error'));
      await adapter.start();
    }
    this.http = new StatusServer({ logger: this.logger.child({ component: 'http' }), getStatus: () => this.status() }, { host: cfg.http.host, port: cfg.http.port });
    await this.http.start();
    this.events.emit('listening', this.ports);
  }

  private attach(raw: Link): void {
    let link = raw;
    for (const m of this.startedModules) {
      if (!m.wrapLink) continue;
      try {
        link = m.wrapLink(link);
      } catch (err) {
        this.logger.warn({ err: String(err), module: m.name, link: raw.id }, 'module wrapLink failed; link used unwrapped by it');
      }
    }
    this.links.set(link.id, link);
    link.on('control', (msg) => this.control.dispatch(link, msg));
    link.on('close', (reason) => {
      this.links.delete(link.id);
      this.closedLinks++;
      for (const [code, n] of Object.entries(link.stats().drops)) this.closedLinkDrops[code] = (this.closedLinkDrops[code] ?? 0) + n;
      this.events.emit('link-down', { link, reason });
    });
    this.engine?.addLink(link);
    this.events.emit('link-up', { link });
    this.logger.info({ link: link.id, kind: link.kind, remote: link.remoteAddress, peer: link.remotePeerId }, 'link up');
  }

  private async probeClock(): Promise<void> {
    const r = await probeClockSync(this.config.clock.source);
    if (this.stopped) return;
    const first = this.clockState.snapshot().checkedAt === null;
    const was = this.clockState.isSynchronized();
    this.clockState.set(r.synchronized, r.source, r.detail, this.clock.now());
    if (first && !r.synchronized) {
      this.logger.warn({ source: r.source, detail: r.detail }, 'clock not known to be synchronised: the gateway relays but originates nothing (no own announces) until it is');
    } else if (first || was !== r.synchronized) {
      this.logger.info({ synchronized: r.synchronized, source: r.source, detail: r.detail }, 'clock state');
    }
    if (this.config.clock.source === 'auto') {
      this.probeTimer = this.clock.setTimer(() => void this.probeClock(), CLOCK_PROBE_INTERVAL_MS);
    }
  }

  /** Snapshot for /api/status (see docs/status-api.md). */
  status(): Record<string, unknown> {
    const engineStats = this.engine?.stats();
    const drops: Record<string, number> = {};
    const add = (d: Record<string, number> | undefined) => {
      for (const [k, v] of Object.entries(d ?? {})) drops[k] = (drops[k] ?? 0) + v;
    };
    const links = [...this.links.values()].map((l) => {
      const s = l.stats();
      const engineDrops = engineStats?.perLink[l.id]?.dropsByCode ?? {};
      const merged: Record<string, number> = { ...s.drops };
      for (const [k, v] of Object.entries(engineDrops)) merged[k] = (merged[k] ?? 0) + v;
      add(s.drops);
      return { id: l.id, kind: l.kind, isGatewayLink: l.isGatewayLink, remoteAddress: l.remoteAddress ?? null, remotePeerId: l.remotePeerId ?? null, ...s, drops: merged };
    });
    add(engineStats?.dropsByCode);
    add(this.closedLinkDrops);
    return {
      peerId: this.identity?.peerId ?? null,
      nickname: this.config.nickname,
      version: MESHGATE_VERSION,
      startedAt: this.startedAt,
      uptimeMs: this.clock.now() - this.startedAt,
      clock: this.clockState.snapshot(),
      listen: this.ports,
      identity: this.identity
        ? { noisePublicKey: toHex(this.identity.keys.noisePublicKey), signingPublicKey: toHex(this.identity.keys.signingPublicKey) }
        : null,
      relay: engineStats
        ? { received: engineStats.received, accepted: engineStats.accepted, relayed: engineStats.relayed, originated: engineStats.originated, duplicates: engineStats.duplicates, unverified: engineStats.unverified }
        : null,
      links,
      closedLinks: this.closedLinks,
      peers: this.engine?.peers() ?? [],
      drops,
      adapters: { ws: this.ws?.stats() ?? null },
      dialled: this.dialer.dialled(),
      control: this.control.stats(),
      modules: this.moduleStatus(),
    };
  }

  private moduleStatus(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const m of this.startedModules) {
      try {
        out[m.name] = m.status();
      } catch (err) {
        this.logger.warn({ err: String(err), module: m.name }, 'module status failed');
        out[m.name] = { error: 'MG_ERR_UNKNOWN' };
      }
    }
    return out;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.probeTimer) this.clock.clearTimer(this.probeTimer);
    await this.http?.stop();
    for (const a of [...this.adapters].reverse()) {
      try {
        await a.stop();
      } catch (err) {
        this.logger.warn({ err: String(err) }, 'adapter stop failed');
      }
    }
    for (const m of [...this.startedModules].reverse()) {
      try {
        await m.stop();
      } catch (err) {
        this.logger.warn({ err: String(err), module: m.name }, 'module stop failed');
      }
    }
    this.engine?.stop();
    this.db?.close();
    this.db = undefined;
  }
}

function parseHostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(s.slice(i + 1)) };
}

/** Build a gateway (not started). Library entry point: `import { createGateway } from 'meshgate'`. */
export function createGateway(components: GatewayComponents, config: Readonly<GatewayConfig>): Gateway {
  return new Gateway(components, config);
}
