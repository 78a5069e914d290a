/**
 * The configuration schema and its metadata, in one table: every setting has a zod v4
 * schema, a default, a description, whether a change needs a restart, its type (which
 * decides how environment/flag strings are coerced), and its environment variable and
 * CLI flag, derived from its path:
 *
 * - env:  `MESHGATE_` + path segments in SNAKE_CASE joined with `_`
 *         (`mesh.dedupCapacity` → `MESHGATE_MESH_DEDUP_CAPACITY`, `stateDir` → `MESHGATE_STATE_DIR`)
 * - flag: `--` + path segments in kebab-case joined with `-` (`--mesh-dedup-capacity`)
 *
 * `SETTINGS` (flat, in file order) drives the CLI's flag registration and docs/configuration.md
 * (test/config/config-docs.test.ts keeps the two in step). Constants cite their source.
 */
import { z } from 'zod';
import { HOST_EXPECTED, PORT_MAX, type SettingSpec, type SettingType, boolean, host, hostPort, integer, oneOf, peerIdHex, spec, string, stringList, utf8Length, wsUrl } from './config-spec.js';
import { MODULE_SETTINGS } from './config-module-settings.js';

export { MAX_LIST_ITEMS, SELECTION_PROFILE_VALUES, type SettingSpec, type SettingType } from './config-spec.js';

/** The pino levels accepted by `logLevel` (pino `lib/levels.js`, plus `silent`). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
/** `clock.source` values: `auto` asks systemd-timesyncd (timedatectl) / chrony; the others are operator overrides. */
export const CLOCK_SOURCES = ['auto', 'synced', 'unsynced'] as const;

/** The configuration file format version this build writes and reads. */
export const CONFIG_VERSION = 1;

/**
 * Every setting, nested as in the YAML file. Defaults and ranges: dedup ≥ 1,000 entries
 * and 5 min (bitchat-spec.md §6; Android keeps 10,000), announces every 15-30 s
 * (§3), ±120 s clock skew (§6, iOS), peer expiry 180 s (meshgate's choice: 6-12 missed
 * announce intervals), LAN frames 66,047 bytes (4-byte length framing, §8: a maximal
 * 65,535-byte v1 payload plus 512 bytes for header, IDs, route and signature).
 */

export const CONFIG_TREE = {
  version: spec<typeof CONFIG_VERSION>('integer', z.literal(CONFIG_VERSION), CONFIG_VERSION, `integer ${CONFIG_VERSION}`, {
    description: 'Configuration file format version; older files are migrated forward on load.',
    restart: true,
    fileOnly: true,
  }),
  stateDir: string('./data', z.string().min(1), 'a directory path', {
    description: 'State directory: SQLite database (meshgate.db) and identity keys (identity.json). Relative paths are relative to the working directory; the systemd unit uses /var/lib/meshgate.',
    restart: true,
  }),
  nickname: string('meshgate', z.string().refine((s) => utf8Length(s) >= 1 && utf8Length(s) <= 255), 'text of 1..255 UTF-8 bytes', {
    description: 'Nickname sent in announces (TLV 0x01, at most 255 bytes).',
    restart: false,
  }),
  logLevel: oneOf(LOG_LEVELS, 'info', { description: 'pino log level.', restart: false }),
  http: {
    host: string('0.0.0.0', host, HOST_EXPECTED, { description: 'Listen address of the status page and /api/status.', restart: true }),
    port: integer(8787, 0, PORT_MAX, { description: 'Listen port of the status page and /api/status (0 = any free port).', restart: true }),
  },
  lan: {
    enabled: boolean(true, { description: 'Run the LAN / Wi-Fi Direct TCP listener for phones and LAN peers (4-byte length framing).', restart: true }),
    host: string('0.0.0.0', host, HOST_EXPECTED, { description: 'Listen address of the LAN TCP listener.', restart: true }),
    port: integer(7777, 0, PORT_MAX, { description: 'Listen port of the LAN TCP listener (0 = any free port).', restart: true }),
    peers: stringList([], hostPort, 'host:port', { description: 'LAN peers to dial, as host:port ([v6]:port for IPv6).', restart: false }),
    maxFrameBytes: integer(66047, 512, 16_777_216, { description: 'Largest frame accepted or sent on a LAN link, bytes.', restart: true }),
  },
  gateway: {
    enabled: boolean(true, { description: 'Run the WebSocket listener for other gateways.', restart: true }),
    host: string('0.0.0.0', host, HOST_EXPECTED, { description: 'Listen address of the gateway WebSocket listener.', restart: true }),
    port: integer(7778, 0, PORT_MAX, { description: 'Listen port of the gateway WebSocket listener (0 = any free port).', restart: true }),
    peers: stringList([], wsUrl, 'ws:// or wss:// URLs', { description: 'Other gateways to dial, as ws://host:port/path URLs.', restart: false }),
    helloTimeoutMs: integer(10_000, 100, 600_000, { description: 'Time allowed to establish a gateway session (hellos, Noise handshake, confirmation), ms.', restart: false }),
    allowedPeers: stringList([], peerIdHex, '16-hex peer IDs', {
      description: 'When not empty, only gateways with these peer IDs may link, in either direction (see `meshgate identity` on each); empty = any gateway that completes the session handshake.',
      restart: true,
    }),
  },
  mesh: {
    dedupCapacity: integer(10_000, 1_000, 1_000_000, { description: 'Entries in the duplicate-suppression LRU (at least 1,000).', restart: true }),
    dedupWindowMs: integer(300_000, 1_000, 86_400_000, { description: 'How long a packet key stays in the duplicate-suppression LRU, ms.', restart: true }),
    announceIntervalMinMs: integer(15_000, 1_000, 3_600_000, { description: 'Shortest interval between periodic announces, ms.', restart: false }),
    announceIntervalMaxMs: integer(30_000, 1_000, 3_600_000, { description: 'Longest interval between periodic announces, ms (>= announceIntervalMinMs).', restart: false }),
    peerExpiryMs: integer(180_000, 1_000, 86_400_000, { description: 'A peer not heard from for this long is forgotten as a neighbour, ms.', restart: false }),
    maxClockSkewMs: integer(120_000, 1_000, 86_400_000, { description: 'Largest accepted distance between a packet timestamp and our clock, ms (bitchat-spec.md §6; the mesh engine decides the exceptions, e.g. sync responses).', restart: false }),
    relayJitter: boolean(true, { description: 'Delay broadcast relays by a random 10-220 ms depending on degree (off only for tests).', restart: false }),
  },
  clock: {
    source: oneOf(CLOCK_SOURCES, 'auto', {
      description: 'How the gateway decides its clock is synchronised: auto asks systemd-timesyncd (timedatectl) or chrony; synced / unsynced override.',
      restart: false,
    }),
  },
  ...MODULE_SETTINGS,
};

type ValueOf<N> = N extends SettingSpec<infer V> ? V : { readonly [K in keyof N]: ValueOf<N[K]> };

/** The validated, frozen configuration (shape of the YAML file). */
export type GatewayConfig = ValueOf<typeof CONFIG_TREE>;

/** One row of {@link SETTINGS}. */
export interface SettingInfo {
  /** Dotted path in the file, e.g. `mesh.dedupCapacity`. */
  readonly path: string;
  readonly env: string;
  readonly flag: string;
  readonly description: string;
  readonly default: unknown;
  readonly restart: boolean;
  readonly type: SettingType;
  readonly expected: string;
  readonly fileOnly: boolean;
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly spec: SettingSpec<unknown>;
}

/** Whether a tree node is a setting (leaf) rather than a section. */
export function isSetting(node: unknown): node is SettingSpec<unknown> {
  return typeof node === 'object' && node !== null && (node as { kind?: unknown }).kind === 'setting';
}

const snake = (s: string): string => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
const kebab = (s: string): string => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

/** `mesh.dedupCapacity` → `MESHGATE_MESH_DEDUP_CAPACITY`. */
export function envNameFor(path: string): string {
  return 'MESHGATE_' + path.split('.').map(snake).join('_');
}

/** `mesh.dedupCapacity` → `--mesh-dedup-capacity`. */
export function flagNameFor(path: string): string {
  return '--' + path.split('.').map(kebab).join('-');
}

function flatten(node: Record<string, unknown>, prefix: string, out: SettingInfo[]): SettingInfo[] {
  for (const [key, child] of Object.entries(node)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isSetting(child)) {
      out.push(
        Object.freeze({
          path,
          env: envNameFor(path),
          flag: flagNameFor(path),
          description: child.description,
          default: child.default,
          restart: child.restart,
          type: child.type,
          expected: child.expected,
          fileOnly: child.fileOnly,
          ...(child.values ? { values: child.values } : {}),
          ...(child.min !== undefined ? { min: child.min, max: child.max } : {}),
          spec: child,
        }),
      );
    } else flatten(child as Record<string, unknown>, path, out);
  }
  return out;
}

/** Every setting, flat, in file order. */
export const SETTINGS: readonly SettingInfo[] = Object.freeze(flatten(CONFIG_TREE, '', []));

/** Setting by dotted path. */
export const SETTINGS_BY_PATH: ReadonlyMap<string, SettingInfo> = new Map(SETTINGS.map((s) => [s.path, s]));

function buildSchema(node: Record<string, unknown>): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, child] of Object.entries(node)) {
    if (isSetting(child)) shape[key] = child.schema.default(child.default as never).describe(child.description);
    else shape[key] = buildSchema(child as Record<string, unknown>);
  }
  return z.strictObject(shape).prefault({});
}

const LISTENERS = [
  { name: 'http', enabled: () => true },
  { name: 'lan', enabled: (c: GatewayConfig) => c.lan.enabled },
  { name: 'gateway', enabled: (c: GatewayConfig) => c.gateway.enabled },
] as const;
const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

/**
 * The zod v4 schema of the whole file (strict: unknown keys are errors; absent keys take
 * their defaults), with the cross-field rules: announceIntervalMinMs <= announceIntervalMaxMs,
 * directory.advertLifetimeMs > directory.advertIntervalMs, and no two enabled listeners on
 * the same non-zero port of overlapping addresses.
 */
export const CONFIG_SCHEMA = (buildSchema(CONFIG_TREE) as z.ZodType<GatewayConfig>).superRefine((cfg, ctx) => {
  if (cfg.mesh.announceIntervalMinMs > cfg.mesh.announceIntervalMaxMs) {
    ctx.addIssue({
      code: 'custom',
      path: ['mesh', 'announceIntervalMinMs'],
      message: `must be <= mesh.announceIntervalMaxMs (${cfg.mesh.announceIntervalMaxMs}), got ${cfg.mesh.announceIntervalMinMs}`,
      params: { related: ['mesh.announceIntervalMaxMs'] },
    });
  }
  const p = cfg.ble.peripheral;
  const c = cfg.ble.central;
  if (p.enabled && c.enabled && (p.uartPort !== '' ? p.uartPort === c.uartPort : c.uartPort === '' && p.hciIndex === c.hciIndex)) {
    ctx.addIssue({
      code: 'custom',
      path: ['ble', 'central', c.uartPort !== '' ? 'uartPort' : 'hciIndex'],
      message: 'the BLE central needs a controller of its own: with bleno and noble one controller cannot serve both roles (set ble.central.hciIndex or ble.central.uartPort)',
      params: { related: ['ble.peripheral.hciIndex', 'ble.peripheral.uartPort'] },
    });
  }
  if (cfg.directory.advertLifetimeMs <= cfg.directory.advertIntervalMs) {
    ctx.addIssue({
      code: 'custom',
      path: ['directory', 'advertLifetimeMs'],
      message: `must be > directory.advertIntervalMs (${cfg.directory.advertIntervalMs}), or adverts lapse between refreshes; got ${cfg.directory.advertLifetimeMs}`,
      params: { related: ['directory.advertIntervalMs'] },
    });
  }
  const d = cfg.detection;
  if (d.suspicionMinMs > d.suspicionMaxMs) {
    ctx.addIssue({ code: 'custom', path: ['detection', 'suspicionMinMs'], message: `must be <= detection.suspicionMaxMs (${d.suspicionMaxMs}), got ${d.suspicionMinMs}`, params: { related: ['detection.suspicionMaxMs'] } });
  }
  if (d.healthCriticalBelow > d.healthWarningBelow) {
    ctx.addIssue({ code: 'custom', path: ['detection', 'healthCriticalBelow'], message: `must be <= detection.healthWarningBelow (${d.healthWarningBelow}), got ${d.healthCriticalBelow}`, params: { related: ['detection.healthWarningBelow'] } });
  }
  if (cfg.ledger.latencyBadMs <= cfg.ledger.latencyGoodMs) {
    ctx.addIssue({
      code: 'custom',
      path: ['ledger', 'latencyBadMs'],
      message: `must be > ledger.latencyGoodMs (${cfg.ledger.latencyGoodMs}), got ${cfg.ledger.latencyBadMs}`,
      params: { related: ['ledger.latencyGoodMs'] },
    });
  }
  const on = LISTENERS.filter((l) => l.enabled(cfg)).map((l) => ({ name: l.name, host: cfg[l.name].host, port: cfg[l.name].port }));
  for (let i = 0; i < on.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = on[j];
      const b = on[i];
      if (b.port !== 0 && a.port === b.port && (a.host === b.host || WILDCARD.has(a.host) || WILDCARD.has(b.host))) {
        ctx.addIssue({ code: 'custom', path: [b.name, 'port'], message: `port ${b.port} is also ${a.name}.port; two listeners cannot share a port`, params: { related: [`${a.name}.port`] } });
      }
    }
  }
});
