/**
 * bitchat packet model and wire constants (bitchat-spec.md §2, §4).
 * Upstream: iOS `BitFoundation/BinaryProtocol.swift`, `BitchatPacket.swift`;
 * Android `protocol/BinaryProtocol.kt`.
 */

/** Fixed header size in bytes: v1 = 14 (u16 payload length), v2 = 16 (u32 payload length). */
export const HEADER_SIZE_V1 = 14;
export const HEADER_SIZE_V2 = 16;
/** Sender and recipient IDs are 8 bytes (peer ID = SHA-256(Noise static key)[0..8]). */
export const PEER_ID_SIZE = 8;
/** Ed25519 signature size in bytes (RFC 8032). */
export const SIGNATURE_SIZE = 64;
/** Originators send with TTL 7; incoming TTL is clamped to 7 (bitchat-spec.md §6). */
export const MAX_TTL = 7;
/** All-FF recipient: Android's broadcast shape (iOS omits the recipient). */
export const BROADCAST_ID = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/** Header flag bits (byte 11). */
export const Flags = {
  HAS_RECIPIENT: 0x01,
  HAS_SIGNATURE: 0x02,
  IS_COMPRESSED: 0x04,
  /** v2 only; ignored in v1. */
  HAS_ROUTE: 0x08,
  /** "Request-sync response" (RSR), iOS only; cleared in the signing preimage. */
  IS_RSR: 0x10,
} as const;

/** Message type codes (bitchat-spec.md §4). Unknown types are still relayed. */
export const MessageType = {
  ANNOUNCE: 0x01,
  MESSAGE: 0x02,
  LEAVE: 0x03,
  COURIER_ENVELOPE: 0x04,
  NOISE_HANDSHAKE: 0x10,
  NOISE_ENCRYPTED: 0x11,
  FRAGMENT: 0x20,
  REQUEST_SYNC: 0x21,
  FILE_TRANSFER: 0x22,
  BOARD_POST: 0x23,
  PREKEY_BUNDLE: 0x24,
  GROUP_MESSAGE: 0x25,
  PING: 0x26,
  PONG: 0x27,
  NOSTR_CARRIER: 0x28,
  VOICE_FRAME: 0x29,
} as const;

/** Human names of the known types, for the CLI and logs. */
export const MESSAGE_TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(MessageType).map(([k, v]) => [v, k.toLowerCase()]),
);

/**
 * A decoded bitchat packet. Field names follow upstream (`BitchatPacket`).
 * `payload` is always the decompressed payload; whether the wire form was compressed is
 * on {@link DecodedFrame}.
 */
export interface BitchatPacket {
  version: 1 | 2;
  type: number;
  /** Hops left, 0..255 on the wire (clamped to 7 by the relay engine). */
  ttl: number;
  /** ms since the Unix epoch (u64 on the wire; values above 2^53 lose precision). */
  timestamp: number;
  /** The header flags byte as sent (HAS_RECIPIENT etc. are recomputed by the encoder). */
  flags: number;
  /** 8 bytes. */
  senderID: Uint8Array;
  /** 8 bytes, or undefined when absent (iOS broadcast). All-FF also means broadcast. */
  recipientID?: Uint8Array | undefined;
  /** v2 source route: intermediate hop IDs (8 bytes each), not sender or recipient. */
  route?: Uint8Array[] | undefined;
  /** Decompressed payload bytes. */
  payload: Uint8Array;
  /** 64-byte Ed25519 signature, if present. */
  signature?: Uint8Array | undefined;
}

/**
 * The result of decoding one received frame: the packet plus where things sit in the
 * original bytes, so the relay path can forward the received bytes (TTL patched) and
 * verify signatures without re-encoding (DEFLATE output is not canonical).
 */
export interface DecodedFrame {
  packet: BitchatPacket;
  /** The frame as received (may include trailing PKCS#7 padding / garbage). */
  bytes: Uint8Array;
  /** Bytes up to and including the signature (or the payload when unsigned). */
  length: number;
  /** Offset of the 64-byte signature in `bytes`, or -1 when unsigned. */
  signatureOffset: number;
  /** True when the wire payload was raw-DEFLATE compressed. */
  compressed: boolean;
}

/** True if the packet is a broadcast: no recipient, or the all-FF recipient. */
export function isBroadcast(packet: Pick<BitchatPacket, 'recipientID'>): boolean {
  const r = packet.recipientID;
  if (!r) return true;
  for (let i = 0; i < r.length; i++) if (r[i] !== 0xff) return false;
  return true;
}
