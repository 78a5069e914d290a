/**
 * Relay receipts: what a receiving gateway (the signer) vouches for when another gateway
 * (the relayer) hands it an origin-signed bitchat packet. One receipt entry is a fixed
 * 76-byte canonical encoding (all integers big-endian):
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 1 | entry format version (1) |
 * | 1 | 1 | bitchat packet type |
 * | 2 | 4 | epoch (u32) |
 * | 6 | 8 | counter (u64), per (signer, relayer), strictly increasing |
 * | 14 | 16 | packet ID: SHA-256(type, sender, timestamp, payload)[0..16] (bitchat-spec.md §7) |
 * | 30 | 8 | origin peer ID (the packet's sender) |
 * | 38 | 8 | recipient peer ID (all-FF for a broadcast) |
 * | 46 | 8 | relayer peer ID (the gateway that handed the packet over) |
 * | 54 | 8 | signer peer ID (the gateway that received it) |
 * | 62 | 8 | receive time at the signer, ms since the Unix epoch (u64) |
 * | 70 | 4 | latency measured by the signer, ms (u32): receive time − packet timestamp, ≥ 0 |
 * | 74 | 2 | availability measured by the signer, permille (0..1000): share of the epoch so far its link to the relayer was up |
 *
 * Entries are never signed one by one on the wire: the signer signs the Merkle root of a
 * batch of entries (receipt-batch.ts); a single receipt is a batch of one.
 */
import { MeshgateError } from '../errors.js';
import { fromHex, toHex } from '../protocol/hex.js';

/** Size of one encoded receipt entry, bytes. */
export const RECEIPT_ENTRY_SIZE = 76;
/** Entry format version. */
export const RECEIPT_ENTRY_VERSION = 1;
/** Recipient field value of a broadcast. */
export const BROADCAST_PEER_ID = 'ffffffffffffffff';
/** Largest encodable counter (integers above 2^53 lose precision in JS). */
export const MAX_COUNTER = Number.MAX_SAFE_INTEGER;

/** One receipt entry. Peer IDs are 16 lowercase hex characters; packetId is 32. */
export interface ReceiptEntry {
  readonly type: number;
  readonly epoch: number;
  readonly counter: number;
  readonly packetId: string;
  readonly origin: string;
  readonly recipient: string;
  readonly relayer: string;
  readonly signer: string;
  /** ms since the Unix epoch, at the signer. */
  readonly receivedAt: number;
  /** ms, measured by the signer. */
  readonly latencyMs: number;
  /** permille 0..1000, measured by the signer. */
  readonly availabilityPermille: number;
}

const PEER_ID = /^[0-9a-f]{16}$/;
const PACKET_ID = /^[0-9a-f]{32}$/;
const TWO_32 = 0x1_0000_0000;

function bad(message: string): MeshgateError {
  return new MeshgateError('MG_ERR_LEDGER_RECEIPT_INVALID', message);
}

function checkUint(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw bad(`${what} ${v} is not an integer 0..${max}`);
}

function putU64(view: DataView, off: number, v: number): void {
  view.setUint32(off, Math.floor(v / TWO_32));
  view.setUint32(off + 4, v % TWO_32);
}

function getU64(view: DataView, off: number): number {
  const hi = view.getUint32(off);
  if (hi >= 0x20_0000) throw bad('u64 field above 2^53');
  return hi * TWO_32 + view.getUint32(off + 4);
}

/**
 * Check an entry's fields (ranges, hex shapes).
 * @throws MeshgateError MG_ERR_LEDGER_RECEIPT_INVALID
 */
export function validateReceiptEntry(e: ReceiptEntry): void {
  checkUint(e.type, 0xff, 'type');
  checkUint(e.epoch, 0xffff_ffff, 'epoch');
  checkUint(e.counter, MAX_COUNTER, 'counter');
  checkUint(e.receivedAt, MAX_COUNTER, 'receivedAt');
  checkUint(e.latencyMs, 0xffff_ffff, 'latencyMs');
  checkUint(e.availabilityPermille, 1000, 'availabilityPermille');
  if (!PACKET_ID.test(e.packetId)) throw bad('packetId must be 32 lowercase hex characters');
  for (const k of ['origin', 'recipient', 'relayer', 'signer'] as const) {
    if (!PEER_ID.test(e[k])) throw bad(`${k} must be 16 lowercase hex characters`);
  }
}

/**
 * Canonical 76-byte encoding (layout in the file comment).
 * @throws MeshgateError MG_ERR_LEDGER_RECEIPT_INVALID for out-of-range fields.
 */
export function encodeReceiptEntry(e: ReceiptEntry): Uint8Array {
  validateReceiptEntry(e);
  const out = new Uint8Array(RECEIPT_ENTRY_SIZE);
  const view = new DataView(out.buffer);
  out[0] = RECEIPT_ENTRY_VERSION;
  out[1] = e.type;
  view.setUint32(2, e.epoch);
  putU64(view, 6, e.counter);
  out.set(fromHex(e.packetId, 16), 14);
  out.set(fromHex(e.origin, 8), 30);
  out.set(fromHex(e.recipient, 8), 38);
  out.set(fromHex(e.relayer, 8), 46);
  out.set(fromHex(e.signer, 8), 54);
  putU64(view, 62, e.receivedAt);
  view.setUint32(70, e.latencyMs);
  view.setUint16(74, e.availabilityPermille);
  return out;
}

/**
 * Decode one 76-byte entry.
 * @throws MeshgateError MG_ERR_LEDGER_RECEIPT_INVALID for a wrong size, version or field.
 */
export function decodeReceiptEntry(bytes: Uint8Array): ReceiptEntry {
  if (bytes.length !== RECEIPT_ENTRY_SIZE) throw bad(`receipt entry must be ${RECEIPT_ENTRY_SIZE} bytes, got ${bytes.length}`);
  if (bytes[0] !== RECEIPT_ENTRY_VERSION) throw bad(`unknown receipt entry version ${bytes[0]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const e: ReceiptEntry = {
    type: bytes[1] as number,
    epoch: view.getUint32(2),
    counter: getU64(view, 6),
    packetId: toHex(bytes.subarray(14, 30)),
    origin: toHex(bytes.subarray(30, 38)),
    recipient: toHex(bytes.subarray(38, 46)),
    relayer: toHex(bytes.subarray(46, 54)),
    signer: toHex(bytes.subarray(54, 62)),
    receivedAt: getU64(view, 62),
    latencyMs: view.getUint32(70),
    availabilityPermille: view.getUint16(74),
  };
  validateReceiptEntry(e);
  return e;
}

/** Split concatenated entries. @throws MeshgateError MG_ERR_LEDGER_RECEIPT_INVALID when the length is not a multiple of 76. */
export function splitEntries(blob: Uint8Array): Uint8Array[] {
  if (blob.length % RECEIPT_ENTRY_SIZE !== 0) throw bad(`entries blob of ${blob.length} bytes is not a multiple of ${RECEIPT_ENTRY_SIZE}`);
  const out: Uint8Array[] = [];
  for (let o = 0; o < blob.length; o += RECEIPT_ENTRY_SIZE) out.push(blob.subarray(o, o + RECEIPT_ENTRY_SIZE));
  return out;
}
