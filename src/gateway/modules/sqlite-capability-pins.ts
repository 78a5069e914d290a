/**
 * Capability pins (src/overlay/negotiation/capability-pins.ts) in SQLite, table
 * `overlay_capability_pins`, at most `maxPeers` rows: inserting beyond the cap deletes the
 * least recently seen peer (docs/limits.md).
 */
import type { Database } from '../../storage/index.js';
import { applyModuleMigrations, preparedRetained, withStorageErrors } from '../../storage/index.js';
import type { Logger } from '../../ports/logger.js';
import type { CapabilityPin, CapabilityPinStore } from '../../overlay/negotiation/index.js';

/** Default cap on pinned peers. */
export const DEFAULT_MAX_PINNED_PEERS = 10_000;

/** The overlay module's schema stream (module `overlay`). */
export function migrateOverlay(db: Database, components: { logger: Logger; now: () => number }): void {
  applyModuleMigrations(components, db, 'overlay', [
    {
      version: 1,
      name: 'capability pins',
      up: (d) =>
        d.exec(`CREATE TABLE overlay_capability_pins (
          peer_id      TEXT    PRIMARY KEY,
          capabilities INTEGER NOT NULL,
          major        INTEGER NOT NULL,
          first_seen   INTEGER NOT NULL,
          last_seen    INTEGER NOT NULL
        );
        CREATE INDEX overlay_capability_pins_last_seen ON overlay_capability_pins (last_seen)`),
    },
  ]);
}

interface Row {
  capabilities: number;
  major: number;
  first_seen: number;
  last_seen: number;
}

/** @throws MG_ERR_STORAGE when SQLite fails. */
export class SqliteCapabilityPinStore implements CapabilityPinStore {
  private readonly getStmt;
  private readonly putStmt;
  private readonly countStmt;
  private readonly evictStmt;

  private readonly maxPeers: number;

  /** @param init.maxPeers most pinned peers (default 10,000) */
  constructor(components: { db: Database }, init: { maxPeers?: number } = {}) {
    const db = components.db;
    this.maxPeers = init.maxPeers ?? DEFAULT_MAX_PINNED_PEERS;
    this.getStmt = preparedRetained<[string], Row>(db, 'SELECT capabilities, major, first_seen, last_seen FROM overlay_capability_pins WHERE peer_id = ?');
    this.putStmt = preparedRetained(
      db,
      `INSERT INTO overlay_capability_pins (peer_id, capabilities, major, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(peer_id) DO UPDATE SET capabilities = excluded.capabilities, major = excluded.major, last_seen = excluded.last_seen`,
    );
    this.countStmt = preparedRetained<[], { n: number }>(db, 'SELECT COUNT(*) AS n FROM overlay_capability_pins');
    this.evictStmt = preparedRetained(db, 'DELETE FROM overlay_capability_pins WHERE peer_id IN (SELECT peer_id FROM overlay_capability_pins ORDER BY last_seen ASC LIMIT ?)');
  }

  get(peerId: string): CapabilityPin | undefined {
    const r = withStorageErrors('overlay_capability_pins', () => this.getStmt.get(peerId));
    return r ? { capabilities: r.capabilities, major: r.major, firstSeen: r.first_seen, lastSeen: r.last_seen } : undefined;
  }

  put(peerId: string, pin: CapabilityPin): void {
    withStorageErrors('overlay_capability_pins', () => {
      this.putStmt.run(peerId, pin.capabilities, pin.major, pin.firstSeen, pin.lastSeen);
      const n = this.countStmt.get()!.n;
      if (n > this.maxPeers) this.evictStmt.run(n - this.maxPeers);
    });
  }

  /** Pinned peers now. */
  size(): number {
    return withStorageErrors('overlay_capability_pins', () => this.countStmt.get()!.n);
  }
}
