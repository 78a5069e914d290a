/**
 * bench/relay — relay-pipeline throughput vs the raw Ed25519 verify rate, and start-up time.
 *
 * Pipeline: signed 200-byte public messages (bitchat type 0x02, v1) from a phone whose
 * announce the engine has verified, injected on one link of a real MeshEngine and relayed
 * to two others: decode, freshness, dedup, signature verify, route, TTL-patched copy,
 * enqueue. Baseline, same run, same frames: `crypto.verify(null, preimage, key, signature)`
 * with the preimages precomputed (the cost verification alone must pay). Goal:
 * verifyRatio = pipeline / raw >= 0.8 (issue 2).
 *
 * Start-up: wall time from spawning `meshgate start` until `/api/status` answers, against
 * the baseline of spawning a bare `node -e ""` that exits.
 *
 * Usage: npm run bench:relay [-- --messages 20000 --rounds 5]
 * Last line: one JSON object with the figures.
 */
import { mulberry32 } from '../src/util/prng.js';
import { cpus, totalmem, tmpdir, arch, platform } from 'node:os';
import { verify as cryptoVerify } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { ManualClock } from '../src/ports/clock.js';
import { silentLogger } from '../src/ports/logger.js';
import { BaseLink } from '../src/links/base-link.js';
import { MeshEngine, ClockState } from '../src/mesh/index.js';
import { MemoryPeerStore } from '../src/storage/index.js';
import { decodePacket, encodePacket } from '../src/protocol/codec.js';
import { framePreimage, signPacket } from '../src/protocol/signing.js';
import { encodeAnnounce } from '../src/protocol/announce.js';
import { ed25519PrivateKey, ed25519PublicKey, generateIdentityKeys, peerIdFromNoiseKey, peerIdHexFromNoiseKey } from '../src/protocol/keys.js';
import { MessageType } from '../src/protocol/packet.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const MESSAGES = arg('messages', 20_000);
const ROUNDS = arg('rounds', 5);

class BenchLink extends BaseLink {
  sent = 0;
  constructor(id: string, now: () => number) {
    super({ id, kind: 'memory', now });
  }
  protected transmit(): boolean {
    this.sent++;
    return true;
  }
  protected async teardown(): Promise<void> {}
  inject(frame: Uint8Array): void {
    this.deliver(frame);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function makeFrames(startMs: number) {
  const phone = generateIdentityKeys();
  const sk = ed25519PrivateKey(phone.signingPrivateKey);
  const senderID = peerIdFromNoiseKey(phone.noisePublicKey);
  const announce = encodePacket(
    signPacket(
      { version: 1, type: MessageType.ANNOUNCE, ttl: 7, timestamp: startMs, flags: 0, senderID, payload: encodeAnnounce({ nickname: 'bench', noisePublicKey: phone.noisePublicKey, signingPublicKey: phone.signingPublicKey }) },
      sk,
    ),
  );
  const frames: Uint8Array[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const text = `msg ${i.toString().padStart(8, '0')} `.padEnd(200, 'lorem ipsum dolor sit amet ');
    const payload = new TextEncoder().encode(text.slice(0, 200));
    frames.push(encodePacket(signPacket({ version: 1, type: MessageType.MESSAGE, ttl: 7, timestamp: startMs + i, flags: 0, senderID, payload }, sk)));
  }
  return { phone, announce, frames };
}

function rawVerifyRate(frames: Uint8Array[], publicKey: Uint8Array): number {
  const key = ed25519PublicKey(publicKey);
  const pre = frames.map((f) => {
    const d = decodePacket(f);
    return { m: framePreimage(d), s: d.packet.signature! };
  });
  const t0 = performance.now();
  let ok = 0;
  for (const { m, s } of pre) if (cryptoVerify(null, m, key, s)) ok++;
  const dt = performance.now() - t0;
  if (ok !== frames.length) throw new Error('baseline verification failed');
  return (frames.length / dt) * 1000;
}

function pipelineRate(startMs: number, announce: Uint8Array, frames: Uint8Array[]): { rate: number; relayed: number } {
  const clock = new ManualClock(startMs);
  const gw = generateIdentityKeys();
  const engine = new MeshEngine(
    { clock, logger: silentLogger, peerStore: new MemoryPeerStore(), clockState: new ClockState({ synchronized: true, source: 'bench' }), identity: { keys: gw, peerId: peerIdHexFromNoiseKey(gw.noisePublicKey) }, random: mulberry32(1) },
    { nickname: 'bench-gw', relayJitter: false, dedupCapacity: Math.max(10_000, frames.length * 2) },
  );
  engine.start();
  const now = () => clock.now();
  const ingress = new BenchLink('in', now);
  const out1 = new BenchLink('out1', now);
  const out2 = new BenchLink('out2', now);
  for (const l of [ingress, out1, out2]) engine.addLink(l);
  ingress.inject(announce);
  const before = out1.sent;
  const t0 = performance.now();
  for (const f of frames) ingress.inject(f);
  const dt = performance.now() - t0;
  const relayed = out1.sent - before;
  engine.stop();
  if (relayed !== frames.length) throw new Error(`pipeline relayed ${relayed} of ${frames.length}`);
  return { rate: (frames.length / dt) * 1000, relayed };
}

async function startupMs(): Promise<number> {
  const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'meshgate-bench-'));
  const t0 = performance.now();
  const proc = spawn(process.execPath, [cli, 'start', '--state-dir', dir, '--http-host', '127.0.0.1', '--http-port', '0', '--lan-port', '0', '--gateway-port', '0', '--lan-host', '127.0.0.1', '--gateway-host', '127.0.0.1', '--clock-source', 'synced', '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let buf = '';
      proc.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        for (const line of buf.split('\n')) {
          try {
            const j = JSON.parse(line);
            if (j.event === 'ready') resolve(j.httpPort);
          } catch {
            /* partial line */
          }
        }
      });
      proc.on('exit', (c) => reject(new Error(`meshgate exited ${c}`)));
    });
    for (;;) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/api/status`);
        if (r.ok) {
          await r.json();
          break;
        }
      } catch {
        /* not yet */
      }
    }
    return performance.now() - t0;
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

function nodeStartupMs(): number {
  const t0 = performance.now();
  spawnSync(process.execPath, ['-e', '']);
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const cpu = cpus()[0]?.model ?? 'unknown';
  console.log(`machine: ${cpu} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()}/${arch()}`);
  console.log(`node: ${process.version}`);
  console.log(`messages per round: ${MESSAGES}, rounds: ${ROUNDS}`);
  const startMs = Date.now();
  const { phone, announce, frames } = makeFrames(startMs);
  const raw: number[] = [];
  const pipe: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    raw.push(rawVerifyRate(frames, phone.signingPublicKey));
    pipe.push(pipelineRate(startMs, announce, frames).rate);
    console.log(`round ${r + 1}: raw verify ${raw[r].toFixed(0)}/s, relay pipeline ${pipe[r].toFixed(0)}/s, ratio ${(pipe[r] / raw[r]).toFixed(3)}`);
  }
  const rawMed = median(raw);
  const pipeMed = median(pipe);
  const su: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < 3; i++) {
    base.push(nodeStartupMs());
    su.push(await startupMs());
  }
  const suMed = median(su);
  const baseMed = median(base);
  console.log(`start-up until /api/status answers: ${suMed.toFixed(0)} ms (bare node start ${baseMed.toFixed(0)} ms)`);
  console.log(
    JSON.stringify({
      bench: 'relay',
      node: process.version,
      cpu,
      messages: MESSAGES,
      rounds: ROUNDS,
      rawVerifyPerSec: Math.round(rawMed),
      pipelinePerSec: Math.round(pipeMed),
      verifyRatio: Number((pipeMed / rawMed).toFixed(3)),
      startupMs: Math.round(suMed),
      nodeStartupMs: Math.round(baseMed),
      startupX: Number((suMed / baseMed).toFixed(2)),
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
