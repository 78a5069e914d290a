/**
 * Per-module schema migrations: each gateway module (routing, ledger, overlay, ...) keeps
 * its own version stream (1, 2, 3, ... without gaps) in
 * `module_migrations(module, version, name, applied_at)`, so modules developed apart never
 * collide on version numbers. Same rules as the core stream (src/storage/migrations.ts):
 * each step runs in its own transaction together with its row, a crash leaves the module
 * at a whole version, and a database newer than the build is refused (MG_ERR_MIGRATION).
 * Modules name their tables `<module>_...`.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { MeshgateError } from '../errors.js';
import type { Logger } from '../ports/logger.js';
import { applySteps, type Migration, type MigrationResult } from './migrations.js';
import { preparedRetained } from './statement-retention.js';
import { toStorageError } from './sqlite-errors.js';

const MODULE_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * Bring one module's tables up to its latest migration.
 * @param module module name, `[a-z][a-z0-9-]{0,31}`
 * @throws MeshgateError MG_ERR_MIGRATION for a bad module name, a malformed list, a
 *   database newer than the build, or a failing step (rolled back; earlier steps stay).
 */
export function applyModuleMigrations(
  components: { logger: Logger; now: () => number },
  db: BetterSqlite3.Database,
  module: string,
  migrations: readonly Migration[],
): MigrationResult {
  if (!MODULE_NAME.test(module)) throw new MeshgateError('MG_ERR_MIGRATION', `bad module name ${JSON.stringify(module)}`, { module });
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new MeshgateError('MG_ERR_MIGRATION', `module ${module}: migration ${i} has version ${m.version}, expected ${i + 1}`, { module, index: i });
    }
  });
  const latest = migrations.length;
  let from: number;
  try {
    db.exec(`CREATE TABLE IF NOT EXISTS module_migrations (
      module     TEXT    NOT NULL,
      version    INTEGER NOT NULL,
      name       TEXT    NOT NULL,
      applied_at INTEGER NOT NULL,
      PRIMARY KEY (module, version)
    )`);
    const row = preparedRetained(db, 'SELECT MAX(version) AS v FROM module_migrations WHERE module = ?').get(module) as { v: number | null };
    from = row.v ?? 0;
  } catch (err) {
    throw toStorageError(err, 'module_migrations', 'MG_ERR_MIGRATION', { module });
  }
  if (from > latest) {
    throw new MeshgateError('MG_ERR_MIGRATION', `module ${module}: database schema version ${from} is newer than this build supports (${latest})`, {
      module,
      databaseVersion: from,
      buildVersion: latest,
    });
  }
  const record = preparedRetained(db, 'INSERT INTO module_migrations (module, version, name, applied_at) VALUES (?, ?, ?, ?)');
  const applied = applySteps(components, db, migrations, from, {
    record: (m) => record.run(module, m.version, m.name, components.now()),
    label: (m) => `module ${module} migration ${m.version} (${m.name})`,
    details: { module },
  });
  return { from, to: Math.max(from, latest), applied };
}
