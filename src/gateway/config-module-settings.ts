/**
 * The settings of the gateway modules (BLE, discovery, directory, selection, hygiene,
 * routing, detection, ledger, overlay, QoS), one section each, spread into CONFIG_TREE by
 * src/gateway/config-settings.ts. Each section's doc (docs/<module>.md) cites the sources of
 * its defaults; docs/configuration.md lists every setting.
 */
import { z } from 'zod';
import { BLE_CHARACTERISTIC_UUID, BLE_SERVICE_UUID, HOST_EXPECTED, PORT_MAX, ROUTING_ALGORITHM_CHOICES, SELECTION_PROFILE_VALUES, UUID_EXPECTED, advertUrl, boolean, featureName, host, integer, oneOf, position, semver, spec, string, stringList, utf8Length, uuid128, wtUrl } from './config-spec.js';

export const MODULE_SETTINGS = {
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
