/**
 * Packet identities (bitchat-spec.md §6, §7).
 *
 * - {@link packetId}: the gossip-sync packet ID, the first 16 bytes of
 *   SHA-256(type (1) | senderID (8) | timestamp (u64 BE) | payload). Upstream: Android
 *   `sync/PacketIdUtil.kt` (`computeIdBytes`), iOS `PacketIdUtil.computeId`; upstream
 *   `spec/05-store-and-forward.md` §4.2. `payload` is the packet's (decompressed) payload,
 *   as both apps hold it in `BitchatPacket.payload`.
 * - {@link duplicateKey}: the relay duplicate-suppression key iOS uses,
 *   `"<sender hex>-<timestamp>-<type>-<hex of SHA-256(payload)[0..4]>"` (iOS
 *   `Services/BLE/BLEReceivePipeline.swift`, `context(for:)`). iOS does not de-duplicate
 *   fragments (type 0x20) this way; that policy belongs to the caller.
 */
import { createHash, hash } from 'node:crypto';

/** Length of a gossip-sync packet ID in bytes. */
export const PACKET_ID_SIZE = 16;

const TWO_POW_32 = 0x1_0000_0000;

function timestampBytes(timestamp: number | bigint): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  if (typeof timestamp === 'bigint') {
    view.setBigUint64(0, BigInt.asUintN(64, timestamp));
  } else {
    const t = Math.max(0, Math.floor(timestamp));
    view.setUint32(0, Math.floor(t / TWO_POW_32) >>> 0);
    view.setUint32(4, t % TWO_POW_32);
  }
  return out;
}

/**
 * The 16-byte gossip-sync packet ID.
 *
 * @param type packet type byte.
 * @param senderID 8-byte sender peer ID.
 * @param timestamp ms since the epoch (u64 on the wire; pass a bigint for values above 2^53).
 * @param payload the packet's decompressed payload.
 */
export function packetId(type: number, senderID: Uint8Array, timestamp: number | bigint, payload: Uint8Array): Uint8Array {
  const digest = createHash('sha256')
    .update(Uint8Array.of(type & 0xff))
    .update(senderID)
    .update(timestampBytes(timestamp))
    .update(payload)
    .digest();
  return new Uint8Array(digest.buffer, digest.byteOffset, PACKET_ID_SIZE).slice();
}

/** {@link packetId} as 32 lowercase hex characters. */
export function packetIdHex(type: number, senderID: Uint8Array, timestamp: number | bigint, payload: Uint8Array): string {
  return Buffer.from(packetId(type, senderID, timestamp, payload)).toString('hex');
}

/**
 * The iOS duplicate-suppression key: `"<sender hex>-<timestamp>-<type>-<digest8>"`, where
 * sender hex is lowercase, timestamp and type are decimal and digest8 is the lowercase
 * hex of the first 4 bytes of SHA-256(payload). One SHA-256 and one string concatenation.
 *
 * @param senderID 8-byte sender peer ID.
 * @param timestamp ms since the epoch (number or bigint).
 * @param type packet type byte.
 * @param payload the packet's (decompressed) payload.
 */
export function duplicateKey(senderID: Uint8Array, timestamp: number | bigint, type: number, payload: Uint8Array): string {
  // crypto.hash (one-shot, Node >= 20.12) is about twice as fast as createHash for small inputs
  const digest8 = hash('sha256', payload, 'hex').slice(0, 8);
  const sender = Buffer.from(senderID.buffer, senderID.byteOffset, senderID.byteLength).toString('hex');
  return `${sender}-${timestamp.toString()}-${type}-${digest8}`;
}
