/**
 * Storage adapter: the SQLite database (better-sqlite3, WAL, versioned migrations) and the
 * store ports on it, plus in-memory stores with the same contract.
 */
export { openDatabase, DEFAULT_BUSY_TIMEOUT_MS, type Database, type OpenDatabaseComponents, type OpenDatabaseInit } from './database.js';
export { MIGRATIONS, runMigrations, latestVersion, currentSchemaVersion, type Migration, type MigrationResult } from './migrations.js';
export { applyModuleMigrations } from './module-migrations.js';
export { preparedRetained } from './statement-retention.js';
export { sqliteCodeOf, toStorageError, withStorageErrors } from './sqlite-errors.js';
export { SqlitePeerStore, SQLITE_DEFAULT_MAX_PEERS, SQLITE_DEFAULT_MAX_PINNED_KEYS } from './sqlite-peer-store.js';
export { SqliteCounterStore } from './sqlite-counter-store.js';
export { DEFAULT_LIST_LIMIT, COUNTER_OVERFLOW_NAME, DEFAULT_MAX_COUNTERS, type PeerStoreBounds, type CounterStoreBounds } from './store-bounds.js';
export { MemoryPeerStore, MemoryCounterStore, MEMORY_DEFAULT_MAX_PEERS, MEMORY_DEFAULT_MAX_PINNED_KEYS } from './memory-stores.js';
