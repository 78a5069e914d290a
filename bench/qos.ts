/**
 * bench/qos — scheduler cost per message (enqueue + dequeue) at 2x load with 1,000 flows:
 * the real QosScheduler (classes, DRR, CoDel, fattest-flow heap, token bucket) on a
 * ManualClock, against the baseline of a plain FIFO array with tail drop (push + shift)
 * on the same unit sequence in the same run.
 *
 * Usage: npm run bench:qos [-- --messages 400000]. Last line: one JSON object.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ManualClock } from '../src/ports/clock.js';
import { QosScheduler, type QosClass } from '../src/qos/index.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const MESSAGES = arg('messages', 400_000);
const FLOWS = 1_000;
const RATE = 1_000_000; // bytes/s
const SIZES = [64, 120, 244, 512, 1024];

// one deterministic unit sequence (LCG), offered at 2x the rate
let seed = 12345;
const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const units = Array.from({ length: MESSAGES }, () => {
  const r = rnd();
  const cls: QosClass = r < 0.02 ? 0 : r < 0.1 ? 1 : 2;
  return { cls, flowKey: `f${Math.floor(rnd() * FLOWS)}`, bytes: SIZES[Math.floor(rnd() * SIZES.length)], aqm: true };
});
const meanBytes = units.reduce((a, u) => a + u.bytes, 0) / units.length;
const gapMs = (meanBytes * 1000) / (2 * RATE);

function runQos(): { ns: number; sent: number; dropped: number } {
  const clock = new ManualClock(0);
  let dropped = 0;
  const s = new QosScheduler<number>({ clock, onDrop: () => void dropped++ }, { rateBytesPerSec: RATE, burstBytes: 4096, mtuBytes: 1024, queueBytes: 262_144 });
  let sent = 0;
  const t0 = performance.now();
  for (let i = 0; i < units.length; i++) {
    s.enqueue(i, units[i]);
    clock.advance(gapMs);
    while (s.dequeue() !== undefined) sent++;
  }
  return { ns: ((performance.now() - t0) * 1e6) / units.length, sent, dropped };
}

function runFifo(): { ns: number; sent: number; dropped: number } {
  let tokens = 4096;
  let bytes = 0;
  let dropped = 0;
  let sent = 0;
  const q: { i: number; bytes: number }[] = [];
  let head = 0;
  const t0 = performance.now();
  for (let i = 0; i < units.length; i++) {
    const u = units[i];
    if (bytes + u.bytes > 262_144) dropped++;
    else {
      q.push({ i, bytes: u.bytes });
      bytes += u.bytes;
    }
    tokens = Math.min(4096, tokens + (RATE * gapMs) / 1000);
    while (head < q.length && tokens >= q[head].bytes) {
      tokens -= q[head].bytes;
      bytes -= q[head].bytes;
      head++;
      sent++;
    }
    if (head > 4096) {
      q.splice(0, head);
      head = 0;
    }
  }
  return { ns: ((performance.now() - t0) * 1e6) / units.length, sent, dropped };
}

runQos();
runFifo(); // warm-up
const qs: number[] = [];
const fs: number[] = [];
let last = { qos: runQos(), fifo: runFifo() };
for (let r = 0; r < 3; r++) {
  last = { qos: runQos(), fifo: runFifo() };
  qs.push(last.qos.ns);
  fs.push(last.fifo.ns);
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores), node ${process.version}`);
console.log(`${MESSAGES} messages, ${FLOWS} flows, offered 2x ${RATE} B/s; qos sent ${last.qos.sent} dropped ${last.qos.dropped}; fifo sent ${last.fifo.sent} dropped ${last.fifo.dropped}`);
console.log(`qos scheduler: ${med(qs).toFixed(0)} ns per message (enqueue + dequeue); fifo tail-drop baseline: ${med(fs).toFixed(0)} ns`);
console.log(JSON.stringify({ bench: 'qos', messages: MESSAGES, flows: FLOWS, load: 2, qosNsPerMessage: Math.round(med(qs)), fifoNsPerMessage: Math.round(med(fs)), costVsFifoX: Math.round((med(qs) / med(fs)) * 100) / 100, qosMessagesPerSec: Math.round(1e9 / med(qs)), node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length }));
