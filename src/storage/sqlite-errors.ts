/**
 * Wrapping of better-sqlite3 failures into meshgate's error model: every failure of the
 * SQLite store surfaces as a MeshgateError `MG_ERR_STORAGE` (or `MG_ERR_MIGRATION` while
 * migrating) whose `details.sqliteCode` carries SQLite's extended result code name
 * (`SQLITE_FULL`, `SQLITE_CORRUPT`, `SQLITE_NOTADB`, `SQLITE_BUSY`, `SQLITE_READONLY`, ...;
 * https://www.sqlite.org/rescode.html). Callers branch on `code`, never on the message.
 */
import { MeshgateError, type ErrorCode } from '../errors.js';

/** The SQLite result code name of a better-sqlite3 `SqliteError`, if `err` is one. */
export function sqliteCodeOf(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_')) return code;
  }
  return undefined;
}

/**
 * Convert any thrown value into a MeshgateError. MeshgateErrors pass through unchanged.
 * @param operation what was being done (e.g. `peers.upsert`), kept in `details.operation`.
 * @param code `MG_ERR_STORAGE` (default) or `MG_ERR_MIGRATION`.
 * @param extra more structured context merged into `details` (never secrets).
 */
export function toStorageError(err: unknown, operation: string, code: ErrorCode = 'MG_ERR_STORAGE', extra: Record<string, unknown> = {}): MeshgateError {
  if (err instanceof MeshgateError) return err;
  const sqliteCode = sqliteCodeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  return new MeshgateError(code, `${operation} failed: ${sqliteCode ? `${sqliteCode}: ` : ''}${message}`, {
    operation,
    ...extra,
    ...(sqliteCode ? { sqliteCode } : {}),
  });
}

/**
 * Run `fn`, rethrowing any failure as {@link toStorageError}.
 * @throws MG_ERR_STORAGE with `details.sqliteCode`
 */
export function withStorageErrors<T>(operation: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw toStorageError(err, operation);
  }
}
