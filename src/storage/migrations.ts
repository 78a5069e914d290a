/**
 * Versioned schema migrations for the SQLite store. Each {@link Migration} has a version
 * (1, 2, 3, ... without gaps), a name and an `up(db)` step; pending migrations run in
 * version order, each in its own transaction together with its row in
 * `schema_migrations(version, name, applied_at)`, so a crash leaves the database at a
 * whole version. `PRAGMA user_version` mirrors the latest version for the sqlite3 shell.
 * A database whose version is newer than this build's latest migration is refused
 * (downgrades are not supported): MG_ERR_MIGRATION.
 *
 * To change the schema: append a migration with the next version; never edit a shipped one.
 */
import { preparedRetained, setPragma } from './statement-retention.js';
import type BetterSqlite3 from 'better-sqlite3';
import { MeshgateError } from '../errors.js';
import type { Logger } from '../ports/logger.js';
import { toStorageError } from './sqlite-errors.js';

/** One schema step. `up` runs inside a transaction; it must not commit or roll back. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: BetterSqlite3.Database): void;
}

/** The migrations of this build, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema: peers, pinned_keys, counters',
    up(db) {
      db.exec(`
        CREATE TABLE peers (
          peer_id            TEXT    PRIMARY KEY NOT NULL,
          nickname           TEXT    NOT NULL,
          noise_public_key   TEXT    NOT NULL,
          signing_public_key TEXT    NOT NULL,
          first_seen         INTEGER NOT NULL,
          last_seen          INTEGER NOT NULL
        );
        CREATE INDEX peers_by_last_seen ON peers (last_seen DESC, peer_id ASC);
        CREATE TABLE pinned_keys (
          noise_public_key   TEXT    PRIMARY KEY NOT NULL,
          signing_public_key TEXT    NOT NULL,
          pinned_at          INTEGER NOT NULL
        );
        CREATE INDEX pinned_keys_by_pinned_at ON pinned_keys (pinned_at ASC, noise_public_key DESC);
        CREATE TABLE counters (
          name  TEXT    PRIMARY KEY NOT NULL,
          value INTEGER NOT NULL DEFAULT 0
        );
      `);
    },
  },
];

/** What {@link runMigrations} did. Versions are schema versions (0 = empty database). */
export interface MigrationResult {
  from: number;
  to: number;
  /** Names of the migrations applied, in order (empty when already current). */
  applied: string[];
}

/** The latest schema version a list of migrations reaches (0 for an empty list). */
export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.length === 0 ? 0 : migrations[migrations.length - 1].version;
}

function checkList(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new MeshgateError('MG_ERR_MIGRATION', `migration list is malformed: entry ${i} has version ${m.version}, expected ${i + 1}`, {
        index: i,
        version: m.version,
      });
    }
  });
}

/** The schema version recorded in the database (0 when `schema_migrations` is empty). */
export function currentSchemaVersion(db: BetterSqlite3.Database): number {
  const row = preparedRetained(db, 'SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

/**
 * Bring the schema up to the latest migration.
 * @param components `logger`; `now()` gives `applied_at` (ms since epoch).
 * @throws MG_ERR_MIGRATION when the database is newer than the build, the list is
 *   malformed, or a step fails (`details.sqliteCode`, `details.version`); the failing step
 *   is rolled back and earlier steps stay applied.
 */
export function runMigrations(
  components: { logger: Logger; now: () => number },
  db: BetterSqlite3.Database,
  migrations: readonly Migration[] = MIGRATIONS,
): MigrationResult {
  checkList(migrations);
  const latest = latestVersion(migrations);
  let from: number;
  try {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY NOT NULL,
      name       TEXT    NOT NULL,
      applied_at INTEGER NOT NULL
    )`);
    from = currentSchemaVersion(db);
  } catch (err) {
    throw toStorageError(err, 'schema_migrations', 'MG_ERR_MIGRATION');
  }
  if (from > latest) {
    throw new MeshgateError('MG_ERR_MIGRATION', `database schema version ${from} is newer than this build supports (${latest}); upgrade meshgate or use another state directory`, {
      databaseVersion: from,
      buildVersion: latest,
    });
  }
  const record = preparedRetained(db, 'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const applied = applySteps(components, db, migrations, from, {
    record: (m) => record.run(m.version, m.name, components.now()),
    after: (m) => setPragma(db, `user_version = ${m.version}`),
    label: (m) => `migration ${m.version} (${m.name})`,
    details: {},
  });
  return { from, to: Math.max(from, latest), applied };
}

/**
 * Run the steps of `migrations` newer than `from`, each in its own transaction together
 * with `record(m)`; `after(m)` runs once the step committed. Shared by the core stream and
 * the per-module streams (src/storage/module-migrations.ts).
 * @returns the names of the steps applied.
 * @throws MG_ERR_MIGRATION for a failing step (rolled back; earlier steps stay applied).
 */
export function applySteps(
  components: { logger: Logger },
  db: BetterSqlite3.Database,
  migrations: readonly Migration[],
  from: number,
  hooks: { record: (m: Migration) => void; after?: (m: Migration) => void; label: (m: Migration) => string; details: Record<string, unknown> },
): string[] {
  const applied: string[] = [];
  for (const m of migrations) {
    if (m.version <= from) continue;
    try {
      db.transaction(() => {
        m.up(db);
        hooks.record(m);
      })();
      hooks.after?.(m);
    } catch (err) {
      throw toStorageError(err, hooks.label(m), 'MG_ERR_MIGRATION', { ...hooks.details, version: m.version });
    }
    applied.push(m.name);
    components.logger.info({ ...hooks.details, version: m.version, name: m.name }, 'applied schema migration');
  }
  return applied;
}
