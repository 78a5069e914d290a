/**
 * Request-sync (type 0x21) payload: TLV-16 records (bitchat-spec.md §7; upstream
 * `spec/05-store-and-forward.md` §4.1).
 *
 * | type | field | value |
 * |---|---|---|
 * | 0x01 | P | u8, 1..32 (required) |
 * | 0x02 | M | u32 BE, > 0 (required) |
 * | 0x03 | data | Golomb-coded set bit stream, at most 1024 bytes accepted (required, may be empty) |
 * | 0x04 | types | sync type flags: little-endian bitfield, 1..8 bytes (absent → announce + message) |
 * | 0x05 | sinceTimestamp | u64 BE ms; the filter covers only packets at or after it |
 * | 0x06 | fragmentIdFilter | UTF-8 comma-separated 16-hex-char fragment IDs, at most 60 |
 *
 * Decoding mirrors the upstream decoders: unknown TLVs are skipped; a known TLV with the
 * wrong length (P not 1 byte, M not 4, since not 8, types not 1..8) is ignored; a filter
 * over 1024 bytes rejects the payload; an oversized or non-UTF-8 fragment filter is ignored;
 * malformed fragment-ID tokens are skipped.
 *
 * Upstream: Android `model/RequestSyncPacket.kt`, `sync/SyncTypeFlags.kt`,
 * `sync/SyncDefaults.kt`; iOS `RequestSyncPacket.swift`, `bitchat/Sync/SyncTypeFlags.swift`.
 */
import { MeshgateError } from '../errors.js';
import { GCS_MAX_ACCEPT_BYTES, GCS_MAX_M, GCS_MAX_P, GCS_MIN_P } from './gcs.js';
import { MessageType } from './packet.js';
import { readTlvs, writeTlvs, type TlvRecord } from './tlv.js';

/** Request-sync TLV type codes. */
export const RequestSyncTlv = {
  P: 0x01,
  M: 0x02,
  DATA: 0x03,
  TYPES: 0x04,
  SINCE_TIMESTAMP: 0x05,
  FRAGMENT_ID_FILTER: 0x06,
} as const;

/** Most fragment IDs one 0x06 filter carries (iOS `maxFragmentIdFilterCount`; 60·17−1 = 1019 bytes). */
export const MAX_FRAGMENT_ID_FILTER = 60;

/**
 * Sync type flag bit number for each message type (iOS and Android `SyncTypeFlags`).
 * Types without a bit (courier envelope, ping, pong, Nostr carrier, voice) are never synced.
 */
export const SYNC_TYPE_BITS: Readonly<Record<number, number>> = {
  [MessageType.ANNOUNCE]: 0,
  [MessageType.MESSAGE]: 1,
  [MessageType.LEAVE]: 2,
  [MessageType.NOISE_HANDSHAKE]: 3,
  [MessageType.NOISE_ENCRYPTED]: 4,
  [MessageType.FRAGMENT]: 5,
  [MessageType.REQUEST_SYNC]: 6,
  [MessageType.FILE_TRANSFER]: 7,
  [MessageType.BOARD_POST]: 8,
  [MessageType.PREKEY_BUNDLE]: 9,
  [MessageType.GROUP_MESSAGE]: 10,
};

/** A decoded request-sync payload. */
export interface RequestSyncPayload {
  /** Golomb-Rice parameter, 1..32. */
  p: number;
  /** Bucket modulus, 1..2^32−1. */
  m: number;
  /** Golomb-coded set bit stream (may be empty). */
  data: Uint8Array;
  /**
   * Sync type flags (raw low 64 bits as sent, unknown bits kept); undefined when absent,
   * which means announce + message. See {@link syncTypesCovered}.
   */
  types?: bigint | undefined;
  /** ms since the epoch (u64, exact as bigint): the filter covers packets at or after it. */
  sinceTimestamp?: bigint | undefined;
  /** Fragment IDs (8 bytes each) narrowing a fragment round to these stalled streams. */
  fragmentIds?: Uint8Array[] | undefined;
}

const MASK64 = (1n << 64n) - 1n;

/** Sync type flags covering the given message types (types without a bit are ignored). */
export function syncTypeFlags(messageTypes: readonly number[]): bigint {
  let v = 0n;
  for (const t of messageTypes) {
    const bit = SYNC_TYPE_BITS[t];
    if (bit !== undefined) v |= 1n << BigInt(bit);
  }
  return v;
}

/** The message types named by sync type flags, in bit order; unknown bits are ignored. */
export function syncTypesOf(flags: bigint): number[] {
  const out: number[] = [];
  for (const [type, bit] of Object.entries(SYNC_TYPE_BITS).sort((a, b) => a[1] - b[1])) {
    if ((flags >> BigInt(bit)) & 1n) out.push(Number(type));
  }
  return out;
}

/**
 * True when a request's `types` covers `messageType`. Absent flags mean announce and
 * message only (upstream `spec/05-store-and-forward.md` §4.1).
 */
export function syncTypesCovered(types: bigint | undefined, messageType: number): boolean {
  const flags = types ?? syncTypeFlags([MessageType.ANNOUNCE, MessageType.MESSAGE]);
  const bit = SYNC_TYPE_BITS[messageType];
  return bit !== undefined && ((flags >> BigInt(bit)) & 1n) === 1n;
}

function bad(message: string, details?: Record<string, unknown>): MeshgateError {
  return new MeshgateError('MG_ERR_BAD_GCS', message, details);
}

function u64be(v: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, v);
  return out;
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Encode a request-sync payload in upstream order: P, M, data, then types (omitted when
 * 0 or absent), since timestamp, fragment-ID filter.
 *
 * @throws MeshgateError MG_ERR_BAD_GCS when P is outside 1..32, M outside 1..2^32−1 or
 *   data over 1024 bytes; MG_ERR_BAD_TLV when types or since do not fit in a u64, a
 *   fragment ID is not 8 bytes or more than 60 are given.
 */
export function encodeRequestSync(r: RequestSyncPayload): Uint8Array {
  if (!Number.isInteger(r.p) || r.p < GCS_MIN_P || r.p > GCS_MAX_P) throw bad(`P=${r.p} is outside ${GCS_MIN_P}..${GCS_MAX_P}`);
  if (!Number.isInteger(r.m) || r.m < 1 || r.m > GCS_MAX_M) throw bad(`M=${r.m} is outside 1..${GCS_MAX_M}`);
  if (r.data.length > GCS_MAX_ACCEPT_BYTES) throw bad(`filter is ${r.data.length} bytes, receivers accept at most ${GCS_MAX_ACCEPT_BYTES}`);
  const m = new Uint8Array(4);
  new DataView(m.buffer).setUint32(0, r.m);
  const records: TlvRecord[] = [
    { type: RequestSyncTlv.P, value: Uint8Array.of(r.p) },
    { type: RequestSyncTlv.M, value: m },
    { type: RequestSyncTlv.DATA, value: r.data },
  ];
  if (r.types !== undefined && r.types !== 0n) {
    if (r.types < 0n || r.types > MASK64) throw new MeshgateError('MG_ERR_BAD_TLV', 'sync type flags must fit in 64 bits');
    const bytes: number[] = [];
    for (let v = r.types; v !== 0n; v >>= 8n) bytes.push(Number(v & 0xffn));
    records.push({ type: RequestSyncTlv.TYPES, value: Uint8Array.from(bytes) });
  }
  if (r.sinceTimestamp !== undefined) {
    if (r.sinceTimestamp < 0n || r.sinceTimestamp > MASK64) throw new MeshgateError('MG_ERR_BAD_TLV', 'since timestamp must fit in a u64');
    records.push({ type: RequestSyncTlv.SINCE_TIMESTAMP, value: u64be(r.sinceTimestamp) });
  }
  if (r.fragmentIds !== undefined && r.fragmentIds.length > 0) {
    if (r.fragmentIds.length > MAX_FRAGMENT_ID_FILTER) {
      throw new MeshgateError('MG_ERR_BAD_TLV', `${r.fragmentIds.length} fragment IDs given, max ${MAX_FRAGMENT_ID_FILTER}`);
    }
    const tokens = r.fragmentIds.map((id, i) => {
      if (id.length !== 8) throw new MeshgateError('MG_ERR_BAD_TLV', `fragment ID ${i} is ${id.length} bytes, expected 8`);
      return Buffer.from(id).toString('hex');
    });
    records.push({ type: RequestSyncTlv.FRAGMENT_ID_FILTER, value: utf8.encode(tokens.join(',')) });
  }
  return writeTlvs(records, 2);
}

function decodeFragmentIdFilter(value: Uint8Array): Uint8Array[] | undefined {
  let text: string;
  try {
    text = strictUtf8.decode(value);
  } catch {
    return undefined;
  }
  const seen = new Set<string>();
  const ids: Uint8Array[] = [];
  for (const token of text.split(',').slice(0, MAX_FRAGMENT_ID_FILTER)) {
    if (token.length !== 16 || !/^[0-9a-fA-F]{16}$/.test(token)) continue;
    const lower = token.toLowerCase();
    if (seen.has(lower)) continue;
    seen.add(lower);
    ids.push(new Uint8Array(Buffer.from(lower, 'hex')));
  }
  return ids.length > 0 ? ids : undefined;
}

/**
 * Decode a request-sync payload. Returned byte fields are copies.
 *
 * @param opts.maxFilterBytes largest accepted GCS data (default 1024, both apps).
 * @throws MeshgateError MG_ERR_BAD_TLV when a TLV overruns the payload;
 *   MG_ERR_BAD_GCS when P, M or data is missing, P is outside 1..32, M is 0, or data
 *   exceeds `maxFilterBytes`.
 */
export function decodeRequestSync(payload: Uint8Array, opts: { maxFilterBytes?: number } = {}): RequestSyncPayload {
  const maxFilterBytes = opts.maxFilterBytes ?? GCS_MAX_ACCEPT_BYTES;
  let p: number | undefined;
  let m: number | undefined;
  let data: Uint8Array | undefined;
  let types: bigint | undefined;
  let sinceTimestamp: bigint | undefined;
  let fragmentIds: Uint8Array[] | undefined;

  for (const { type, value } of readTlvs(payload, 2)) {
    switch (type) {
      case RequestSyncTlv.P:
        if (value.length === 1) p = value[0];
        break;
      case RequestSyncTlv.M:
        if (value.length === 4) m = new DataView(value.buffer, value.byteOffset, 4).getUint32(0);
        break;
      case RequestSyncTlv.DATA:
        if (value.length > maxFilterBytes) throw bad(`filter is ${value.length} bytes, max ${maxFilterBytes}`, { length: value.length });
        data = value.slice();
        break;
      case RequestSyncTlv.TYPES:
        if (value.length >= 1 && value.length <= 8) {
          let v = 0n;
          for (let i = value.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(value[i]);
          types = v;
        }
        break;
      case RequestSyncTlv.SINCE_TIMESTAMP:
        if (value.length === 8) sinceTimestamp = new DataView(value.buffer, value.byteOffset, 8).getBigUint64(0);
        break;
      case RequestSyncTlv.FRAGMENT_ID_FILTER:
        if (value.length <= maxFilterBytes) fragmentIds = decodeFragmentIdFilter(value);
        break;
      default:
        break; // unknown TLVs are skipped for forward compatibility
    }
  }

  if (p === undefined) throw bad('request-sync has no P TLV (0x01)');
  if (m === undefined) throw bad('request-sync has no M TLV (0x02)');
  if (data === undefined) throw bad('request-sync has no filter data TLV (0x03)');
  if (p < GCS_MIN_P || p > GCS_MAX_P) throw bad(`P=${p} is outside ${GCS_MIN_P}..${GCS_MAX_P}`, { p });
  if (m === 0) throw bad('M is 0');

  const out: RequestSyncPayload = { p, m, data };
  if (types !== undefined) out.types = types;
  if (sinceTimestamp !== undefined) out.sinceTimestamp = sinceTimestamp;
  if (fragmentIds !== undefined) out.fragmentIds = fragmentIds;
  return out;
}
