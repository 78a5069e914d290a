/** The ledger's SQLite bounds: unacknowledged batches, hand-over records, retention by epoch, identities. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_IDENTITIES } from '../../src/gateway/modules/ledger-store.js';
import { removeDir, tempLedger, type TempLedger } from './ledger-fixtures.js';

const opened: TempLedger[] = [];
after(() => opened.forEach((l) => (l.close(), removeDir(l.dir))));
function ledger(): TempLedger {
  const l = tempLedger();
  opened.push(l);
  return l;
}

test('issued batches beyond maxUnackedBatches per relayer are abandoned oldest first, and acks mark them done', () => {
  const { store } = ledger();
  for (let i = 0; i < 5; i++) store.issue('aaaaaaaaaaaaaaaa', 1, i, (first) => ({ root: String(first).padStart(64, '0'), body: '{}', units: 1, epoch: 1, count: 1 }));
  assert.equal(store.abandonBeyond('aaaaaaaaaaaaaaaa', 3), 2);
  assert.deepEqual(store.unacked('aaaaaaaaaaaaaaaa', 10).map((r) => r.id), [3, 4, 5]);
  assert.equal(store.ack('aaaaaaaaaaaaaaaa', '3'.padStart(64, '0')), true);
  assert.equal(store.ack('aaaaaaaaaaaaaaaa', '3'.padStart(64, '0')), false, 'acknowledged once');
  assert.deepEqual(store.issuedStats(), { issued: 5, acked: 1, abandoned: 2 });
});

test('hand-over records are bounded by count and age', () => {
  const { store } = ledger();
  for (let i = 0; i < 10; i++) store.recordSent({ packetId: i.toString(16).padStart(32, '0'), peerId: 'bbbbbbbbbbbbbbbb', origin: 'cccccccccccccccc', recipient: 'ffffffffffffffff', type: 2, at: 1_000 + i });
  store.pruneSent(1_002, 6);
  assert.equal(store.sentCount(), 6, 'newest 6 kept');
  assert.equal(store.sent('0'.padStart(32, '0'), 'bbbbbbbbbbbbbbbb'), undefined);
  assert.ok(store.sent('9'.padStart(32, '0'), 'bbbbbbbbbbbbbbbb'));
});

test('identities beyond the bound: the most recently first-seen go, aged ones stay', () => {
  const { db, store } = ledger();
  db.transaction(() => {
    for (let i = 0; i <= MAX_IDENTITIES; i++) store.noteIdentity(i.toString(16).padStart(16, '0'), undefined, i);
  })();
  store.pruneIdentities();
  assert.equal((db.prepare('SELECT COUNT(*) AS n FROM ledger_identities').get() as { n: number }).n, MAX_IDENTITIES);
  assert.ok(store.identity('0'.padStart(16, '0')), 'the oldest is kept');
  assert.equal(store.identity(MAX_IDENTITIES.toString(16).padStart(16, '0')), undefined, 'the newest went');
  store.noteIdentity('0'.padStart(16, '0'), 'ab'.repeat(32), 99);
  assert.deepEqual(store.identity('0'.padStart(16, '0')), { signingKey: 'ab'.repeat(32), firstSeen: 0 }, 'first-seen never moves; a key is filled in once');
});
