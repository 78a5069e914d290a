/**
 * eval/qos — the scenario in virtual time, driving the real LinkShaper/QosScheduler:
 * a 250 kbit/s link (31,250 bytes/s), control 64 B at 1/s, realtime 120 B at 20/s, four
 * bulk flows (244, 244, 512, 1024 B) offering together 2× the link rate, 60 s. Then a
 * capacity step 250 → 100 → 250 kbit/s (10 s each side) with AIMD on.
 *
 * Goals (PASS/FAIL): control and realtime p99 ≤ idle p99 + one maximum-unit serialisation
 * time + 5 ms; Jain's index over bulk flows ≥ 0.99; utilisation ≥ 95 %; zero rate-envelope
 * violations; after each capacity step the driver sojourn is back under target within 5
 * CoDel intervals. Baseline from the same traffic: one FIFO with tail drop at the same
 * byte limit behind the same token bucket.
 *
 * Usage: npm run eval:qos. Last line: one JSON object.
 */
import { cpus } from 'node:os';
import { ManualClock } from '../src/ports/clock.js';
import { LinkShaper } from '../src/qos/link-shaper.js';
import { TokenBucket } from '../src/qos/token-bucket.js';
import { SimWire, periodic, quantile, jain, envelopeViolations, type SimUnit } from './qos-sim.js';
import { BaseLink } from '../src/links/base-link.js';
import { QosLink } from '../src/gateway/modules/qos-link.js';
import { classifyFrame } from '../src/qos/classes.js';
import { fragmentForLink } from '../src/links/ble/ble-fragmenter.js';
import { encodePacket } from '../src/protocol/codec.js';
import { MessageType } from '../src/protocol/packet.js';

const RATE = 250_000 / 8; // bytes/s
const MTU = 1024; // largest unit in the scenario
const BURST = MTU;
const QUEUE_BYTES = 262_144;
const MAIN_MS = 60_000;
const BULK_SIZES = [244, 244, 512, 1024];

interface Scenario {
  bulk: boolean;
  baseline: boolean;
  step: boolean;
}

function run(sc: Scenario) {
  const clock = new ManualClock(0);
  const wire = new SimWire(clock, RATE);
  const end = sc.step ? MAIN_MS + 25_000 : MAIN_MS;
  let enqueue: (u: SimUnit) => void;
  let shaper: LinkShaper<SimUnit> | undefined;
  let dropsByClass = [0, 0, 0];
  if (!sc.baseline) {
    shaper = new LinkShaper<SimUnit>(
      { clock, transmit: (u) => wire.push(u), driverQueueBytes: () => wire.queueBytes, onDrop: (_u, cls) => void dropsByClass[cls]++ },
      { rateBytesPerSec: RATE, burstBytes: BURST, mtuBytes: MTU, queueBytes: QUEUE_BYTES, aimd: sc.step },
    );
    const s = shaper;
    enqueue = (u) => s.enqueue(u, { cls: u.cls, flowKey: u.flow, bytes: u.bytes, aqm: true });
  } else {
    // FIFO tail drop behind the same token bucket and driver limit
    const bucket = new TokenBucket({ rateBytesPerSec: RATE, burstBytes: BURST, now: 0 });
    const q: SimUnit[] = [];
    let qb = 0;
    let armed = false;
    const pump = () => {
      armed = false;
      while (q.length > 0) {
        if (wire.queueBytes >= Math.max(MTU, RATE * 0.049)) {
          armed = true;
          clock.setTimer(pump, 5);
          return;
        }
        const u = q[0];
        const w = bucket.waitMs(u.bytes, clock.now());
        if (w > 0) {
          armed = true;
          clock.setTimer(pump, w);
          return;
        }
        bucket.tryTake(u.bytes, clock.now());
        q.shift();
        qb -= u.bytes;
        wire.push(u);
      }
    };
    enqueue = (u) => {
      if (qb + u.bytes > QUEUE_BYTES) {
        dropsByClass[u.cls]++;
        return;
      }
      q.push(u);
      qb += u.bytes;
      if (!armed) pump();
    };
  }
  const mk = (cls: 0 | 1 | 2, flow: string, bytes: number) => () => enqueue({ cls, flow, bytes, createdAt: clock.now() });
  periodic(clock, 3, 1000, end, mk(0, 'ctl', 64));
  periodic(clock, 7, 50, end, mk(1, 'chat', 120));
  if (sc.bulk) {
    const perFlow = (2 * RATE) / BULK_SIZES.length; // bytes/s offered per bulk flow
    BULK_SIZES.forEach((size, i) => periodic(clock, 11 + i, (size * 1000) / perFlow, end, mk(2, `bulk${i}`, size)));
  }
  // capacity step and driver-sojourn samples (every 10 ms)
  const samples: { t: number; sojourn: number; target: number; interval: number }[] = [];
  if (sc.step && shaper) {
    const s = shaper;
    clock.setTimer(() => (wire.capacity = 100_000 / 8), MAIN_MS);
    clock.setTimer(() => (wire.capacity = RATE), MAIN_MS + 10_000);
    periodic(clock, MAIN_MS - 1_000, 10, end, () => samples.push({ t: clock.now(), sojourn: s.driverSojournMs(), target: s.scheduler.codelParams.targetMs, interval: s.scheduler.codelParams.intervalMs }));
  }
  clock.advance(end + 5_000);
  shaper?.stop();
  return { wire, samples, dropsByClass, shaper };
}

function latencies(wire: SimWire, cls: number, until: number): number[] {
  return wire.deliveries.filter((d) => d.unit.cls === cls && d.unit.createdAt < until).map((d) => d.at - d.unit.createdAt);
}

function summarise(wire: SimWire) {
  const inMain = wire.deliveries.filter((d) => d.at <= MAIN_MS);
  const bulkBytes = BULK_SIZES.map((_, i) => inMain.filter((d) => d.unit.flow === `bulk${i}`).reduce((a, d) => a + d.unit.bytes, 0));
  const delivered = inMain.reduce((a, d) => a + d.unit.bytes, 0);
  return {
    controlP99Ms: quantile(latencies(wire, 0, MAIN_MS), 0.99),
    realtimeP99Ms: quantile(latencies(wire, 1, MAIN_MS), 0.99),
    jain: jain(bulkBytes),
    bulkBytesPerSec: bulkBytes.map((b) => Math.round(b / (MAIN_MS / 1000))),
    utilisation: delivered / ((RATE * MAIN_MS) / 1000),
    envelopeViolations: envelopeViolations(wire.handoffs.filter((h) => h.t <= MAIN_MS), RATE, BURST),
  };
}

/** Intervals from `stepAt` until the driver sojourn is under target and stays there for one whole interval. */
function recoveryIntervals(samples: { t: number; sojourn: number; target: number; interval: number }[], stepAt: number, until: number): number {
  const xs = samples.filter((s) => s.t >= stepAt && s.t < until);
  for (let i = 0; i < xs.length; i++) {
    if (xs[i].sojourn > xs[i].target) continue;
    const endT = xs[i].t + xs[i].interval;
    let ok = true;
    for (let j = i; j < xs.length && xs[j].t <= endT; j++) if (xs[j].sojourn > xs[j].target) ok = false;
    if (ok) return (xs[i].t - stepAt) / xs[i].interval;
  }
  return Number.POSITIVE_INFINITY;
}


/** The BLE link the BLE variant sends on: whole GATT values into the simulated wire. */
class SimBleLink extends BaseLink {
  constructor(
    private readonly wire: SimWire,
    private readonly created: WeakMap<Uint8Array, number>,
    clock: ManualClock,
  ) {
    super({ id: 'ble#sim', kind: 'ble-peripheral', maxFrameBytes: BLE_VALUE_BYTES, now: () => clock.now() });
  }
  protected transmit(frame: Uint8Array): boolean {
    const type = frame[1];
    const cls = type === MessageType.PING ? 0 : type === MessageType.MESSAGE ? 1 : 2;
    return this.wire.push({ cls, flow: `s${frame[21]}`, bytes: frame.length, createdAt: this.created.get(frame) ?? -1 });
  }
  protected async teardown(): Promise<void> {}
  override driverQueueBytes(): number {
    return this.wire.queueBytes;
  }
}

/** Largest GATT value in the BLE variant: ATT MTU 515 − 3 (bitchat fragments above 512). */
const BLE_VALUE_BYTES = 512;

/**
 * The same scenario as real bitchat frames through the module's QosLink on a BLE link:
 * header classification, 1,024-byte file transfers split into protocol fragments (each an
 * MTU-sized unit), shaping, CoDel, DRR; max unit 512 bytes.
 */
function runBle(withBulk: boolean) {
  const clock = new ManualClock(1_700_000_000_000);
  const start = clock.now();
  const wire = new SimWire(clock, RATE);
  const created = new WeakMap<Uint8Array, number>();
  const inner = new SimBleLink(wire, created, clock);
  let fragIds = 0;
  const link = new QosLink(
    inner,
    {
      clock,
      classify: (f) => classifyFrame(f, () => 'paired'),
      fragment: (f, limit) => {
        const id = new Uint8Array(8);
        new DataView(id.buffer).setUint32(4, ++fragIds);
        return fragmentForLink(f, { frameLimit: limit, fragmentId: id });
      },
    },
    { id: 'ble#sim', rateBytesPerSec: RATE, burstBytes: BLE_VALUE_BYTES, mtuBytes: BLE_VALUE_BYTES, queueBytes: QUEUE_BYTES, aimd: false },
  );
  let seed = 7;
  const noise = (n: number) => Uint8Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
  const packet = (type: number, sender: number, size: number) => {
    const senderID = new Uint8Array(8);
    senderID[7] = sender;
    const f = encodePacket({ version: 1, type, ttl: 7, timestamp: clock.now(), flags: 0, senderID, payload: noise(size - 22) });
    created.set(f, clock.now());
    link.send(f);
  };
  const end = start + MAIN_MS;
  periodic(clock, start + 3, 1000, end, () => packet(MessageType.PING, 200, 64));
  periodic(clock, start + 7, 50, end, () => packet(MessageType.MESSAGE, 201, 120));
  if (withBulk) {
    const perFlow = (2 * RATE) / BULK_SIZES.length;
    BULK_SIZES.forEach((size, i) => periodic(clock, start + 11 + i, (size * 1000) / perFlow, end, () => packet(MessageType.FILE_TRANSFER, 100 + i, size)));
  }
  clock.advance(MAIN_MS + 5_000);
  link.shaper.stop();
  const inMain = wire.deliveries.filter((d) => d.at <= end);
  const lat = (cls: number) => inMain.filter((d) => d.unit.cls === cls && d.unit.createdAt >= 0).map((d) => d.at - d.unit.createdAt);
  const bulkBytes = BULK_SIZES.map((_, i) => inMain.filter((d) => d.unit.flow === `s${100 + i}`).reduce((a, d) => a + d.unit.bytes, 0));
  return {
    controlP99Ms: quantile(lat(0), 0.99),
    realtimeP99Ms: quantile(lat(1), 0.99),
    jain: jain(bulkBytes),
    utilisation: inMain.reduce((a, d) => a + d.unit.bytes, 0) / ((RATE * MAIN_MS) / 1000),
    envelopeViolations: envelopeViolations(wire.handoffs.filter((h) => h.t <= end), RATE, BLE_VALUE_BYTES),
    maxUnitBytes: Math.max(...wire.handoffs.map((h) => h.bytes)),
    bulkBytesPerSec: bulkBytes.map((b) => Math.round(b / (MAIN_MS / 1000))),
    fragments: inMain.filter((d) => d.unit.cls === 2 && d.unit.bytes !== 244 && d.unit.bytes !== 512).length,
  };
}

const t0 = performance.now();
const idle = summarise(run({ bulk: false, baseline: false, step: false }).wire);
const loadedRun = run({ bulk: true, baseline: false, step: false });
const loaded = summarise(loadedRun.wire);
const fifo = summarise(run({ bulk: true, baseline: true, step: false }).wire);
const stepRun = run({ bulk: true, baseline: false, step: true });
const downSteps = recoveryIntervals(stepRun.samples, MAIN_MS, MAIN_MS + 10_000);
const upSteps = recoveryIntervals(stepRun.samples, MAIN_MS + 10_000, MAIN_MS + 25_000);
const stepRate = stepRun.shaper?.snapshot();
const unitMs = (MTU * 1000) / RATE;
const goals = [
  { goal: 'control p99 <= idle p99 + max-unit serialisation + 5 ms', value: loaded.controlP99Ms, limit: idle.controlP99Ms + unitMs + 5, pass: loaded.controlP99Ms <= idle.controlP99Ms + unitMs + 5 },
  { goal: 'realtime p99 <= idle p99 + max-unit serialisation + 5 ms', value: loaded.realtimeP99Ms, limit: idle.realtimeP99Ms + unitMs + 5, pass: loaded.realtimeP99Ms <= idle.realtimeP99Ms + unitMs + 5 },
  { goal: "Jain's index over bulk flows >= 0.99", value: loaded.jain, limit: 0.99, pass: loaded.jain >= 0.99 },
  { goal: 'utilisation >= 95 %', value: loaded.utilisation, limit: 0.95, pass: loaded.utilisation >= 0.95 },
  { goal: 'zero rate-envelope violations (bytes in T <= rate*T + burst)', value: loaded.envelopeViolations, limit: 0, pass: loaded.envelopeViolations === 0 },
  { goal: 'after 250 -> 100 kbit/s: driver sojourn under target within 5 intervals', value: downSteps, limit: 5, pass: downSteps <= 5 },
  { goal: 'after 100 -> 250 kbit/s: driver sojourn under target within 5 intervals', value: upSteps, limit: 5, pass: upSteps <= 5 },
];
// the same scenario on a BLE link, real frames through QosLink (MTU-sized fragment units)
const bleIdle = runBle(false);
const ble = runBle(true);
const bleUnitMs = (BLE_VALUE_BYTES * 1000) / RATE;
goals.push(
  { goal: 'BLE units: control p99 <= idle p99 + max-unit (512 B) serialisation + 5 ms', value: ble.controlP99Ms, limit: bleIdle.controlP99Ms + bleUnitMs + 5, pass: ble.controlP99Ms <= bleIdle.controlP99Ms + bleUnitMs + 5 },
  { goal: 'BLE units: realtime p99 <= idle p99 + max-unit (512 B) serialisation + 5 ms', value: ble.realtimeP99Ms, limit: bleIdle.realtimeP99Ms + bleUnitMs + 5, pass: ble.realtimeP99Ms <= bleIdle.realtimeP99Ms + bleUnitMs + 5 },
  { goal: "BLE units: Jain's index over bulk flows >= 0.99", value: ble.jain, limit: 0.99, pass: ble.jain >= 0.99 },
  { goal: 'BLE units: utilisation >= 95 %', value: ble.utilisation, limit: 0.95, pass: ble.utilisation >= 0.95 },
  { goal: 'BLE units: zero rate-envelope violations', value: ble.envelopeViolations, limit: 0, pass: ble.envelopeViolations === 0 },
);
const r2 = (x: number) => Math.round(x * 10_000) / 10_000;
console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores), node ${process.version}`);
console.log(`scenario: ${RATE} B/s link, burst ${BURST} B, max unit ${MTU} B (${r2(unitMs)} ms), ${MAIN_MS / 1000} s; bulk flows ${BULK_SIZES.join('/')} B at 2x the link rate`);
for (const g of goals) console.log(`${g.pass ? 'PASS' : 'FAIL'}  ${g.goal}: ${r2(g.value)} (limit ${r2(g.limit)})`);
console.log(`idle:        control p99 ${r2(idle.controlP99Ms)} ms, realtime p99 ${r2(idle.realtimeP99Ms)} ms`);
console.log(`qos:         control p99 ${r2(loaded.controlP99Ms)} ms, realtime p99 ${r2(loaded.realtimeP99Ms)} ms, Jain ${r2(loaded.jain)}, utilisation ${r2(loaded.utilisation)}, bulk B/s ${loaded.bulkBytesPerSec.join('/')}, drops by class ${loadedRun.dropsByClass.join('/')}`);
console.log(`fifo (tail): control p99 ${r2(fifo.controlP99Ms)} ms, realtime p99 ${r2(fifo.realtimeP99Ms)} ms, Jain ${r2(fifo.jain)}, utilisation ${r2(fifo.utilisation)}, bulk B/s ${fifo.bulkBytesPerSec.join('/')}`);
console.log(`ble units:   control p99 ${r2(ble.controlP99Ms)} ms (idle ${r2(bleIdle.controlP99Ms)}), realtime p99 ${r2(ble.realtimeP99Ms)} ms (idle ${r2(bleIdle.realtimeP99Ms)}), Jain ${r2(ble.jain)}, utilisation ${r2(ble.utilisation)}, largest unit ${ble.maxUnitBytes} B, bulk B/s ${ble.bulkBytesPerSec.join("/")}, ${ble.fragments} fragments sent`);
console.log(`step: recovered in ${r2(downSteps)} intervals (down), ${r2(upSteps)} (up); AIMD ${JSON.stringify(stepRate?.aimd)}, final rate ${String(stepRate?.rateBytesPerSec)} B/s`);
console.log(
  JSON.stringify({
    eval: 'qos',
    pass: goals.every((g) => g.pass),
    controlP99Ms: r2(loaded.controlP99Ms),
    realtimeP99Ms: r2(loaded.realtimeP99Ms),
    idleControlP99Ms: r2(idle.controlP99Ms),
    idleRealtimeP99Ms: r2(idle.realtimeP99Ms),
    jain: r2(loaded.jain),
    utilisation: r2(loaded.utilisation),
    envelopeViolations: loaded.envelopeViolations,
    stepDownRecoveryIntervals: r2(downSteps),
    stepUpRecoveryIntervals: r2(upSteps),
    bleControlP99Ms: r2(ble.controlP99Ms),
    bleRealtimeP99Ms: r2(ble.realtimeP99Ms),
    bleJain: r2(ble.jain),
    bleUtilisation: r2(ble.utilisation),
    fifoControlP99Ms: r2(fifo.controlP99Ms),
    fifoRealtimeP99Ms: r2(fifo.realtimeP99Ms),
    fifoJain: r2(fifo.jain),
    controlLatencyVsFifoX: r2(fifo.controlP99Ms / Math.max(0.001, loaded.controlP99Ms)),
    wallMs: Math.round(performance.now() - t0),
  }),
);
process.exitCode = goals.every((g) => g.pass) ? 0 : 1;
