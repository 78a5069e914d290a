/**
 * eval/routing — the routing evaluation (issue 4): every algorithm against bitchat's
 * flooding on 50 and 200 nodes, static and pedestrian, and a void topology, over ≥ 10
 * seeds in virtual time (src/routing/sim). Prints, per scenario and algorithm: delivery
 * ratio, latency p50/p99 (ms), overhead ratio (transmissions per delivered packet, control
 * included) and hop stretch against the oracle shortest path, each with a 95 % confidence
 * interval over seeds; then the goals and whether they are met.
 *
 * Usage: npm run eval:routing [-- --seeds 10 --scenario static-50]
 * Last line: one JSON object with the figures.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { runScenario, SCENARIOS, SIM_ALGORITHMS, meanCi95, percentile, type SimAlgorithm } from '../src/routing/sim/index.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

const seeds = Math.max(2, Number(arg('seeds', '10')));
const only = arg('scenario', '');
const t0 = performance.now();
console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores), node ${process.version}; ${seeds} seeds per cell`);

interface Cell {
  delivery: { mean: number; ci: number };
  p50: { mean: number; ci: number };
  p99: number;
  overhead: { mean: number; ci: number };
  stretch: { mean: number; ci: number };
}
const results: Record<string, Record<string, Cell>> = {};
const fmt = (c: { mean: number; ci: number }, digits: number) => `${c.mean.toFixed(digits)} ±${c.ci.toFixed(digits)}`;

for (const sc of SCENARIOS.filter((s) => !only || s.name === only)) {
  results[sc.name] = {};
  console.log(`\n${sc.name}: ${sc.nodes} nodes, ${sc.width}x${sc.height} m, ${sc.mobility}${sc.voids ? `, void ${JSON.stringify(sc.voids)}` : ''}, ${sc.flows} flows x ${sc.rate} pkt/s x ${sc.durationS} s, TTL ${sc.ttl}`);
  console.log(`${'algorithm'.padEnd(10)} ${'delivery'.padEnd(18)} ${'p50 ms'.padEnd(16)} ${'p99 ms'.padEnd(8)} ${'overhead tx/pkt'.padEnd(20)} stretch`);
  for (const a of SIM_ALGORITHMS) {
    const del: number[] = [];
    const p50s: number[] = [];
    const lat: number[] = [];
    const ovh: number[] = [];
    const str: number[] = [];
    for (let seed = 1; seed <= seeds; seed++) {
      const r = runScenario(sc, a, seed);
      if (r.deliverable === 0) continue;
      del.push(r.delivered / r.deliverable);
      p50s.push(percentile(r.latencies, 0.5));
      lat.push(...r.latencies);
      ovh.push(r.delivered > 0 ? (r.dataTx + r.controlTx) / r.delivered : NaN);
      str.push(r.stretch.length ? r.stretch.reduce((x, y) => x + y, 0) / r.stretch.length : NaN);
    }
    const cell: Cell = { delivery: meanCi95(del), p50: meanCi95(p50s), p99: percentile(lat, 0.99), overhead: meanCi95(ovh), stretch: meanCi95(str) };
    results[sc.name][a] = cell;
    console.log(`${a.padEnd(10)} ${fmt(cell.delivery, 4).padEnd(18)} ${fmt(cell.p50, 1).padEnd(16)} ${cell.p99.toFixed(0).padEnd(8)} ${fmt(cell.overhead, 1).padEnd(20)} ${fmt(cell.stretch, 3)}`);
  }
}

const get = (s: string, a: SimAlgorithm) => results[s]?.[a];
const goals: Record<string, { value: number; goal: string; met: boolean }> = {};
for (const s of ['static-50', 'static-200']) {
  const c = get(s, 'hybrid');
  if (!c) continue;
  goals[`${s} hybrid delivery`] = { value: c.delivery.mean, goal: '>= 0.995', met: c.delivery.mean >= 0.995 };
  goals[`${s} hybrid stretch`] = { value: c.stretch.mean, goal: '<= 1.05', met: c.stretch.mean <= 1.05 };
}
for (const s of ['pedestrian-50', 'pedestrian-200']) {
  const c = get(s, 'hybrid');
  if (c) goals[`${s} hybrid delivery`] = { value: c.delivery.mean, goal: '>= 0.95', met: c.delivery.mean >= 0.95 };
}
for (const s of Object.keys(results)) {
  const f = get(s, 'flood');
  const h = get(s, 'hybrid');
  if (f && h) goals[`${s} flooding/hybrid overhead`] = { value: f.overhead.mean / h.overhead.mean, goal: '>= 5', met: f.overhead.mean / h.overhead.mean >= 5 };
}
const v = results['void-150'];
if (v) goals['void-150 gpsr - greedy delivery'] = { value: v.gpsr.delivery.mean - v.greedy.delivery.mean, goal: '> 0', met: v.gpsr.delivery.mean > v.greedy.delivery.mean };
console.log('\ngoals:');
for (const [k, g] of Object.entries(goals)) console.log(`  ${g.met ? 'met ' : 'MISS'} ${k}: ${g.value.toFixed(4)} (goal ${g.goal})`);
const seconds = (performance.now() - t0) / 1000;
console.log(`\nran in ${seconds.toFixed(1)} s`);
const summary: Record<string, number | string | boolean> = { bench: 'eval-routing', seeds, seconds: Math.round(seconds * 10) / 10, goalsMet: Object.values(goals).every((g) => g.met) };
for (const [s, row] of Object.entries(results)) {
  for (const [a, c] of Object.entries(row)) {
    summary[`${s}.${a}.delivery`] = Math.round(c.delivery.mean * 10_000) / 10_000;
    summary[`${s}.${a}.overhead`] = Math.round(c.overhead.mean * 10) / 10;
    summary[`${s}.${a}.stretch`] = Math.round(c.stretch.mean * 1000) / 1000;
  }
  if (row.flood && row.hybrid) summary[`${s}.floodOverheadX`] = Math.round((row.flood.overhead.mean / row.hybrid.overhead.mean) * 10) / 10;
}
console.log(JSON.stringify(summary));
