/**
 * SQLite persistence of the proof-of-relay ledger (module `ledger`, its own migration
 * stream). Relayer side: packets handed to gateways (`ledger_sent`), received signer
 * batches and their receipts (`ledger_signer_batches`, `ledger_receipts`), sealed ledger
 * batches (`ledger_batches`). Signer side: counters and issued batches (`ledger_counters`,
 * `ledger_issued`). Both: identities with first-seen times, rejections by code, audits and
 * disputes.
 *
 * Crash safety (kill -9 at any point): a received batch and its receipts are written in one
 * transaction (state `pending`) before anything is credited; crediting moves receipts from
 * `pending` to `credited` in one transaction, so after a restart {@link LedgerStore.creditPending}
 * finishes the job exactly once. A re-delivered batch (same signer and root) is recognised
 * and not stored twice; a counter is stored at most once per (signer, relayer).
 *
 * Why over 400 lines in one file: every statement of the ledger's tables is prepared here,
 * next to the migrations that create those tables, so a schema change and the SQL that
 * depends on it are reviewed together; the logic that decides anything (receipts, rewards,
 * Merkle batches, audit) lives in src/ledger and the exporter/sealer/signer files.
 */
import type { Database } from '../../storage/index.js';
import { applyModuleMigrations, preparedRetained } from '../../storage/index.js';
import type { Migration } from '../../storage/index.js';
import type { Logger } from '../../ports/logger.js';
import type { ErrorCode } from '../../errors.js';
import type { ReceiptEntry, SignedReceiptBatch, RewardRules, ReceiptFacts, RewardAssessment } from '../../ledger/index.js';

export const LEDGER_MODULE = 'ledger';

/** Most audit results kept (oldest deleted). */
export const MAX_AUDITS_KEPT = 100;
/** Most dispute results kept (oldest deleted). */
export const MAX_DISPUTES_KEPT = 1_000;
/** Most identities remembered (the most recently first-seen are deleted beyond this). */
export const MAX_IDENTITIES = 100_000;

export const LEDGER_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'ledger tables',
    up(db) {
      db.exec(`
        CREATE TABLE ledger_identities (peer_id TEXT PRIMARY KEY, signing_key TEXT, first_seen INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE ledger_sent (packet_id TEXT NOT NULL, peer_id TEXT NOT NULL, origin TEXT NOT NULL, recipient TEXT NOT NULL, type INTEGER NOT NULL, sent_at INTEGER NOT NULL, PRIMARY KEY (packet_id, peer_id));
        CREATE INDEX ledger_sent_at ON ledger_sent (sent_at);
        CREATE TABLE ledger_signer_batches (id INTEGER PRIMARY KEY, signer TEXT NOT NULL, relayer TEXT NOT NULL, count INTEGER NOT NULL, root BLOB NOT NULL, sig BLOB NOT NULL, entries BLOB NOT NULL, received_at INTEGER NOT NULL, epoch INTEGER NOT NULL, UNIQUE (signer, root));
        CREATE TABLE ledger_receipts (
          id INTEGER PRIMARY KEY, batch_id INTEGER NOT NULL, batch_index INTEGER NOT NULL,
          signer TEXT NOT NULL, relayer TEXT NOT NULL, counter INTEGER NOT NULL, packet_id TEXT NOT NULL,
          origin TEXT NOT NULL, recipient TEXT NOT NULL, type INTEGER NOT NULL, entry BLOB NOT NULL,
          state TEXT NOT NULL DEFAULT 'pending', units INTEGER NOT NULL DEFAULT 0, code TEXT,
          credit_epoch INTEGER, credited_at INTEGER, ledger_seq INTEGER, ledger_index INTEGER,
          UNIQUE (signer, relayer, counter));
        CREATE INDEX ledger_receipts_state ON ledger_receipts (state);
        CREATE INDEX ledger_receipts_packet ON ledger_receipts (packet_id);
        CREATE INDEX ledger_receipts_epoch ON ledger_receipts (credit_epoch, ledger_seq);
        CREATE INDEX ledger_receipts_pair ON ledger_receipts (credit_epoch, origin, recipient);
        CREATE TABLE ledger_batches (seq INTEGER PRIMARY KEY, epoch INTEGER NOT NULL, count INTEGER NOT NULL, created_at INTEGER NOT NULL, prev_hash BLOB NOT NULL, root BLOB NOT NULL, hash BLOB NOT NULL, sig BLOB NOT NULL);
        CREATE INDEX ledger_batches_epoch ON ledger_batches (epoch);
        CREATE TABLE ledger_counters (relayer TEXT PRIMARY KEY, counter INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE ledger_issued (id INTEGER PRIMARY KEY, relayer TEXT NOT NULL, epoch INTEGER NOT NULL, count INTEGER NOT NULL, units INTEGER NOT NULL, root TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL, acked INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX ledger_issued_relayer ON ledger_issued (relayer, acked);
        CREATE TABLE ledger_rejections (code TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE ledger_audits (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, epoch INTEGER NOT NULL, source TEXT NOT NULL, ok INTEGER NOT NULL, report TEXT NOT NULL);
        CREATE TABLE ledger_disputes (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, kind TEXT NOT NULL, gateway TEXT NOT NULL, epoch INTEGER NOT NULL, verdict TEXT NOT NULL, code TEXT, reason TEXT NOT NULL, units INTEGER NOT NULL);
      `);
    },
  },
];

/** A stored receipt row. */
export interface ReceiptRow {
  id: number;
  batch_id: number;
  batch_index: number;
  signer: string;
  relayer: string;
  counter: number;
  packet_id: string;
  origin: string;
  recipient: string;
  type: number;
  entry: Uint8Array;
  state: 'pending' | 'credited';
  units: number;
  code: string | null;
  credit_epoch: number | null;
  ledger_seq: number | null;
  ledger_index: number | null;
}

/** A sealed ledger batch row. */
export interface LedgerBatchRow {
  seq: number;
  epoch: number;
  count: number;
  created_at: number;
  prev_hash: Uint8Array;
  root: Uint8Array;
  hash: Uint8Array;
  sig: Uint8Array;
}

/** Apply the ledger's migrations (idempotent). */
export function migrateLedger(components: { logger: Logger; now: () => number }, db: Database): void {
  applyModuleMigrations(components, db, LEDGER_MODULE, LEDGER_MIGRATIONS);
}

/** Prepared statements and transactions over the ledger tables. */
export class LedgerStore {
  readonly db: Database;
  private readonly s;

  /** @param components.db an open database on which {@link migrateLedger} ran. */
  constructor(components: { db: Database }) {
    const db = (this.db = components.db);
    const p = <R = unknown>(sql: string) => preparedRetained<unknown[], R>(db, sql);
    this.s = {
      identity: p<{ peer_id: string; signing_key: string | null; first_seen: number }>('SELECT * FROM ledger_identities WHERE peer_id = ?'),
      noteIdentity: p('INSERT INTO ledger_identities (peer_id, signing_key, first_seen) VALUES (?, ?, ?) ON CONFLICT (peer_id) DO UPDATE SET signing_key = COALESCE(ledger_identities.signing_key, excluded.signing_key)'),
      identityCount: p<{ n: number }>('SELECT COUNT(*) AS n FROM ledger_identities'),
      pruneIdentities: p('DELETE FROM ledger_identities WHERE peer_id IN (SELECT peer_id FROM ledger_identities ORDER BY first_seen ASC LIMIT -1 OFFSET ?)'),
      recordSent: p('INSERT OR IGNORE INTO ledger_sent (packet_id, peer_id, origin, recipient, type, sent_at) VALUES (?, ?, ?, ?, ?, ?)'),
      sent: p<{ origin: string; recipient: string; type: number }>('SELECT origin, recipient, type FROM ledger_sent WHERE packet_id = ? AND peer_id = ?'),
      sentCount: p<{ n: number }>('SELECT COUNT(*) AS n FROM ledger_sent'),
      pruneSentByAge: p('DELETE FROM ledger_sent WHERE sent_at < ?'),
      pruneSentByCount: p('DELETE FROM ledger_sent WHERE rowid IN (SELECT rowid FROM ledger_sent ORDER BY sent_at DESC LIMIT -1 OFFSET ?)'),
      hasBatch: p<{ id: number }>('SELECT id FROM ledger_signer_batches WHERE signer = ? AND root = ?'),
      insertBatch: p('INSERT INTO ledger_signer_batches (signer, relayer, count, root, sig, entries, received_at, epoch) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      insertReceipt: p('INSERT OR IGNORE INTO ledger_receipts (batch_id, batch_index, signer, relayer, counter, packet_id, origin, recipient, type, entry) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      pending: p<ReceiptRow>("SELECT * FROM ledger_receipts WHERE state = 'pending' ORDER BY id LIMIT ?"),
      pendingCount: p<{ n: number }>("SELECT COUNT(*) AS n FROM ledger_receipts WHERE state = 'pending'"),
      signerPacketBefore: p<{ n: number }>('SELECT COUNT(*) AS n FROM ledger_receipts WHERE signer = ? AND packet_id = ? AND id < ?'),
      creditedPacket: p<{ n: number }>("SELECT COUNT(*) AS n FROM ledger_receipts WHERE relayer = ? AND packet_id = ? AND state = 'credited' AND units > 0"),
      pairUnits: p<{ u: number | null }>("SELECT SUM(units) AS u FROM ledger_receipts WHERE credit_epoch = ? AND origin = ? AND recipient = ? AND state = 'credited'"),
      epochUnits: p<{ u: number | null }>("SELECT SUM(units) AS u FROM ledger_receipts WHERE credit_epoch = ? AND state = 'credited'"),
      credit: p("UPDATE ledger_receipts SET state = 'credited', units = ?, code = ?, credit_epoch = ?, credited_at = ? WHERE id = ? AND state = 'pending'"),
      reject: p('INSERT INTO ledger_rejections (code, count) VALUES (?, ?) ON CONFLICT (code) DO UPDATE SET count = count + excluded.count'),
      rejections: p<{ code: string; count: number }>('SELECT code, count FROM ledger_rejections ORDER BY code'),
      unsealed: p<ReceiptRow>("SELECT * FROM ledger_receipts WHERE state = 'credited' AND units > 0 AND ledger_seq IS NULL AND credit_epoch = ? ORDER BY id LIMIT ?"),
      unsealedEpochs: p<{ credit_epoch: number }>("SELECT DISTINCT credit_epoch FROM ledger_receipts WHERE state = 'credited' AND units > 0 AND ledger_seq IS NULL ORDER BY credit_epoch"),
      unsealedCount: p<{ n: number }>("SELECT COUNT(*) AS n FROM ledger_receipts WHERE state = 'credited' AND units > 0 AND ledger_seq IS NULL"),
      lastBatch: p<LedgerBatchRow>('SELECT * FROM ledger_batches ORDER BY seq DESC LIMIT 1'),
      batchCount: p<{ n: number }>('SELECT COUNT(*) AS n FROM ledger_batches'),
      insertLedgerBatch: p('INSERT INTO ledger_batches (seq, epoch, count, created_at, prev_hash, root, hash, sig) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      placeReceipt: p('UPDATE ledger_receipts SET ledger_seq = ?, ledger_index = ? WHERE id = ?'),
      batchesOfEpoch: p<LedgerBatchRow>('SELECT * FROM ledger_batches WHERE epoch = ? ORDER BY seq'),
      receiptsOfBatch: p<ReceiptRow>('SELECT * FROM ledger_receipts WHERE ledger_seq = ? ORDER BY ledger_index'),
      signerBatch: p<{ id: number; signer: string; relayer: string; count: number; root: Uint8Array; sig: Uint8Array; entries: Uint8Array }>('SELECT * FROM ledger_signer_batches WHERE id = ?'),
      signerBatchCount: p<{ n: number }>('SELECT COUNT(*) AS n FROM ledger_signer_batches'),
      lastEpoch: p<{ e: number | null }>('SELECT MAX(epoch) AS e FROM ledger_batches'),
      earned: p<{ epoch: number; peer: string; receipts: number; units: number }>(
        "SELECT credit_epoch AS epoch, signer AS peer, COUNT(*) AS receipts, SUM(units) AS units FROM ledger_receipts WHERE state = 'credited' AND credit_epoch >= ? GROUP BY credit_epoch, signer ORDER BY credit_epoch DESC, units DESC LIMIT ?",
      ),
      counter: p<{ counter: number }>('SELECT counter FROM ledger_counters WHERE relayer = ?'),
      setCounter: p('INSERT INTO ledger_counters (relayer, counter) VALUES (?, ?) ON CONFLICT (relayer) DO UPDATE SET counter = excluded.counter'),
      insertIssued: p('INSERT INTO ledger_issued (relayer, epoch, count, units, root, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      unacked: p<{ id: number; body: string }>('SELECT id, body FROM ledger_issued WHERE relayer = ? AND acked = 0 ORDER BY id LIMIT ?'),
      unackedCount: p<{ n: number }>('SELECT COUNT(*) AS n FROM ledger_issued WHERE relayer = ? AND acked = 0'),
      abandonOldest: p('UPDATE ledger_issued SET acked = 2 WHERE id IN (SELECT id FROM ledger_issued WHERE relayer = ? AND acked = 0 ORDER BY id LIMIT ?)'),
      ack: p('UPDATE ledger_issued SET acked = 1 WHERE relayer = ? AND root = ? AND acked <> 1'),
      issuedStats: p<{ issued: number; acked: number | null; abandoned: number | null }>('SELECT COUNT(*) AS issued, SUM(acked = 1) AS acked, SUM(acked = 2) AS abandoned FROM ledger_issued'),
      owed: p<{ epoch: number; peer: string; receipts: number; units: number }>(
        'SELECT epoch, relayer AS peer, SUM(count) AS receipts, SUM(units) AS units FROM ledger_issued WHERE epoch >= ? GROUP BY epoch, relayer ORDER BY epoch DESC, units DESC LIMIT ?',
      ),
      insertAudit: p('INSERT INTO ledger_audits (at, epoch, source, ok, report) VALUES (?, ?, ?, ?, ?)'),
      pruneAudits: p('DELETE FROM ledger_audits WHERE id <= (SELECT MAX(id) FROM ledger_audits) - ?'),
      lastAudit: p<{ at: number; epoch: number; source: string; ok: number; report: string }>('SELECT * FROM ledger_audits ORDER BY id DESC LIMIT 1'),
      insertDispute: p('INSERT INTO ledger_disputes (at, kind, gateway, epoch, verdict, code, reason, units) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      pruneDisputes: p('DELETE FROM ledger_disputes WHERE id <= (SELECT MAX(id) FROM ledger_disputes) - ?'),
      disputeStats: p<{ total: number; upheld: number | null }>("SELECT COUNT(*) AS total, SUM(verdict = 'upheld') AS upheld FROM ledger_disputes"),
      lastDispute: p<{ at: number; kind: string; gateway: string; epoch: number; verdict: string; code: string | null; reason: string; units: number }>('SELECT * FROM ledger_disputes ORDER BY id DESC LIMIT 1'),
      pruneReceipts: p('DELETE FROM ledger_receipts WHERE credit_epoch < ?'),
      pruneSignerBatches: p('DELETE FROM ledger_signer_batches WHERE epoch < ? AND id NOT IN (SELECT batch_id FROM ledger_receipts)'),
      pruneLedgerBatches: p('DELETE FROM ledger_batches WHERE epoch < ? AND seq < (SELECT MAX(seq) FROM ledger_batches)'),
      pruneIssued: p('DELETE FROM ledger_issued WHERE epoch < ? AND acked <> 0'),
    };
  }

  // ---- identities ------------------------------------------------------------------

  /** Remember a peer (first-seen time kept from the first call; a signing key filled in once known). */
  noteIdentity(peerId: string, signingKey: string | undefined, at: number): void {
    this.s.noteIdentity.run(peerId, signingKey ?? null, at);
  }

  identity(peerId: string): { signingKey: string | undefined; firstSeen: number } | undefined {
    const r = this.s.identity.get(peerId);
    return r ? { signingKey: r.signing_key ?? undefined, firstSeen: r.first_seen } : undefined;
  }

  /** Keep at most {@link MAX_IDENTITIES}: the oldest first-seen are kept, so a flood of new identities cannot make aged ones new again. */
  pruneIdentities(): void {
    if (this.s.identityCount.get()!.n > MAX_IDENTITIES) this.s.pruneIdentities.run(MAX_IDENTITIES);
  }

  // ---- relayer side ----------------------------------------------------------------

  /** Record that `packetId` was handed to gateway `peerId` (first hand-over kept). */
  recordSent(r: { packetId: string; peerId: string; origin: string; recipient: string; type: number; at: number }): void {
    this.s.recordSent.run(r.packetId, r.peerId, r.origin, r.recipient, r.type, r.at);
  }

  sent(packetId: string, peerId: string): { origin: string; recipient: string; type: number } | undefined {
    return this.s.sent.get(packetId, peerId);
  }

  sentCount(): number {
    return this.s.sentCount.get()!.n;
  }

  /** Drop hand-over records older than `before` (ms) and beyond the newest `max`. */
  pruneSent(before: number, max: number): void {
    this.s.pruneSentByAge.run(before);
    if (this.sentCount() > max) this.s.pruneSentByCount.run(max);
  }

  hasSignerBatch(signer: string, root: Uint8Array): boolean {
    return this.s.hasBatch.get(signer, root) !== undefined;
  }

  /**
   * Store a verified batch and its receipts in one transaction (state `pending`).
   * @returns how many receipts were stored and how many were replays (counter already stored).
   */
  storeReceiptBatch(batch: SignedReceiptBatch, entries: readonly ReceiptEntry[], at: number, epoch: number): { stored: number; replayed: number } {
    return this.db.transaction(() => {
      const info = this.s.insertBatch.run(batch.signer, batch.relayer, entries.length, batch.root, batch.signature, Buffer.concat(batch.entries), at, epoch);
      const batchId = Number(info.lastInsertRowid);
      let stored = 0;
      entries.forEach((e, i) => {
        const r = this.s.insertReceipt.run(batchId, i, e.signer, e.relayer, e.counter, e.packetId, e.origin, e.recipient, e.type, batch.entries[i]);
        stored += r.changes;
      });
      const replayed = entries.length - stored;
      if (replayed > 0) this.s.reject.run('MG_ERR_LEDGER_REPLAYED', replayed);
      return { stored, replayed };
    })();
  }

  /** Count receipts that earned nothing before being stored (forged, tampered, invalid batches). */
  countRejection(code: ErrorCode, n: number): void {
    if (n > 0) this.s.reject.run(code, n);
  }

  rejections(): Record<string, number> {
    return Object.fromEntries(this.s.rejections.all().map((r) => [r.code, r.count]));
  }

  pendingCount(): number {
    return this.s.pendingCount.get()!.n;
  }

  /**
   * Credit every pending receipt in one transaction: facts are read from the tables,
   * `assess` applies the reward rules, each receipt moves to `credited` with its units and
   * code, and codes of zero-earning receipts are counted. Idempotent.
   */
  creditPending(
    opts: { self: string; now: number; epoch: number; rules: RewardRules; limit: number },
    assess: (f: ReceiptFacts, rules: RewardRules) => RewardAssessment,
    decode: (entry: Uint8Array) => ReceiptEntry,
  ): { credited: number; units: number; rejected: Partial<Record<ErrorCode, number>> } {
    return this.db.transaction(() => {
      const rows = this.s.pending.all(opts.limit);
      const rejected: Partial<Record<ErrorCode, number>> = {};
      let units = 0;
      // Running totals for the caps, read once per transaction and kept up to date in memory.
      let epochCredited = this.s.epochUnits.get(opts.epoch)!.u ?? 0;
      const pairs = new Map<string, number>();
      const ids = new Map<string, { signingKey: string | undefined; firstSeen: number } | undefined>();
      const id = (peer: string) => {
        if (!ids.has(peer)) ids.set(peer, this.identity(peer));
        return ids.get(peer);
      };
      for (const row of rows) {
        const entry = decode(row.entry);
        const o = id(entry.origin);
        const r = id(entry.relayer);
        const s = id(entry.signer);
        const pairKey = `${entry.origin}/${entry.recipient}`;
        let pairCredited = pairs.get(pairKey);
        if (pairCredited === undefined) pairCredited = this.s.pairUnits.get(opts.epoch, entry.origin, entry.recipient)!.u ?? 0;
        const facts: ReceiptFacts = {
          entry,
          self: opts.self,
          sent: this.sent(entry.packetId, entry.signer),
          replayed: this.s.signerPacketBefore.get(entry.signer, entry.packetId, row.id)!.n > 0,
          alreadyCredited: this.s.creditedPacket.get(entry.relayer, entry.packetId)!.n > 0,
          keys: { origin: o?.signingKey, relayer: r?.signingKey, signer: s?.signingKey },
          firstSeen: { origin: o?.firstSeen, relayer: r?.firstSeen, signer: s?.firstSeen },
          now: opts.now,
          pairCredited,
          epochCredited,
        };
        const a = assess(facts, opts.rules);
        this.s.credit.run(a.units, a.code ?? null, opts.epoch, opts.now, row.id);
        units += a.units;
        epochCredited += a.units;
        pairs.set(pairKey, pairCredited + a.units);
        if (a.code) {
          rejected[a.code] = (rejected[a.code] ?? 0) + 1;
          this.s.reject.run(a.code, 1);
        }
      }
      return { credited: rows.length, units, rejected };
    })();
  }

  // ---- ledger batches --------------------------------------------------------------

  unsealedEpochs(): number[] {
    return this.s.unsealedEpochs.all().map((r) => r.credit_epoch);
  }

  unsealedCount(): number {
    return this.s.unsealedCount.get()!.n;
  }

  unsealed(epoch: number, limit: number): ReceiptRow[] {
    return this.s.unsealed.all(epoch, limit);
  }

  lastBatch(): LedgerBatchRow | undefined {
    return this.s.lastBatch.get();
  }

  batchCount(): number {
    return this.s.batchCount.get()!.n;
  }

  /** Insert a sealed batch and place its receipts (leaf order = `receiptIds` order), in one transaction. */
  insertLedgerBatch(b: LedgerBatchRow, receiptIds: readonly number[]): void {
    this.db.transaction(() => {
      this.s.insertLedgerBatch.run(b.seq, b.epoch, b.count, b.created_at, b.prev_hash, b.root, b.hash, b.sig);
      receiptIds.forEach((id, i) => this.s.placeReceipt.run(b.seq, i, id));
    })();
  }

  batchesOfEpoch(epoch: number): LedgerBatchRow[] {
    return this.s.batchesOfEpoch.all(epoch);
  }

  receiptsOfBatch(seq: number): ReceiptRow[] {
    return this.s.receiptsOfBatch.all(seq);
  }

  signerBatch(id: number): { id: number; signer: string; relayer: string; count: number; root: Uint8Array; sig: Uint8Array; entries: Uint8Array } | undefined {
    return this.s.signerBatch.get(id);
  }

  signerBatchCount(): number {
    return this.s.signerBatchCount.get()!.n;
  }

  /** Newest epoch with a sealed batch. */
  lastSealedEpoch(): number | undefined {
    return this.s.lastEpoch.get()!.e ?? undefined;
  }

  earned(sinceEpoch: number, limit: number): Array<{ epoch: number; peer: string; receipts: number; units: number }> {
    return this.s.earned.all(sinceEpoch, limit);
  }

  // ---- signer side -----------------------------------------------------------------

  /**
   * Allocate `n` counters for `relayer` and store the issued batch built by `build`, in one
   * transaction (so counters never repeat after a crash and the batch can be re-sent).
   */
  issue<T extends { root: string; body: string; units: number; epoch: number; count: number }>(relayer: string, n: number, at: number, build: (firstCounter: number) => T): T {
    return this.db.transaction(() => {
      const first = (this.s.counter.get(relayer)?.counter ?? 0) + 1;
      const out = build(first);
      this.s.setCounter.run(relayer, first + n - 1);
      this.s.insertIssued.run(relayer, out.epoch, out.count, out.units, out.root, out.body, at);
      return out;
    })();
  }

  /** Batches for `relayer` not acknowledged yet (oldest first). */
  unacked(relayer: string, limit: number): Array<{ id: number; body: string }> {
    return this.s.unacked.all(relayer, limit);
  }

  /** Give up on the oldest unacknowledged batches beyond `max` for `relayer`; returns how many. */
  abandonBeyond(relayer: string, max: number): number {
    const n = this.s.unackedCount.get(relayer)!.n - max;
    return n > 0 ? this.s.abandonOldest.run(relayer, n).changes : 0;
  }

  /** Mark a batch acknowledged; true when it was pending. */
  ack(relayer: string, root: string): boolean {
    return this.s.ack.run(relayer, root).changes > 0;
  }

  issuedStats(): { issued: number; acked: number; abandoned: number } {
    const r = this.s.issuedStats.get()!;
    return { issued: r.issued, acked: r.acked ?? 0, abandoned: r.abandoned ?? 0 };
  }

  owed(sinceEpoch: number, limit: number): Array<{ epoch: number; peer: string; receipts: number; units: number }> {
    return this.s.owed.all(sinceEpoch, limit);
  }

  // ---- audits, disputes, retention ---------------------------------------------------

  recordAudit(a: { at: number; epoch: number; source: string; ok: boolean; report: unknown }): void {
    this.s.insertAudit.run(a.at, a.epoch, a.source, a.ok ? 1 : 0, JSON.stringify(a.report));
    this.s.pruneAudits.run(MAX_AUDITS_KEPT);
  }

  lastAudit(): { at: number; epoch: number; source: string; ok: boolean; report: unknown } | undefined {
    const r = this.s.lastAudit.get();
    return r ? { at: r.at, epoch: r.epoch, source: r.source, ok: r.ok === 1, report: JSON.parse(r.report) as unknown } : undefined;
  }

  /** The last audit as shown on /api/status (the full report stays in ledger_audits). */
  lastAuditSummary(): unknown {
    const a = this.lastAudit();
    if (!a) return null;
    const r = a.report as { mode?: string; totals?: unknown; errorCounts?: unknown; keysPinned?: boolean };
    return { at: a.at, epoch: a.epoch, source: a.source, ok: a.ok, mode: r.mode ?? null, keysPinned: r.keysPinned ?? null, totals: r.totals ?? null, errorCounts: r.errorCounts ?? {} };
  }

  recordDispute(d: { at: number; kind: string; gateway: string; epoch: number; verdict: string; code: string | undefined; reason: string; units: number }): void {
    this.s.insertDispute.run(d.at, d.kind, d.gateway, d.epoch, d.verdict, d.code ?? null, d.reason, d.units);
    this.s.pruneDisputes.run(MAX_DISPUTES_KEPT);
  }

  disputes(): { total: number; upheld: number; last: unknown } {
    const s = this.s.disputeStats.get()!;
    return { total: s.total, upheld: s.upheld ?? 0, last: this.s.lastDispute.get() ?? null };
  }

  /** Delete what belongs to epochs before `epoch` (the chain head is always kept). */
  pruneBefore(epoch: number): void {
    this.db.transaction(() => {
      this.s.pruneReceipts.run(epoch);
      this.s.pruneSignerBatches.run(epoch);
      this.s.pruneLedgerBatches.run(epoch);
      this.s.pruneIssued.run(epoch);
    })();
  }
}
