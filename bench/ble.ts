/**
 * bench/ble — how fast the BLE peripheral adapter emits notifications, and what a
 * connected central costs in memory.
 *
 * Pipeline: 8 fake centrals (ATT MTU 517, subscribed) on the real bleno `Bleno` class with
 * the test's fake bindings (test/links/ble/fake-bleno-bindings.ts), driven through the real
 * BlePeripheralAdapter and BleLink: `link.send(frame)` of 500-byte bitchat packets
 * (one notification each), FIFO, one operation in flight, per-turn budget, bleno's
 * subscription callback, the fake GATT server's MTU truncation. Baseline, same run, same
 * frames, same batching: calling the fake binding's notification callback (what bleno's
 * `updateValueCallback` is) directly — the raw call rate. overheadRatio = pipeline / raw.
 *
 * Memory: heap + external bytes per connected, subscribed central (BleLink, adapter and
 * bleno state, the fake binding's connection object), measured over 256 centrals with GC.
 *
 * Usage: npm run bench:ble [-- --rounds 5 --batches 400]
 * Last line: one JSON object with the figures.
 */
import { cpus, arch, platform } from 'node:os';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { SystemClock } from '../src/gateway/system-clock.js';
import { silentLogger } from '../src/ports/logger.js';
import { BlePeripheralAdapter, type BleLink } from '../src/links/ble/index.js';
import { encodePacket } from '../src/protocol/codec.js';
import { MessageType } from '../src/protocol/packet.js';
import { blenoWith, FakeBlenoBindings } from '../test/links/ble/fake-bleno-bindings.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const ROUNDS = arg('rounds', 5);
const BATCHES = arg('batches', 400);
const CENTRALS = 8;
const FRAME_BYTES = 500;
const PER_TURN = 64;
const MEMORY_CENTRALS = 256;

const turn = () => new Promise<void>((r) => setImmediate(r));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A 500-byte bitchat message packet (v1, all-FF recipient, incompressible payload). */
function frame500(seq: number): Uint8Array {
  const head = 14 + 8 + 8;
  const payload = randomBytes(FRAME_BYTES - head);
  payload.writeUInt32BE(seq, 0);
  const f = encodePacket(
    { version: 1, type: MessageType.MESSAGE, ttl: 7, timestamp: Date.now(), flags: 0, senderID: randomBytes(8), recipientID: new Uint8Array(8).fill(0xff), payload },
    { compress: false },
  );
  if (f.length !== FRAME_BYTES) throw new Error(`frame is ${f.length} bytes`);
  return f;
}

async function setup(centrals: number) {
  const radio = new FakeBlenoBindings();
  radio.countOnly = true;
  radio.syncDelivery = true;
  const adapter = new BlePeripheralAdapter({ openBleno: () => blenoWith(radio), clock: new SystemClock(), logger: silentLogger }, { peerId: '0123456789abcdef', maxCentrals: centrals });
  const links: BleLink[] = [];
  adapter.on('link', (l) => links.push(l as BleLink));
  await adapter.start();
  while (!radio.advertising) await turn();
  for (let i = 0; i < centrals; i++) {
    const c = radio.connect(`c0:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`);
    c.exchangeMtu(517);
    c.subscribe();
    while (!radio.advertising && i < centrals - 1) await turn();
  }
  return { radio, adapter, links };
}

async function pipelineRound(links: BleLink[], frames: Uint8Array[], radio: FakeBlenoBindings): Promise<number> {
  const before = radio.rawNotifyCalls;
  const t0 = performance.now();
  for (let b = 0; b < BATCHES; b++) {
    for (const link of links) for (let i = 0; i < PER_TURN; i++) link.send(frames[i]);
    await turn();
  }
  while (links.some((l) => l.queued > 0)) await turn();
  const dt = (performance.now() - t0) / 1000;
  const n = radio.rawNotifyCalls - before;
  if (n !== BATCHES * PER_TURN * links.length) throw new Error(`expected ${BATCHES * PER_TURN * links.length} notifications, got ${n}`);
  return n / dt;
}

/** The baseline: the fake binding's notification callback called directly, same values, same turns. */
async function rawRound(callbacks: Array<(b: Buffer) => void>, buffers: Buffer[], radio: FakeBlenoBindings): Promise<number> {
  const before = radio.rawNotifyCalls;
  const t0 = performance.now();
  for (let b = 0; b < BATCHES; b++) {
    for (const cb of callbacks) for (let i = 0; i < PER_TURN; i++) cb(buffers[i]);
    await turn();
  }
  const dt = (performance.now() - t0) / 1000;
  return (radio.rawNotifyCalls - before) / dt;
}

async function memoryPerCentral(): Promise<number | null> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.external;
  };
  const radio = new FakeBlenoBindings();
  const adapter = new BlePeripheralAdapter({ openBleno: () => blenoWith(radio), clock: new SystemClock(), logger: silentLogger }, { peerId: '0123456789abcdef', maxCentrals: MEMORY_CENTRALS + 1 });
  await adapter.start();
  while (!radio.advertising) await turn();
  gc();
  gc();
  const before = used();
  for (let i = 0; i < MEMORY_CENTRALS; i++) {
    const c = radio.connect(`d0:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`);
    c.exchangeMtu(517);
    c.subscribe();
  }
  gc();
  gc();
  const after = used();
  if (adapter.openLinks().length !== MEMORY_CENTRALS) throw new Error('not all centrals connected');
  await adapter.stop();
  return (after - before) / MEMORY_CENTRALS;
}

async function main(): Promise<void> {
  const cpu = { model: cpus()[0]?.model ?? 'unknown', cores: cpus().length, arch: arch(), platform: platform() };
  console.log(`machine: ${cpu.model}, ${cpu.cores} cores, ${cpu.platform}/${cpu.arch}; node ${process.version}`);
  const { radio, adapter, links } = await setup(CENTRALS);
  const frames = Array.from({ length: PER_TURN }, (_, i) => frame500(i));
  const buffers = frames.map((f) => Buffer.from(f));
  // the fake binding's notification callbacks (bleno's updateValueCallback), captured by re-subscribing each central once
  const callbacks: Array<(b: Buffer) => void> = [];
  for (const c of radio.centrals.values()) {
    const probe = radio.characteristic();
    let cb: ((b: Buffer) => void) | undefined;
    const orig = probe.emit.bind(probe);
    (probe as { emit: (...a: unknown[]) => boolean }).emit = (event: unknown, ...args: unknown[]) => {
      if (event === 'subscribe') {
        cb = args[2] as (b: Buffer) => void;
        return true;
      }
      return orig(event as string, ...args);
    };
    c.subscribe(); // re-subscribe only to capture the binding's callback for the raw baseline
    (probe as { emit: unknown }).emit = orig;
    if (!cb) throw new Error('no callback captured');
    callbacks.push(cb);
  }
  // warm-up
  await pipelineRound(links, frames, radio);
  await rawRound(callbacks, buffers, radio);
  const pipe: number[] = [];
  const raw: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    raw.push(await rawRound(callbacks, buffers, radio));
    pipe.push(await pipelineRound(links, frames, radio));
  }
  await adapter.stop();
  const pipeMed = median(pipe);
  const rawMed = median(raw);
  const mem = await memoryPerCentral();
  console.log(`notifications to ${CENTRALS} centrals, ${FRAME_BYTES}-byte frames: adapter ${Math.round(pipeMed)}/s, raw binding calls ${Math.round(rawMed)}/s`);
  console.log(mem === null ? 'memory per central: run with --expose-gc (npm run bench:ble does)' : `memory per connected central: ${Math.round(mem)} bytes`);
  console.log(
    JSON.stringify({
      bench: 'ble',
      node: process.version,
      cpu,
      centrals: CENTRALS,
      frameBytes: FRAME_BYTES,
      rounds: ROUNDS,
      notificationsPerRound: BATCHES * PER_TURN * CENTRALS,
      notifyPerSec: Math.round(pipeMed),
      rawNotifyPerSec: Math.round(rawMed),
      overheadRatio: Number((pipeMed / rawMed).toFixed(3)),
      bytesPerCentral: mem === null ? null : Math.round(mem),
      memoryCentrals: MEMORY_CENTRALS,
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
