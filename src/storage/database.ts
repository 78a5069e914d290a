/**
 * Opening the SQLite database (adapter; better-sqlite3, synchronous). One file
 * `<stateDir>/meshgate.db` holds the peer table, TOFU key pins and counters.
 *
 * Pragmas (https://www.sqlite.org/pragma.html): `journal_mode = WAL` (readers never block
 * the writer; survives power loss at transaction granularity), `synchronous = NORMAL`
 * (with WAL: durable except for the last transactions before a power cut, never corrupt;
 * saves an fsync per commit on SD cards), `foreign_keys = ON`, `busy_timeout` (wait for a
 * lock instead of failing with SQLITE_BUSY at once).
 */
import { preparedRetained, setPragma } from './statement-retention.js';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Logger } from '../ports/logger.js';
import { MIGRATIONS, runMigrations, type Migration, type MigrationResult } from './migrations.js';
import { toStorageError } from './sqlite-errors.js';

/** An open better-sqlite3 connection. Close it with `db.close()` (last, after queues flush). */
export type Database = BetterSqlite3.Database;

/** Default lock wait before SQLITE_BUSY, ms. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

export interface OpenDatabaseComponents {
  logger: Logger;
  /** ms since epoch for `schema_migrations.applied_at`; default `Date.now`. */
  now?: () => number;
}

export interface OpenDatabaseInit {
  /** File path, or `:memory:` for a private in-memory database (tests). */
  path: string;
  /** Lock wait, ms (default {@link DEFAULT_BUSY_TIMEOUT_MS}). */
  busyTimeoutMs?: number;
  /** Migrations to apply (default {@link MIGRATIONS}; tests pass their own). */
  migrations?: readonly Migration[];
}

/**
 * Open (creating if missing) the database at `init.path`, set the pragmas above and apply
 * pending migrations. The parent directory is created (mode 0700) if missing.
 * @returns the open connection; the migration outcome is logged at info when anything ran.
 * @throws MG_ERR_STORAGE when the file cannot be opened or is not a database
 *   (`details.sqliteCode`, e.g. `SQLITE_NOTADB`, `SQLITE_CANTOPEN`, `SQLITE_CORRUPT`);
 *   MG_ERR_MIGRATION when the schema is newer than this build or a migration fails.
 *   The connection is closed before throwing.
 */
export function openDatabase(components: OpenDatabaseComponents, init: OpenDatabaseInit): Database {
  const { logger } = components;
  const now = components.now ?? (() => Date.now());
  const inMemory = init.path === ':memory:' || init.path === '';
  let db: Database;
  try {
    if (!inMemory) mkdirSync(dirname(init.path), { recursive: true, mode: 0o700 });
    db = new BetterSqlite3(init.path, { timeout: init.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  } catch (err) {
    throw toStorageError(err, 'open', 'MG_ERR_STORAGE', { path: init.path });
  }
  try {
    const mode = (preparedRetained(db, 'PRAGMA journal_mode = WAL').pluck().get() as string | undefined) ?? '';
    setPragma(db, 'synchronous = NORMAL');
    setPragma(db, 'foreign_keys = ON');
    setPragma(db, `busy_timeout = ${Math.max(0, Math.floor(init.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS))}`);
    if (!inMemory && mode !== 'wal') logger.warn({ path: init.path, journalMode: mode }, 'SQLite refused WAL mode');
  } catch (err) {
    db.close();
    throw toStorageError(err, 'open', 'MG_ERR_STORAGE', { path: init.path });
  }
  let result: MigrationResult;
  try {
    result = runMigrations({ logger, now }, db, init.migrations ?? MIGRATIONS);
  } catch (err) {
    db.close();
    throw err;
  }
  if (result.applied.length > 0) logger.info({ path: init.path, from: result.from, to: result.to }, 'database schema migrated');
  return db;
}
