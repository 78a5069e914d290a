/**
 * {@link PeerStore} on SQLite (tables `peers` and `pinned_keys`, migration 1). Statements
 * are prepared once in the constructor. Both tables are bounded: past `maxPeers` the least
 * recently seen peers are deleted, past `maxPinnedKeys` the oldest pins; the order is the
 * same as {@link MemoryPeerStore}'s so both pass one compliance suite.
 */
import { preparedRetained } from './statement-retention.js';
import type { Statement } from 'better-sqlite3';
import type { PeerRecord, PeerStore } from '../ports/stores.js';
import type { Database } from './database.js';
import { withStorageErrors } from './sqlite-errors.js';
import { checkBound, normaliseLimit, type PeerStoreBounds } from './store-bounds.js';

/** Default cap on rows in `peers`. */
export const SQLITE_DEFAULT_MAX_PEERS = 100_000;
/** Default cap on rows in `pinned_keys`. */
export const SQLITE_DEFAULT_MAX_PINNED_KEYS = 100_000;

interface PeerRow {
  peer_id: string;
  nickname: string;
  noise_public_key: string;
  signing_public_key: string;
  first_seen: number;
  last_seen: number;
}

function fromRow(r: PeerRow): PeerRecord {
  return {
    peerId: r.peer_id,
    nickname: r.nickname,
    noisePublicKey: r.noise_public_key,
    signingPublicKey: r.signing_public_key,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
  };
}

/**
 * SQLite-backed peer store. All methods are synchronous.
 * @throws MG_ERR_STORAGE (with `details.sqliteCode`) from any method when SQLite fails,
 *   and from the constructor when a bound is not a positive integer.
 */
export class SqlitePeerStore implements PeerStore {
  readonly maxPeers: number;
  readonly maxPinnedKeys: number;
  private readonly getPin: Statement<[string], { signing_public_key: string }>;
  private readonly insertPin: Statement<[string, string, number]>;
  private readonly countPins: Statement<[], { n: number }>;
  private readonly evictPins: Statement<[number]>;
  private readonly selectPeer: Statement<[string], PeerRow>;
  private readonly insertPeer: Statement<[string, string, string, string, number, number]>;
  private readonly updatePeer: Statement<[string, string, string, number, string]>;
  private readonly countPeers: Statement<[], { n: number }>;
  private readonly evictPeers: Statement<[number]>;
  private readonly listStmt: Statement<[number], PeerRow>;
  private readonly upsertTx: (r: PeerRecord) => void;
  private readonly pinTx: (noise: string, signing: string, nowMs: number) => void;
  private peerCount: number;
  private pinCount: number;

  /**
   * @param db an open database (see openDatabase), migrated to version >= 1.
   * @param init bounds; defaults {@link SQLITE_DEFAULT_MAX_PEERS}, {@link SQLITE_DEFAULT_MAX_PINNED_KEYS}.
   */
  constructor(db: Database, init: PeerStoreBounds = {}) {
    this.maxPeers = checkBound('maxPeers', init.maxPeers ?? SQLITE_DEFAULT_MAX_PEERS);
    this.maxPinnedKeys = checkBound('maxPinnedKeys', init.maxPinnedKeys ?? SQLITE_DEFAULT_MAX_PINNED_KEYS);
    const s = withStorageErrors('peers.prepare', () => ({
      getPin: preparedRetained<[string], { signing_public_key: string }>(db, 'SELECT signing_public_key FROM pinned_keys WHERE noise_public_key = ?'),
      insertPin: preparedRetained<[string, string, number]>(db, 'INSERT OR IGNORE INTO pinned_keys (noise_public_key, signing_public_key, pinned_at) VALUES (?, ?, ?)'),
      countPins: preparedRetained<[], { n: number }>(db, 'SELECT COUNT(*) AS n FROM pinned_keys'),
      evictPins: preparedRetained<[number]>(db, 
        'DELETE FROM pinned_keys WHERE noise_public_key IN (SELECT noise_public_key FROM pinned_keys ORDER BY pinned_at ASC, noise_public_key DESC LIMIT ?)',
      ),
      selectPeer: preparedRetained<[string], PeerRow>(db, 'SELECT * FROM peers WHERE peer_id = ?'),
      insertPeer: preparedRetained<[string, string, string, string, number, number]>(db, 
        'INSERT INTO peers (peer_id, nickname, noise_public_key, signing_public_key, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      updatePeer: preparedRetained<[string, string, string, number, string]>(db, 
        'UPDATE peers SET nickname = ?, noise_public_key = ?, signing_public_key = ?, last_seen = ? WHERE peer_id = ?',
      ),
      countPeers: preparedRetained<[], { n: number }>(db, 'SELECT COUNT(*) AS n FROM peers'),
      evictPeers: preparedRetained<[number]>(db, 'DELETE FROM peers WHERE peer_id IN (SELECT peer_id FROM peers ORDER BY last_seen ASC, peer_id DESC LIMIT ?)'),
      listStmt: preparedRetained<[number], PeerRow>(db, 'SELECT * FROM peers ORDER BY last_seen DESC, peer_id ASC LIMIT ?'),
    }));
    this.getPin = s.getPin;
    this.insertPin = s.insertPin;
    this.countPins = s.countPins;
    this.evictPins = s.evictPins;
    this.selectPeer = s.selectPeer;
    this.insertPeer = s.insertPeer;
    this.updatePeer = s.updatePeer;
    this.countPeers = s.countPeers;
    this.evictPeers = s.evictPeers;
    this.listStmt = s.listStmt;
    this.peerCount = withStorageErrors('peers.count', () => this.countPeers.get()!.n);
    this.pinCount = withStorageErrors('pinned_keys.count', () => this.countPins.get()!.n);
    this.upsertTx = db.transaction((r: PeerRecord) => {
      if (this.selectPeer.get(r.peerId)) {
        this.updatePeer.run(r.nickname, r.noisePublicKey, r.signingPublicKey, r.lastSeen, r.peerId);
        return;
      }
      this.insertPeer.run(r.peerId, r.nickname, r.noisePublicKey, r.signingPublicKey, r.firstSeen, r.lastSeen);
      let n = this.peerCount + 1;
      // at the bound, re-count (corrects drift if another connection wrote) before evicting
      if (n > this.maxPeers) n = this.countPeers.get()!.n;
      if (n > this.maxPeers) n -= this.evictPeers.run(n - this.maxPeers).changes;
      this.peerCount = n;
    });
    this.pinTx = db.transaction((noise: string, signing: string, nowMs: number) => {
      if (this.insertPin.run(noise, signing, nowMs).changes === 0) return;
      let n = this.pinCount + 1;
      if (n > this.maxPinnedKeys) n = this.countPins.get()!.n;
      if (n > this.maxPinnedKeys) n -= this.evictPins.run(n - this.maxPinnedKeys).changes;
      this.pinCount = n;
    });
  }

  getPinnedSigningKey(noisePublicKeyHex: string): string | undefined {
    return withStorageErrors('pinned_keys.get', () => this.getPin.get(noisePublicKeyHex)?.signing_public_key);
  }

  pinSigningKey(noisePublicKeyHex: string, signingPublicKeyHex: string, nowMs: number): void {
    withStorageErrors('pinned_keys.pin', () => this.pinTx(noisePublicKeyHex, signingPublicKeyHex, nowMs));
  }

  upsertPeer(record: PeerRecord): void {
    withStorageErrors('peers.upsert', () => this.upsertTx(record));
  }

  getPeer(peerId: string): PeerRecord | undefined {
    const row = withStorageErrors('peers.get', () => this.selectPeer.get(peerId));
    return row ? fromRow(row) : undefined;
  }

  listPeers(limit?: number): PeerRecord[] {
    const n = normaliseLimit(limit);
    return withStorageErrors('peers.list', () => this.listStmt.all(n)).map(fromRow);
  }
}
