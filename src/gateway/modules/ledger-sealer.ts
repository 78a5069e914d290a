/**
 * Sealing: credited receipts (units > 0) not yet in a ledger batch are grouped by credit
 * epoch into batches of at most `maxLeaves` leaves, each an RFC 6962 tree over ledger
 * leaves (entry | units), with a header signed by the gateway and chained to the previous
 * header's hash (src/ledger/ledger-chain.ts). Each batch is written in one transaction.
 */
import type { KeyObject } from 'node:crypto';
import { GENESIS_HASH, MerkleTree, ledgerHeaderHash, ledgerLeaf, signLedgerHeader, type LedgerBatchHeader } from '../../ledger/index.js';
import type { LedgerStore } from './ledger-store.js';

/** Seal everything unsealed; returns the number of batches written. */
export function sealLedger(store: LedgerStore, opts: { gateway: string; key: KeyObject; now: number; maxLeaves: number }): number {
  let written = 0;
  for (const epoch of store.unsealedEpochs()) {
    for (;;) {
      const rows = store.unsealed(epoch, opts.maxLeaves);
      if (rows.length === 0) break;
      const last = store.lastBatch();
      const header: LedgerBatchHeader = {
        gateway: opts.gateway,
        epoch,
        seq: (last?.seq ?? 0) + 1,
        count: rows.length,
        createdAt: opts.now,
        prevHash: last ? new Uint8Array(last.hash) : GENESIS_HASH,
        root: MerkleTree.fromLeaves(rows.map((r) => ledgerLeaf(r.entry, r.units))).root(),
      };
      const sig = signLedgerHeader(header, opts.key);
      store.insertLedgerBatch(
        { seq: header.seq, epoch, count: header.count, created_at: header.createdAt, prev_hash: header.prevHash, root: header.root, hash: ledgerHeaderHash(header), sig },
        rows.map((r) => r.id),
      );
      written++;
      if (rows.length < opts.maxLeaves) break;
    }
  }
  return written;
}
