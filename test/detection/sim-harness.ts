/**
 * In-process gateways for detection tests: each runs the real DetectionModule with its own
 * control bus, event bus, in-memory SQLite and a minimal engine stand-in (packet/peer
 * events, route policy slot), all on one ManualClock; gateway links are MemoryLinks
 * (control channel included) on per-pair media so each pair's latency and loss can be set.
 */
import { MemoryMedium } from '../../src/links/memory/index.js';
import type { Link } from '../../src/ports/link.js';
import { ManualClock } from '../../src/ports/clock.js';
import { silentLogger } from '../../src/ports/logger.js';
import { ControlBus } from '../../src/overlay/control-bus.js';
import { TypedEmitter, type MeshEngineEvents, type RoutePolicy } from '../../src/mesh/index.js';
import type { GatewayEvents, GatewayModuleContext, GatewayDialer } from '../../src/gateway/module.js';
import { loadConfig } from '../../src/gateway/config.js';
import { openDatabase, type Database } from '../../src/storage/index.js';
import { OPEN_ADMISSION } from '../../src/ports/admission.js';
import { DetectionModule } from '../../src/gateway/modules/detection-module.js';
import { RoutingModule } from '../../src/gateway/modules/routing-module.js';
import { generateIdentityKeys, peerIdHexFromNoiseKey, type IdentityKeys } from '../../src/protocol/keys.js';

export class FakeEngine extends TypedEmitter<MeshEngineEvents> {
  policy: RoutePolicy | undefined;
  setRoutePolicy(p: RoutePolicy | undefined): void {
    this.policy = p;
  }
  /** The mesh engine's peer table (the routing module asks it for phones' links): empty here. */
  peer(): undefined {
    return undefined;
  }
}

export class SimGateway {
  readonly links = new Map<string, Link>();
  readonly events = new TypedEmitter<GatewayEvents>(silentLogger);
  readonly control: ControlBus;
  readonly engine = new FakeEngine(silentLogger);
  readonly module = new DetectionModule();
  /** The real routing module, started before detection (as createModules does) when asked for. */
  readonly routing: RoutingModule | undefined;
  readonly peerStates: Array<{ peerId: string; kind: string; state: string; at: number }> = [];
  readonly received = new Map<string, Uint8Array[]>();
  /** dial() calls made by the module. */
  readonly dials: Array<{ url: string; source: string }> = [];
  /** URLs this gateway "dials" (as the dialler would report them) → link ID. */
  readonly dialledUrls = new Map<string, string>();
  /** Offences the module reported to peer admission. */
  readonly offences: Array<{ peerId?: string; offence: string; detail?: string }> = [];
  readonly db: Database = openDatabase({ logger: silentLogger }, { path: ':memory:' });
  constructor(readonly name: string, readonly peerId: string, readonly clock: ManualClock, flags: Record<string, string>, opts: { routing?: boolean; keys?: IdentityKeys } = {}) {
    this.control = new ControlBus({ logger: silentLogger, links: () => [...this.links.values()] });
    const config = loadConfig({ flags: { 'clock-source': 'synced', ...flags } });
    this.routing = opts.routing ? new RoutingModule(config) : undefined;
    const dialer: GatewayDialer = {
      dial: (url, opts) => {
        this.dials.push({ url, source: opts?.source ?? 'runtime' });
        if (!this.dialledUrls.has(url)) this.dialledUrls.set(url, '');
        return true;
      },
      hangup: () => undefined,
      dialled: () => [...this.dialledUrls].map(([url, linkId]) => ({ url, source: 'config', linkId: this.links.has(linkId) ? linkId : undefined })),
      registerScheme: () => undefined,
    };
    const ctx: GatewayModuleContext = {
      config,
      clock,
      logger: silentLogger,
      db: this.db,
      identity: { keys: opts.keys ?? generateIdentityKeys(), peerId },
      engine: this.engine as never,
      control: this.control,
      events: this.events,
      dialer,
      admission: { ...OPEN_ADMISSION, report: (e) => this.offences.push(e) },
      links: () => [...this.links.values()],
      module: <T,>(name: string) => (name === 'routing' ? this.routing : name === 'detection' ? this.module : undefined) as T | undefined,
    };
    this.events.on('peer-state', (e) => this.peerStates.push(e));
    this.routing?.start(ctx);
    this.module.start(ctx);
  }

  attach(raw: Link): Link {
    const link = this.module.wrapLink(raw);
    this.links.set(link.id, link);
    link.on('control', (m) => this.control.dispatch(link, m));
    link.on('frame', (f) => {
      const list = this.received.get(link.id) ?? [];
      list.push(f);
      this.received.set(link.id, list);
    });
    link.on('close', (reason) => {
      this.links.delete(link.id);
      this.events.emit('link-down', { link, reason });
    });
    this.events.emit('link-up', { link });
    return link;
  }

  linkTo(other: SimGateway): Link | undefined {
    return [...this.links.values()].find((l) => l.remotePeerId === other.peerId);
  }

  status(): any {
    return this.module.status();
  }
}

export class SimNet {
  readonly clock: ManualClock;
  private n = 0;
  readonly media = new Map<string, MemoryMedium>();
  constructor(start = 1_700_000_000_000) {
    this.clock = new ManualClock(start);
  }

  gateway(name: string, flags: Record<string, string> = {}, opts: { routing?: boolean } = {}): SimGateway {
    const peerId = (this.n++ + 1).toString(16).padStart(16, 'a');
    if (!opts.routing) return new SimGateway(name, peerId, this.clock, flags, opts);
    // routing verifies signed adverts: the peer ID must be the one the Noise key gives
    const keys = generateIdentityKeys();
    return new SimGateway(name, peerIdHexFromNoiseKey(keys.noisePublicKey), this.clock, flags, { ...opts, keys });
  }

  /** Link two gateways (a new pair of link IDs each time); with `url`, `a` reports dialling `b` at it. */
  connect(a: SimGateway, b: SimGateway, latencyMs = 0, url?: string): [Link, Link] {
    const key = [a.name, b.name].sort().join('-');
    let m = this.media.get(key);
    if (!m) this.media.set(key, (m = new MemoryMedium({ clock: this.clock }, { latencyMs })));
    const [la, lb] = m.connect(`${a.name}>${b.name}#${++this.n}`, `${b.name}>${a.name}#${this.n}`, { isGatewayLink: true });
    la.remotePeerId = b.peerId;
    lb.remotePeerId = a.peerId;
    if (url) a.dialledUrls.set(url, la.id);
    return [a.attach(la), b.attach(lb)];
  }

  medium(a: SimGateway, b: SimGateway): MemoryMedium {
    return this.media.get([a.name, b.name].sort().join('-'))!;
  }

  /** Advance virtual time in steps, letting promise callbacks (link closes) run between steps. */
  async run(ms: number, stepMs = 50): Promise<void> {
    for (let t = 0; t < ms; t += stepMs) {
      this.clock.advance(Math.min(stepMs, ms - t));
      await new Promise((r) => setImmediate(r));
    }
  }
}
