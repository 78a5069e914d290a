/**
 * The QoS scheduler under ManualClock: starvation bounds under floods of each class,
 * DRR fairness, the rate envelope, fattest-flow and per-flow overflow, CoDel with CAKE scaling.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManualClock } from '../../src/ports/clock.js';
import { QosScheduler, cakeCodelParams, TokenBucket, type QosClass } from '../../src/qos/index.js';

const RATE = 31_250;

/** Drive a scheduler on a virtual link for `ms`; `offer(t)` returns the units to enqueue at t. Returns bytes sent per class. */
function drive(s: QosScheduler<{ cls: QosClass }>, clock: ManualClock, ms: number, refill: () => void): number[] {
  const sent = [0, 0, 0];
  const end = clock.now() + ms;
  while (clock.now() < end) {
    refill();
    const u = s.dequeue();
    if (u) {
      sent[u.cls] += u.bytes;
      continue;
    }
    clock.advance(Math.max(0.01, s.nextWaitMs() ?? 1));
  }
  return sent;
}

function backlogged(s: QosScheduler<{ cls: QosClass }>, classes: QosClass[], sizes: number[]): () => void {
  return () => {
    for (const c of classes) {
      const st = s.classStats()[c];
      for (let i = 0; st.queuedUnits + i < 8; i++) {
        const bytes = sizes[(i + c) % sizes.length];
        s.enqueue({ cls: c }, { cls: c, flowKey: `f${c}-${i % 3}`, bytes, aqm: false });
      }
    }
  };
}

test('starvation bounds: bulk never below 1/16, control never above 1/4 while others are backlogged (property)', () => {
  const combos: QosClass[][] = [[0, 1, 2], [0, 2], [0, 1], [1, 2], [0], [1], [2]];
  fc.assert(
    fc.property(fc.constantFrom(...combos), fc.array(fc.integer({ min: 40, max: 1024 }), { minLength: 1, maxLength: 6 }), (classes, sizes) => {
      const clock = new ManualClock(0);
      const s = new QosScheduler<{ cls: QosClass }>({ clock }, { rateBytesPerSec: RATE, burstBytes: 1024, mtuBytes: 1024, aqm: false });
      const sent = drive(s, clock, 20_000, backlogged(s, classes, sizes));
      const total = sent[0] + sent[1] + sent[2];
      const slack = 4 * 1024; // credit bursts
      if (classes.includes(2) && classes.length > 1) assert.ok(sent[2] >= total / 16 - slack, `bulk ${sent[2]} of ${total}`);
      if (classes.includes(0) && classes.length > 1) assert.ok(sent[0] <= total / 4 + slack, `control ${sent[0]} of ${total} with ${classes.join(',')}`);
      if (classes.includes(1) && classes.includes(2)) assert.ok(sent[1] <= total / 2 + slack, `realtime ${sent[1]} of ${total}`);
      // work-conserving: the link is fully used whatever is backlogged (borrowing)
      assert.ok(total >= RATE * 20 * 0.97, `utilisation ${total / (RATE * 20)}`);
    }),
    { numRuns: 25 },
  );
});

test('a configured bulk guarantee holds even when the other caps leave it nothing', () => {
  const clock = new ManualClock(0);
  const s = new QosScheduler<{ cls: QosClass }>({ clock }, { rateBytesPerSec: RATE, burstBytes: 1024, mtuBytes: 1024, aqm: false, capShares: [1, 1, 1] });
  const sent = drive(s, clock, 20_000, backlogged(s, [0, 2], [500]));
  const total = sent[0] + sent[2];
  assert.ok(sent[2] >= total / 16 - 2048, `bulk ${sent[2]} of ${total}`);
  assert.ok(sent[2] <= total / 16 + 4096, 'and control takes the rest by priority');
});

test('DRR shares bytes equally between backlogged bulk flows of different unit sizes', () => {
  const clock = new ManualClock(0);
  const s = new QosScheduler<{ flow: string }>({ clock }, { rateBytesPerSec: RATE, burstBytes: 1024, mtuBytes: 1024, aqm: false });
  const sizes: Record<string, number> = { a: 64, b: 300, c: 1024 };
  const got: Record<string, number> = { a: 0, b: 0, c: 0 };
  const end = 30_000;
  const queued: Record<string, number> = { a: 0, b: 0, c: 0 };
  while (clock.now() < end) {
    for (const [k, b] of Object.entries(sizes)) for (; queued[k] < 10; queued[k]++) s.enqueue({ flow: k }, { cls: 2, flowKey: k, bytes: b, aqm: false });
    const u = s.dequeue();
    if (u) {
      got[u.payload.flow] += u.bytes;
      queued[u.payload.flow]--;
    } else clock.advance(s.nextWaitMs() ?? 1);
  }
  const vals = Object.values(got);
  assert.ok(Math.max(...vals) - Math.min(...vals) <= 2 * 1024, JSON.stringify(got));
});

test('the shaper never exceeds the rate envelope (bytes in any window T <= rate*T + burst)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1_000, max: 200_000 }), fc.integer({ min: 1024, max: 8192 }), fc.array(fc.integer({ min: 1, max: 1024 }), { minLength: 5, maxLength: 50 }), (rate, burst, sizes) => {
      const clock = new ManualClock(0);
      const s = new QosScheduler<number>({ clock }, { rateBytesPerSec: rate, burstBytes: burst, mtuBytes: 1024, aqm: false, queueBytes: 10_000_000 });
      const out: { t: number; b: number }[] = [];
      for (let round = 0; round < 20; round++) {
        for (const b of sizes) s.enqueue(b, { cls: 2, flowKey: `f${b % 3}`, bytes: b, aqm: false });
        for (let k = 0; k < 200 && s.queuedUnits > 0; k++) {
          const u = s.dequeue();
          if (u) out.push({ t: clock.now(), b: u.bytes });
          else clock.advance(s.nextWaitMs() ?? 1);
        }
      }
      for (let i = 0; i < out.length; i++) {
        let sum = 0;
        for (let j = i; j < out.length; j++) {
          sum += out[j].b;
          assert.ok(sum <= (rate * (out[j].t - out[i].t)) / 1000 + burst + 1e-6, `window ${i}..${j}`);
        }
      }
    }),
    { numRuns: 20 },
  );
});

test('queue overflow drops from the fattest flow; per-flow caps drop that flow’s head', () => {
  const clock = new ManualClock(0);
  const drops: Array<[string, string]> = [];
  const s = new QosScheduler<string>({ clock, onDrop: (p, _c, code) => drops.push([p as string, code]) }, { rateBytesPerSec: RATE, burstBytes: 1024, mtuBytes: 1024, queueBytes: 10_000, flowMaxUnits: 8 });
  for (let i = 0; i < 9; i++) s.enqueue(`fat${i}`, { cls: 2, flowKey: 'fat', bytes: 1000, aqm: true });
  s.enqueue('thin0', { cls: 2, flowKey: 'thin', bytes: 1000, aqm: true });
  s.enqueue('thin1', { cls: 2, flowKey: 'thin', bytes: 1000, aqm: true });
  assert.deepEqual(drops, [['fat0', 'MG_ERR_QOS_FLOW_OVERFLOW']], 'the oldest unit of the flow over its cap goes first');
  s.enqueue('thin2', { cls: 2, flowKey: 'thin', bytes: 1000, aqm: true });
  assert.ok(s.queuedBytes <= 10_000);
  assert.ok(drops.some(([p, c]) => c === 'MG_ERR_QOS_QUEUE_OVERFLOW' && p.startsWith('fat')), 'overflow hit the fattest flow');
  assert.ok(!drops.some(([p, c]) => c === 'MG_ERR_QOS_QUEUE_OVERFLOW' && p.startsWith('thin0')));
});

test('CoDel drops a standing queue, never a queue under target', () => {
  const clock = new ManualClock(0);
  let aqm = 0;
  const s = new QosScheduler<number>({ clock, onDrop: (_p, _c, code) => void (code === 'MG_ERR_QOS_AQM_DROP' && aqm++) }, { rateBytesPerSec: 10_000, burstBytes: 1000, mtuBytes: 500 });
  // offered 2x the rate for 10 s: a standing queue builds
  for (let t = 0; t < 10_000; t += 25) {
    s.enqueue(t, { cls: 2, flowKey: 'x', bytes: 500, aqm: true });
    for (let u = s.dequeue(); u; u = s.dequeue());
    clock.advance(25);
  }
  assert.ok(aqm > 20, `CoDel dropped ${aqm}`);
  const clock2 = new ManualClock(0);
  let aqm2 = 0;
  const s2 = new QosScheduler<number>({ clock: clock2, onDrop: () => void aqm2++ }, { rateBytesPerSec: 10_000, burstBytes: 1000, mtuBytes: 500 });
  for (let t = 0; t < 10_000; t += 100) {
    s2.enqueue(t, { cls: 2, flowKey: 'x', bytes: 500, aqm: true });
    for (let u = s2.dequeue(); u; u = s2.dequeue());
    clock2.advance(100);
  }
  assert.equal(aqm2, 0);
});

test('CAKE slow-link scaling of CoDel target and interval', () => {
  assert.deepEqual(cakeCodelParams(1500, 0), { targetMs: 5, intervalMs: 100 });
  assert.deepEqual(cakeCodelParams(1500, 12_500_000), { targetMs: 5, intervalMs: 100 }, 'fast links keep RFC 8289 defaults');
  const p = cakeCodelParams(1024, 31_250); // 32.768 ms per unit
  assert.ok(Math.abs(p.targetMs - 49.152) < 1e-9);
  assert.ok(Math.abs(p.intervalMs - 144.152) < 1e-9);
  const slow = cakeCodelParams(1500, 1_000); // 1.5 s per unit
  assert.equal(slow.targetMs, 2250);
  assert.equal(slow.intervalMs, 4500, 'interval = 2 x target when that is larger');
});

test('token bucket: waits, refills to burst, rate 0 is unlimited', () => {
  const b = new TokenBucket({ rateBytesPerSec: 1000, burstBytes: 500, now: 0 });
  assert.equal(b.tryTake(500, 0), true);
  assert.equal(b.tryTake(100, 0), false);
  assert.ok(Math.abs(b.waitMs(100, 0) - 100) < 1e-6);
  assert.equal(b.tryTake(100, 100), true);
  assert.equal(b.available(10_000), 500);
  const u = new TokenBucket({ rateBytesPerSec: 0, burstBytes: 1, now: 0 });
  assert.equal(u.tryTake(1e9, 0), true);
});

test('links sharing a bucket (group or peer cap) share it fairly and never exceed it', () => {
  const clock = new ManualClock(0);
  const shared = new TokenBucket({ rateBytesPerSec: 2_000, burstBytes: 1_000, now: 0 });
  const links = ['a', 'b', 'c'].map((id) => new QosScheduler<number>({ clock }, { id, rateBytesPerSec: 0, burstBytes: 1_000, mtuBytes: 500, aqm: false, queueBytes: 1e9 }));
  for (const s of links) s.setSharedBuckets([shared]);
  const sent = [0, 0, 0];
  // every link backlogged with 200-byte units; whoever is asked first each round must not starve the others
  for (let t = 0; t < 30_000; t += 1) {
    links.forEach((s, i) => {
      while (s.queuedUnits < 5) s.enqueue(0, { cls: 2, flowKey: 'f', bytes: 200, aqm: false });
      for (let u = s.dequeue(); u; u = s.dequeue()) sent[i] += u.bytes;
    });
    clock.advance(1);
  }
  const total = sent[0] + sent[1] + sent[2];
  assert.ok(total <= 2_000 * 30 + 1_000, `shared cap holds: ${total}`);
  assert.ok(total >= 2_000 * 30 * 0.95, `and is used: ${total}`);
  for (const x of sent) assert.ok(Math.abs(x - total / 3) <= total * 0.05, `fair share: ${sent.join('/')}`);
  assert.ok(shared.waiting <= 3);
});
