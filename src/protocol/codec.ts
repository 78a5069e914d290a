/**
 * The bitchat binary packet codec (bitchat-spec.md §2). All integers big-endian.
 *
 * ```
 * off  size        field
 * 0    1           version (1 | 2)
 * 1    1           type
 * 2    1           TTL
 * 3    8           timestamp, ms since epoch (u64)
 * 11   1           flags (0x01 recipient, 0x02 signature, 0x04 compressed, 0x08 route (v2), 0x10 RSR)
 * 12   2 (v1)/4 (v2) payload length (payload bytes incl. the original-size field when compressed)
 * then sender ID (8) | recipient ID (8, flagged) | route (v2 + flag: count (1) + count × 8)
 *      | original size (2 v1 / 4 v2, compressed) | payload | signature (64, flagged) | padding
 * ```
 *
 * Decoding never allocates a buffer of a declared length before checking it against the
 * frame; the decoded payload of an uncompressed packet is a view into the frame.
 * Upstream: iOS `BitFoundation/BinaryProtocol.swift`, Android `protocol/BinaryProtocol.kt`.
 */
import { MeshgateError } from '../errors.js';
import { compressPayload, decompressPayload } from './compression.js';
import { pad } from './padding.js';
import {
  Flags,
  HEADER_SIZE_V1,
  HEADER_SIZE_V2,
  MessageType,
  PEER_ID_SIZE,
  SIGNATURE_SIZE,
  type BitchatPacket,
  type DecodedFrame,
} from './packet.js';

/** Offset of the TTL byte in every frame. */
export const TTL_OFFSET = 2;
/** Offset of the flags byte in every frame. */
export const FLAGS_OFFSET = 11;

/** Options for {@link encodePacket}. */
export interface EncodeOptions {
  /** Compress the payload when worthwhile (default true). */
  compress?: boolean;
  /** Apply PKCS#7 padding (default: only Noise packets 0x10/0x11, as on the air). */
  pad?: boolean;
}

function readU64(b: Uint8Array, off: number): number {
  const hi = ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
  const lo = ((b[off + 4] << 24) | (b[off + 5] << 16) | (b[off + 6] << 8) | b[off + 7]) >>> 0;
  return hi * 0x1_0000_0000 + lo;
}

function writeU64(b: Uint8Array, off: number, v: number): void {
  const hi = Math.floor(v / 0x1_0000_0000);
  const lo = v >>> 0;
  b[off] = hi >>> 24;
  b[off + 1] = (hi >>> 16) & 0xff;
  b[off + 2] = (hi >>> 8) & 0xff;
  b[off + 3] = hi & 0xff;
  b[off + 4] = lo >>> 24;
  b[off + 5] = (lo >>> 16) & 0xff;
  b[off + 6] = (lo >>> 8) & 0xff;
  b[off + 7] = lo & 0xff;
}

/** Big-endian length field: u16 in v1, u32 in v2 (bitchat-spec.md §2). */
function readLength(b: Uint8Array, off: number, width: 2 | 4): number {
  return width === 2 ? (b[off] << 8) | b[off + 1] : ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
}

/** Write a big-endian u16/u32 length at `off`; returns the offset after it. */
function writeLength(b: Uint8Array, off: number, value: number, width: 2 | 4): number {
  for (let i = width - 1; i >= 0; i--) b[off + width - 1 - i] = (value >>> (8 * i)) & 0xff;
  return off + width;
}

function short(need: number, have: number, what: string): MeshgateError {
  return new MeshgateError('MG_ERR_FRAME_TOO_SHORT', `${what}: need ${need} bytes, frame has ${have}`, { need, have });
}

/**
 * Decode one frame. Trailing bytes after the signature (PKCS#7 padding or garbage) are
 * ignored, so padded and unpadded frames both decode.
 * @param bytes the frame as received (not copied; do not mutate it afterwards).
 * @throws MeshgateError MG_ERR_FRAME_TOO_SHORT, MG_ERR_BAD_VERSION, MG_ERR_BAD_LENGTH,
 *   MG_ERR_DECOMPRESS, MG_ERR_COMPRESSION_BOMB.
 */
export function decodePacket(bytes: Uint8Array): DecodedFrame {
  const len = bytes.length;
  if (len < 1) throw short(HEADER_SIZE_V1, len, 'header');
  const version = bytes[0];
  if (version !== 1 && version !== 2) {
    throw new MeshgateError('MG_ERR_BAD_VERSION', `unsupported version ${version}`, { version });
  }
  const headerSize = version === 1 ? HEADER_SIZE_V1 : HEADER_SIZE_V2;
  if (len < headerSize + PEER_ID_SIZE) throw short(headerSize + PEER_ID_SIZE, len, 'header and sender ID');
  const type = bytes[1];
  const ttl = bytes[2];
  const timestamp = readU64(bytes, 3);
  const flags = bytes[FLAGS_OFFSET];
  const lengthWidth = version === 1 ? 2 : 4;
  const payloadLength = readLength(bytes, 12, lengthWidth);
  const hasRecipient = (flags & Flags.HAS_RECIPIENT) !== 0;
  const hasSignature = (flags & Flags.HAS_SIGNATURE) !== 0;
  const isCompressed = (flags & Flags.IS_COMPRESSED) !== 0;
  const hasRoute = version === 2 && (flags & Flags.HAS_ROUTE) !== 0;

  let off = headerSize;
  const senderID = bytes.subarray(off, off + PEER_ID_SIZE);
  off += PEER_ID_SIZE;
  let recipientID: Uint8Array | undefined;
  if (hasRecipient) {
    if (len < off + PEER_ID_SIZE) throw short(off + PEER_ID_SIZE, len, 'recipient ID');
    recipientID = bytes.subarray(off, off + PEER_ID_SIZE);
    off += PEER_ID_SIZE;
  }
  let route: Uint8Array[] | undefined;
  if (hasRoute) {
    if (len < off + 1) throw short(off + 1, len, 'route count');
    const count = bytes[off++];
    if (len < off + count * PEER_ID_SIZE) throw short(off + count * PEER_ID_SIZE, len, 'route');
    route = new Array<Uint8Array>(count);
    for (let i = 0; i < count; i++) {
      route[i] = bytes.subarray(off, off + PEER_ID_SIZE);
      off += PEER_ID_SIZE;
    }
  }
  const end = off + payloadLength + (hasSignature ? SIGNATURE_SIZE : 0);
  if (len < end) throw short(end, len, 'payload and signature');
  let payload: Uint8Array;
  if (isCompressed) {
    if (payloadLength < lengthWidth) {
      throw new MeshgateError('MG_ERR_BAD_LENGTH', `compressed payload of ${payloadLength} bytes has no original-size field`);
    }
    const declared = readLength(bytes, off, lengthWidth);
    payload = decompressPayload(bytes.subarray(off + lengthWidth, off + payloadLength), declared);
  } else {
    payload = bytes.subarray(off, off + payloadLength);
  }
  off += payloadLength;
  let signature: Uint8Array | undefined;
  let signatureOffset = -1;
  if (hasSignature) {
    signatureOffset = off;
    signature = bytes.subarray(off, off + SIGNATURE_SIZE);
    off += SIGNATURE_SIZE;
  }
  return {
    packet: { version, type, ttl, timestamp, flags, senderID, recipientID, route, payload, signature },
    bytes,
    length: off,
    signatureOffset,
    compressed: isCompressed,
  };
}

function checkId(id: Uint8Array, what: string): void {
  if (id.length !== PEER_ID_SIZE) throw new MeshgateError('MG_ERR_BAD_LENGTH', `${what} must be 8 bytes, got ${id.length}`);
}

/**
 * Encode a packet. Flags 0x01/0x02/0x04/0x08 are derived from the fields; the RSR bit
 * (0x10) and unknown high bits are kept from `packet.flags`.
 * @throws MeshgateError MG_ERR_BAD_LENGTH (ID not 8 bytes, route over 255 hops, signature
 *   not 64 bytes), MG_ERR_FRAME_TOO_LARGE (v1 payload over 65,535 bytes).
 */
export function encodePacket(packet: BitchatPacket, opts: EncodeOptions = {}): Uint8Array {
  const version = packet.version;
  if (version !== 1 && version !== 2) throw new MeshgateError('MG_ERR_BAD_VERSION', `unsupported version ${String(version)}`);
  checkId(packet.senderID, 'senderID');
  if (packet.recipientID) checkId(packet.recipientID, 'recipientID');
  const route = version === 2 && packet.route && packet.route.length > 0 ? packet.route : undefined;
  if (route) {
    if (route.length > 255) throw new MeshgateError('MG_ERR_BAD_LENGTH', `route has ${route.length} hops, max 255`);
    for (const hop of route) checkId(hop, 'route hop');
  }
  if (packet.signature && packet.signature.length !== SIGNATURE_SIZE) {
    throw new MeshgateError('MG_ERR_BAD_LENGTH', `signature must be 64 bytes, got ${packet.signature.length}`);
  }
  const sizeField = version === 1 ? 2 : 4;
  let body = packet.payload;
  let compressed = false;
  if (opts.compress !== false && (version === 2 || body.length <= 0xffff)) {
    const c = compressPayload(body);
    if (c) {
      body = c;
      compressed = true;
    }
  }
  const payloadLength = body.length + (compressed ? sizeField : 0);
  if (version === 1 && payloadLength > 0xffff) {
    throw new MeshgateError('MG_ERR_FRAME_TOO_LARGE', `v1 payload of ${payloadLength} bytes exceeds 65,535`);
  }
  const headerSize = version === 1 ? HEADER_SIZE_V1 : HEADER_SIZE_V2;
  const total =
    headerSize +
    PEER_ID_SIZE +
    (packet.recipientID ? PEER_ID_SIZE : 0) +
    (route ? 1 + route.length * PEER_ID_SIZE : 0) +
    payloadLength +
    (packet.signature ? SIGNATURE_SIZE : 0);
  const out = new Uint8Array(total);
  out[0] = version;
  out[1] = packet.type & 0xff;
  out[2] = packet.ttl & 0xff;
  writeU64(out, 3, packet.timestamp);
  let flags = packet.flags & ~(Flags.HAS_RECIPIENT | Flags.HAS_SIGNATURE | Flags.IS_COMPRESSED | Flags.HAS_ROUTE);
  if (packet.recipientID) flags |= Flags.HAS_RECIPIENT;
  if (packet.signature) flags |= Flags.HAS_SIGNATURE;
  if (compressed) flags |= Flags.IS_COMPRESSED;
  if (route) flags |= Flags.HAS_ROUTE;
  out[FLAGS_OFFSET] = flags & 0xff;
  let off = writeLength(out, 12, payloadLength, sizeField);
  out.set(packet.senderID, off);
  off += PEER_ID_SIZE;
  if (packet.recipientID) {
    out.set(packet.recipientID, off);
    off += PEER_ID_SIZE;
  }
  if (route) {
    out[off++] = route.length;
    for (const hop of route) {
      out.set(hop, off);
      off += PEER_ID_SIZE;
    }
  }
  if (compressed) off = writeLength(out, off, packet.payload.length, sizeField);
  out.set(body, off);
  off += body.length;
  if (packet.signature) out.set(packet.signature, off);
  const padIt = opts.pad ?? (packet.type === MessageType.NOISE_HANDSHAKE || packet.type === MessageType.NOISE_ENCRYPTED);
  return padIt ? pad(out) : out;
}

/**
 * Copy of a received frame with only the TTL byte changed (the relay rule: never
 * re-encode a relayed packet). Trailing padding is kept as received.
 * @param ttl 0..255
 */
export function withTtl(bytes: Uint8Array, ttl: number): Uint8Array {
  const out = new Uint8Array(bytes);
  out[TTL_OFFSET] = ttl & 0xff;
  return out;
}

/**
 * Copy of a stored frame prepared as a sync response: TTL 0 and the RSR bit (0x10) set
 * (bitchat-spec.md §7). The signature still verifies, since the preimage has TTL 0 and RSR clear.
 */
export function asSyncResponse(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes);
  out[TTL_OFFSET] = 0;
  out[FLAGS_OFFSET] |= Flags.IS_RSR;
  return out;
}
