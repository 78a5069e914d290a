/**
 * Announce (type 0x01) payload: TLV-8 records (bitchat-spec.md §3, §4).
 *
 * | type | field | value |
 * |---|---|---|
 * | 0x01 | nickname | UTF-8, at most 255 bytes (required) |
 * | 0x02 | Noise static public key | 32 bytes X25519 (required) |
 * | 0x03 | signing public key | 32 bytes Ed25519 (required) |
 * | 0x04 | direct neighbours | N × 8-byte peer IDs (senders put at most 10) |
 * | 0x05 | capabilities | little-endian bitfield, minimal length, at least 1 byte |
 * | 0x06 | bridge geohash | UTF-8 cell, 1..12 bytes |
 *
 * Upstream: iOS `bitchat/Protocols/Packets.swift` (`AnnouncementPacket`),
 * `BitFoundation/PeerCapabilities.swift`; Android `model/IdentityAnnouncement.kt`,
 * `model/PeerCapabilities.kt`; upstream `spec/04-payloads.md` §1.
 *
 * Decoding is as tolerant as upstream: unknown TLVs are kept (in order) in `unknown`;
 * a later duplicate of a known TLV replaces the earlier one; a malformed optional TLV
 * (neighbour list not a multiple of 8 bytes, geohash over 12 bytes) is not interpreted
 * and is kept in `unknown` instead; trailing bytes too short for a TLV header are ignored.
 */
import { createHash } from 'node:crypto';
import { MeshgateError } from '../errors.js';
import { bytesEqual } from './hex.js';
import { PEER_ID_SIZE } from './packet.js';
import { readTlvs, writeTlvs, type TlvRecord } from './tlv.js';

/** Announce TLV type codes. */
export const AnnounceTlv = {
  NICKNAME: 0x01,
  NOISE_PUBLIC_KEY: 0x02,
  SIGNING_PUBLIC_KEY: 0x03,
  DIRECT_NEIGHBORS: 0x04,
  CAPABILITIES: 0x05,
  BRIDGE_GEOHASH: 0x06,
} as const;

/** Senders list at most this many direct neighbours (iOS encoder takes `prefix(10)`). */
export const MAX_ANNOUNCE_NEIGHBORS = 10;
/** Longest bridge geohash cell accepted, in UTF-8 bytes (iOS `AnnouncementPacket`). */
export const MAX_BRIDGE_GEOHASH_BYTES = 12;
/** Longest nickname, in UTF-8 bytes (one-byte TLV length). */
export const MAX_NICKNAME_BYTES = 255;
/** Noise (X25519) and signing (Ed25519) public keys are 32 bytes. */
export const ANNOUNCE_KEY_SIZE = 32;

/**
 * Capability bit numbers (TLV 0x05). Upstream: iOS `BitFoundation/PeerCapabilities.swift`,
 * Android `model/PeerCapabilities.kt`, upstream `spec/04-payloads.md` §1.1.
 */
export const Capability = {
  PREKEYS: 0,
  WIFI_BULK: 1,
  GATEWAY: 2,
  GROUPS: 3,
  BOARD: 4,
  VOUCH: 5,
  MESH_DIAGNOSTICS: 6,
  BRIDGE: 7,
  PRIVATE_MEDIA: 8,
  PRIVATE_MEDIA_RECEIPTS: 9,
  /** Reserved upstream; a conforming encoder must not advertise it. */
  NON_DESTRUCTIVE_NOISE_REPLACEMENT: 10,
} as const;

/** A capability bit number (0..63). */
export type CapabilityBit = number;

/** A decoded announce payload. */
export interface AnnouncePayload {
  /** Display name (UTF-8 on the wire, at most 255 bytes). */
  nickname: string;
  /** 32-byte X25519 Noise static public key; the sender's peer ID is SHA-256(key)[0..8]. */
  noisePublicKey: Uint8Array;
  /** 32-byte Ed25519 public key that signs the sender's packets. */
  signingPublicKey: Uint8Array;
  /** Direct neighbours' peer IDs (8 bytes each); at most 10 when encoding. */
  neighbors?: Uint8Array[] | undefined;
  /** Capability bitfield (see {@link Capability}); `bigint` after decoding. */
  capabilities?: bigint | number | undefined;
  /** Rendezvous geohash cell this peer bridges (1..12 UTF-8 bytes). */
  bridgeGeohash?: string | undefined;
  /** TLVs this build does not interpret, kept verbatim and re-encoded after the known ones. */
  unknown?: { type: number; value: Uint8Array }[] | undefined;
}

const MASK64 = (1n << 64n) - 1n;

function toBigCaps(caps: bigint | number): bigint {
  if (typeof caps === 'number') {
    if (!Number.isSafeInteger(caps) || caps < 0) {
      throw new MeshgateError('MG_ERR_BAD_TLV', `capability bitfield ${caps} is not a non-negative safe integer`);
    }
    return BigInt(caps);
  }
  if (caps < 0n || caps > MASK64) {
    throw new MeshgateError('MG_ERR_BAD_TLV', 'capability bitfield must fit in 64 bits');
  }
  return caps;
}

function checkBit(bit: CapabilityBit): bigint {
  if (!Number.isInteger(bit) || bit < 0 || bit > 63) {
    throw new MeshgateError('MG_ERR_BAD_TLV', `capability bit ${bit} is outside 0..63`);
  }
  return 1n << BigInt(bit);
}

/**
 * Build a capability bitfield from bit numbers, e.g.
 * `capabilityBits(Capability.GATEWAY, Capability.BRIDGE)` → `0x84n`.
 * @throws MeshgateError MG_ERR_BAD_TLV for a bit outside 0..63.
 */
export function capabilityBits(...bits: CapabilityBit[]): bigint {
  let v = 0n;
  for (const b of bits) v |= checkBit(b);
  return v;
}

/** True when `caps` has `bit` set. Absent capabilities (`undefined`) have no bits. */
export function hasCapability(caps: bigint | number | undefined, bit: CapabilityBit): boolean {
  if (caps === undefined) return false;
  return (toBigCaps(caps) & checkBit(bit)) !== 0n;
}

/** `caps` with `bit` set. @throws MeshgateError MG_ERR_BAD_TLV for a bad bit or bitfield. */
export function withCapability(caps: bigint | number | undefined, bit: CapabilityBit): bigint {
  return (caps === undefined ? 0n : toBigCaps(caps)) | checkBit(bit);
}

/** The bit numbers set in `caps`, ascending. */
export function capabilityList(caps: bigint | number): number[] {
  const v = toBigCaps(caps);
  const out: number[] = [];
  for (let i = 0; i < 64; i++) if ((v >> BigInt(i)) & 1n) out.push(i);
  return out;
}

/**
 * Encode a capability bitfield as upstream does: little-endian, trailing zero bytes
 * dropped, always at least one byte (so 0 → `00`, bit 8 → `00 01`), at most 8 bytes.
 * Upstream: iOS `PeerCapabilities.encoded()`, Android `PeerCapabilities.encoded()`.
 * @throws MeshgateError MG_ERR_BAD_TLV for a negative or over-64-bit value.
 */
export function encodeCapabilities(caps: bigint | number): Uint8Array {
  let v = toBigCaps(caps);
  const bytes: number[] = [];
  do {
    bytes.push(Number(v & 0xffn));
    v >>= 8n;
  } while (v !== 0n);
  return Uint8Array.from(bytes);
}

/**
 * Decode a capability TLV value: little-endian, the low 64 bits kept and any further
 * bytes ignored; empty → 0 (iOS `PeerCapabilities(encoded:)`, Android `PeerCapabilities.decode`).
 */
export function decodeCapabilities(bytes: Uint8Array): bigint {
  let v = 0n;
  const n = Math.min(bytes.length, 8);
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

const utf8Decoder = new TextDecoder('utf-8');
const strictUtf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/**
 * Encode an announce payload. TLV order follows upstream: nickname, Noise key, signing
 * key, neighbours, capabilities, bridge geohash, then `unknown` records in order (Android
 * `IdentityAnnouncement.encode` writes its unknown records after capabilities; byte-exact
 * with the Android contract vector).
 *
 * @throws MeshgateError MG_ERR_BAD_KEY when a key is not 32 bytes;
 *   MG_ERR_BAD_TLV when the nickname exceeds 255 UTF-8 bytes, more than 10 neighbours are
 *   given or one is not 8 bytes, the geohash is empty or over 12 bytes, or an unknown
 *   record is not a valid TLV-8 record.
 */
export function encodeAnnounce(a: AnnouncePayload): Uint8Array {
  const nick = utf8Encoder.encode(a.nickname);
  if (nick.length > MAX_NICKNAME_BYTES) {
    throw new MeshgateError('MG_ERR_BAD_TLV', `nickname is ${nick.length} UTF-8 bytes, max ${MAX_NICKNAME_BYTES}`);
  }
  if (a.noisePublicKey.length !== ANNOUNCE_KEY_SIZE) {
    throw new MeshgateError('MG_ERR_BAD_KEY', `Noise public key must be 32 bytes, got ${a.noisePublicKey.length}`);
  }
  if (a.signingPublicKey.length !== ANNOUNCE_KEY_SIZE) {
    throw new MeshgateError('MG_ERR_BAD_KEY', `signing public key must be 32 bytes, got ${a.signingPublicKey.length}`);
  }
  const records: TlvRecord[] = [
    { type: AnnounceTlv.NICKNAME, value: nick },
    { type: AnnounceTlv.NOISE_PUBLIC_KEY, value: a.noisePublicKey },
    { type: AnnounceTlv.SIGNING_PUBLIC_KEY, value: a.signingPublicKey },
  ];
  if (a.neighbors && a.neighbors.length > 0) {
    if (a.neighbors.length > MAX_ANNOUNCE_NEIGHBORS) {
      throw new MeshgateError('MG_ERR_BAD_TLV', `${a.neighbors.length} neighbours given, max ${MAX_ANNOUNCE_NEIGHBORS}`);
    }
    const value = new Uint8Array(a.neighbors.length * PEER_ID_SIZE);
    a.neighbors.forEach((id, i) => {
      if (id.length !== PEER_ID_SIZE) {
        throw new MeshgateError('MG_ERR_BAD_TLV', `neighbour ${i} is ${id.length} bytes, peer IDs are 8`);
      }
      value.set(id, i * PEER_ID_SIZE);
    });
    records.push({ type: AnnounceTlv.DIRECT_NEIGHBORS, value });
  }
  if (a.capabilities !== undefined) {
    records.push({ type: AnnounceTlv.CAPABILITIES, value: encodeCapabilities(a.capabilities) });
  }
  if (a.bridgeGeohash !== undefined) {
    const cell = utf8Encoder.encode(a.bridgeGeohash);
    if (cell.length === 0 || cell.length > MAX_BRIDGE_GEOHASH_BYTES) {
      throw new MeshgateError('MG_ERR_BAD_TLV', `bridge geohash is ${cell.length} bytes, must be 1..${MAX_BRIDGE_GEOHASH_BYTES}`);
    }
    records.push({ type: AnnounceTlv.BRIDGE_GEOHASH, value: cell });
  }
  for (const u of a.unknown ?? []) records.push({ type: u.type, value: u.value });
  return writeTlvs(records, 1);
}

/**
 * Decode an announce payload (TLV-8).
 *
 * The nickname is decoded leniently (malformed UTF-8 becomes U+FFFD, as Android does;
 * iOS rejects such an announce). Returned byte fields are copies, safe to keep.
 *
 * @throws MeshgateError MG_ERR_BAD_TLV when a TLV overruns the payload;
 *   MG_ERR_BAD_ANNOUNCE when the nickname, Noise key or signing key is missing, or a key
 *   is not 32 bytes.
 */
export function decodeAnnounce(payload: Uint8Array): AnnouncePayload {
  let nickname: string | undefined;
  let noisePublicKey: Uint8Array | undefined;
  let signingPublicKey: Uint8Array | undefined;
  let neighbors: Uint8Array[] | undefined;
  let capabilities: bigint | undefined;
  let bridgeGeohash: string | undefined;
  const unknown: { type: number; value: Uint8Array }[] = [];

  for (const { type, value } of readTlvs(payload, 1)) {
    switch (type) {
      case AnnounceTlv.NICKNAME:
        nickname = utf8Decoder.decode(value);
        break;
      case AnnounceTlv.NOISE_PUBLIC_KEY:
        noisePublicKey = value.slice();
        break;
      case AnnounceTlv.SIGNING_PUBLIC_KEY:
        signingPublicKey = value.slice();
        break;
      case AnnounceTlv.DIRECT_NEIGHBORS:
        if (value.length > 0 && value.length % PEER_ID_SIZE === 0) {
          neighbors = [];
          for (let i = 0; i < value.length; i += PEER_ID_SIZE) neighbors.push(value.slice(i, i + PEER_ID_SIZE));
        } else {
          unknown.push({ type, value: value.slice() });
        }
        break;
      case AnnounceTlv.CAPABILITIES:
        capabilities = decodeCapabilities(value);
        break;
      case AnnounceTlv.BRIDGE_GEOHASH: {
        let cell: string | undefined;
        if (value.length <= MAX_BRIDGE_GEOHASH_BYTES) {
          try {
            cell = strictUtf8Decoder.decode(value);
          } catch {
            cell = undefined;
          }
        }
        if (cell === undefined) unknown.push({ type, value: value.slice() });
        else bridgeGeohash = cell;
        break;
      }
      default:
        unknown.push({ type, value: value.slice() });
    }
  }

  if (nickname === undefined) throw new MeshgateError('MG_ERR_BAD_ANNOUNCE', 'announce has no nickname TLV (0x01)');
  if (noisePublicKey === undefined) throw new MeshgateError('MG_ERR_BAD_ANNOUNCE', 'announce has no Noise public key TLV (0x02)');
  if (signingPublicKey === undefined) throw new MeshgateError('MG_ERR_BAD_ANNOUNCE', 'announce has no signing public key TLV (0x03)');
  if (noisePublicKey.length !== ANNOUNCE_KEY_SIZE) {
    throw new MeshgateError('MG_ERR_BAD_ANNOUNCE', `announce Noise key is ${noisePublicKey.length} bytes, expected 32`);
  }
  if (signingPublicKey.length !== ANNOUNCE_KEY_SIZE) {
    throw new MeshgateError('MG_ERR_BAD_ANNOUNCE', `announce signing key is ${signingPublicKey.length} bytes, expected 32`);
  }

  const out: AnnouncePayload = { nickname, noisePublicKey, signingPublicKey };
  if (neighbors !== undefined) out.neighbors = neighbors;
  if (capabilities !== undefined) out.capabilities = capabilities;
  if (bridgeGeohash !== undefined) out.bridgeGeohash = bridgeGeohash;
  if (unknown.length > 0) out.unknown = unknown;
  return out;
}

/**
 * True when `senderID` (8 bytes) is the peer ID of the announce's Noise key,
 * i.e. SHA-256(noisePublicKey)[0..8] (bitchat-spec.md §3; iOS `PeerID.swift`,
 * Android `noise/NoisePeerIdentity.kt`). Never throws.
 */
export function announceMatchesSender(a: Pick<AnnouncePayload, 'noisePublicKey'>, senderID: Uint8Array): boolean {
  if (a.noisePublicKey.length !== ANNOUNCE_KEY_SIZE || senderID.length !== PEER_ID_SIZE) return false;
  const digest = createHash('sha256').update(a.noisePublicKey).digest();
  return bytesEqual(new Uint8Array(digest.buffer, digest.byteOffset, PEER_ID_SIZE), senderID);
}
