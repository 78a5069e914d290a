/**
 * {@link CounterStore} on SQLite (table `counters`, migration 1): named monotonic-ish
 * totals that survive restarts (e.g. `starts`). Statements are prepared once. Bounded:
 * at most `maxCounters` names; increments of a new name beyond the bound are added to the
 * reserved counter {@link COUNTER_OVERFLOW_NAME} instead (which does not count toward it).
 */
import { preparedRetained } from './statement-retention.js';
import type { Statement } from 'better-sqlite3';
import type { CounterStore } from '../ports/stores.js';
import type { Database } from './database.js';
import { withStorageErrors } from './sqlite-errors.js';
import { COUNTER_OVERFLOW_NAME, DEFAULT_MAX_COUNTERS, checkBound, checkIncrement, type CounterStoreBounds } from './store-bounds.js';

/**
 * SQLite-backed counters.
 * @throws MG_ERR_STORAGE (with `details.sqliteCode`) when SQLite fails or an increment is not finite.
 */
export class SqliteCounterStore implements CounterStore {
  readonly maxCounters: number;
  private readonly selectOne: Statement<[string], { value: number }>;
  private readonly selectAll: Statement<[], { name: string; value: number }>;
  private readonly add: Statement<[string, number]>;
  private readonly countNames: Statement<[string], { n: number }>;
  private readonly incrementTx: (name: string, by: number) => void;

  /** @param db an open, migrated database (see openDatabase). */
  constructor(db: Database, init: CounterStoreBounds = {}) {
    this.maxCounters = checkBound('maxCounters', init.maxCounters ?? DEFAULT_MAX_COUNTERS);
    const s = withStorageErrors('counters.prepare', () => ({
      selectOne: preparedRetained<[string], { value: number }>(db, 'SELECT value FROM counters WHERE name = ?'),
      selectAll: preparedRetained<[], { name: string; value: number }>(db, 'SELECT name, value FROM counters ORDER BY name'),
      add: preparedRetained<[string, number]>(db, 'INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value'),
      countNames: preparedRetained<[string], { n: number }>(db, 'SELECT COUNT(*) AS n FROM counters WHERE name <> ?'),
    }));
    this.selectOne = s.selectOne;
    this.selectAll = s.selectAll;
    this.add = s.add;
    this.countNames = s.countNames;
    this.incrementTx = db.transaction((name: string, by: number) => {
      if (name !== COUNTER_OVERFLOW_NAME && !this.selectOne.get(name) && this.countNames.get(COUNTER_OVERFLOW_NAME)!.n >= this.maxCounters) {
        this.add.run(COUNTER_OVERFLOW_NAME, by);
        return;
      }
      this.add.run(name, by);
    });
  }

  increment(name: string, by = 1): void {
    checkIncrement(name, by);
    withStorageErrors('counters.increment', () => this.incrementTx(name, by));
  }

  get(name: string): number {
    return withStorageErrors('counters.get', () => this.selectOne.get(name)?.value ?? 0);
  }

  all(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of withStorageErrors('counters.all', () => this.selectAll.all())) out[r.name] = r.value;
    return out;
  }
}
