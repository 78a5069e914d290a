/**
 * Audit of a ledger export (`meshgate ledger verify`), from signatures alone:
 *
 * 1. every ledger batch header: its hash, its Ed25519 signature by the gateway, seq
 *    consecutive, each prevHash equal to the previous header's hash (MG_ERR_LEDGER_FORGED,
 *    MG_ERR_LEDGER_CHAIN_BROKEN);
 * 2. full mode: every ledger batch root recomputed from its leaves, every signer batch
 *    signature, every receipt's two inclusion proofs (in its signer batch and its ledger
 *    batch); sampled mode (`sample` n): n receipts drawn at random and their proofs and
 *    signer signatures only (MG_ERR_LEDGER_FORGED, MG_ERR_LEDGER_BATCH_TAMPERED);
 * 3. the reward rules that an export alone can show (every receipt): the gateway is the
 *    relayer, three distinct parties, no counter or packet credited twice, units at most
 *    2 × base, per-pair and per-epoch caps respected (MG_ERR_LEDGER_RECEIPT_INVALID,
 *    MG_ERR_LEDGER_SELF_RELAY, MG_ERR_LEDGER_REPLAYED, MG_ERR_LEDGER_DOUBLE_CLAIM,
 *    MG_ERR_LEDGER_NOT_BILLABLE, MG_ERR_LEDGER_CAP_REACHED).
 *
 * Keys: with `keys` (the auditor's pinned public keys) every signer and the gateway must be
 * in it (else MG_ERR_LEDGER_UNKNOWN_KEY); without, the keys embedded in the export are used
 * and the report says `keysPinned: false`.
 */
import { mulberry32 } from '../util/prng.js';
import type { ErrorCode } from '../errors.js';
import { bytesEqual, fromHex } from '../protocol/hex.js';
import { leafHash, MerkleTree, verifyInclusion } from './merkle.js';
import { decodeReceiptEntry, type ReceiptEntry } from './receipt.js';
import { receiptBatchPreimage } from './receipt-batch.js';
import { ed25519Verify } from '../protocol/keys.js';
import { ledgerHeaderHash, ledgerLeaf, verifyLedgerHeader, GENESIS_HASH, type LedgerBatchHeader } from './ledger-chain.js';
import { BILLABLE_TYPES, partiesOverlap } from './rewards.js';
import type { ExportedLedgerBatch, ExportedReceipt, ExportedSignerBatch, LedgerExport } from './ledger-export.js';

/** Most individual findings listed in a report (all are counted in `errorCounts`). */
export const MAX_REPORTED_FINDINGS = 100;

export interface AuditFinding {
  readonly code: ErrorCode;
  readonly message: string;
}

export interface AuditReport {
  readonly ok: boolean;
  readonly mode: 'full' | 'sampled';
  readonly epoch: number;
  readonly gateway: string;
  readonly keysPinned: boolean;
  readonly checked: { ledgerBatches: number; signerBatches: number; receipts: number; proofs: number };
  readonly totals: { receipts: number; units: number };
  readonly errorCounts: Record<string, number>;
  readonly errors: readonly AuditFinding[];
}

export interface AuditOptions {
  /** Pinned public keys, peer ID → Ed25519 key hex. */
  readonly keys?: Readonly<Record<string, string>> | undefined;
  /** Receipts to check in sampled mode (0 or undefined = full). */
  readonly sample?: number | undefined;
  /** Uniform [0, 1) source for sampling (default: mulberry32 seeded with the epoch, i.e. reproducible). */
  readonly random?: (() => number) | undefined;
}

/** The header of an exported ledger batch. */
export function headerOf(exp: Pick<LedgerExport, 'gateway'>, b: ExportedLedgerBatch): LedgerBatchHeader {
  return { gateway: exp.gateway.peerId, epoch: b.epoch, seq: b.seq, count: b.count, createdAt: b.createdAt, prevHash: fromHex(b.prevHash, 32), root: fromHex(b.root, 32) };
}

/** The key to check `peerId`'s signatures with, or undefined. */
export function keyFor(exp: Pick<LedgerExport, 'keys' | 'gateway'>, peerId: string, pinned: Readonly<Record<string, string>> | undefined): string | undefined {
  if (pinned) return pinned[peerId];
  if (peerId === exp.gateway.peerId) return exp.gateway.signingPublicKey;
  return exp.keys[peerId];
}

type Check = { ok: true } | { ok: false; code: ErrorCode; message: string };

/** Whether signer batch `index` of the export is validly signed (cached per batch in `cache`). */
function signerBatchSigned(exp: LedgerExport, index: number, pinned: Readonly<Record<string, string>> | undefined, cache: Map<number, Check> | undefined): Check {
  const hit = cache?.get(index);
  if (hit) return hit;
  const sb = exp.signerBatches[index];
  let out: Check;
  if (!sb) out = { ok: false, code: 'MG_ERR_LEDGER_EXPORT_INVALID', message: `receipt names signer batch ${index}, which is not in the export` };
  else {
    const key = keyFor(exp, sb.signer, pinned);
    if (!key) out = { ok: false, code: 'MG_ERR_LEDGER_UNKNOWN_KEY', message: `no public key for signer ${sb.signer}` };
    else if (!ed25519Verify(receiptBatchPreimage(sb.signer, sb.relayer, sb.count, fromHex(sb.root, 32)), fromHex(sb.sig, 64), fromHex(key, 32))) {
      out = { ok: false, code: 'MG_ERR_LEDGER_FORGED', message: `signer batch ${index} signature does not verify with ${sb.signer}'s key` };
    } else out = { ok: true };
  }
  cache?.set(index, out);
  return out;
}

/**
 * True when a receipt's signer batch is validly signed and the receipt is included under
 * its root. `cache` (optional) remembers signature checks per signer batch.
 */
export function signerEvidenceHolds(exp: LedgerExport, r: ExportedReceipt, pinned: Readonly<Record<string, string>> | undefined, cache?: Map<number, Check>): Check {
  const signed = signerBatchSigned(exp, r.signerBatch, pinned, cache);
  if (!signed.ok) return signed;
  const sb = exp.signerBatches[r.signerBatch] as ExportedSignerBatch;
  if (!verifyInclusion(leafHash(fromHex(r.entry, 76)), r.signerIndex, sb.count, r.signerProof.map((h) => fromHex(h, 32)), fromHex(sb.root, 32))) {
    return { ok: false, code: 'MG_ERR_LEDGER_BATCH_TAMPERED', message: `receipt is not in signer batch ${r.signerBatch} under its signed root` };
  }
  return { ok: true };
}

/** True when a receipt's ledger inclusion proof holds against its ledger batch (whose header must be checked separately). */
export function ledgerProofHolds(exp: LedgerExport, r: ExportedReceipt, bySeq?: ReadonlyMap<number, ExportedLedgerBatch>): boolean {
  const lb = bySeq ? bySeq.get(r.ledgerSeq) : exp.ledgerBatches.find((b) => b.seq === r.ledgerSeq);
  if (!lb) return false;
  const leaf = leafHash(ledgerLeaf(fromHex(r.entry, 76), r.units));
  return verifyInclusion(leaf, r.ledgerIndex, lb.count, r.ledgerProof.map((h) => fromHex(h, 32)), fromHex(lb.root, 32));
}

/** Check a ledger batch header's hash and signature. */
export function ledgerHeaderHolds(exp: LedgerExport, b: ExportedLedgerBatch, pinned: Readonly<Record<string, string>> | undefined): { ok: true } | { ok: false; code: ErrorCode; message: string } {
  const key = keyFor(exp, exp.gateway.peerId, pinned);
  if (!key) return { ok: false, code: 'MG_ERR_LEDGER_UNKNOWN_KEY', message: `no public key for gateway ${exp.gateway.peerId}` };
  const h = headerOf(exp, b);
  if (!bytesEqual(ledgerHeaderHash(h), fromHex(b.hash, 32))) return { ok: false, code: 'MG_ERR_LEDGER_CHAIN_BROKEN', message: `ledger batch ${b.seq}: stated hash is not the header's hash` };
  if (!verifyLedgerHeader(h, fromHex(b.sig, 64), fromHex(key, 32))) return { ok: false, code: 'MG_ERR_LEDGER_FORGED', message: `ledger batch ${b.seq}: signature does not verify with the gateway's key` };
  return { ok: true };
}

/** Verify an export. Pure and deterministic for a given `random`; never throws. */
export function auditExport(exp: LedgerExport, opts: AuditOptions = {}): AuditReport {
  const pinned = opts.keys;
  const errors: AuditFinding[] = [];
  const errorCounts: Record<string, number> = {};
  const fail = (code: ErrorCode, message: string): void => {
    errorCounts[code] = (errorCounts[code] ?? 0) + 1;
    if (errors.length < MAX_REPORTED_FINDINGS) errors.push({ code, message });
  };
  const checked = { ledgerBatches: 0, signerBatches: 0, receipts: 0, proofs: 0 };
  const sampled = (opts.sample ?? 0) > 0 && (opts.sample ?? 0) < exp.receipts.length;

  if (pinned && pinned[exp.gateway.peerId] !== undefined && pinned[exp.gateway.peerId] !== exp.gateway.signingPublicKey) {
    fail('MG_ERR_LEDGER_FORGED', `the export's gateway key is not the pinned key of ${exp.gateway.peerId}`);
  }
  // 1. headers and chain
  const batches = [...exp.ledgerBatches].sort((a, b) => a.seq - b.seq);
  batches.forEach((b, i) => {
    checked.ledgerBatches++;
    const h = ledgerHeaderHolds(exp, b, pinned);
    if (!h.ok) fail(h.code, h.message);
    if (b.epoch !== exp.epoch) fail('MG_ERR_LEDGER_EXPORT_INVALID', `ledger batch ${b.seq} belongs to epoch ${b.epoch}, not ${exp.epoch}`);
    const prev = batches[i - 1];
    if (prev) {
      if (b.seq !== prev.seq + 1) fail('MG_ERR_LEDGER_CHAIN_BROKEN', `ledger batch ${b.seq} follows ${prev.seq}`);
      if (b.prevHash !== prev.hash) fail('MG_ERR_LEDGER_CHAIN_BROKEN', `ledger batch ${b.seq}: prevHash is not batch ${prev.seq}'s hash`);
    } else if (b.seq === 1 && b.prevHash !== Buffer.from(GENESIS_HASH).toString('hex')) {
      fail('MG_ERR_LEDGER_CHAIN_BROKEN', 'the first ledger batch does not start from the genesis hash');
    }
  });

  // 2. roots, signatures, proofs
  const toCheck: ExportedReceipt[] = sampled ? sample(exp.receipts, opts.sample as number, opts.random ?? mulberry32(exp.epoch)) : exp.receipts;
  if (!sampled) {
    for (const b of batches) {
      const leaves = exp.receipts.filter((r) => r.ledgerSeq === b.seq).sort((x, y) => x.ledgerIndex - y.ledgerIndex);
      const ok = leaves.length === b.count && leaves.every((r, i) => r.ledgerIndex === i);
      const root = ok ? MerkleTree.fromLeaves(leaves.map((r) => ledgerLeaf(fromHex(r.entry, 76), r.units))).root() : undefined;
      if (!root || !bytesEqual(root, fromHex(b.root, 32))) fail('MG_ERR_LEDGER_BATCH_TAMPERED', `ledger batch ${b.seq}: its receipts do not hash to the signed root`);
    }
  }
  const signerBatchesChecked = new Set<number>();
  const sigCache = new Map<number, Check>();
  const ledgerBatchBySeq = new Map(exp.ledgerBatches.map((b) => [b.seq, b]));
  for (const r of toCheck) {
    checked.receipts++;
    checked.proofs += 2;
    signerBatchesChecked.add(r.signerBatch);
    const s = signerEvidenceHolds(exp, r, pinned, sigCache);
    if (!s.ok) fail(s.code, s.message);
    if (!ledgerProofHolds(exp, r, ledgerBatchBySeq)) fail('MG_ERR_LEDGER_BATCH_TAMPERED', `receipt is not in ledger batch ${r.ledgerSeq} under its signed root`);
  }
  checked.signerBatches = signerBatchesChecked.size;

  // 3. reward rules an export can show
  const rules = exp.rules;
  const counters = new Set<string>();
  const packets = new Set<string>();
  const pairs = new Map<string, number>();
  let units = 0;
  for (const r of exp.receipts) {
    let e: ReceiptEntry;
    try {
      e = decodeReceiptEntry(fromHex(r.entry, 76));
    } catch (err) {
      fail('MG_ERR_LEDGER_RECEIPT_INVALID', err instanceof Error ? err.message : String(err));
      continue;
    }
    units += r.units;
    if (e.relayer !== exp.gateway.peerId) fail('MG_ERR_LEDGER_RECEIPT_INVALID', `receipt ${e.packetId} credits relayer ${e.relayer}, not the gateway`);
    if (partiesOverlap(e, { origin: exp.keys[e.origin], relayer: exp.gateway.signingPublicKey, signer: keyFor(exp, e.signer, pinned) })) {
      fail('MG_ERR_LEDGER_SELF_RELAY', `receipt ${e.packetId}: origin, relayer and signer are not three parties`);
    }
    if (!BILLABLE_TYPES.has(e.type)) fail('MG_ERR_LEDGER_NOT_BILLABLE', `receipt ${e.packetId}: type 0x${e.type.toString(16)} earns nothing`);
    const ck = `${e.signer}/${e.counter}`;
    if (counters.has(ck)) fail('MG_ERR_LEDGER_REPLAYED', `counter ${e.counter} of signer ${e.signer} credited twice`);
    counters.add(ck);
    if (r.units > 0) {
      if (packets.has(e.packetId)) fail('MG_ERR_LEDGER_DOUBLE_CLAIM', `packet ${e.packetId} credited twice`);
      packets.add(e.packetId);
    }
    if (r.units > 2 * rules.baseFee) fail('MG_ERR_LEDGER_RECEIPT_INVALID', `receipt ${e.packetId}: ${r.units} mu exceeds 2 × base`);
    const pk = `${e.origin}/${e.recipient}`;
    const p = (pairs.get(pk) ?? 0) + r.units;
    pairs.set(pk, p);
    if (p > rules.capPerPair && p - r.units <= rules.capPerPair) fail('MG_ERR_LEDGER_CAP_REACHED', `pair ${pk} credited over its cap of ${rules.capPerPair} mu`);
  }
  if (units > rules.capPerEpoch) fail('MG_ERR_LEDGER_CAP_REACHED', `epoch credited ${units} mu, over its cap of ${rules.capPerEpoch}`);
  return {
    ok: errors.length === 0,
    mode: sampled ? 'sampled' : 'full',
    epoch: exp.epoch,
    gateway: exp.gateway.peerId,
    keysPinned: pinned !== undefined,
    checked,
    totals: { receipts: exp.receipts.length, units },
    errorCounts,
    errors,
  };
}

/** n distinct items drawn uniformly (partial Fisher-Yates). */
function sample<T>(items: readonly T[], n: number, random: () => number): T[] {
  const a = items.slice();
  const k = Math.min(n, a.length);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (a.length - i));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a.slice(0, k);
}

/** The seeded generator used for sampling (src/util/prng.ts), re-exported for callers of the audit. */
export { mulberry32 };
