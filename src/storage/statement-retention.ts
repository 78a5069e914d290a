/**
 * Keep every better-sqlite3 Statement reachable for as long as its Database.
 *
 * Why: on Node >= 24.19 (the appliance's runtime) `node::ObjectWrap` registers an
 * environment cleanup hook, and better-sqlite3 < 13 Statement objects finalised by an
 * idle/background GC abort the process (`Assertion failed: (env) != nullptr` in
 * `node::RemoveEnvironmentCleanupHook`, from `Statement::~Statement`; reported upstream as
 * WiseLibs/better-sqlite3#1515). better-sqlite3 13 fixes it but requires Node >= 22 and
 * meshgate supports Node 20, so the storage layer never lets a Statement become garbage
 * while the daemon runs: pragmas that set values go through `exec` (no Statement object),
 * and every prepared Statement is retained on its Database.
 */
import type BetterSqlite3 from 'better-sqlite3';

const RETAINED = Symbol('meshgate.retainedStatements');

type WithRetained = BetterSqlite3.Database & { [RETAINED]?: BetterSqlite3.Statement[] };

/** Prepare `sql` and keep the Statement reachable for the Database's lifetime. */
export function preparedRetained<P extends unknown[] = unknown[], R = unknown>(db: BetterSqlite3.Database, sql: string): BetterSqlite3.Statement<P, R> {
  const stmt = db.prepare<P, R>(sql);
  const holder = db as WithRetained;
  (holder[RETAINED] ??= []).push(stmt as unknown as BetterSqlite3.Statement);
  return stmt;
}

/** Run a pragma that sets a value, without creating a Statement object. */
export function setPragma(db: BetterSqlite3.Database, assignment: string): void {
  db.exec(`PRAGMA ${assignment}`);
}
