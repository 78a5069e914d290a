/**
 * bench/ledger — proof-of-relay receipts: batched (RFC 6962 Merkle root + one Ed25519
 * signature per batch) against signing every receipt separately, in the same run.
 *
 * Figures, for N receipts (default 10,000) of phones' messages relayed A → B:
 * - signer: receipts/s encoded, Merkle-batched (batches of `--batch`, default 256, the
 *   `ledger.receiptBatchMax` default) and signed; baseline: one signature per receipt;
 * - relayer: receipts/s through the real ledger path — parse the wire body, verify the
 *   batch signature and root, store in SQLite (one transaction per batch), credit by the
 *   reward rules, seal into signed chained ledger batches; baseline: verify one signature
 *   per receipt (what verifying unbatched receipts alone costs);
 * - proofs: mean inclusion-proof size in bytes (signer batch + ledger batch) measured on
 *   the export, and verification time: full audit of the epoch's export, a 64-receipt
 *   sampled audit, and one receipt's two inclusion proofs.
 *
 * Usage: npm run bench:ledger [-- --receipts 10000 --batch 256 --rounds 3]
 * Last line: one JSON object with the figures.
 */
import { cpus, totalmem, tmpdir, arch, platform } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../src/storage/index.js';
import { silentLogger } from '../src/ports/logger.js';
import { ed25519PrivateKey, ed25519PublicKey, ed25519Sign, ed25519Verify, generateIdentityKeys, peerIdHexFromNoiseKey } from '../src/protocol/keys.js';
import { toHex, fromHex } from '../src/protocol/hex.js';
import { MessageType } from '../src/protocol/packet.js';
import {
  BROADCAST_PEER_ID,
  DEFAULT_REWARD_RULES,
  assessReceipt,
  auditExport,
  decodeReceiptEntry,
  encodeReceiptEntry,
  leafHash,
  ledgerLeaf,
  mulberry32,
  parseReceiptBatchBody,
  receiptBatchToBody,
  signReceiptBatch,
  verifyInclusion,
  verifyReceiptBatch,
  type ReceiptEntry,
} from '../src/ledger/index.js';
import { LedgerStore, migrateLedger } from '../src/gateway/modules/ledger-store.js';
import { sealLedger } from '../src/gateway/modules/ledger-sealer.js';
import { buildLedgerExport } from '../src/gateway/modules/ledger-exporter.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const N = arg('receipts', 10_000);
const BATCH = arg('batch', 256);
const ROUNDS = arg('rounds', 3);
const EPOCH_MS = 3_600_000;

function who() {
  const keys = generateIdentityKeys();
  return { peerId: peerIdHexFromNoiseKey(keys.noisePublicKey), keys, key: ed25519PrivateKey(keys.signingPrivateKey), pub: toHex(keys.signingPublicKey) };
}
const relayer = who();
const signer = who();
const phones = Array.from({ length: 50 }, who);
const now = Date.now();
const epoch = Math.floor(now / EPOCH_MS);

function makeEntries(counterBase: number): ReceiptEntry[] {
  return Array.from({ length: N }, (_, i) => ({
    type: MessageType.MESSAGE,
    epoch,
    counter: counterBase + i + 1,
    packetId: (counterBase + i).toString(16).padStart(32, '0'),
    origin: phones[i % phones.length]!.peerId,
    recipient: BROADCAST_PEER_ID,
    relayer: relayer.peerId,
    signer: signer.peerId,
    receivedAt: now,
    latencyMs: (i * 37) % 3000,
    availabilityPermille: 900 + (i % 100),
  }));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

function main(): void {
  const cpu = cpus()[0]?.model ?? 'unknown';
  console.log(`machine: ${cpu} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()}/${arch()}; node ${process.version}`);
  console.log(`receipts: ${N}, batch: ${BATCH}, rounds: ${ROUNDS} (median reported)`);
  const entries = makeEntries(0);
  const signerPub = ed25519PublicKey(signer.keys.signingPublicKey);

  // ---- signer side -----------------------------------------------------------------------
  const batchedSign: number[] = [];
  const separateSign: number[] = [];
  let bodies: ReturnType<typeof receiptBatchToBody>[] = [];
  let separate: Array<{ bytes: Uint8Array; sig: Uint8Array }> = [];
  for (let r = 0; r < ROUNDS; r++) {
    batchedSign.push(
      time(() => {
        bodies = [];
        for (let i = 0; i < N; i += BATCH) bodies.push(receiptBatchToBody(signReceiptBatch(entries.slice(i, i + BATCH), signer.key)));
      }),
    );
    separateSign.push(
      time(() => {
        separate = entries.map((e) => {
          const bytes = encodeReceiptEntry(e);
          return { bytes, sig: ed25519Sign(bytes, signer.key) };
        });
      }),
    );
  }

  // ---- relayer side: the real ledger path -----------------------------------------------------
  const relayerPath: number[] = [];
  const separateVerify: number[] = [];
  let lastDir = '';
  let exportMs = 0;
  let exp: ReturnType<typeof buildLedgerExport> | undefined;
  for (let r = 0; r < ROUNDS; r++) {
    const dir = mkdtempSync(join(tmpdir(), 'meshgate-bench-ledger-'));
    const db = openDatabase({ logger: silentLogger }, { path: join(dir, 'meshgate.db') });
    migrateLedger({ logger: silentLogger, now: () => now }, db);
    const store = new LedgerStore({ db });
    store.noteIdentity(relayer.peerId, relayer.pub, now - 2 * 86_400_000);
    store.noteIdentity(signer.peerId, signer.pub, now - 2 * 86_400_000);
    db.transaction(() => {
      for (const e of entries) store.recordSent({ packetId: e.packetId, peerId: signer.peerId, origin: e.origin, recipient: e.recipient, type: e.type, at: now });
      for (const p of phones) store.noteIdentity(p.peerId, p.pub, now - 2 * 86_400_000);
    })();
    const wire = bodies.map((b) => JSON.parse(JSON.stringify(b)) as unknown);
    const rules = { ...DEFAULT_REWARD_RULES, capPerPair: 1e12, capPerEpoch: 1e12 };
    relayerPath.push(
      time(() => {
        for (const body of wire) {
          const batch = parseReceiptBatchBody(body);
          const v = verifyReceiptBatch(batch, signerPub);
          if (!v.ok) throw new Error(v.reason);
          store.storeReceiptBatch(batch, v.entries, now, epoch);
        }
        for (;;) {
          const c = store.creditPending({ self: relayer.peerId, now, epoch, rules, limit: 1000 }, assessReceipt, decodeReceiptEntry);
          if (c.credited < 1000) break;
        }
        sealLedger(store, { gateway: relayer.peerId, key: relayer.key, now, maxLeaves: 1024 });
      }),
    );
    separateVerify.push(
      time(() => {
        for (const s of separate) if (!ed25519Verify(s.bytes, s.sig, signerPub)) throw new Error('verify');
      }),
    );
    if (r === ROUNDS - 1) {
      exportMs = time(() => {
        exp = buildLedgerExport(store, { gateway: { peerId: relayer.peerId, signingPublicKey: relayer.pub }, epoch, epochMs: EPOCH_MS, now, rules });
      });
      lastDir = dir;
    }
    db.close();
    if (r !== ROUNDS - 1) rmSync(dir, { recursive: true, force: true });
  }
  const e = exp!;
  if (e.receipts.length !== N) throw new Error(`export holds ${e.receipts.length} receipts, expected ${N}`);
  const credited = e.receipts.filter((x) => x.units > 0).length;

  // ---- proofs and verification -----------------------------------------------------------------
  const proofBytes = e.receipts.reduce((s, x) => s + 32 * (x.signerProof.length + x.ledgerProof.length), 0) / N;
  const keys = { [relayer.peerId]: relayer.pub, [signer.peerId]: signer.pub };
  const fullAudit: number[] = [];
  const sampledAudit: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    fullAudit.push(time(() => {
      const rep = auditExport(e, { keys });
      if (!rep.ok) throw new Error(JSON.stringify(rep.errors.slice(0, 3)));
    }));
    sampledAudit.push(time(() => {
      if (!auditExport(e, { keys, sample: 64, random: mulberry32(r) }).ok) throw new Error('sampled audit failed');
    }));
  }
  const rx = e.receipts[Math.floor(N / 2)]!;
  const lb = e.ledgerBatches.find((b) => b.seq === rx.ledgerSeq)!;
  const sb = e.signerBatches[rx.signerBatch]!;
  const reps = 2000;
  const proofUs = (time(() => {
    for (let i = 0; i < reps; i++) {
      const entry = fromHex(rx.entry, 76);
      if (!verifyInclusion(leafHash(entry), rx.signerIndex, sb.count, rx.signerProof.map((h) => fromHex(h, 32)), fromHex(sb.root, 32))) throw new Error('proof');
      if (!verifyInclusion(leafHash(ledgerLeaf(entry, rx.units)), rx.ledgerIndex, lb.count, rx.ledgerProof.map((h) => fromHex(h, 32)), fromHex(lb.root, 32))) throw new Error('proof');
    }
  }) * 1000) / reps;
  rmSync(lastDir, { recursive: true, force: true });

  const rate = (ms: number) => Math.round((N / ms) * 1000);
  const out = {
    bench: 'ledger',
    machine: `${cpu} x${cpus().length}`,
    node: process.version,
    receipts: N,
    batchSize: BATCH,
    signerBatchedPerSec: rate(median(batchedSign)),
    signerSeparatePerSec: rate(median(separateSign)),
    signerBatchedX: Number((median(separateSign) / median(batchedSign)).toFixed(2)),
    relayerLedgerPathPerSec: rate(median(relayerPath)),
    relayerSeparateVerifyPerSec: rate(median(separateVerify)),
    relayerPathVsSeparateVerifyX: Number((median(separateVerify) / median(relayerPath)).toFixed(2)),
    signaturesBatched: bodies.length,
    signaturesSeparate: N,
    creditedReceipts: credited,
    ledgerBatches: e.ledgerBatches.length,
    meanProofBytes: Math.round(proofBytes),
    wireBytesPerReceiptBatched: Math.round(bodies.reduce((s, b) => s + JSON.stringify(b).length, 0) / N),
    exportMs: Number(exportMs.toFixed(1)),
    fullAuditMs: Number(median(fullAudit).toFixed(1)),
    sampledAudit64Ms: Number(median(sampledAudit).toFixed(1)),
    inclusionProofsVerifyUs: Number(proofUs.toFixed(1)),
  };
  console.log(`signer: batched ${out.signerBatchedPerSec}/s vs separate ${out.signerSeparatePerSec}/s (${out.signerBatchedX}x); relayer ledger path ${out.relayerLedgerPathPerSec}/s vs separate verify ${out.relayerSeparateVerifyPerSec}/s`);
  console.log(`proofs: mean ${out.meanProofBytes} bytes per receipt; full audit ${out.fullAuditMs} ms, sampled (64) ${out.sampledAudit64Ms} ms, one receipt's two proofs ${out.inclusionProofsVerifyUs} µs`);
  console.log(JSON.stringify(out));
}

main();
