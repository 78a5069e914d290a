/**
 * Batched receipts: the signer acknowledges many packets with one Ed25519 signature over
 * the RFC 6962 Merkle root of their receipt entries (receipt.ts), instead of one signature
 * each. A single receipt is a batch of one (its root is the entry's leaf hash).
 *
 * Signed preimage (78 bytes): ASCII `meshgate-receipt-batch-v1` (25) | 0x00 | signer peer ID
 * (8) | relayer peer ID (8) | entry count (u32 BE) | Merkle root (32).
 *
 * Wire body of the control message `receipt-batch` (JSON; docs/ledger.md):
 * `{ "v": 1, "signer": hex16, "relayer": hex16, "count": n, "root": hex64, "sig": hex128,
 *    "entries": base64 of n × 76 bytes }`.
 */
import { MeshgateError, type ErrorCode } from '../errors.js';
import { bytesEqual, fromHex, toHex } from '../protocol/hex.js';
import { ed25519Sign, ed25519Verify } from '../protocol/keys.js';
import type { KeyObject } from 'node:crypto';
import { leafHash, MerkleTree } from './merkle.js';
import { decodeReceiptEntry, encodeReceiptEntry, RECEIPT_ENTRY_SIZE, splitEntries, type ReceiptEntry } from './receipt.js';

/** Domain-separation context of the batch signature (ASCII). */
export const RECEIPT_BATCH_CONTEXT = 'meshgate-receipt-batch-v1';
/** Most entries one batch may carry (76 × 512 bytes = 52 KiB as base64 fits a 64 KiB control message). */
export const MAX_BATCH_ENTRIES = 512;
/** Control message type of a receipt batch (signer → relayer). */
export const RECEIPT_BATCH_TYPE = 'receipt-batch';

/** A signed batch as held in memory. */
export interface SignedReceiptBatch {
  readonly signer: string;
  readonly relayer: string;
  /** Canonical entries, in leaf order. */
  readonly entries: readonly Uint8Array[];
  readonly root: Uint8Array;
  readonly signature: Uint8Array;
}

/** The wire body (JSON). */
export interface ReceiptBatchBody {
  v: 1;
  signer: string;
  relayer: string;
  count: number;
  root: string;
  sig: string;
  entries: string;
}

/** The 78-byte signed preimage. */
export function receiptBatchPreimage(signer: string, relayer: string, count: number, root: Uint8Array): Uint8Array {
  const ctx = Buffer.from(RECEIPT_BATCH_CONTEXT, 'ascii');
  const out = new Uint8Array(ctx.length + 1 + 8 + 8 + 4 + 32);
  out.set(ctx, 0);
  let o = ctx.length + 1;
  out.set(fromHex(signer, 8), o);
  out.set(fromHex(relayer, 8), (o += 8));
  new DataView(out.buffer).setUint32((o += 8), count);
  out.set(root, o + 4);
  return out;
}

/**
 * Build and sign a batch (signer side). All entries must name the same signer and relayer.
 * @throws MeshgateError MG_ERR_LEDGER_RECEIPT_INVALID for an empty or oversized batch or mixed parties.
 */
export function signReceiptBatch(entries: readonly ReceiptEntry[], signingKey: KeyObject): SignedReceiptBatch {
  if (entries.length === 0 || entries.length > MAX_BATCH_ENTRIES) {
    throw new MeshgateError('MG_ERR_LEDGER_RECEIPT_INVALID', `a batch holds 1..${MAX_BATCH_ENTRIES} entries, got ${entries.length}`);
  }
  const first = entries[0] as ReceiptEntry;
  const encoded = entries.map((e) => {
    if (e.signer !== first.signer || e.relayer !== first.relayer) throw new MeshgateError('MG_ERR_LEDGER_RECEIPT_INVALID', 'a batch names one signer and one relayer');
    return encodeReceiptEntry(e);
  });
  const root = MerkleTree.fromLeaves(encoded).root();
  const signature = ed25519Sign(receiptBatchPreimage(first.signer, first.relayer, encoded.length, root), signingKey);
  return { signer: first.signer, relayer: first.relayer, entries: encoded, root, signature };
}

/** The JSON body of a batch. */
export function receiptBatchToBody(b: SignedReceiptBatch): ReceiptBatchBody {
  return {
    v: 1,
    signer: b.signer,
    relayer: b.relayer,
    count: b.entries.length,
    root: toHex(b.root),
    sig: toHex(b.signature),
    entries: Buffer.concat(b.entries.map((e) => Buffer.from(e.buffer, e.byteOffset, e.byteLength))).toString('base64'),
  };
}

function invalid(message: string): MeshgateError {
  return new MeshgateError('MG_ERR_LEDGER_RECEIPT_INVALID', message);
}

/**
 * Parse a body received from another machine (shape only; no signature check).
 * @throws MeshgateError MG_ERR_LEDGER_RECEIPT_INVALID for anything malformed.
 */
export function parseReceiptBatchBody(body: unknown): SignedReceiptBatch {
  if (typeof body !== 'object' || body === null) throw invalid('receipt batch body is not an object');
  const b = body as Record<string, unknown>;
  if (b.v !== 1) throw invalid('unsupported receipt batch version');
  const str = (k: string, re: RegExp): string => {
    const v = b[k];
    if (typeof v !== 'string' || !re.test(v)) throw invalid(`receipt batch field ${k} is malformed`);
    return v;
  };
  const signer = str('signer', /^[0-9a-f]{16}$/);
  const relayer = str('relayer', /^[0-9a-f]{16}$/);
  const root = fromHex(str('root', /^[0-9a-f]{64}$/), 32);
  const signature = fromHex(str('sig', /^[0-9a-f]{128}$/), 64);
  const count = b.count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_BATCH_ENTRIES) throw invalid('receipt batch count out of range');
  const b64 = str('entries', /^[A-Za-z0-9+/]*={0,2}$/);
  if (b64.length > Math.ceil((MAX_BATCH_ENTRIES * RECEIPT_ENTRY_SIZE) / 3) * 4) throw invalid('receipt batch entries too long');
  const blob = new Uint8Array(Buffer.from(b64, 'base64'));
  const entries = splitEntries(blob);
  if (entries.length !== count) throw invalid(`receipt batch says ${count} entries, carries ${entries.length}`);
  return { signer, relayer, entries, root, signature };
}

/** Outcome of checking a batch: the decoded entries, or the code that rejects the whole batch. */
export type BatchVerdict = { ok: true; entries: ReceiptEntry[] } | { ok: false; code: ErrorCode; reason: string };

/**
 * Verify a batch (relayer or auditor side), in this order:
 * 1. the signature over the preimage with the claimed root → else MG_ERR_LEDGER_FORGED;
 * 2. the entries hash to that root → else MG_ERR_LEDGER_BATCH_TAMPERED;
 * 3. every entry decodes and names the batch's signer and relayer → else MG_ERR_LEDGER_RECEIPT_INVALID.
 * Never throws.
 */
export function verifyReceiptBatch(b: SignedReceiptBatch, signerKey: KeyObject | Uint8Array): BatchVerdict {
  if (!ed25519Verify(receiptBatchPreimage(b.signer, b.relayer, b.entries.length, b.root), b.signature, signerKey)) {
    return { ok: false, code: 'MG_ERR_LEDGER_FORGED', reason: `batch signature does not verify with ${b.signer}'s key` };
  }
  if (!bytesEqual(MerkleTree.fromLeaves(b.entries).root(), b.root)) {
    return { ok: false, code: 'MG_ERR_LEDGER_BATCH_TAMPERED', reason: 'entries do not hash to the signed Merkle root' };
  }
  const out: ReceiptEntry[] = [];
  for (const raw of b.entries) {
    let e: ReceiptEntry;
    try {
      e = decodeReceiptEntry(raw);
    } catch (err) {
      return { ok: false, code: 'MG_ERR_LEDGER_RECEIPT_INVALID', reason: err instanceof Error ? err.message : String(err) };
    }
    if (e.signer !== b.signer || e.relayer !== b.relayer) return { ok: false, code: 'MG_ERR_LEDGER_RECEIPT_INVALID', reason: 'an entry names another signer or relayer' };
    out.push(e);
  }
  return { ok: true, entries: out };
}

/** Leaf hash of one entry in its batch (for inclusion proofs). */
export function entryLeafHash(entry: Uint8Array): Uint8Array {
  return leafHash(entry);
}
