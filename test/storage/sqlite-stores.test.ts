/** The SQLite stores pass the store compliance suite, keep their data across reopen, and wrap SQLite failures. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMeshgateError, MeshgateError } from '../../src/errors.js';
import { silentLogger } from '../../src/ports/logger.js';
import { openDatabase, SqliteCounterStore, SqlitePeerStore, type Database } from '../../src/storage/index.js';
import { counterStoreCompliance, peer, peerStoreCompliance } from './store-compliance.js';

const opened: Database[] = [];
const memDb = (): Database => {
  const db = openDatabase({ logger: silentLogger }, { path: ':memory:' });
  opened.push(db);
  return db;
};
const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'meshgate-storage-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const db of opened) if (db.open) db.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

peerStoreCompliance('SqlitePeerStore', (bounds) => new SqlitePeerStore(memDb(), bounds));
counterStoreCompliance('SqliteCounterStore', (bounds) => new SqliteCounterStore(memDb(), bounds));

describe('SQLite database file', () => {
  test('is opened in WAL mode with synchronous=NORMAL, foreign keys on and a busy timeout', () => {
    const db = openDatabase({ logger: silentLogger }, { path: join(tempDir(), 'meshgate.db'), busyTimeoutMs: 1234 });
    opened.push(db);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('synchronous', { simple: true }), 1);
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    assert.equal(db.pragma('busy_timeout', { simple: true }), 1234);
  });

  test('creates a missing parent directory', () => {
    const path = join(tempDir(), 'nested', 'deeper', 'meshgate.db');
    const db = openDatabase({ logger: silentLogger }, { path });
    opened.push(db);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  });

  test('peers, pins and counters survive close and reopen', () => {
    const path = join(tempDir(), 'meshgate.db');
    let db = openDatabase({ logger: silentLogger }, { path });
    const p = peer(42, 1_700_000_000_000);
    new SqlitePeerStore(db).upsertPeer(p);
    new SqlitePeerStore(db).pinSigningKey(p.noisePublicKey, p.signingPublicKey, 1_700_000_000_000);
    new SqliteCounterStore(db).increment('starts', 3);
    db.close();
    db = openDatabase({ logger: silentLogger }, { path });
    opened.push(db);
    const peers = new SqlitePeerStore(db);
    assert.deepEqual(peers.getPeer(p.peerId), p);
    assert.equal(peers.getPinnedSigningKey(p.noisePublicKey), p.signingPublicKey);
    assert.equal(new SqliteCounterStore(db).get('starts'), 3);
  });

  test('the peer bound holds across reopen (the row count is read at construction)', () => {
    const path = join(tempDir(), 'meshgate.db');
    let db = openDatabase({ logger: silentLogger }, { path });
    let s = new SqlitePeerStore(db, { maxPeers: 2 });
    s.upsertPeer(peer(1, 10));
    s.upsertPeer(peer(2, 20));
    db.close();
    db = openDatabase({ logger: silentLogger }, { path });
    opened.push(db);
    s = new SqlitePeerStore(db, { maxPeers: 2 });
    s.upsertPeer(peer(3, 30));
    assert.deepEqual(s.listPeers().map((r) => r.nickname), ['peer-3', 'peer-2']);
  });

  test('a file that is not a database is refused with MG_ERR_STORAGE naming SQLITE_NOTADB', () => {
    const path = join(tempDir(), 'meshgate.db');
    writeFileSync(path, Buffer.alloc(4096, 0x41));
    assert.throws(
      () => openDatabase({ logger: silentLogger }, { path }),
      (e) => isMeshgateError(e, 'MG_ERR_STORAGE') && e.details?.sqliteCode === 'SQLITE_NOTADB',
    );
  });

  test('a full disk surfaces as MG_ERR_STORAGE with sqliteCode SQLITE_FULL', () => {
    const db = memDb();
    const counters = new SqliteCounterStore(db, { maxCounters: 1_000_000 });
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 2}`);
    let err: unknown;
    try {
      for (let i = 0; i < 100_000; i++) counters.increment(`counter-with-a-long-name-${'x'.repeat(200)}-${i}`);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof MeshgateError, 'threw a MeshgateError');
    assert.equal(err.code, 'MG_ERR_STORAGE');
    assert.equal(err.details?.sqliteCode, 'SQLITE_FULL');
    assert.equal(err.details?.operation, 'counters.increment');
  });

  test('using a closed database is MG_ERR_STORAGE, not a raw TypeError', () => {
    const db = openDatabase({ logger: silentLogger }, { path: ':memory:' });
    const peers = new SqlitePeerStore(db);
    db.close();
    assert.throws(() => peers.getPeer('0000000000000001'), (e) => isMeshgateError(e, 'MG_ERR_STORAGE'));
    assert.throws(() => peers.upsertPeer(peer(1, 1)), (e) => isMeshgateError(e, 'MG_ERR_STORAGE'));
  });
});
