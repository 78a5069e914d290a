/**
 * `meshgate ledger ...`: the operator's and the auditor's side of proof-of-relay
 * accounting (docs/ledger.md).
 *
 * - `meshgate ledger export <epoch|last|current> [--out file]` — write the epoch's export
 *   (sealed ledger batches, receipts, proofs, keys) from this gateway's state directory.
 * - `meshgate ledger verify <file> [--sample n] [--keys file] [--record dir]` — audit an
 *   export with only the file and the gateways' public keys; exit 1 with
 *   `error: <code>: ...` when it fails. `--record` stores the result in that state dir's ledger.
 * - `meshgate ledger challenge <file> <evidence> [--keys file] [--record dir]` — resolve a
 *   challenge (missing receipt, double claim, forged signature) from signatures alone.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { MeshgateError, type ErrorCode } from '../errors.js';
import { silentLogger } from '../ports/logger.js';
import { openDatabase, type Database } from '../storage/index.js';
import { loadOrCreateIdentity } from '../gateway/identity-store.js';
import { toHex } from '../protocol/hex.js';
import { addSettingFlags, configFromOptions } from './start-command.js';
import { LedgerStore, migrateLedger } from '../gateway/modules/ledger-store.js';
import { buildLedgerExport } from '../gateway/modules/ledger-exporter.js';
import { auditExport, epochOf, parseEvidence, parseKeysFile, parseLedgerExport, resolveChallenge, type LedgerExport } from '../ledger/index.js';

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new MeshgateError('MG_ERR_CLI_USAGE', `cannot read ${what} ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new MeshgateError('MG_ERR_LEDGER_EXPORT_INVALID', `${what} ${path} is not JSON`);
  }
}

/** Open a state directory's database with the ledger tables. @throws MG_ERR_CLI_USAGE when `mustExist` and there is none. */
function openLedger(stateDir: string, opts: { mustExist: boolean }): { db: Database; store: LedgerStore } {
  const path = join(stateDir, 'meshgate.db');
  if (opts.mustExist && !existsSync(path)) throw new MeshgateError('MG_ERR_CLI_USAGE', `no meshgate database in ${stateDir}`);
  const db = openDatabase({ logger: silentLogger }, { path });
  migrateLedger({ logger: silentLogger, now: () => Date.now() }, db);
  return { db, store: new LedgerStore({ db }) };
}

function loadKeys(file: string | undefined): Record<string, string> | undefined {
  return file === undefined ? undefined : parseKeysFile(readJson(file, 'keys file'));
}

function parseSample(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new MeshgateError('MG_ERR_CLI_USAGE', '--sample takes a whole number of receipts');
  return n;
}

export function registerLedgerCommand(program: Command): void {
  const ledger = program.command('ledger').description('proof-of-relay ledger: export an epoch, verify an export, resolve a challenge');

  addSettingFlags(
    ledger
      .command('export')
      .description("write one epoch of this gateway's ledger (signed batches, receipts, inclusion proofs) as JSON")
      .argument('<epoch>', 'epoch number, `last` (newest sealed) or `current`')
      .option('-o, --out <file>', 'write to this file instead of stdout'),
  ).action((epochArg: string, opts: Record<string, unknown>) => {
    const config = configFromOptions(opts);
    const { db, store } = openLedger(config.stateDir, { mustExist: true });
    try {
      const id = loadOrCreateIdentity({ logger: silentLogger }, { stateDir: config.stateDir });
      let epoch: number;
      if (epochArg === 'last') {
        const e = store.lastSealedEpoch();
        if (e === undefined) throw new MeshgateError('MG_ERR_CLI_USAGE', 'the ledger has no sealed batch yet');
        epoch = e;
      } else if (epochArg === 'current') {
        epoch = epochOf(Date.now(), config.ledger.epochMs);
      } else if (/^\d+$/.test(epochArg)) {
        epoch = Number(epochArg);
      } else {
        throw new MeshgateError('MG_ERR_CLI_USAGE', 'epoch must be a number, `last` or `current`');
      }
      const l = config.ledger;
      const exp = buildLedgerExport(store, {
        gateway: { peerId: id.peerId, signingPublicKey: toHex(id.keys.signingPublicKey) },
        epoch,
        epochMs: l.epochMs,
        now: Date.now(),
        rules: { latencyGoodMs: l.latencyGoodMs, latencyBadMs: l.latencyBadMs, capPerPair: l.capPerPair, capPerEpoch: l.capPerEpoch, newIdentityAgeMs: l.newIdentityAgeMs },
      });
      const text = JSON.stringify(exp, null, 1) + '\n';
      if (typeof opts.out === 'string') {
        writeFileSync(opts.out, text);
        process.stderr.write(`wrote epoch ${epoch}: ${exp.ledgerBatches.length} ledger batches, ${exp.receipts.length} receipts to ${opts.out}\n`);
      } else {
        process.stdout.write(text);
      }
    } finally {
      db.close();
    }
  });

  ledger
    .command('verify')
    .description('audit an export: signatures, hash chain, Merkle roots, inclusion proofs, reward rules (full, or --sample n receipts)')
    .argument('<file>', 'export file from `meshgate ledger export`')
    .option('--sample <n>', 'check n receipts drawn at random instead of all')
    .option('--keys <file>', 'pinned public keys: {"<peerId>": "<signing key hex>"} or a list of `meshgate identity` outputs')
    .option('--record <stateDir>', "record the result in that gateway's ledger (shown on /api/status)")
    .action((file: string, opts: { sample?: string; keys?: string; record?: string }) => {
      const exp = parseLedgerExport(readJson(file, 'export'));
      const report = auditExport(exp, { keys: loadKeys(opts.keys), sample: parseSample(opts.sample), random: Math.random });
      if (opts.record) record(opts.record, (store) => store.recordAudit({ at: Date.now(), epoch: exp.epoch, source: `cli:${file}`, ok: report.ok, report }));
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      if (!report.ok) {
        const first = report.errors[0];
        throw new MeshgateError((first?.code ?? 'MG_ERR_LEDGER_EXPORT_INVALID') as ErrorCode, `verification failed (${Object.entries(report.errorCounts).map(([c, n]) => `${c} ×${n}`).join(', ')})`);
      }
    });

  ledger
    .command('challenge')
    .description('resolve a challenge against an export from signatures alone (evidence: missing-receipt, double-claim, forged-signature)')
    .argument('<file>', 'the challenged export')
    .argument('<evidence>', 'evidence JSON; for double-claim, {"kind":"double-claim","exportFile":"other.json"} also works')
    .option('--keys <file>', 'pinned public keys (as for verify)')
    .option('--record <stateDir>', "record the result in that gateway's ledger (shown on /api/status)")
    .action((file: string, evidenceFile: string, opts: { keys?: string; record?: string }) => {
      const exp: LedgerExport = parseLedgerExport(readJson(file, 'export'));
      const raw = readJson(evidenceFile, 'evidence') as Record<string, unknown>;
      if (raw && typeof raw === 'object' && raw.kind === 'double-claim' && typeof raw.exportFile === 'string') {
        raw.export = readJson(raw.exportFile, 'export');
        delete raw.exportFile;
      }
      const result = resolveChallenge(exp, parseEvidence(raw), loadKeys(opts.keys));
      if (opts.record) record(opts.record, (store) => store.recordDispute({ at: Date.now(), ...result }));
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    });
}

function record(stateDir: string, fn: (store: LedgerStore) => void): void {
  const { db, store } = openLedger(stateDir, { mustExist: true });
  try {
    fn(store);
  } finally {
    db.close();
  }
}
