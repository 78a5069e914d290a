/**
 * Configuration file migrations: each step turns a parsed document of version `from`
 * into one of version `to` (> from), e.g. renaming or regrouping keys, before the document
 * is validated. Steps are pure functions of the plain object YAML produced. Version 1 is
 * the first published format, so this build's list is empty; the mechanism is exercised
 * by test/config/config-migrations.test.ts with a fake v0 → v1 step.
 */
import { MeshgateError } from '../errors.js';
import { CONFIG_VERSION } from './config-settings.js';

/** One step of the file format. */
export interface ConfigMigration {
  readonly from: number;
  readonly to: number;
  readonly name: string;
  /** Return the migrated document (may mutate and return `doc`); must set nothing but keys. */
  migrate(doc: Record<string, unknown>): Record<string, unknown>;
}

/** This build's file migrations, oldest first. */
export const CONFIG_MIGRATIONS: readonly ConfigMigration[] = [];

/** Outcome of {@link migrateConfigDocument}. */
export interface ConfigMigrationResult {
  doc: Record<string, unknown>;
  /** Version the file declared (the current version when it had no `version` key). */
  from: number;
  /** Names of the steps applied, in order. */
  applied: string[];
}

/**
 * Bring a parsed file up to `targetVersion`. A document without `version` is read as
 * `targetVersion` (hand-written minimal files); `version` is set on the result.
 * @param source how to name the file in messages (`file ./meshgate.yaml`).
 * @throws MG_ERR_CONFIG_INVALID when `version` is not an integer, is newer than this
 *   build, or no chain of steps leads from it to `targetVersion`.
 */
export function migrateConfigDocument(
  input: Record<string, unknown>,
  source: string,
  migrations: readonly ConfigMigration[] = CONFIG_MIGRATIONS,
  targetVersion: number = CONFIG_VERSION,
): ConfigMigrationResult {
  const declared = input.version ?? targetVersion;
  if (typeof declared !== 'number' || !Number.isSafeInteger(declared) || declared < 0) {
    throw new MeshgateError('MG_ERR_CONFIG_INVALID', `version: expected a non-negative integer, got ${JSON.stringify(declared)} (from ${source})`, {
      issues: [{ path: 'version', source, message: 'expected a non-negative integer' }],
    });
  }
  if (declared > targetVersion) {
    const message = `version: the file is version ${declared}, this build reads up to version ${targetVersion}; upgrade meshgate`;
    throw new MeshgateError('MG_ERR_CONFIG_INVALID', `${message} (from ${source})`, { issues: [{ path: 'version', source, message }] });
  }
  let doc: Record<string, unknown> = { ...input };
  let version = declared;
  const applied: string[] = [];
  while (version < targetVersion) {
    const step = migrations.find((m) => m.from === version && m.to > version && m.to <= targetVersion);
    if (!step) {
      const message = `version: no migration from version ${version} to ${targetVersion}`;
      throw new MeshgateError('MG_ERR_CONFIG_INVALID', `${message} (from ${source})`, { issues: [{ path: 'version', source, message }] });
    }
    doc = step.migrate(doc);
    version = step.to;
    doc.version = version;
    applied.push(step.name);
  }
  doc.version = targetVersion;
  return { doc, from: declared, applied };
}
