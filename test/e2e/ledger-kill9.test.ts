/**
 * Proof-of-relay with real processes: a phone sends through gateway A to gateway B; B
 * returns signed receipt batches; A is killed with SIGKILL (the test-only fault point
 * MESHGATE_TEST_FAULT=ledger-after-receipt) right after storing a batch and before
 * crediting it. After a restart on the same state directory no receipt is lost and none is
 * counted twice; the exported epoch then verifies in a separate process with only the CLI,
 * the export file and the two gateways' public keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLI, startGateway, waitFor, type GatewayProcess } from '../helpers/processes.js';
import { PhoneSimulator } from '../../src/phone/phone-simulator.js';
import { openDatabase } from '../../src/storage/index.js';
import { silentLogger } from '../../src/ports/logger.js';
import { LedgerStore, migrateLedger } from '../../src/gateway/modules/ledger-store.js';

const run = promisify(execFile);
const LEDGER_FLAGS = ['--ledger-new-identity-age-ms', '0', '--ledger-receipt-batch-delay-ms', '1000', '--ledger-ledger-batch-interval-ms', '200', '--mesh-relay-jitter', 'false'];

function pendingIn(stateDir: string): { pending: number; total: number } {
  const db = openDatabase({ logger: silentLogger }, { path: join(stateDir, 'meshgate.db') });
  try {
    migrateLedger({ logger: silentLogger, now: () => 0 }, db);
    const store = new LedgerStore({ db });
    const total = (db.prepare('SELECT COUNT(*) AS n FROM ledger_receipts').get() as { n: number }).n;
    return { pending: store.pendingCount(), total };
  } finally {
    db.close();
  }
}

test('kill -9 between storing receipts and crediting them loses none and counts none twice; the export verifies elsewhere', async () => {
  const B = await startGateway('ledger-b', LEDGER_FLAGS);
  let A: GatewayProcess | undefined;
  let A2: GatewayProcess | undefined;
  let phone: PhoneSimulator | undefined;
  const work = mkdtempSync(join(tmpdir(), 'meshgate-audit-'));
  try {
    A = await startGateway('ledger-a', ['--gateway-peers', B.wsUrl, ...LEDGER_FLAGS], { MESHGATE_TEST_FAULT: 'ledger-after-receipt' });
    const aDir = A.stateDir;
    await waitFor(async () => (await A!.status()).modules.ledger.peers.some((p: any) => p.peerId === B.peerId && p.proofOfRelay), 10_000, 'ProofOfRelay between A and B');
    phone = new PhoneSimulator({}, { nickname: 'p', host: '127.0.0.1', port: A.lanPort });
    await phone.connect();
    phone.announce();
    await waitFor(async () => (await B.status()).peers.some((p: any) => p.peerId === phone!.peerId), 10_000, "B learns the phone's key");
    const died = new Promise<string | null>((resolve) => A!.proc.once('exit', (_code, signal) => resolve(signal)));
    for (let i = 0; i < 5; i++) phone.sendPublic(`paid message ${i}`);
    assert.equal(await died, 'SIGKILL', 'A died at the fault point');
    await phone.close();
    phone = undefined;

    const afterCrash = pendingIn(aDir);
    assert.deepEqual(afterCrash, { pending: 5, total: 5 }, 'all five receipts were stored, none credited yet');

    A2 = await startGateway('ledger-a2', ['--state-dir', aDir, '--gateway-peers', B.wsUrl, ...LEDGER_FLAGS]);
    assert.equal(A2.peerId, A.peerId, 'same identity after restart');
    await waitFor(async () => (await B.status()).modules.ledger.batches.acked === 1, 10_000, 'B re-sent the unacknowledged batch and A2 acknowledged it');
    const s = (await A2.status()).modules.ledger;
    assert.equal(s.counters.redelivered, 1, 'the re-sent batch was recognised, not stored again');
    assert.equal(s.receipts.pending, 0);
    const earned = s.earned.filter((e: any) => e.peer === B.peerId);
    assert.equal(earned.reduce((n: number, e: any) => n + e.receipts, 0), 5, 'five receipts credited');
    const units = earned.reduce((n: number, e: any) => n + e.units, 0);
    assert.ok(units >= 5 * 1000 && units <= 5 * 2000, `each credited once: ${units} mu`);
    assert.equal(s.rejected.MG_ERR_LEDGER_REPLAYED ?? 0, 0);
    const bOwed = (await B.status()).modules.ledger.owed.find((o: any) => o.peer === A!.peerId);
    assert.equal(bOwed.receipts, 5, 'the signer issued five receipts');

    // seal on stop, export with the CLI from the state directory
    const aKey = (await A2.status()).identity.signingPublicKey;
    const bKey = (await B.status()).identity.signingPublicKey;
    const exited = new Promise((r) => A2!.proc.once('exit', r));
    A2.proc.kill('SIGTERM');
    await exited;
    const exportFile = join(work, 'epoch.json');
    await run(process.execPath, [CLI, 'ledger', 'export', 'last', '--state-dir', aDir, '--out', exportFile]);

    // "another machine": a fresh directory holding only the export and the public keys
    const elsewhere = mkdtempSync(join(tmpdir(), 'meshgate-auditor-'));
    copyFileSync(exportFile, join(elsewhere, 'epoch.json'));
    writeFileSync(join(elsewhere, 'keys.json'), JSON.stringify({ [A.peerId]: aKey, [B.peerId]: bKey }));
    const v = await run(process.execPath, [CLI, 'ledger', 'verify', 'epoch.json', '--keys', 'keys.json'], { cwd: elsewhere });
    const report = JSON.parse(v.stdout);
    assert.equal(report.ok, true, v.stdout);
    assert.deepEqual([report.mode, report.keysPinned, report.totals.receipts, report.totals.units], ['full', true, 5, units]);
    const sampled = JSON.parse((await run(process.execPath, [CLI, 'ledger', 'verify', 'epoch.json', '--keys', 'keys.json', '--sample', '2'], { cwd: elsewhere })).stdout);
    assert.deepEqual([sampled.ok, sampled.mode, sampled.checked.receipts], [true, 'sampled', 2]);
    // a tampered copy fails with a coded error and exit status 1
    const doc = JSON.parse(readFileSync(join(elsewhere, 'epoch.json'), 'utf8'));
    doc.receipts[0].units += 1;
    writeFileSync(join(elsewhere, 'tampered.json'), JSON.stringify(doc));
    await assert.rejects(run(process.execPath, [CLI, 'ledger', 'verify', 'tampered.json', '--keys', 'keys.json'], { cwd: elsewhere }), (err: any) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr, /MG_ERR_LEDGER_BATCH_TAMPERED/);
      return true;
    });
    // a challenge, resolved from signatures alone and recorded in A's ledger; so is an audit
    const packetId = doc.receipts[0].entry.slice(28, 60);
    writeFileSync(join(elsewhere, 'evidence.json'), JSON.stringify({ kind: 'missing-receipt', packetId }));
    const c = JSON.parse((await run(process.execPath, [CLI, 'ledger', 'challenge', 'epoch.json', 'evidence.json', '--keys', 'keys.json', '--record', aDir], { cwd: elsewhere })).stdout);
    assert.deepEqual([c.kind, c.verdict], ['missing-receipt', 'rejected'], 'the credit is backed by a signed receipt');
    await run(process.execPath, [CLI, 'ledger', 'verify', 'epoch.json', '--keys', 'keys.json', '--record', aDir], { cwd: elsewhere });
    const db = openDatabase({ logger: silentLogger }, { path: join(aDir, 'meshgate.db') });
    try {
      const store = new LedgerStore({ db });
      assert.equal(store.disputes().total, 1);
      assert.deepEqual(store.lastAuditSummary() && [(store.lastAuditSummary() as any).ok, (store.lastAuditSummary() as any).source], [true, 'cli:epoch.json']);
    } finally {
      db.close();
    }
    rmSync(elsewhere, { recursive: true, force: true });
  } finally {
    await phone?.close();
    if (A2 && A2.proc.exitCode === null && A2.proc.signalCode === null) await A2.stop();
    if (A) rmSync(A.stateDir, { recursive: true, force: true });
    await B.stop();
    rmSync(work, { recursive: true, force: true });
  }
});
