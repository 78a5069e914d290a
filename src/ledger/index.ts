/**
 * `meshgate/ledger`: proof-of-relay accounting — receipts (canonical entries, batched under
 * one Ed25519 signature over an RFC 6962 Merkle root), the gateway's signed, hash-chained
 * ledger batches with inclusion proofs, epochs, integer reward rules, export audit and
 * dispute resolution. Pure: no I/O, no wall clock. docs/ledger.md describes the formats.
 */
export { HASH_SIZE, leafHash, nodeHash, MerkleTree, merkleRoot, rootFromLeafHashes, verifyInclusion } from './merkle.js';
export {
  RECEIPT_ENTRY_SIZE,
  RECEIPT_ENTRY_VERSION,
  BROADCAST_PEER_ID,
  MAX_COUNTER,
  encodeReceiptEntry,
  decodeReceiptEntry,
  validateReceiptEntry,
  splitEntries,
  type ReceiptEntry,
} from './receipt.js';
export {
  RECEIPT_BATCH_CONTEXT,
  RECEIPT_BATCH_TYPE,
  MAX_BATCH_ENTRIES,
  receiptBatchPreimage,
  signReceiptBatch,
  verifyReceiptBatch,
  receiptBatchToBody,
  parseReceiptBatchBody,
  entryLeafHash,
  type SignedReceiptBatch,
  type ReceiptBatchBody,
  type BatchVerdict,
} from './receipt-batch.js';
export { LEDGER_BATCH_CONTEXT, LEDGER_LEAF_SIZE, GENESIS_HASH, ledgerLeaf, ledgerHeaderPreimage, ledgerHeaderHash, signLedgerHeader, verifyLedgerHeader, type LedgerBatchHeader } from './ledger-chain.js';
export {
  MILLI_UNITS_PER_UNIT,
  BASE_FEE,
  NEW_IDENTITY_PERCENT,
  BILLABLE_TYPES,
  DEFAULT_REWARD_RULES,
  latencyScore,
  performanceBonus,
  partiesOverlap,
  assessReceipt,
  type RewardRules,
  type ReceiptFacts,
  type RewardAssessment,
} from './rewards.js';
export { epochOf, epochStart, epochEnd } from './epochs.js';
export { AvailabilityTracker, MAX_TRACKED_PEERS } from './availability.js';
export { ReceiptIssuer, type PendingReceipt, type ReceiptIssuerComponents, type ReceiptIssuerInit } from './receipt-issuer.js';
export { EXPORT_FORMAT, EXPORT_VERSION, LedgerExportSchema, parseLedgerExport, parseKeysFile, type LedgerExport, type ExportedLedgerBatch, type ExportedSignerBatch, type ExportedReceipt } from './ledger-export.js';
export { auditExport, mulberry32, headerOf, keyFor, MAX_REPORTED_FINDINGS, type AuditReport, type AuditFinding, type AuditOptions } from './audit.js';
export { resolveChallenge, parseEvidence, type ChallengeEvidence, type ChallengeResult } from './disputes.js';
