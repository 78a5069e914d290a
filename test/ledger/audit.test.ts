/**
 * Auditing an exported epoch from signatures alone (full and sampled), and resolving
 * challenges: missing receipt, double claim across exports, forged signature.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/ports/clock.js';
import {
  BASE_FEE,
  MerkleTree,
  auditExport,
  epochOf,
  ledgerHeaderHash,
  ledgerLeaf,
  mulberry32,
  parseEvidence,
  parseLedgerExport,
  resolveChallenge,
  signLedgerHeader,
  type LedgerExport,
} from '../../src/ledger/index.js';
import { fromHex, toHex } from '../../src/protocol/hex.js';
import { buildLedgerExport } from '../../src/gateway/modules/ledger-exporter.js';
import { connect, relay, signedMessage, startNode, type Node } from './module-harness.js';
import { identity, removeDir } from './ledger-fixtures.js';

const EPOCH_MS = 3_600_000;
const nodes: Node[] = [];
after(() => nodes.forEach((n) => (n.module.stop(), n.ledger.close(), removeDir(n.ledger.dir))));

/** A relays `n` messages from two phones to B; returns A's export of the epoch and the pinned keys. */
function honestExport(n: number): { exp: LedgerExport; keys: Record<string, string>; A: Node; B: Node } {
  const clock = new ManualClock(1_700_000_000_000);
  const A = startNode(clock, { settings: { ledgerBatchMax: 4 } });
  const B = startNode(clock);
  nodes.push(A, B);
  const pair = connect(A, B);
  const phones = [identity(), identity()];
  for (let i = 0; i < n; i++) relay(A, B, pair, signedMessage(phones[i % 2]!, `m${i}`, clock.now()));
  clock.advance(1_000);
  const exp = buildLedgerExport(A.module.ledgerStore, { gateway: { peerId: A.id.peerId, signingPublicKey: A.id.pub }, epoch: epochOf(clock.now(), EPOCH_MS), epochMs: EPOCH_MS, now: clock.now(), rules: A.module.rules });
  // through JSON, as an auditor receives it
  return { exp: parseLedgerExport(JSON.parse(JSON.stringify(exp))), keys: { [A.id.peerId]: A.id.pub, [B.id.peerId]: B.id.pub }, A, B };
}

const clone = (e: LedgerExport): LedgerExport => JSON.parse(JSON.stringify(e));
const flip = (h: string) => (h[0] === '0' ? '1' : '0') + h.slice(1);

test('an honest export verifies in full and sampled, with pinned keys: chain, roots, proofs, signatures, rules', () => {
  const { exp, keys } = honestExport(10);
  assert.equal(exp.receipts.length, 10);
  assert.equal(exp.ledgerBatches.length, 3, '10 receipts in batches of at most 4, chained');
  const full = auditExport(exp, { keys });
  assert.equal(full.ok, true, JSON.stringify(full.errors));
  assert.deepEqual([full.mode, full.checked.receipts, full.totals.units], ['full', 10, 10 * 2 * BASE_FEE]);
  const sampled = auditExport(exp, { keys, sample: 3, random: mulberry32(1) });
  assert.deepEqual([sampled.ok, sampled.mode, sampled.checked.receipts], [true, 'sampled', 3]);
});

test('a tampered receipt (units raised) fails with MG_ERR_LEDGER_BATCH_TAMPERED, full or sampled', () => {
  const { exp, keys } = honestExport(6);
  const bad = clone(exp);
  bad.receipts[2]!.units += 500;
  const r = auditExport(bad, { keys });
  assert.equal(r.ok, false);
  assert.ok(r.errorCounts.MG_ERR_LEDGER_BATCH_TAMPERED! >= 1);
  const s = auditExport(bad, { keys, sample: 1, random: () => 0.34 }); // draws receipt 2 (⌊0.34 × 6⌋)
  assert.deepEqual([s.mode, s.checked.receipts, s.errorCounts.MG_ERR_LEDGER_BATCH_TAMPERED], ['sampled', 1, 1], 'its inclusion proof fails');
  const miss = auditExport(bad, { keys, sample: 1, random: () => 0 }); // draws receipt 0: the sample misses it, the rule checks still run
  assert.equal(miss.errorCounts.MG_ERR_LEDGER_BATCH_TAMPERED, undefined);
});

test('a forged signer batch signature or ledger header signature fails with MG_ERR_LEDGER_FORGED; a broken chain with MG_ERR_LEDGER_CHAIN_BROKEN', () => {
  const { exp, keys } = honestExport(6);
  const forgedSigner = clone(exp);
  forgedSigner.signerBatches[0]!.sig = flip(forgedSigner.signerBatches[0]!.sig);
  assert.ok(auditExport(forgedSigner, { keys }).errorCounts.MG_ERR_LEDGER_FORGED! >= 1);
  const forgedHeader = clone(exp);
  forgedHeader.ledgerBatches[1]!.sig = flip(forgedHeader.ledgerBatches[1]!.sig);
  assert.equal(auditExport(forgedHeader, { keys }).errorCounts.MG_ERR_LEDGER_FORGED, 1);
  const broken = clone(exp);
  broken.ledgerBatches.splice(0, 1); // drop the first batch and its receipts: seq 2 no longer follows the genesis... and prevHash dangles
  broken.receipts = broken.receipts.filter((r) => r.ledgerSeq !== exp.ledgerBatches[0]!.seq);
  broken.ledgerBatches[0]!.prevHash = flip(broken.ledgerBatches[0]!.prevHash);
  assert.ok(auditExport(broken, { keys }).errorCounts.MG_ERR_LEDGER_CHAIN_BROKEN! >= 1);
});

test("keys: an unknown signer is MG_ERR_LEDGER_UNKNOWN_KEY; a gateway key other than the pinned one is MG_ERR_LEDGER_FORGED", () => {
  const { exp, keys, A } = honestExport(2);
  assert.ok(auditExport(exp, { keys: { [A.id.peerId]: A.id.pub } }).errorCounts.MG_ERR_LEDGER_UNKNOWN_KEY! >= 1);
  const other = identity();
  const swapped = auditExport(exp, { keys: { ...keys, [A.id.peerId]: other.pub } });
  assert.ok(swapped.errorCounts.MG_ERR_LEDGER_FORGED! >= 1);
  const unpinned = auditExport(exp);
  assert.deepEqual([unpinned.ok, unpinned.keysPinned], [true, false]);
});

test('challenge "missing receipt": rejected when a signed receipt backs the credit, upheld when it does not', () => {
  const { exp, keys } = honestExport(3);
  const packetId = toHex(fromHex(exp.receipts[1]!.entry, 76).subarray(14, 30));
  const ok = resolveChallenge(exp, parseEvidence({ kind: 'missing-receipt', packetId }), keys);
  assert.equal(ok.verdict, 'rejected');
  const bad = clone(exp);
  bad.signerBatches[bad.receipts[1]!.signerBatch]!.sig = flip(bad.signerBatches[0]!.sig);
  const r = resolveChallenge(bad, parseEvidence({ kind: 'missing-receipt', packetId }), keys);
  assert.deepEqual([r.verdict, r.code], ['upheld', 'MG_ERR_LEDGER_MISSING_RECEIPT']);
  assert.equal(r.units, bad.receipts[1]!.units);
});

test('challenge "double claim": the same receipt sealed again in another export, under headers the gateway signed, is upheld', () => {
  const { exp, keys, A } = honestExport(3);
  // A dishonest gateway re-seals receipt 0 in the next epoch.
  const last = exp.ledgerBatches[exp.ledgerBatches.length - 1]!;
  const r0 = exp.receipts[0]!;
  const leaf = ledgerLeaf(fromHex(r0.entry, 76), r0.units);
  const header = { gateway: A.id.peerId, epoch: exp.epoch + 1, seq: last.seq + 1, count: 1, createdAt: exp.exportedAt + EPOCH_MS, prevHash: fromHex(last.hash, 32), root: MerkleTree.fromLeaves([leaf]).root() };
  const second: LedgerExport = {
    ...clone(exp),
    epoch: exp.epoch + 1,
    ledgerBatches: [{ seq: header.seq, epoch: header.epoch, count: 1, createdAt: header.createdAt, prevHash: last.hash, root: toHex(header.root), hash: toHex(ledgerHeaderHash(header)), sig: toHex(signLedgerHeader(header, A.id.key)) }],
    receipts: [{ ...r0, ledgerSeq: header.seq, ledgerIndex: 0, ledgerProof: [] }],
  };
  assert.equal(auditExport(second, { keys }).ok, true, 'each export alone looks fine');
  const r = resolveChallenge(exp, parseEvidence({ kind: 'double-claim', export: second }), keys);
  assert.deepEqual([r.verdict, r.code, r.units], ['upheld', 'MG_ERR_LEDGER_DOUBLE_CLAIM', r0.units]);
  assert.equal(resolveChallenge(exp, parseEvidence({ kind: 'double-claim', export: exp }), keys).verdict, 'rejected', 'an export is not a double claim against itself');
});

test('challenge "forged signature": a valid signature is rejected, an invalid one upheld with MG_ERR_LEDGER_FORGED', () => {
  const { exp, keys } = honestExport(2);
  assert.equal(resolveChallenge(exp, parseEvidence({ kind: 'forged-signature', signerBatch: 0 }), keys).verdict, 'rejected');
  assert.equal(resolveChallenge(exp, parseEvidence({ kind: 'forged-signature', ledgerSeq: exp.ledgerBatches[0]!.seq }), keys).verdict, 'rejected');
  const bad = clone(exp);
  bad.signerBatches[0]!.sig = flip(bad.signerBatches[0]!.sig);
  const r = resolveChallenge(bad, parseEvidence({ kind: 'forged-signature', signerBatch: 0 }), keys);
  assert.deepEqual([r.verdict, r.code], ['upheld', 'MG_ERR_LEDGER_FORGED']);
  assert.throws(() => parseEvidence({ kind: 'nonsense' }), { code: 'MG_ERR_LEDGER_EXPORT_INVALID' });
  assert.throws(() => parseLedgerExport({ format: 'x' }), { code: 'MG_ERR_LEDGER_EXPORT_INVALID' });
});
