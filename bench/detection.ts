/**
 * bench/detection — phi accrual vs a fixed timeout on seeded heartbeat traces, and the cost
 * of the detector with 10,000 monitored peers.
 *
 * Traces (mulberry32, fixed seed): the two heartbeat schedules meshgate monitors, each
 * peer with its own conditions — gateway links pinged every 1 s with Gaussian jitter
 * σ ∈ {2, 5, 10, 25} % and ping loss ∈ {0, 1, 5} %, with bursts (1 %: 2–3 pongs held back
 * and delivered together, 5 ms apart); phones announcing every 4–6 s (foreground) or
 * 15–30 s (background, bitchat-spec.md §3) — one long pause per trace (3.5 intervals: lost
 * announces, a GC pause) and a crash at the end (heartbeats stop).
 *
 * Phi: the real PhiAccrualFailureDetector with meshgate's default per-kind parameters
 * (config `detection`: threshold 8, min σ 100 ms; gateways: first estimate 1 s, pause 3 s;
 * phones: 20 s, pause 5 s), driven
 * by a ManualClock. A false suspicion is a heartbeat gap during which φ reached the
 * threshold while the peer was alive (found with the detector's own time-to-threshold);
 * the detection time of a crash is the time from the last heartbeat until φ reaches the
 * threshold.
 *
 * Baseline, same traces, same run: a fixed timeout T (suspect when no heartbeat for T ms)
 * tuned to the same false-suspicion count as phi: the smallest T with no more gaps > T than
 * phi's false suspicions. Reported for one global T (what a fixed-timeout gateway would
 * configure) and, stricter, one T per peer kind. Detection time of the timeout = T.
 *
 * Cost: 10,000 members in a Membership (detector per peer): ns per heartbeat, per phi(),
 * per full check() sweep.
 *
 * Usage: npm run bench:detection [-- --traces 200 --seed 7]
 * Last line: one JSON object with the figures.
 */
import { cpus, totalmem, arch, platform } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ManualClock } from '../src/ports/clock.js';
import { mulberry32 } from '../src/util/prng.js';
import { loadConfig } from '../src/gateway/config.js';
import { Awareness, Membership, PhiAccrualFailureDetector, type PhiAccrualOptions } from '../src/detection/index.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const TRACES = arg('traces', 200);
const SEED = arg('seed', 7);
const PEERS = 10_000;

type Kind = 'gateway' | 'phone';
/** meshgate's defaults (config section `detection`), as the detection module builds them. */
const D = loadConfig({}).detection;
const PARAMS: Record<Kind, PhiAccrualOptions> = {
  gateway: { threshold: D.threshold, maxSampleSize: D.maxSampleSize, minStdDeviationMs: D.minStdDeviationMs, acceptableHeartbeatPauseMs: D.gatewayPauseMs, firstHeartbeatEstimateMs: D.pingIntervalMs },
  phone: { threshold: D.threshold, maxSampleSize: D.maxSampleSize, minStdDeviationMs: D.minStdDeviationMs, acceptableHeartbeatPauseMs: D.phonePauseMs, firstHeartbeatEstimateMs: D.phoneIntervalMs },
};

/**
 * Heartbeat gaps (ms) of one trace; the crash follows the last heartbeat. Each peer has
 * its own conditions, as real peers do: a gateway link's jitter σ is 2, 5, 10 or 25 % of
 * the 1 s interval and it loses 0, 1 or 5 % of pings (a lost ping doubles a gap); a phone
 * announces every 4–6 s (foreground) or 15–30 s (background).
 */
function trace(kind: Kind, rnd: () => number): { gaps: number[]; profile: string } {
  const n = kind === 'gateway' ? 300 : 120;
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const sigma = [0.02, 0.05, 0.1, 0.25][Math.floor(rnd() * 4)];
  const loss = [0, 0.01, 0.05][Math.floor(rnd() * 3)];
  const [lo, hi] = rnd() < 0.5 ? [4_000, 6_000] : [15_000, 30_000];
  const interval = kind === 'gateway' ? 1000 : (lo + hi) / 2;
  const one = () => (kind === 'gateway' ? Math.max(50, 1000 * (1 + sigma * gauss())) * (rnd() < loss ? 2 : 1) : lo + (hi - lo) * rnd());
  const gaps: number[] = [];
  const pauseAt = 20 + Math.floor(rnd() * (n - 40));
  while (gaps.length < n) {
    if (gaps.length === pauseAt) {
      gaps.push(Math.round(interval * 3.5));
    } else if (kind === 'gateway' && rnd() < 0.01) {
      // a burst: 2-3 pongs held back by a congested path, then delivered together
      const k = 2 + Math.floor(rnd() * 2);
      let held = 0;
      for (let j = 0; j < k; j++) held += one();
      gaps.push(Math.round(held - 5 * (k - 1)));
      for (let j = 1; j < k; j++) gaps.push(5);
    } else gaps.push(Math.round(one()));
  }
  return { gaps, profile: kind === 'gateway' ? `sigma ${sigma} loss ${loss}` : `announce ${lo}-${hi} ms` };
}

interface PhiResult {
  falseSuspicions: number;
  detectionMs: number;
}

/** Drive the real detector through one trace. */
function runPhi(kind: Kind, gaps: number[], params: Record<Kind, PhiAccrualOptions> = PARAMS): PhiResult {
  const clock = new ManualClock(1_700_000_000_000);
  const fd = new PhiAccrualFailureDetector(params[kind], clock);
  fd.heartbeat();
  let falseSuspicions = 0;
  for (const g of gaps) {
    if (g >= fd.timeToThresholdMs()) falseSuspicions++;
    clock.advance(g);
    fd.heartbeat();
  }
  // crash: check the crossing with phi() itself at the predicted time (±1 ms)
  const t = fd.timeToThresholdMs();
  clock.advance(Math.floor(t) - 1);
  if (fd.phi() >= fd.threshold) throw new Error('time-to-threshold disagrees with phi');
  clock.advance(2);
  if (fd.phi() < fd.threshold) throw new Error('time-to-threshold disagrees with phi');
  return { falseSuspicions, detectionMs: t };
}

/** Smallest T with at most `allowed` gaps > T. */
function tuneTimeout(gaps: number[], allowed: number): number {
  const sorted = [...gaps].sort((a, b) => b - a);
  return allowed >= sorted.length ? 1 : sorted[allowed];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function compare(params: Record<Kind, PhiAccrualOptions> = PARAMS) {
  const rnd = mulberry32(SEED);
  const kinds: Kind[] = [];
  const traces: number[][] = [];
  for (let i = 0; i < TRACES; i++) {
    const kind: Kind = i % 2 === 0 ? 'gateway' : 'phone';
    kinds.push(kind);
    traces.push(trace(kind, rnd).gaps);
  }
  const phi = traces.map((g, i) => runPhi(kinds[i], g, params));
  const phiFalse = phi.reduce((a, r) => a + r.falseSuspicions, 0);
  const phiDetect = mean(phi.map((r) => r.detectionMs));
  const allGaps = traces.flat();
  const T = tuneTimeout(allGaps, phiFalse);
  const perKind: Record<string, { phiFalse: number; phiDetectMs: number; timeoutMs: number; timeoutFalse: number }> = {};
  let perKindTimeoutDetect = 0;
  for (const k of ['gateway', 'phone'] as Kind[]) {
    const idx = kinds.map((kk, i) => (kk === k ? i : -1)).filter((i) => i >= 0);
    const f = idx.reduce((a, i) => a + phi[i].falseSuspicions, 0);
    const gaps = idx.flatMap((i) => traces[i]);
    const t = tuneTimeout(gaps, f);
    perKind[k] = { phiFalse: f, phiDetectMs: Math.round(mean(idx.map((i) => phi[i].detectionMs))), timeoutMs: t, timeoutFalse: gaps.filter((g) => g > t).length };
    perKindTimeoutDetect += t * idx.length;
  }
  perKindTimeoutDetect /= TRACES;
  return { phiFalse, phiDetect, T, timeoutFalse: allGaps.filter((g) => g > T).length, perKind, perKindTimeoutDetect, heartbeats: allGaps.length };
}

function cost() {
  const clock = new ManualClock(1_700_000_000_000);
  const membership = new Membership(
    { clock, awareness: new Awareness(), onTransition: () => undefined },
    { params: { gateway: PARAMS.gateway, link: PARAMS.gateway, phone: PARAMS.phone }, suspicionMinMs: 2000, suspicionMaxMs: 6000, expectedConfirmations: 3, maxMembers: PEERS },
  );
  const ids = Array.from({ length: PEERS }, (_, i) => i.toString(16).padStart(16, '0'));
  for (const id of ids) membership.heartbeat(id, 'phone');
  const rnd = mulberry32(SEED + 1);
  const order = Array.from({ length: 200_000 }, () => ids[Math.floor(rnd() * PEERS)]);
  // warm-up
  for (let i = 0; i < 20_000; i++) {
    clock.advance(2);
    membership.heartbeat(order[i], 'phone');
  }
  let t0 = performance.now();
  for (const id of order) {
    clock.advance(2);
    membership.heartbeat(id, 'phone');
  }
  const heartbeatNs = ((performance.now() - t0) * 1e6) / order.length;
  const detectors = ids.map((id) => membership.detector(id)!);
  let sink = 0;
  t0 = performance.now();
  for (let r = 0; r < 20; r++) for (const d of detectors) sink += d.phi();
  const phiNs = ((performance.now() - t0) * 1e6) / (20 * PEERS);
  t0 = performance.now();
  for (let r = 0; r < 20; r++) membership.check();
  const sweepMs = (performance.now() - t0) / 20;
  if (!Number.isFinite(sink)) console.log('');
  return { heartbeatNs, phiNs, sweepMs };
}

const cpu = cpus()[0]?.model ?? 'unknown';
console.log(`machine: ${cpu} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()}/${arch()}`);
console.log(`node: ${process.version}`);
const c = compare();
console.log(`traces: ${TRACES} (half gateway links, half phones, each with its own jitter/loss or announce schedule), ${c.heartbeats} heartbeats, seed ${SEED}`);
console.log(`phi (threshold 8): ${c.phiFalse} false suspicions, mean detection ${(c.phiDetect / 1000).toFixed(2)} s`);
console.log(`fixed timeout tuned to ${c.timeoutFalse} false suspicions: T = ${(c.T / 1000).toFixed(2)} s = mean detection`);
for (const [k, v] of Object.entries(c.perKind)) {
  console.log(`  ${k}: phi ${v.phiFalse} false, detection ${(v.phiDetectMs / 1000).toFixed(2)} s | per-kind timeout ${(v.timeoutMs / 1000).toFixed(2)} s with ${v.timeoutFalse} false`);
}
const sooner = 1 - c.phiDetect / c.T;
const soonerPerKind = 1 - c.phiDetect / c.perKindTimeoutDetect;
console.log(`phi detects ${(sooner * 100).toFixed(1)} % sooner than one fixed timeout, ${(soonerPerKind * 100).toFixed(1)} % sooner than per-kind timeouts (goal >= 30 %)`);
// the operating curve: phi without Akka's acceptable pause (Hayashibara's adaptive form) at several thresholds
const sweep: Array<{ threshold: number; phiFalse: number; phiDetectionMs: number; fixedTimeoutMs: number; soonerRatio: number; soonerPerKindRatio: number }> = [];
for (const threshold of [2, 4, 8, 12, 16]) {
  const p = (k: Kind): PhiAccrualOptions => ({ ...PARAMS[k], threshold, acceptableHeartbeatPauseMs: 0 });
  const r = compare({ gateway: p('gateway'), phone: p('phone') });
  const row = { threshold, phiFalse: r.phiFalse, phiDetectionMs: Math.round(r.phiDetect), fixedTimeoutMs: r.T, soonerRatio: Number((1 - r.phiDetect / r.T).toFixed(3)), soonerPerKindRatio: Number((1 - r.phiDetect / r.perKindTimeoutDetect).toFixed(3)) };
  sweep.push(row);
  console.log(`  adaptive phi (pause 0) threshold ${threshold}: ${r.phiFalse} false, detection ${(r.phiDetect / 1000).toFixed(2)} s | fixed ${(r.T / 1000).toFixed(2)} s (${(row.soonerRatio * 100).toFixed(1)} % sooner) | per-kind timeouts ${(r.perKindTimeoutDetect / 1000).toFixed(2)} s (${(row.soonerPerKindRatio * 100).toFixed(1)} % sooner)`);
}
const k = cost();
console.log(`cost with ${PEERS} monitored peers: heartbeat ${k.heartbeatNs.toFixed(0)} ns, phi() ${k.phiNs.toFixed(0)} ns, full check() sweep ${k.sweepMs.toFixed(2)} ms`);
console.log(
  JSON.stringify({
    bench: 'detection',
    machine: cpu,
    cores: cpus().length,
    node: process.version,
    traces: TRACES,
    seed: SEED,
    phiFalseSuspicions: c.phiFalse,
    timeoutFalseSuspicions: c.timeoutFalse,
    phiDetectionMs: Math.round(c.phiDetect),
    fixedTimeoutMs: c.T,
    perKindTimeoutDetectionMs: Math.round(c.perKindTimeoutDetect),
    soonerRatio: Number(sooner.toFixed(3)),
    soonerPerKindRatio: Number(soonerPerKind.toFixed(3)),
    perKind: c.perKind,
    adaptiveSweep: sweep,
    heartbeatNs: Math.round(k.heartbeatNs),
    phiNs: Math.round(k.phiNs),
    checkSweepMs: Number(k.sweepMs.toFixed(3)),
  }),
);
