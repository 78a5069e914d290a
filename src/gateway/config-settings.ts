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

/** How an environment or flag string is coerced: integer (decimal), boolean (true/false/1/0/yes/no/on/off), string, string-list (comma-separated), enum. */
export type SettingType = 'integer' | 'boolean' | 'string' | 'string-list' | 'enum';

interface Meta {
  description: string;
  /** True when a change only takes effect after a restart (a reload could apply the others live). */
  restart: boolean;
  /** Settable only in the file (no env/flag override). */
  fileOnly?: boolean;
}

/** One setting (a leaf of {@link CONFIG_TREE}). */
export interface SettingSpec<T> {
  readonly kind: 'setting';
  readonly type: SettingType;
  readonly schema: z.ZodType<T>;
  readonly default: T;
  readonly description: string;
  readonly restart: boolean;
  readonly fileOnly: boolean;
  /** What a valid value looks like, for error messages ("integer 0..65535"). */
  readonly expected: string;
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** For string lists: the most items accepted. */
  readonly maxItems?: number;
}

/** Most entries accepted in a list setting (peers to dial). */
export const MAX_LIST_ITEMS = 64;

function spec<T>(type: SettingType, schema: z.ZodType<T>, def: T, expected: string, meta: Meta, extra: Partial<SettingSpec<T>> = {}): SettingSpec<T> {
  return { kind: 'setting', type, schema, default: def, expected, description: meta.description, restart: meta.restart, fileOnly: meta.fileOnly ?? false, ...extra };
}
const integer = (def: number, min: number, max: number, meta: Meta) =>
  spec<number>('integer', z.number().int().min(min).max(max), def, `integer ${min}..${max}`, meta, { min, max });
const boolean = (def: boolean, meta: Meta) => spec<boolean>('boolean', z.boolean(), def, 'boolean (true or false)', meta);
const string = (def: string, schema: z.ZodType<string>, expected: string, meta: Meta) => spec<string>('string', schema, def, expected, meta);
const stringList = (def: readonly string[], item: z.ZodType<string>, itemExpected: string, meta: Meta) =>
  spec<readonly string[]>('string-list', z.array(item).max(MAX_LIST_ITEMS) as unknown as z.ZodType<readonly string[]>, def, `list of at most ${MAX_LIST_ITEMS} ${itemExpected}`, meta, {
    maxItems: MAX_LIST_ITEMS,
  });
function oneOf<const V extends readonly [string, ...string[]]>(values: V, def: V[number], meta: Meta): SettingSpec<V[number]> {
  return spec<V[number]>('enum', z.enum(values) as unknown as z.ZodType<V[number]>, def, `one of ${values.join('|')}`, meta, { values });
}

const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');
const host = z.string().regex(/^[A-Za-z0-9._:%\-[\]]+$/, 'host name or IP address');
const HOST_EXPECTED = 'host name or IP address';
const hostPort = z.string().refine((s) => {
  const m = /^(\[[0-9A-Fa-f:.%a-zA-Z0-9]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(s);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
}, 'expected host:port');
const wsUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return (u.protocol === 'ws:' || u.protocol === 'wss:') && u.hostname !== '';
  } catch {
    return false;
  }
}, 'expected a ws:// or wss:// URL');
/** bitchat GATT UUIDs (bitchat-spec.md §1; src/links/ble/ble-gatt.ts). */
const BLE_SERVICE_UUID = 'F47B5E2D-4A9E-4C5A-9B3F-8E1D2C3A4B5C';
const BLE_CHARACTERISTIC_UUID = 'A1B2C3D4-E5F6-4A5B-8C9D-0E1F2A3B4C5D';
const uuid128 = z.string().regex(/^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/, 'expected a 128-bit UUID');
const UUID_EXPECTED = 'a 128-bit UUID (8-4-4-4-12 hex)';
const httpsUrl = (s: string): boolean => {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' && u.hostname !== '' && /^[0-9a-fA-F]{64}$/.test(u.searchParams.get('certhash') ?? '');
  } catch {
    return false;
  }
};
const wtUrl = z.string().refine(httpsUrl, 'expected https://host:port/path?certhash=<64 hex>');
/** Gateway-protocol feature names (src/overlay/negotiation/features.ts). */
const FEATURE_NAME_LIST = ['BasicMesh', 'GatewayNodes', 'EnhancedRouting', 'CompressionV2', 'ProofOfRelay', 'CrossChainBridge'] as const;
const featureName = z.enum(FEATURE_NAME_LIST) as unknown as z.ZodType<string>;
const semver = z.string().regex(/^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/, 'expected MAJOR.MINOR.PATCH');
const peerIdHex = z.string().regex(/^[0-9a-f]{16}$/, 'expected 16 lowercase hex characters');
const PORT_MAX = 65535;
const advertUrl = z.string().max(256).refine((s) => {
  try {
    const u = new URL(s);
    return (u.protocol === 'ws:' || u.protocol === 'wss:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}, 'expected a ws://, wss:// or https:// URL');
const position = z.string().refine((s) => {
  if (s === '') return true;
  const m = /^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$/.exec(s);
  return m !== null && Math.abs(Number(m[1])) <= 90 && Math.abs(Number(m[2])) <= 180;
}, "expected 'lat,lon' in degrees");
/** `selection.profile` values (src/overlay/selection/score.ts SELECTION_PROFILES). */
export const SELECTION_PROFILE_VALUES = ['latency', 'cost', 'bandwidth', 'reliability'] as const;

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
/** Routing algorithm choices (src/routing/hybrid.ts). */
const ROUTING_ALGORITHM_CHOICES = ['hybrid', 'dijkstra', 'multipath', 'gpsr', 'aco', 'flood'] as const;

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
  ble: {
    serviceUuid: string(BLE_SERVICE_UUID, uuid128, UUID_EXPECTED, {
      description: 'bitchat GATT service UUID, advertised and scanned for (release builds; iOS debug builds use F47B5E2D-4A9E-4C5A-9B3F-8E1D2C3A4B5A).',
      restart: true,
    }),
    characteristicUuid: string(BLE_CHARACTERISTIC_UUID, uuid128, UUID_EXPECTED, { description: 'bitchat GATT characteristic UUID (the only one).', restart: true }),
    peripheral: {
      enabled: boolean(false, {
        description: 'Run the GATT peripheral (bleno): phones connect to the gateway. Off in the embedded defaults (CI has no radio); the systemd unit turns it on. Without an adapter the daemon runs and reports the radio as unsupported.',
        restart: true,
      }),
      hciIndex: integer(0, 0, 15, { description: 'HCI controller index of the peripheral role (hciN); keep bluetoothd off it.', restart: true }),
      uartPort: string('', z.string().max(255), 'a serial device path or empty', {
        description: 'Serial port of an HCI-over-UART controller for the peripheral role (e.g. /dev/ttyAMA0); empty = use hciIndex.',
        restart: true,
      }),
      uartBaudRate: integer(1_000_000, 9_600, 4_000_000, { description: 'Baud rate of the peripheral role UART controller.', restart: true }),
      maxCentrals: integer(8, 1, 32, { description: 'Most phones connected to the peripheral at once (Android keeps 8 links); advertising pauses at the cap.', restart: true }),
      advertiseName: string('', z.string().refine((s) => utf8Length(s) <= 29), 'text of 0..29 UTF-8 bytes', {
        description: 'Local name in the advertising data (shortened to the 8 bytes that fit); empty = none, as phones do.',
        restart: true,
      }),
      queueFrames: integer(512, 16, 8_192, { description: 'Egress queue per phone link, GATT values (one notification each); overflow drops the packet.', restart: true }),
    },
    central: {
      enabled: boolean(false, {
        description: 'Run the GATT central (noble) on a second controller: the gateway connects to phones and BLE nodes it scans.',
        restart: true,
      }),
      hciIndex: integer(1, 0, 15, { description: 'HCI controller index of the central role (a second controller, e.g. a USB dongle).', restart: true }),
      uartPort: string('', z.string().max(255), 'a serial device path or empty', {
        description: 'Serial port of an HCI-over-UART controller for the central role (e.g. a Zephyr hci_uart co-processor); empty = use hciIndex.',
        restart: true,
      }),
      uartBaudRate: integer(1_000_000, 9_600, 4_000_000, { description: 'Baud rate of the central role UART controller.', restart: true }),
      rssiFloorDbm: integer(-90, -127, 0, { description: 'Devices scanned weaker than this are not connected, dBm.', restart: false }),
      maxPeripherals: integer(6, 1, 16, { description: 'Most devices the central is connected to at once (iOS keeps at most 6 outgoing links).', restart: true }),
      connectIntervalMs: integer(500, 500, 60_000, { description: 'Shortest gap between two connection attempts, ms (at least 500).', restart: true }),
      connectTimeoutMs: integer(8_000, 1_000, 60_000, { description: 'Deadline of one connection attempt (connect, discovery, subscription), ms; then it is cancelled and the device backs off.', restart: true }),
      queueFrames: integer(512, 16, 8_192, { description: 'Egress queue per central link, GATT values (one write-without-response each); overflow drops the packet.', restart: true }),
    },
  },
  // overlay discovery, directory, selection and peer hygiene (issue 6, part B; docs/overlay.md)
  discovery: {
    mdns: boolean(true, { description: 'Advertise this gateway with mDNS / DNS-SD and dial gateways found on the LAN (the lower peer ID dials). Needs gateway.enabled.', restart: true }),
    serviceType: string('meshgate', z.string().regex(/^[a-z0-9][a-z0-9-]{0,14}$/), 'DNS-SD service name: 1..15 of a-z 0-9 - (RFC 6335)', {
      description: 'DNS-SD service type: `meshgate` advertises and browses `_meshgate._tcp.local`. Gateways only find others with the same type.',
      restart: true,
    }),
    interface: string('', z.union([z.literal(''), z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/)]), "an IPv4 address or ''", {
      description: "IPv4 address of the interface for multicast ('' = the system default).",
      restart: true,
    }),
    requeryMs: integer(30_000, 1_000, 3_600_000, { description: 'How often the mDNS browser re-queries the LAN, ms.', restart: true }),
    maxDiscovered: integer(64, 1, 4096, { description: 'Most gateways tracked from mDNS; further ones are ignored (MG_ERR_DISCOVERY_FULL).', restart: true }),
  },
  directory: {
    enabled: boolean(true, { description: 'Flood this gateway\'s signed advert over gateway links and keep a directory of the others\'.', restart: true }),
    endpoints: stringList([], advertUrl, 'ws://, wss:// or https:// URLs', {
      description: 'Endpoints other gateways may dial, put in the advert (at most 4 used). Empty: ws://<gateway.host>:<port>/meshgate when gateway.host is not a wildcard address, else none.',
      restart: false,
    }),
    position: string('', position, "'lat,lon' in degrees or ''", { description: "This gateway's position for the advert, 'lat,lon' (WGS 84 degrees), or '' for none.", restart: false }),
    fee: integer(0, 0, 1_000_000_000, { description: 'Fee advertised per MiB relayed, in the operator\'s smallest currency unit (0 = free).', restart: false }),
    bandwidthBytesPerSec: integer(0, 0, 1_000_000_000_000, { description: 'Uplink bandwidth offered, advertised, bytes/s (0 = unknown).', restart: false }),
    advertIntervalMs: integer(60_000, 5_000, 3_600_000, { description: 'How often this gateway floods a fresh advert, ms.', restart: false }),
    advertLifetimeMs: integer(300_000, 15_000, 86_400_000, { description: 'Lifetime of this gateway\'s adverts (exp − iat), ms; must exceed advertIntervalMs.', restart: false }),
    maxEntries: integer(1024, 16, 65_536, { description: 'Most adverts held in the directory; the one expiring first is evicted.', restart: true }),
    maxHops: integer(8, 1, 64, { description: 'Most gateway hops an advert is flooded over.', restart: false }),
    minReadvertMs: integer(2_000, 0, 3_600_000, { description: 'Smallest gap between two adverts of one gateway; quicker ones are dropped as a flood, ms.', restart: false }),
    pingIntervalMs: integer(10_000, 1_000, 600_000, { description: 'How often RTT is measured on each gateway link with a dir.ping control message, ms.', restart: false }),
  },
  selection: {
    enabled: boolean(false, { description: 'Choose uplinks from the directory by score and dial them (source `directory`).', restart: true }),
    uplinks: integer(2, 1, 16, { description: 'How many uplink gateways to keep.', restart: false }),
    profile: oneOf(SELECTION_PROFILE_VALUES, 'latency', { description: 'Preference profile of the selection score: latency, cost, bandwidth or reliability.', restart: false }),
    marginPercent: integer(20, 0, 1000, { description: 'A candidate replaces an uplink only when its score is higher by this many percent (hysteresis margin).', restart: false }),
    holdMs: integer(30_000, 0, 3_600_000, { description: '...and stays higher for this long, ms (hysteresis hold time).', restart: false }),
    evaluateIntervalMs: integer(5_000, 500, 600_000, { description: 'How often the uplinks are re-evaluated, ms.', restart: false }),
    connectTimeoutMs: integer(15_000, 1_000, 600_000, { description: 'A chosen uplink that has not linked within this time is set aside as unreachable for directory.advertLifetimeMs, ms.', restart: false }),
  },
  hygiene: {
    enabled: boolean(true, { description: 'Peer hygiene: reputation, temporary bans, peer limits and IP-prefix diversity for gateway links.', restart: true }),
    maxPeers: integer(64, 1, 4096, { description: 'Most gateway sessions, inbound and outbound together; more are refused (MG_ERR_PEER_LIMIT).', restart: false }),
    maxOutbound: integer(8, 1, 1024, { description: 'Most dialled (outbound) gateway sessions; also the base of the prefix share.', restart: false }),
    maxPrefixSharePercent: integer(25, 1, 100, { description: 'Largest share of the outbound slots one /16 (IPv4) or /48 (IPv6) may hold (eclipse resistance; at least one peer per prefix).', restart: false }),
    exemptPrivate: boolean(true, { description: 'Exempt loopback, private and link-local addresses from the prefix rule (LAN gateways share a prefix).', restart: false }),
    banThreshold: integer(100, 1, 1_000_000, { description: 'Reputation penalty score at which a peer or address is banned (bad signature 50, downgrade 100, invalid frame 10...).', restart: false }),
    banMs: integer(600_000, 1_000, 604_800_000, { description: 'Length of a first ban, ms; doubled for each further ban.', restart: false }),
    maxBanMs: integer(86_400_000, 1_000, 2_592_000_000, { description: 'Longest ban, ms.', restart: false }),
    halfLifeMs: integer(900_000, 1_000, 604_800_000, { description: 'Half-life of a reputation penalty score, ms.', restart: false }),
    maxTracked: integer(4096, 16, 1_000_000, { description: 'Most peers and addresses with a reputation entry; the best-behaved unbanned one is evicted first.', restart: true }),
  },
  routing: {
    enabled: boolean(true, { description: 'Run the routing engine (docs/routing.md): directed packets go along computed routes instead of flooding.', restart: true }),
    algorithm: oneOf(ROUTING_ALGORITHM_CHOICES, 'hybrid', {
      description: 'Routing algorithm for every destination, or hybrid (per destination by link-state and position freshness and observed delivery; docs/routing.md).',
      restart: true,
    }),
    latitude: string('', z.string().regex(/^$|^-?(90(\.0+)?|[1-8]?\d(\.\d+)?)$/), 'empty or decimal degrees -90..90', {
      description: "This gateway's latitude, decimal degrees (empty = unknown; used by geographic routing and geohash scoping).",
      restart: true,
    }),
    longitude: string('', z.string().regex(/^$|^-?(180(\.0+)?|(1[0-7]\d|[1-9]?\d)(\.\d+)?)$/), 'empty or decimal degrees -180..180', {
      description: "This gateway's longitude, decimal degrees (empty = unknown).",
      restart: true,
    }),
    coverageM: integer(200, 0, 100_000, { description: 'Radius around this gateway it serves for geohash-scoped traffic, metres.', restart: true }),
    lsaIntervalMs: integer(30_000, 1_000, 3_600_000, { description: 'Interval between our link-state adverts (and RTT probes) to other gateways, ms.', restart: true }),
    lsaHoldMs: integer(120_000, 3_000, 86_400_000, { description: 'Hold time of our adverts and measured links: receivers drop them this long after receipt, ms (use >= 3 x lsaIntervalMs).', restart: true }),
    recomputeDelayMs: integer(100, 0, 60_000, { description: 'Debounce between a topology change and the route recomputation, ms.', restart: true }),
    multipathK: integer(3, 1, 8, { description: 'Link-disjoint paths used by multipath routing.', restart: true }),
    maxNodes: integer(10_000, 16, 1_000_000, { description: 'Topology nodes kept (least recently seen evicted).', restart: true }),
    maxLinkStateAgeMs: integer(90_000, 1_000, 86_400_000, { description: 'Hybrid: link state older than this is stale, ms.', restart: true }),
    maxPositionAgeMs: integer(30_000, 1_000, 86_400_000, { description: 'Hybrid and GPSR: positions older than this (after dead reckoning) are stale, ms.', restart: true }),
    minDeliveryPercent: integer(90, 0, 100, { description: 'Hybrid: below this observed delivery ratio, percent, single-path routing gives way to multipath or geographic.', restart: true }),
    weights: {
      etx: integer(100, 0, 10_000, { description: 'Link metric weight of the ETX term, percent (100 = 1.0).', restart: true }),
      latency: integer(100, 0, 10_000, { description: 'Link metric weight of one-way latency (RTT/2), percent.', restart: true }),
      size: integer(100, 0, 10_000, { description: 'Link metric weight of the ETT (packet size over bandwidth) term, percent.', restart: true }),
      jitter: integer(50, 0, 10_000, { description: 'Link metric weight of jitter, percent.', restart: true }),
      queue: integer(100, 0, 10_000, { description: 'Link metric weight of the queue drain term, percent.', restart: true }),
    },
  },
  // failure detection and resilience (docs/detection.md); Akka / memberlist defaults cited there
  detection: {
    enabled: boolean(true, { description: 'Run failure detection: phi accrual detectors for phones, gateways and gateway links, gateway pings, failover, route hold-down, partitions and health scores.', restart: true }),
    threshold: integer(8, 1, 100, { description: 'Phi at or above which a peer or link is suspected (Akka default 8).', restart: true }),
    maxSampleSize: integer(1000, 1, 100_000, { description: 'Heartbeat intervals kept per detector (Akka default 1000).', restart: true }),
    minStdDeviationMs: integer(100, 1, 600_000, { description: 'Lower bound of the interval standard deviation used by phi, ms (Akka default 100).', restart: true }),
    pingIntervalMs: integer(1000, 50, 600_000, { description: 'Gateway-link ping interval, ms; also the first heartbeat estimate of gateways and gateway links.', restart: true }),
    pingTimeoutMs: integer(2000, 50, 600_000, { description: 'A ping or indirect probe without an answer after this long has failed, ms (scaled by local awareness).', restart: true }),
    gatewayPauseMs: integer(3000, 0, 600_000, { description: 'Acceptable heartbeat pause of gateways and gateway links, ms (Akka default 3000).', restart: true }),
    phoneIntervalMs: integer(20_000, 100, 3_600_000, { description: "A phone's expected heartbeat interval (announces every 15-30 s, bitchat-spec.md §3), ms: its first heartbeat estimate.", restart: true }),
    phonePauseMs: integer(5_000, 0, 3_600_000, { description: 'Acceptable heartbeat pause of phones, ms (bench/detection: 5 s gives the same false suspicions as 10 s on its traces, 5 s sooner).', restart: true }),
    indirectProbes: integer(3, 0, 16, { description: 'Gateways asked to probe a suspected gateway (SWIM k; memberlist default 3).', restart: true }),
    suspicionMinMs: integer(2000, 10, 3_600_000, { description: 'Shortest suspicion before a suspect is declared down (all confirmations in), ms.', restart: true }),
    suspicionMaxMs: integer(6000, 10, 3_600_000, { description: 'Longest suspicion (no confirmations), ms (>= suspicionMinMs; memberlist uses 6 x min).', restart: true }),
    checkIntervalMs: integer(250, 10, 60_000, { description: 'How often every detector is evaluated, ms.', restart: true }),
    holdTimeMs: integer(30_000, 0, 3_600_000, { description: 'Route hold-down: a route changes at most once per hold time unless its hop fails, and a link must be up this long to win a route back, ms.', restart: true }),
    failoverRetainMs: integer(10_000, 100, 600_000, { description: 'Directed frames sent on a gateway link are kept until the neighbour acknowledges them (a pong) and for at least this long, and re-sent through another gateway link if that link or its gateway goes down, ms.', restart: true }),
    failoverMaxFrames: integer(1024, 1, 100_000, { description: 'Frames retained for failover per gateway link (oldest forgotten when full).', restart: true }),
    topologyIntervalMs: integer(5000, 100, 600_000, { description: 'How often this gateway floods its topology record (neighbours, phones, dial URLs), ms; records expire after 3 intervals.', restart: true }),
    maxMonitoredPeers: integer(10_000, 16, 1_000_000, { description: 'Peers and links monitored at once (the one silent longest is evicted when full).', restart: true }),
    eventsCapacity: integer(256, 8, 100_000, { description: 'Detection events (state changes, route changes, partitions, recoveries) kept for /api/status.', restart: true }),
    healthWarningBelow: integer(70, 1, 100, { description: 'Health scores below this are `warning`.', restart: false }),
    healthCriticalBelow: integer(40, 0, 100, { description: 'Health scores below this are `critical` (<= healthWarningBelow).', restart: false }),
    routePolicy: oneOf(['auto', 'on', 'off'] as const, 'auto', {
      description: "Install detection's failover route choice as the mesh route policy: auto = only when no routing module runs (with routing, hold-down decides among routing's first hops and routing's policy forwards on the held route); on = always, with detection's own candidates; off = never (choice kept on status only; with routing as auto).",
      restart: true,
    }),
  },
  // ledger: proof-of-relay receipts, ledger batches and rewards (docs/ledger.md)
  ledger: {
    enabled: boolean(true, { description: 'Run the proof-of-relay ledger: sign receipts for packets other gateways hand us, and credit receipts for packets we hand them.', restart: true }),
    epochMs: integer(3_600_000, 1_000, 604_800_000, { description: 'Epoch length, ms; epoch = floor(time / epochMs), so gateways agree without talking. Credits, caps and exports are per epoch.', restart: true }),
    receiptBatchDelayMs: integer(500, 0, 60_000, { description: 'Longest wait before receipts for one relayer go out as a signed batch, ms (0 = one batch per receipt).', restart: false }),
    receiptBatchMax: integer(256, 1, 512, { description: 'Receipts per signed batch; a full batch goes out at once.', restart: false }),
    ledgerBatchMax: integer(1_024, 1, 65_536, { description: 'Credited receipts per sealed ledger batch (one Merkle root, one signature, chained to the previous header).', restart: false }),
    ledgerBatchIntervalMs: integer(10_000, 100, 3_600_000, { description: 'How often credited receipts are sealed into a ledger batch, ms (also at every epoch end and on stop).', restart: false }),
    capPerPair: integer(100_000, 0, 1_000_000_000_000, { description: 'Most credit per (origin, recipient) pair per epoch, milli-units (1 unit = 1000; the base fee is 1 unit per message).', restart: false }),
    capPerEpoch: integer(100_000_000, 0, 1_000_000_000_000, { description: 'Most credit per epoch in total, milli-units.', restart: false }),
    newIdentityAgeMs: integer(86_400_000, 0, 31_536_000_000, { description: 'Identities first seen less than this long ago are new: a new relayer earns 10 %; a receipt with two new parties earns nothing (self-relay). 0 disables.', restart: false }),
    latencyGoodMs: integer(1_000, 0, 3_600_000, { description: 'Latency (measured by the signer) at or below which the latency half of the performance bonus is full, ms.', restart: false }),
    latencyBadMs: integer(10_000, 1, 3_600_000, { description: 'Latency at or above which the latency half of the bonus is 0, ms (linear between; > latencyGoodMs).', restart: false }),
    maxSentRecords: integer(100_000, 1_000, 10_000_000, { description: 'Packets handed to gateways remembered for matching receipts (oldest dropped beyond this or after two epochs).', restart: false }),
    maxUnackedBatches: integer(64, 1, 4_096, { description: 'Issued receipt batches per relayer kept for re-sending until acknowledged (oldest abandoned beyond this).', restart: false }),
    retainEpochs: integer(168, 1, 100_000, { description: 'Epochs of receipts, ledger batches and issued batches kept for export; older ones are deleted at epoch end.', restart: false }),
    auditSample: integer(64, 0, 1_000_000, { description: 'Receipts the gateway samples when it audits its own export at each epoch end (0 = full audit).', restart: false }),
  },
  overlay: {
    features: stringList(['BasicMesh', 'GatewayNodes', 'EnhancedRouting', 'CompressionV2', 'ProofOfRelay'], featureName, 'feature names', {
      description: 'Gateway-protocol features this gateway wants and offers in its hello (capability bitfield); each must exist in protocol 1.4.0. Sessions sharing all of them are Full, others Limited (docs/overlay.md).',
      restart: true,
    }),
    requiredFeatures: stringList(['BasicMesh', 'GatewayNodes'], featureName, 'feature names', {
      description: 'Features a peer must share, else the session is Incompatible (MG_ERR_SESSION_INCOMPATIBLE); a subset of overlay.features.',
      restart: true,
    }),
    minimumVersion: string('1.0.0', semver, 'MAJOR.MINOR.PATCH', { description: 'Oldest gateway-protocol version accepted from a peer.', restart: true }),
    legacyMajors: integer(1, 0, 10, { description: 'Peers this many major versions apart are still served in Legacy mode (features of the older major only); further apart is Incompatible.', restart: true }),
    pinnedFeatures: stringList(['EnhancedRouting', 'ProofOfRelay'], featureName, 'feature names', {
      description: 'Security-relevant features pinned per peer in SQLite: a later session from that peer without one is refused as a downgrade (MG_ERR_SESSION_DOWNGRADE).',
      restart: true,
    }),
    rekeyInterval: integer(65_536, 16, 1_000_000_000, { description: 'Encrypted records per direction between session rekeys (Noise rev 34 §11.3).', restart: true }),
    tls: {
      enabled: boolean(false, { description: 'Serve the gateway WebSocket listener as wss:// (TLS), with overlay.tls.certFile/keyFile or a self-signed ECDSA P-256 certificate in the state directory.', restart: true }),
      certFile: string('', z.string(), 'a file path or empty', { description: 'PEM certificate for wss:// (empty = self-signed, made on first start).', restart: true }),
      keyFile: string('', z.string(), 'a file path or empty', { description: 'PEM private key for overlay.tls.certFile.', restart: true }),
      certificateDays: integer(365, 1, 3650, { description: 'Validity of the self-signed wss:// certificate, days (renewed within 7 days of expiry).', restart: true }),
    },
    webtransport: {
      enabled: boolean(false, { description: 'Use WebTransport (HTTP/2): dial overlay.webtransport.peers (and https:// URLs from discovery or the directory) and, with overlay.webtransport.listen, accept sessions.', restart: true }),
      listen: boolean(true, { description: 'Run the WebTransport listener (false: dial out only, e.g. behind NAT).', restart: true }),
      host: string('0.0.0.0', host, HOST_EXPECTED, { description: 'Listen address of the WebTransport listener.', restart: true }),
      port: integer(7779, 0, PORT_MAX, { description: 'Listen port (TCP) of the WebTransport listener (0 = any free port).', restart: true }),
      peers: stringList([], wtUrl, 'https:// URLs with ?certhash=', {
        description: 'WebTransport gateways to dial, as https://host:port/meshgate?certhash=<SHA-256 of their certificate, 64 hex> (shown on their status page).',
        restart: false,
      }),
      certificateDays: integer(13, 1, 14, { description: 'Validity of the WebTransport certificate, days (at most 14 for certificate hashes); rotated 1 day before expiry.', restart: true }),
    },
  },
  qos: {
    enabled: boolean(true, { description: 'Put a QoS scheduler (token bucket, control/realtime/bulk classes, DRR, CoDel) in front of every link (docs/qos.md).', restart: true }),
    aimd: boolean(true, { description: 'Adapt each shaped link rate AIMD-style from its measured driver queue (x0.85 / +5 % of the maximum).', restart: true }),
    ble: {
      rateBytesPerSec: integer(32_000, 0, 1_250_000_000, { description: 'Shaped egress rate of each BLE link, bytes/s (0 = unshaped: only classes, DRR and AQM apply, paced by the driver queue).', restart: true }),
      burstBytes: integer(2_048, 64, 16_777_216, { description: 'Token-bucket depth of each BLE link, bytes (raised to one unit if smaller: 512 on BLE, 1,500 elsewhere).', restart: true }),
    },
    lan: {
      rateBytesPerSec: integer(0, 0, 1_250_000_000, { description: 'Shaped egress rate of each LAN / Wi-Fi Direct TCP link, bytes/s (0 = unshaped: only classes, DRR and AQM apply, paced by the driver queue).', restart: true }),
      burstBytes: integer(65_536, 64, 16_777_216, { description: 'Token-bucket depth of each LAN / Wi-Fi Direct TCP link, bytes (raised to one unit if smaller: 512 on BLE, 1,500 elsewhere).', restart: true }),
    },
    gateway: {
      rateBytesPerSec: integer(0, 0, 1_250_000_000, { description: 'Shaped egress rate of each gateway (WebSocket) link, bytes/s (0 = unshaped: only classes, DRR and AQM apply, paced by the driver queue).', restart: true }),
      burstBytes: integer(65_536, 64, 16_777_216, { description: 'Token-bucket depth of each gateway (WebSocket) link, bytes (raised to one unit if smaller: 512 on BLE, 1,500 elsewhere).', restart: true }),
    },
    groupBleRateBytesPerSec: integer(0, 0, 1_250_000_000, { description: 'Rate shared by all BLE links together (one radio), bytes/s; 0 = no group cap.', restart: true }),
    groupUplinkRateBytesPerSec: integer(0, 0, 1_250_000_000, { description: 'Rate shared by all gateway links together (the uplink, e.g. a metered LTE modem), bytes/s; 0 = no group cap.', restart: true }),
    peerRateBytesPerSec: integer(0, 0, 1_250_000_000, { description: 'Rate cap per neighbour peer (all links to one peer ID share it), bytes/s; 0 = no per-peer cap.', restart: true }),
    controlCapDivisor: integer(4, 1, 64, { description: 'The control class may use at most 1/N of a link while other classes are backlogged.', restart: true }),
    realtimeCapDivisor: integer(2, 1, 64, { description: 'The realtime class may use at most 1/N of a link while other classes are backlogged.', restart: true }),
    bulkMinDivisor: integer(16, 1, 1024, { description: 'The bulk class is guaranteed at least 1/N of a link while it is backlogged.', restart: true }),
    queueBytes: integer(262_144, 4_096, 67_108_864, { description: 'Byte limit of each link QoS queue; overflow drops the oldest unit of the fattest flow.', restart: true }),
    flowMaxBytes: integer(65_536, 1_024, 67_108_864, { description: 'Per-flow byte cap in a link queue; overflow drops that flow\'s oldest unit.', restart: true }),
    flowMaxUnits: integer(256, 1, 65_536, { description: 'Per-flow unit cap in a link queue; overflow drops that flow\'s oldest unit.', restart: true }),
    driverQueueBytes: integer(65_536, 1_024, 16_777_216, { description: 'Bytes an unshaped link may hold in its driver (socket buffer) before the scheduler holds units back.', restart: true }),
    creditWindowBytes: integer(262_144, 4_096, 67_108_864, { description: 'Credit window granted to upstream gateways, bytes beyond what they have sent; not advanced while congested.', restart: true }),
    pauseFillPercent: integer(75, 1, 100, { description: 'Backpressure starts when a link queue is this full (percent of queueBytes).', restart: false }),
    resumeFillPercent: integer(50, 0, 100, { description: 'Backpressure ends when every link queue is below this fill (percent of queueBytes).', restart: false }),
  },
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
