/**
 * meshgate's error model: every error thrown by meshgate is a {@link MeshgateError}
 * carrying a stable `code` from {@link ERROR_CODES}. Code never branches on
 * `err.message`; it branches on `err.code`. `docs/errors.md` lists the same codes, and
 * `test/errors.test.ts` keeps the two in step (modelled on fastify's `lib/errors.js`).
 *
 * To add a code: add it here with its area and a one-line description, then add a row to
 * docs/errors.md. This module imports nothing so every layer may use it.
 */

/** Every stable error code, with the area it belongs to and what it means. */
export const ERROR_CODES = {
  // protocol: the bitchat wire codec (bitchat-spec.md §2-§5, §7)
  MG_ERR_FRAME_TOO_SHORT: { area: 'protocol', description: 'A frame is shorter than its header or than the lengths its header declares.' },
  MG_ERR_FRAME_TOO_LARGE: { area: 'protocol', description: 'A frame or payload exceeds a size cap (v1 payload 65,535 bytes; link frame cap).' },
  MG_ERR_BAD_VERSION: { area: 'protocol', description: 'The version byte is not 1 or 2.' },
  MG_ERR_BAD_LENGTH: { area: 'protocol', description: 'A declared length is inconsistent (payload shorter than its original-size field, route count overruns).' },
  MG_ERR_BAD_PADDING: { area: 'protocol', description: 'PKCS#7 padding bytes are malformed.' },
  MG_ERR_DECOMPRESS: { area: 'protocol', description: 'Raw DEFLATE payload failed to inflate, or its inflated size differs from the declared size.' },
  MG_ERR_COMPRESSION_BOMB: { area: 'protocol', description: 'Declared original size exceeds the cap (10,485,760 bytes) or the 1,032:1 maximum expansion of DEFLATE.' },
  MG_ERR_BAD_SIGNATURE: { area: 'protocol', description: 'An Ed25519 signature is missing where required or does not verify.' },
  MG_ERR_BAD_KEY: { area: 'protocol', description: 'A public or private key has the wrong length or encoding.' },
  MG_ERR_BAD_TLV: { area: 'protocol', description: 'A TLV record overruns its container or has an invalid value length.' },
  MG_ERR_BAD_ANNOUNCE: { area: 'protocol', description: 'An announce lacks its Noise or signing key, or its sender ID does not match its Noise key.' },
  MG_ERR_BAD_FRAGMENT: { area: 'protocol', description: 'A fragment payload is malformed (index >= total, total 0 or > 256, short header).' },
  MG_ERR_FRAGMENT_LIMIT: { area: 'protocol', description: 'Fragment reassembly limits hit (concurrent sets, bytes per set, total bytes).' },
  MG_ERR_BAD_GCS: { area: 'protocol', description: 'A Golomb-coded set is malformed (P out of range, M zero, truncated bits).' },
  MG_ERR_BAD_HEX: { area: 'protocol', description: 'A hex string is malformed or has the wrong length.' },
  MG_ERR_BAD_PACKET_JSON: { area: 'protocol', description: 'A packet JSON object (CLI `packet encode`) has a missing or invalid field.' },
  // mesh: the relay engine (bitchat-spec.md §3, §6)
  MG_ERR_NO_ROUTE: { area: 'mesh', description: 'The route policy chose no link for a packet (no route to its destination); it was not forwarded.' },
  MG_ERR_DUPLICATE: { area: 'mesh', description: 'A packet was already seen within the duplicate-suppression window.' },
  MG_ERR_TTL_EXPIRED: { area: 'mesh', description: 'A packet arrived with TTL 0 and cannot be processed further.' },
  MG_ERR_OWN_PACKET: { area: 'mesh', description: 'A packet claims this gateway as sender (echo or spoof).' },
  MG_ERR_STALE_TIMESTAMP: { area: 'mesh', description: 'A packet timestamp is outside the accepted clock skew window.' },
  MG_ERR_KEY_PIN_MISMATCH: { area: 'mesh', description: 'An announce carries a signing key different from the one pinned for its Noise key (TOFU).' },
  MG_ERR_CLOCK_UNSYNCED: { area: 'mesh', description: 'The gateway refused to originate a packet because its clock is not known to be synchronised.' },
  // link: link adapters and the gateway-to-gateway link
  MG_ERR_LINK_CLOSED: { area: 'link', description: 'A send was attempted on a closed link.' },
  MG_ERR_LINK_QUEUE_FULL: { area: 'link', description: 'A link egress queue is full; the frame was dropped.' },
  MG_ERR_LINK_FRAME_TOO_LARGE: { area: 'link', description: 'A link received or was asked to send a frame over its frame-size cap.' },
  MG_ERR_LINK_PROTOCOL: { area: 'link', description: 'A link peer broke the link protocol (bad framing, unexpected message).' },
  MG_ERR_HELLO_FAILED: { area: 'link', description: 'A gateway session could not be established: `details.reason` is version, peer-id-mismatch, transcript (Noise handshake failed: edited hello or wrong keys), self, not-allowed, malformed, timeout or refused (docs/gateway-link.md §6).' },
  MG_ERR_LINK_CONNECT: { area: 'link', description: 'Dialling a link endpoint failed.' },
  MG_ERR_LINK_LISTEN: { area: 'link', description: 'A link listener could not bind its address (port in use, permission denied).' },
  MG_ERR_LINK_CONTROL_UNSUPPORTED: { area: 'link', description: 'A control message was sent on a link without a control channel (a phone link); it was dropped.' },
  MG_ERR_CONTROL_MALFORMED: { area: 'link', description: 'A gateway control message was not valid JSON of the form {"t": type, "b": body}, or exceeded 65,536 bytes; it was dropped.' },
  MG_ERR_CONTROL_UNKNOWN_TYPE: { area: 'link', description: 'A gateway control message had a type no module handles; it was ignored.' },
  MG_ERR_CONTROL_BAD_BODY: { area: 'link', description: 'A gateway control message of a known type had an invalid body; it was dropped.' },
  // storage
  MG_ERR_STORAGE: { area: 'storage', description: 'The SQLite store failed (disk full, corrupt, locked).' },
  MG_ERR_MIGRATION: { area: 'storage', description: 'A schema migration failed or the database is newer than this build.' },
  MG_ERR_IDENTITY: { area: 'storage', description: 'Identity key files are unreadable, malformed or have unsafe permissions.' },
  // config
  MG_ERR_CONFIG_INVALID: { area: 'config', description: 'The configuration file, an environment variable or a flag failed validation; the message names the field.' },
  MG_ERR_CONFIG_READ: { area: 'config', description: 'The configuration file could not be read or parsed as YAML.' },
  // cli
  MG_ERR_CLI_USAGE: { area: 'cli', description: 'A CLI command was given invalid arguments.' },
  // overlay discovery, directory, selection and peer hygiene (issue 6, part B)
  MG_ERR_PEER_BANNED: { area: 'overlay', description: 'A gateway peer or address is temporarily banned for misbehaviour (peer hygiene); the connection was refused or closed.' },
  MG_ERR_PEER_LIMIT: { area: 'overlay', description: 'The gateway already holds its maximum number of gateway sessions (hygiene.maxPeers / hygiene.maxOutbound); the connection was refused or closed.' },
  MG_ERR_PEER_PREFIX_SHARE: { area: 'overlay', description: 'Dialling this address would put more than hygiene.maxPrefixSharePercent of the outbound slots in one /16 (IPv4) or /48 (IPv6); refused (eclipse resistance).' },
  MG_ERR_ADVERT_MALFORMED: { area: 'overlay', description: 'A gateway advert (dir.advert) is not of the documented shape, or its lifetime is out of range; dropped.' },
  MG_ERR_ADVERT_PEER_ID_MISMATCH: { area: 'overlay', description: 'A gateway advert\'s peer ID is not the first 8 bytes of SHA-256 of its Noise static key; dropped.' },
  MG_ERR_ADVERT_BAD_SIGNATURE: { area: 'overlay', description: 'A gateway advert\'s Ed25519 signature does not verify; dropped and reported as bad-signature.' },
  MG_ERR_ADVERT_KEY_MISMATCH: { area: 'overlay', description: 'A gateway advert is signed with a key other than the one pinned for its peer ID (trust on first use); dropped.' },
  MG_ERR_ADVERT_STALE: { area: 'overlay', description: 'A gateway advert has expired or was issued further in the future than the allowed clock skew; dropped.' },
  MG_ERR_ADVERT_FLOOD: { area: 'overlay', description: 'A gateway re-advertised sooner than the minimum interval; dropped (reported as flood when it came from the originator).' },
  MG_ERR_DIRECTORY_FULL: { area: 'overlay', description: 'The gateway directory is full and the new advert expires before every held one; dropped.' },
  MG_ERR_DISCOVERY_INVALID: { area: 'overlay', description: 'An mDNS / DNS-SD meshgate service had an invalid TXT record or port; ignored.' },
  MG_ERR_DISCOVERY_FULL: { area: 'overlay', description: 'The mDNS discovery table is full; a newly seen gateway was ignored.' },
  MG_ERR_MDNS: { area: 'overlay', description: 'The mDNS responder/browser failed (socket error); discovery is degraded, the gateway keeps running.' },
  // general
  MG_ERR_UNKNOWN: { area: 'general', description: 'An unexpected error that is not a MeshgateError (a bug): counted under this code and logged.' },
  // ble: Bluetooth LE links (bleno peripheral, noble central; docs/ble.md)
  MG_ERR_BLE_ADAPTER: { area: 'ble', description: 'The Bluetooth library could not open the configured controller (HCI index or UART); the role reports its radio as unsupported and the daemon runs on.' },
  MG_ERR_BLE_WRITE_OFFSET: { area: 'ble', description: 'A phone wrote to the bitchat characteristic at a non-zero offset (a partial long write); the write was refused and dropped.' },
  MG_ERR_BLE_CENTRAL_LIMIT: { area: 'ble', description: 'A central connected while the peripheral already served ble.peripheral.maxCentrals; it was disconnected.' },
  MG_ERR_BLE_CONNECT_TIMEOUT: { area: 'ble', description: 'A central-role connection (connect, discovery and subscription) did not complete within ble.central.connectTimeoutMs; it was cancelled and the device backed off.' },
  MG_ERR_BLE_CONNECT_FAILED: { area: 'ble', description: 'A central-role connection failed (connect, service discovery, missing characteristic or subscription); the device is retried after a back-off.' },
  MG_ERR_BLE_GATT_OP_FAILED: { area: 'ble', description: 'A GATT notification or write-without-response failed on a BLE link; the link was closed.' },
  MG_ERR_BLE_RSSI_FLOOR: { area: 'ble', description: 'A scanned bitchat device was weaker than ble.central.rssiFloorDbm; it was not connected.' },
  // routing: the routing engine (issue 4, src/routing, docs/routing.md)
  MG_ERR_ROUTING_BAD_EDGE: { area: 'routing', description: 'A topology edge names an unknown node or has a cost that is not a positive finite number.' },
  MG_ERR_ROUTING_BAD_ARGUMENT: { area: 'routing', description: 'A routing function was called with an invalid argument (multipath k, mobility speeds, geohash, pheromone gamma).' },
  MG_ERR_ROUTING_TABLE_FULL: { area: 'routing', description: 'The topology reached its node or edge bound; the new fact was dropped (nodes: least recently seen evicted).' },
  MG_ERR_LSA_MALFORMED: { area: 'routing', description: 'A link-state advert is truncated, has a bad version, too many links or out-of-range values; it was dropped.' },
  MG_ERR_LSA_BAD_SIGNATURE: { area: 'routing', description: "A link-state advert's origin does not match its Noise key, its signature does not verify, or its signing key differs from the pinned one; it was dropped." },
  MG_ERR_ROUTING_STATUS_UNAVAILABLE: { area: 'routing', description: '`meshgate routes` could not read /api/status, or the gateway runs without the routing module.' },
  MG_ERR_LSA_STALE: { area: 'routing', description: 'A link-state advert is not newer than the one held for its origin (duplicate or replay); it was not flooded further.' },
  // detection: failure detection and resilience (src/detection, docs/detection.md)
  MG_ERR_DETECTOR_CONFIG: { area: 'detection', description: 'A failure-detector parameter is invalid (threshold <= 0, sample size < 1, min std deviation <= 0, negative pause, suspicion min > max).' },
  MG_ERR_FAILOVER_OVERFLOW: { area: 'detection', description: 'The failover retention buffer of a gateway link was full; its oldest retained frame was forgotten.' },
  MG_ERR_FAILOVER_NO_ROUTE: { area: 'detection', description: 'A frame retained for failover could not be re-sent: no other open gateway link.' },
  MG_ERR_PEER_DOWN: { area: 'detection', description: 'A gateway link was closed because its remote gateway was declared down by the failure detector.' },
  // ledger: proof-of-relay receipts, ledger batches, audit and disputes (docs/ledger.md)
  MG_ERR_LEDGER_FORGED: { area: 'ledger', description: 'A receipt batch or ledger batch signature does not verify with the public key of the party it names; it earns 0.' },
  MG_ERR_LEDGER_REPLAYED: { area: 'ledger', description: 'A receipt reuses a (signer, relayer, counter) or a (signer, packet ID) already stored; it earns 0.' },
  MG_ERR_LEDGER_UNKNOWN_PACKET: { area: 'ledger', description: 'A receipt names a packet this gateway never handed to the signer; it earns 0.' },
  MG_ERR_LEDGER_DOUBLE_CLAIM: { area: 'ledger', description: 'A packet or receipt is credited more than once (a second receipt for a credited packet, or the same receipt in two exports); the extra claim earns 0.' },
  MG_ERR_LEDGER_BATCH_TAMPERED: { area: 'ledger', description: 'Receipt entries do not hash to the signed Merkle root of their batch (or a receipt is not under its root); the batch earns 0.' },
  MG_ERR_LEDGER_SELF_RELAY: { area: 'ledger', description: 'Origin, relayer and signer are not three different parties (same peer ID or signing key, the gateway\'s own packet, or two of the three are new identities); it earns 0.' },
  MG_ERR_LEDGER_NOT_BILLABLE: { area: 'ledger', description: 'A receipt is for a packet type that earns nothing (fragment, announce, unsigned); it earns 0.' },
  MG_ERR_LEDGER_CAP_REACHED: { area: 'ledger', description: 'The per-(origin, recipient) or per-epoch cap is reached; the receipt is kept but earns 0 (or a clipped amount).' },
  MG_ERR_LEDGER_RECEIPT_INVALID: { area: 'ledger', description: 'A receipt or receipt batch is malformed, names another relayer or signer, or does not match what was sent; it earns 0.' },
  MG_ERR_LEDGER_MISSING_RECEIPT: { area: 'ledger', description: 'A challenge showed a credit with no valid signed receipt behind it.' },
  MG_ERR_LEDGER_CHAIN_BROKEN: { area: 'ledger', description: 'Ledger batch headers are not consecutive or a prevHash is not the previous header\'s hash.' },
  MG_ERR_LEDGER_PROOF_INVALID: { area: 'ledger', description: 'An inclusion proof was asked for a leaf outside its Merkle tree.' },
  MG_ERR_LEDGER_EXPORT_INVALID: { area: 'ledger', description: 'A ledger export, keys file or challenge evidence is not valid JSON of the documented shape, or names a batch it does not contain.' },
  MG_ERR_LEDGER_UNKNOWN_KEY: { area: 'ledger', description: 'No public key is known (or pinned) for a party whose signature must be checked.' },
  // overlay sessions (issue 6 part A): Noise XX sessions, version negotiation, transports, certificates
  MG_ERR_NOISE_DECRYPT: { area: 'overlay-session', description: 'A Noise message failed ChaCha20-Poly1305 authentication (wrong keys, tampered bytes, different prologue); the nonce did not advance.' },
  MG_ERR_NOISE_STATE: { area: 'overlay-session', description: 'A Noise handshake or cipher state was misused: message out of turn, truncated or over 65,535 bytes, nonce space exhausted.' },
  MG_ERR_SESSION_DECRYPT: { area: 'overlay-session', description: 'An encrypted gateway-session record failed authentication (tampered, replayed or reordered); the session is closed.' },
  MG_ERR_SESSION_RECORD: { area: 'overlay-session', description: 'A decrypted gateway-session record is malformed (unknown record type, fragment overrun, frame over the cap); the session is closed.' },
  MG_ERR_SESSION_DOWNGRADE: { area: 'overlay-session', description: 'An authenticated peer offered fewer security-relevant capabilities (or an older major version) than pinned for it; the session is refused.' },
  MG_ERR_SESSION_INCOMPATIBLE: { area: 'overlay-session', description: 'Version negotiation ended Incompatible: the peer is below the minimum version, outside the legacy window, or lacks a required capability.' },
  MG_ERR_CERTIFICATE: { area: 'overlay-session', description: 'The TLS / WebTransport certificate could not be loaded, generated or stored.' },
  // --- bandwidth QoS (issue 7, src/qos, src/gateway/modules/qos-module.ts) ---
  MG_ERR_QOS_AQM_DROP: { area: 'qos', description: 'CoDel dropped a queued frame whose sojourn time stayed above target for an interval (RFC 8289); counted per link and class.' },
  MG_ERR_QOS_FLOW_OVERFLOW: { area: 'qos', description: "A flow exceeded its per-flow byte or unit cap on an egress link; that flow's oldest unit was dropped." },
  MG_ERR_QOS_QUEUE_OVERFLOW: { area: 'qos', description: "An egress link's QoS queue exceeded its byte limit; the oldest unit of the fattest flow was dropped." },
  MG_ERR_QOS_ORPHAN_FRAGMENT: { area: 'qos', description: 'A queued fragment was dropped without being sent because another fragment of the same packet had been dropped (the receiver could not reassemble it).' },
  MG_ERR_QOS_LINK_CLOSED: { area: 'qos', description: 'Units still queued in the QoS scheduler when their link closed were discarded.' },
  MG_ERR_QOS_BACKPRESSURE_IGNORED: { area: 'qos', description: 'A gateway that speaks the credit protocol sent more data than it was granted; reported to peer admission as ignored-backpressure.' },
} as const;

/** A stable meshgate error code, e.g. `MG_ERR_FRAME_TOO_SHORT`. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Base class of every meshgate error. `code` is stable and documented in docs/errors.md;
 * `details` holds structured context (never secrets).
 */
export class MeshgateError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(`${code}: ${message}`);
    this.name = 'MeshgateError';
    this.code = code;
    this.details = details;
  }
}

/** True when `err` is a MeshgateError (optionally with the given code). */
export function isMeshgateError(err: unknown, code?: ErrorCode): err is MeshgateError {
  return err instanceof MeshgateError && (code === undefined || err.code === code);
}

/** The code of a MeshgateError, or `MG_ERR_UNKNOWN` for anything else (for counters). */
export function errorCodeOf(err: unknown): ErrorCode {
  return err instanceof MeshgateError ? err.code : 'MG_ERR_UNKNOWN';
}
