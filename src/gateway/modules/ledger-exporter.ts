/**
 * Build the export of one epoch (docs/ledger.md, src/ledger/ledger-export.ts) from the
 * ledger tables: the epoch's sealed ledger batches, their receipts with both inclusion
 * proofs (in the signer's batch and in the ledger batch), the signer batches they come
 * from, and the public keys the exporter knows. Only sealed batches are exported.
 */
import { toHex } from '../../protocol/hex.js';
import { BASE_FEE, EXPORT_FORMAT, EXPORT_VERSION, MerkleTree, ledgerLeaf, splitEntries, type LedgerExport, type RewardRules } from '../../ledger/index.js';
import type { LedgerStore } from './ledger-store.js';

export interface ExportParams {
  gateway: { peerId: string; signingPublicKey: string };
  epoch: number;
  epochMs: number;
  now: number;
  rules: RewardRules;
}

/** The export of `params.epoch` (empty lists when nothing was sealed in it). */
export function buildLedgerExport(store: LedgerStore, params: ExportParams): LedgerExport {
  const signerIndex = new Map<number, number>();
  const signerTrees = new Map<number, MerkleTree>();
  const signerBatches: LedgerExport['signerBatches'] = [];
  const keys: Record<string, string> = {};
  const seenOrigins = new Set<string>();
  const receipts: LedgerExport['receipts'] = [];
  const ledgerBatches: LedgerExport['ledgerBatches'] = [];
  for (const b of store.batchesOfEpoch(params.epoch)) {
    ledgerBatches.push({ seq: b.seq, epoch: b.epoch, count: b.count, createdAt: b.created_at, prevHash: toHex(b.prev_hash), root: toHex(b.root), hash: toHex(b.hash), sig: toHex(b.sig) });
    const rows = store.receiptsOfBatch(b.seq);
    const tree = MerkleTree.fromLeaves(rows.map((r) => ledgerLeaf(r.entry, r.units)));
    rows.forEach((r, i) => {
      let si = signerIndex.get(r.batch_id);
      let st = signerTrees.get(r.batch_id);
      if (si === undefined || st === undefined) {
        const sb = store.signerBatch(r.batch_id);
        if (!sb) return; // pruned signer batch: the receipt cannot be proven and is left out (the audit then flags the ledger root)
        si = signerBatches.length;
        signerBatches.push({ signer: sb.signer, relayer: sb.relayer, count: sb.count, root: toHex(sb.root), sig: toHex(sb.sig) });
        st = MerkleTree.fromLeaves(splitEntries(sb.entries));
        signerIndex.set(r.batch_id, si);
        signerTrees.set(r.batch_id, st);
        const key = store.identity(sb.signer)?.signingKey;
        if (key) keys[sb.signer] = key;
      }
      if (!(r.origin in keys) && !seenOrigins.has(r.origin)) {
        seenOrigins.add(r.origin);
        const origin = store.identity(r.origin)?.signingKey;
        if (origin) keys[r.origin] = origin;
      }
      receipts.push({
        entry: toHex(r.entry),
        units: r.units,
        ledgerSeq: b.seq,
        ledgerIndex: i,
        ledgerProof: tree.proof(i).map(toHex),
        signerBatch: si,
        signerIndex: r.batch_index,
        signerProof: st.proof(r.batch_index).map(toHex),
      });
    });
  }
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    gateway: params.gateway,
    epoch: params.epoch,
    epochMs: params.epochMs,
    exportedAt: params.now,
    rules: { baseFee: BASE_FEE, ...params.rules },
    keys,
    ledgerBatches,
    signerBatches,
    receipts,
  };
}
