/** Receipt entries and signed receipt batches: canonical bytes, one signature per batch, and each way a batch can be wrong. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MAX_BATCH_ENTRIES,
  RECEIPT_ENTRY_SIZE,
  decodeReceiptEntry,
  encodeReceiptEntry,
  parseReceiptBatchBody,
  receiptBatchToBody,
  signReceiptBatch,
  verifyReceiptBatch,
  type ReceiptEntry,
} from '../../src/ledger/index.js';
import { entry, identity } from './ledger-fixtures.js';

const O = identity();
const R = identity();
const S = identity();

test('property: a receipt entry round-trips through its 76 canonical bytes', () => {
  const peer = fc.stringMatching(/^[0-9a-f]{16}$/);
  fc.assert(
    fc.property(
      fc.record({
        type: fc.integer({ min: 0, max: 255 }),
        epoch: fc.integer({ min: 0, max: 0xffff_ffff }),
        counter: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        packetId: fc.stringMatching(/^[0-9a-f]{32}$/),
        origin: peer,
        recipient: peer,
        relayer: peer,
        signer: peer,
        receivedAt: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        latencyMs: fc.integer({ min: 0, max: 0xffff_ffff }),
        availabilityPermille: fc.integer({ min: 0, max: 1000 }),
      }),
      (e: ReceiptEntry) => {
        const bytes = encodeReceiptEntry(e);
        assert.equal(bytes.length, RECEIPT_ENTRY_SIZE);
        assert.deepEqual(decodeReceiptEntry(bytes), { ...e });
      },
    ),
    { numRuns: 200, seed: 8 },
  );
});

test('out-of-range fields are refused with MG_ERR_LEDGER_RECEIPT_INVALID', () => {
  const e = entry({ origin: O.peerId, relayer: R.peerId, signer: S.peerId, counter: 1 });
  assert.throws(() => encodeReceiptEntry({ ...e, availabilityPermille: 1001 }), { code: 'MG_ERR_LEDGER_RECEIPT_INVALID' });
  assert.throws(() => encodeReceiptEntry({ ...e, origin: 'XYZ' }), { code: 'MG_ERR_LEDGER_RECEIPT_INVALID' });
  assert.throws(() => decodeReceiptEntry(new Uint8Array(75)), { code: 'MG_ERR_LEDGER_RECEIPT_INVALID' });
  const bad = encodeReceiptEntry(e);
  bad[0] = 9;
  assert.throws(() => decodeReceiptEntry(bad), { code: 'MG_ERR_LEDGER_RECEIPT_INVALID' });
});

const entries = (n: number) => Array.from({ length: n }, (_, i) => entry({ origin: O.peerId, relayer: R.peerId, signer: S.peerId, counter: i + 1 }));

test('a batch carries one signature over the Merkle root; it survives the JSON wire body and verifies with the signer key', () => {
  const list = entries(5);
  const batch = signReceiptBatch(list, S.key);
  const body = JSON.parse(JSON.stringify(receiptBatchToBody(batch)));
  assert.equal(body.sig.length, 128, 'one 64-byte signature for the whole batch');
  const v = verifyReceiptBatch(parseReceiptBatchBody(body), S.keys.signingPublicKey);
  assert.ok(v.ok);
  assert.deepEqual(v.entries, list);
});

test('forged: a batch signed by another key earns nothing (MG_ERR_LEDGER_FORGED)', () => {
  const forged = signReceiptBatch(entries(3), R.key); // the relayer signs "as" the signer
  const v = verifyReceiptBatch(forged, S.keys.signingPublicKey);
  assert.equal(v.ok, false);
  assert.equal(!v.ok && v.code, 'MG_ERR_LEDGER_FORGED');
});

test('tampered: entries changed under a validly signed root (MG_ERR_LEDGER_BATCH_TAMPERED)', () => {
  const batch = signReceiptBatch(entries(4), S.key);
  const changed = batch.entries.map((e) => e.slice());
  changed[2]![73] ^= 0xff; // latency byte inflated by the relayer
  const v = verifyReceiptBatch({ ...batch, entries: changed }, S.keys.signingPublicKey);
  assert.equal(!v.ok && v.code, 'MG_ERR_LEDGER_BATCH_TAMPERED');
});

test('a batch that mixes relayers, or is empty or too large, is refused', () => {
  const mixed = [...entries(2), entry({ origin: O.peerId, relayer: O.peerId, signer: S.peerId, counter: 9 })];
  assert.throws(() => signReceiptBatch(mixed, S.key), { code: 'MG_ERR_LEDGER_RECEIPT_INVALID' });
  assert.throws(() => signReceiptBatch([], S.key), { code: 'MG_ERR_LEDGER_RECEIPT_INVALID' });
  assert.throws(() => signReceiptBatch(entries(MAX_BATCH_ENTRIES + 1), S.key), { code: 'MG_ERR_LEDGER_RECEIPT_INVALID' });
});

test('malformed wire bodies are refused with MG_ERR_LEDGER_RECEIPT_INVALID', () => {
  const good = receiptBatchToBody(signReceiptBatch(entries(2), S.key));
  for (const body of [null, 7, { ...good, v: 2 }, { ...good, signer: 'zz' }, { ...good, count: 3 }, { ...good, entries: 'AAAA' }, { ...good, sig: '00' }, { ...good, count: 0 }]) {
    assert.throws(() => parseReceiptBatchBody(body), { code: 'MG_ERR_LEDGER_RECEIPT_INVALID' }, JSON.stringify(body)?.slice(0, 40));
  }
});
