/**
 * Gateway modules: each capability beyond the core relay (BLE, routing, failure detection,
 * QoS, the overlay's sessions and directory, the ledger) plugs into the daemon as a
 * {@link GatewayModule}. The gateway starts modules after storage, identity and the mesh
 * engine exist and before link adapters start; it stops them in reverse order before
 * SQLite closes. A module's status appears at /api/status → `modules[name]`.
 */
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { Link, LinkAdapter } from '../ports/link.js';
import type { PeerAdmission } from '../ports/admission.js';
import type { IdentityKeys } from '../protocol/keys.js';
import type { MeshEngine, TypedEmitter } from '../mesh/index.js';
import type { ControlBus } from '../overlay/control-bus.js';
import type { Database } from '../storage/index.js';
import type { GatewayConfig } from './config.js';

/** Events modules exchange through {@link GatewayModuleContext.events}. */
export interface GatewayEvents {
  /** A link opened and was attached to the engine (after every module's wrapLink). */
  'link-up': (e: { link: Link }) => void;
  /** An attached link closed. */
  'link-down': (e: { link: Link; reason: string }) => void;
  /** A monitored peer changed state (emitted by the failure-detection module). */
  'peer-state': (e: { peerId: string; kind: 'phone' | 'gateway'; state: 'alive' | 'suspect' | 'down'; at: number; phi?: number; linkId?: string }) => void;
  /** A round-trip time measured on a link, ms. */
  'link-rtt': (e: { linkId: string; peerId: string | undefined; rttMs: number; at: number }) => void;
  /** Link quality measured by QoS or a link: delivery ratio 0..1, bytes/s, frames queued, sojourn ms. */
  'link-quality': (e: { linkId: string; deliveryRatio?: number; bandwidthBytesPerSec?: number; queueLength?: number; sojournMs?: number; at: number }) => void;
  /** Every link adapter has started: listeners are bound (ports as in {@link GatewayModuleContext.listenPorts}). */
  listening: (e: { http: number | undefined; lan: number | undefined; gateway: number | undefined }) => void;
}

/** Dialling gateways at run time (discovery, directory selection, config). */
export interface GatewayDialer {
  /** Start dialling (and re-dialling with back-off) `url`; idempotent. False for a scheme no transport dials, or a malformed URL. */
  dial(url: string, opts?: { source: string }): boolean;
  /** Stop dialling `url` and close its link if open. */
  hangup(url: string): void;
  /** URLs dialled, with their source and the link ID when a link is up. */
  dialled(): ReadonlyArray<{ url: string; source: string; linkId: string | undefined }>;
  /** A transport registers the URL scheme it dials (e.g. `https:` for WebTransport). */
  registerScheme(scheme: string, dial: (url: string, source: string) => { hangup(): void; linkId(): string | undefined }): void;
}

/** What a module gets at start. */
export interface GatewayModuleContext {
  readonly config: Readonly<GatewayConfig>;
  readonly clock: Clock;
  /** Child logger `{ component: <module name> }`. */
  readonly logger: Logger;
  /** The gateway's SQLite database (WAL). Use `applyModuleMigrations` for tables. */
  readonly db: Database;
  readonly identity: { readonly keys: IdentityKeys; readonly peerId: string };
  readonly engine: MeshEngine;
  readonly control: ControlBus;
  readonly events: TypedEmitter<GatewayEvents>;
  readonly dialer: GatewayDialer;
  /** The active peer admission (the hygiene module's when present, else open). */
  readonly admission: PeerAdmission;
  /** Open links as the engine sees them (after wrapLink). */
  links(): readonly Link[];
  /** Bound listener ports (undefined until the adapters have started; see the `listening` event). */
  listenPorts?(): { http: number | undefined; lan: number | undefined; gateway: number | undefined };
  /** Another configured module by name. */
  module<T extends GatewayModule>(name: string): T | undefined;
}

export interface GatewayModule {
  /** Key under `modules` on /api/status, e.g. `routing`. Lowercase, unique. */
  readonly name: string;
  start(ctx: GatewayModuleContext): void | Promise<void>;
  stop(): void | Promise<void>;
  /** JSON-serialisable snapshot for /api/status → modules[name]. */
  status(): unknown;
  /** Link adapters this module runs; read after start(), started and stopped by the gateway. */
  adapters?(): readonly LinkAdapter[];
  /** Decorate each link before the engine sees it; return the same link or a full Link wrapper. */
  wrapLink?(link: Link): Link;
  /** The module's peer admission (the hygiene module); the first module providing one wins. */
  admission?(): PeerAdmission;
}
