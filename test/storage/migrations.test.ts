/** Versioned schema migrations: fresh database, no-op reopen, newer database refused, data kept, failures rolled back. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { isMeshgateError } from '../../src/errors.js';
import { silentLogger } from '../../src/ports/logger.js';
import { MIGRATIONS, openDatabase, runMigrations, SqliteCounterStore, type Migration } from '../../src/storage/index.js';

const dirs: string[] = [];
const dbPath = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'meshgate-migrate-'));
  dirs.push(d);
  return join(d, 'meshgate.db');
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const tables = (db: BetterSqlite3.Database): string[] =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
const versions = (db: BetterSqlite3.Database) => db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all() as { version: number; name: string; applied_at: number }[];
const now = () => 1_700_000_000_000;

describe('schema migrations', () => {
  test('a fresh database gets every migration, recorded with its name and time, and user_version', () => {
    const db = openDatabase({ logger: silentLogger, now }, { path: dbPath() });
    assert.deepEqual(tables(db), ['counters', 'peers', 'pinned_keys', 'schema_migrations']);
    assert.deepEqual(versions(db), MIGRATIONS.map((m) => ({ version: m.version, name: m.name, applied_at: 1_700_000_000_000 })));
    assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
    db.close();
  });

  test('re-running on a current database is a no-op', () => {
    const path = dbPath();
    openDatabase({ logger: silentLogger }, { path }).close();
    const db = new BetterSqlite3(path);
    const before = versions(db);
    const r = runMigrations({ logger: silentLogger, now: () => 42 }, db);
    assert.deepEqual(r, { from: MIGRATIONS.length, to: MIGRATIONS.length, applied: [] });
    assert.deepEqual(versions(db), before);
    db.close();
  });

  test('a database newer than this build is refused with MG_ERR_MIGRATION', () => {
    const path = dbPath();
    const db = openDatabase({ logger: silentLogger }, { path });
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, ?, 0)').run('from the future');
    db.close();
    assert.throws(
      () => openDatabase({ logger: silentLogger }, { path }),
      (e) => isMeshgateError(e, 'MG_ERR_MIGRATION') && e.details?.databaseVersion === 99 && e.details?.buildVersion === MIGRATIONS.length,
    );
  });

  test('a later migration applies on reopen and existing data survives it', () => {
    const path = dbPath();
    const db1 = openDatabase({ logger: silentLogger }, { path });
    new SqliteCounterStore(db1).increment('starts', 7);
    db1.close();
    const v2: Migration = {
      version: MIGRATIONS.length + 1,
      name: 'add peers.rssi',
      up: (db) => db.exec('ALTER TABLE peers ADD COLUMN rssi INTEGER'),
    };
    const db2 = openDatabase({ logger: silentLogger }, { path, migrations: [...MIGRATIONS, v2] });
    assert.equal(new SqliteCounterStore(db2).get('starts'), 7);
    assert.ok((db2.prepare('PRAGMA table_info(peers)').all() as { name: string }[]).some((c) => c.name === 'rssi'));
    assert.equal(versions(db2).at(-1)?.name, 'add peers.rssi');
    db2.close();
  });

  test('a failing migration is rolled back whole and reported as MG_ERR_MIGRATION', () => {
    const path = dbPath();
    openDatabase({ logger: silentLogger }, { path }).close();
    const bad: Migration = {
      version: MIGRATIONS.length + 1,
      name: 'half-done',
      up: (db) => {
        db.exec('CREATE TABLE half_done (x INTEGER)');
        db.exec('INSERT INTO no_such_table VALUES (1)');
      },
    };
    assert.throws(
      () => openDatabase({ logger: silentLogger }, { path, migrations: [...MIGRATIONS, bad] }),
      (e) => isMeshgateError(e, 'MG_ERR_MIGRATION') && e.details?.version === MIGRATIONS.length + 1 && e.details?.sqliteCode === 'SQLITE_ERROR',
    );
    const db = new BetterSqlite3(path);
    assert.ok(!tables(db).includes('half_done'));
    assert.equal(versions(db).length, MIGRATIONS.length);
    db.close();
  });

  test('a migration list with a gap is refused', () => {
    const db = new BetterSqlite3(':memory:');
    const gap: Migration[] = [MIGRATIONS[0], { version: 3, name: 'skips 2', up: () => undefined }];
    assert.throws(() => runMigrations({ logger: silentLogger, now }, db, gap), (e) => isMeshgateError(e, 'MG_ERR_MIGRATION'));
    db.close();
  });
});
