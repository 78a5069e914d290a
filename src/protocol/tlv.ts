/**
 * Type-length-value records as bitchat uses them (bitchat-spec.md §4, §7).
 *
 * Two framings exist and must not be mixed (upstream `spec/04-payloads.md`, "TLV conventions"):
 * - TLV-8: `type (1) | length (1) | value (0..255 bytes)` — announce (0x01) payloads.
 * - TLV-16: `type (1) | length (2, big-endian) | value (0..65,535 bytes)` — request-sync
 *   (0x21), courier envelope, Nostr carrier payloads.
 *
 * Decoding follows the upstream decoders (iOS `AnnouncementPacket.decode`,
 * `RequestSyncPacket.decode`; Android `IdentityAnnouncement.decode`,
 * `RequestSyncPacket.decode`): records are read while a whole header fits; a value that
 * overruns the container rejects the payload; trailing bytes too short to hold a header
 * are ignored. Unknown types are returned like any other record; skipping or keeping them
 * is the caller's decision.
 */
import { MeshgateError } from '../errors.js';

/** One TLV record. `value` is a view into the decoded buffer (no copy). */
export interface TlvRecord {
  /** 0..255. */
  type: number;
  value: Uint8Array;
}

/** Width in bytes of the length field: 1 (TLV-8) or 2 (TLV-16, big-endian). */
export type TlvLengthWidth = 1 | 2;

/**
 * Decode a sequence of TLV records.
 *
 * The result has at most `floor(bytes.length / (1 + width))` records, so its size is
 * bounded by the input. Values are subarray views of `bytes`: copy them if you keep
 * them past the lifetime of the input buffer.
 *
 * @param bytes the container (e.g. a packet payload).
 * @param width 1 for TLV-8, 2 for TLV-16.
 * @throws MeshgateError MG_ERR_BAD_TLV when a record's value runs past the end of `bytes`.
 */
export function readTlvs(bytes: Uint8Array, width: TlvLengthWidth): TlvRecord[] {
  const out: TlvRecord[] = [];
  const headerSize = 1 + width;
  let offset = 0;
  while (offset + headerSize <= bytes.length) {
    const type = bytes[offset];
    const length = width === 1 ? bytes[offset + 1] : (bytes[offset + 1] << 8) | bytes[offset + 2];
    offset += headerSize;
    if (offset + length > bytes.length) {
      throw new MeshgateError('MG_ERR_BAD_TLV', `TLV 0x${type.toString(16).padStart(2, '0')} declares ${length} bytes but only ${bytes.length - offset} remain`, {
        type,
        length,
        remaining: bytes.length - offset,
      });
    }
    out.push({ type, value: bytes.subarray(offset, offset + length) });
    offset += length;
  }
  return out;
}

/**
 * Encode TLV records in the given order.
 *
 * @param records types 0..255; values at most 255 bytes (TLV-8) or 65,535 bytes (TLV-16).
 * @param width 1 for TLV-8, 2 for TLV-16 (big-endian length).
 * @throws MeshgateError MG_ERR_BAD_TLV when a type is not a byte or a value is too long
 *   for the length field.
 */
export function writeTlvs(records: readonly TlvRecord[], width: TlvLengthWidth): Uint8Array {
  const maxLength = width === 1 ? 0xff : 0xffff;
  let total = 0;
  for (const r of records) {
    if (!Number.isInteger(r.type) || r.type < 0 || r.type > 0xff) {
      throw new MeshgateError('MG_ERR_BAD_TLV', `TLV type ${r.type} is not a byte`, { type: r.type });
    }
    if (r.value.length > maxLength) {
      throw new MeshgateError('MG_ERR_BAD_TLV', `TLV 0x${r.type.toString(16)} value is ${r.value.length} bytes, max ${maxLength}`, {
        type: r.type,
        length: r.value.length,
        max: maxLength,
      });
    }
    total += 1 + width + r.value.length;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const r of records) {
    out[offset++] = r.type;
    if (width === 2) out[offset++] = r.value.length >>> 8;
    out[offset++] = r.value.length & 0xff;
    out.set(r.value, offset);
    offset += r.value.length;
  }
  return out;
}
