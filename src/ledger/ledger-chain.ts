/**
 * The crediting gateway's ledger: credited receipts are sealed into ledger batches, each an
 * RFC 6962 Merkle tree over 80-byte ledger leaves (receipt entry (76) | credited units
 * (u32 BE)), whose header is signed by the gateway and chained to the previous header by
 * its SHA-256 hash (the first header's `prevHash` is 32 zero bytes).
 *
 * Header preimage (121 bytes, signed; its SHA-256 is the header hash):
 * ASCII `meshgate-ledger-batch-v1` (24) | 0x00 | gateway peer ID (8) | epoch (u32) |
 * seq (u64, 1, 2, 3, ... across epochs) | leaf count (u32) | created at, ms (u64) |
 * prevHash (32) | Merkle root (32).
 */
import type { KeyObject } from 'node:crypto';
import { createHash } from 'node:crypto';
import { MeshgateError } from '../errors.js';
import { fromHex } from '../protocol/hex.js';
import { ed25519Sign, ed25519Verify } from '../protocol/keys.js';
import { RECEIPT_ENTRY_SIZE } from './receipt.js';

export const LEDGER_BATCH_CONTEXT = 'meshgate-ledger-batch-v1';
/** Size of one ledger leaf, bytes. */
export const LEDGER_LEAF_SIZE = RECEIPT_ENTRY_SIZE + 4;
/** prevHash of the first batch. */
export const GENESIS_HASH = new Uint8Array(32);

/** A ledger batch header. */
export interface LedgerBatchHeader {
  readonly gateway: string;
  readonly epoch: number;
  readonly seq: number;
  readonly count: number;
  readonly createdAt: number;
  readonly prevHash: Uint8Array;
  readonly root: Uint8Array;
}

const TWO_32 = 0x1_0000_0000;

/** One ledger leaf: the receipt entry followed by the credited units (u32 BE, milli-units). */
export function ledgerLeaf(entry: Uint8Array, units: number): Uint8Array {
  if (entry.length !== RECEIPT_ENTRY_SIZE) throw new MeshgateError('MG_ERR_LEDGER_RECEIPT_INVALID', 'ledger leaf needs a 76-byte entry');
  if (!Number.isInteger(units) || units < 0 || units > 0xffff_ffff) throw new MeshgateError('MG_ERR_LEDGER_RECEIPT_INVALID', `units ${units} out of range`);
  const out = new Uint8Array(LEDGER_LEAF_SIZE);
  out.set(entry, 0);
  new DataView(out.buffer).setUint32(RECEIPT_ENTRY_SIZE, units);
  return out;
}

/** The 121-byte signed preimage of a header. */
export function ledgerHeaderPreimage(h: LedgerBatchHeader): Uint8Array {
  const ctx = Buffer.from(LEDGER_BATCH_CONTEXT, 'ascii');
  const out = new Uint8Array(ctx.length + 1 + 8 + 4 + 8 + 4 + 8 + 32 + 32);
  const view = new DataView(out.buffer);
  out.set(ctx, 0);
  let o = ctx.length + 1;
  out.set(fromHex(h.gateway, 8), o);
  view.setUint32((o += 8), h.epoch);
  view.setUint32((o += 4), Math.floor(h.seq / TWO_32));
  view.setUint32(o + 4, h.seq % TWO_32);
  view.setUint32((o += 8), h.count);
  view.setUint32((o += 4), Math.floor(h.createdAt / TWO_32));
  view.setUint32(o + 4, h.createdAt % TWO_32);
  out.set(h.prevHash, (o += 8));
  out.set(h.root, o + 32);
  return out;
}

/** SHA-256 of the header preimage: what the next header's prevHash holds. */
export function ledgerHeaderHash(h: LedgerBatchHeader): Uint8Array {
  return new Uint8Array(createHash('sha256').update(ledgerHeaderPreimage(h)).digest());
}

/** Sign a header with the gateway's Ed25519 key (64-byte signature). */
export function signLedgerHeader(h: LedgerBatchHeader, key: KeyObject): Uint8Array {
  return ed25519Sign(ledgerHeaderPreimage(h), key);
}

/** Verify a header signature. Never throws. */
export function verifyLedgerHeader(h: LedgerBatchHeader, signature: Uint8Array, gatewayKey: KeyObject | Uint8Array): boolean {
  return ed25519Verify(ledgerHeaderPreimage(h), signature, gatewayKey);
}
