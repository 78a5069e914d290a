import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManualClock } from '../../../src/ports/clock.js';
import { estimateRttMs, haversineKm, scoreCandidate, versionUtility, type CandidateMetrics } from '../../../src/overlay/selection/score.js';
import { UplinkSelector, type SelectionCandidate, type UplinkSelectorInit } from '../../../src/overlay/selection/uplink-selector.js';

const BASE: Omit<CandidateMetrics, 'rttMs' | 'deliveryRatio'> = { position: null, load: 0.2, uptimeS: 86_400, fee: 0, bandwidthBytesPerSec: 1_250_000, version: '0.1.0' };
const OWN = { version: '0.1.0', position: null };
const INIT: UplinkSelectorInit = { uplinks: 1, profile: 'latency', marginPercent: 20, holdMs: 30_000, ownVersion: '0.1.0', ownPosition: null, maxTracked: 64 };
const cand = (peerId: string, over: Partial<typeof BASE> = {}): SelectionCandidate => ({ peerId, metrics: { ...BASE, ...over } });

test('score: each profile prefers its metric; another major version is not a candidate', () => {
  const fast = { ...BASE, rttMs: 10, deliveryRatio: undefined, fee: 500 };
  const cheap = { ...BASE, rttMs: 150, deliveryRatio: undefined, fee: 0 };
  assert.ok(scoreCandidate(fast, 'latency', OWN).score > scoreCandidate(cheap, 'latency', OWN).score);
  assert.ok(scoreCandidate(cheap, 'cost', OWN).score > scoreCandidate(fast, 'cost', OWN).score);
  const wide = { ...BASE, rttMs: 80, deliveryRatio: undefined, bandwidthBytesPerSec: 50_000_000 };
  const narrow = { ...BASE, rttMs: 40, deliveryRatio: undefined, bandwidthBytesPerSec: 100_000 };
  assert.ok(scoreCandidate(wide, 'bandwidth', OWN).score > scoreCandidate(narrow, 'bandwidth', OWN).score);
  const steady = { ...BASE, rttMs: 80, deliveryRatio: 0.99, uptimeS: 30 * 86_400 };
  const flaky = { ...BASE, rttMs: 40, deliveryRatio: 0.6, uptimeS: 600 };
  assert.ok(scoreCandidate(steady, 'reliability', OWN).score > scoreCandidate(flaky, 'reliability', OWN).score);
  assert.equal(scoreCandidate({ ...BASE, rttMs: 1, deliveryRatio: 1, version: '1.0.0' }, 'latency', OWN).score, 0);
  assert.equal(versionUtility('0.0.9', '0.1.0'), 0.7);
  assert.equal(versionUtility('0.2.0', '0.1.0'), 1);
  fc.assert(
    fc.property(fc.double({ min: 0, max: 10_000, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 1e9 }), (rtt, load, fee) => {
      for (const p of ['latency', 'cost', 'bandwidth', 'reliability'] as const) {
        const s = scoreCandidate({ ...BASE, rttMs: rtt, load, fee, deliveryRatio: undefined }, p, OWN).score;
        if (!(s >= 0 && s <= 1)) return false;
      }
      return true;
    }),
  );
});

test('RTT is estimated from positions when unmeasured (haversine at 200 km/ms)', () => {
  const berlin: [number, number] = [52.52, 13.405];
  const paris: [number, number] = [48.8566, 2.3522];
  assert.ok(Math.abs(haversineKm(berlin, paris) - 878) < 5, 'Berlin-Paris ≈ 878 km');
  assert.ok(Math.abs(estimateRttMs(berlin, paris) - (10 + (2 * 878) / 200)) < 0.1);
  assert.equal(estimateRttMs(null, paris), 150);
});

test('selection fills its slots at once, then switches when the uplink degrades past the margin for the hold time', () => {
  const clock = new ManualClock();
  const sel = new UplinkSelector({ clock }, INIT);
  const cands = [cand('aaaaaaaaaaaaaaaa'), cand('bbbbbbbbbbbbbbbb')];
  sel.observeRtt('aaaaaaaaaaaaaaaa', 20);
  sel.observeRtt('bbbbbbbbbbbbbbbb', 40);
  let d = sel.evaluate(cands);
  assert.deepEqual(d.add, ['aaaaaaaaaaaaaaaa']);
  assert.deepEqual(sel.chosen(), ['aaaaaaaaaaaaaaaa']);
  // A degrades: RTT samples of 400 ms
  let switchedAt: number | undefined;
  for (let t = 0; t < 120_000; t += 5_000) {
    clock.advance(5_000);
    sel.observeRtt('aaaaaaaaaaaaaaaa', 400);
    sel.observeRtt('bbbbbbbbbbbbbbbb', 40);
    d = sel.evaluate(cands);
    if (d.add.length > 0) {
      switchedAt = clock.now();
      assert.deepEqual(d.add, ['bbbbbbbbbbbbbbbb']);
      assert.deepEqual(d.remove, [{ peerId: 'aaaaaaaaaaaaaaaa', reason: 'replaced' }]);
      break;
    }
  }
  assert.ok(switchedAt !== undefined, 'switched');
  const st = sel.status();
  assert.equal(st.switches, 1);
  assert.deepEqual(st.chosen, ['bbbbbbbbbbbbbbbb']);
  // the switch waited for the hold time after B first led by the margin
  const firstLead = st.history.find((e) => e.kind === 'switch')!;
  assert.ok(firstLead.score > firstLead.replacedScore! * 1.2);
  assert.ok(switchedAt! - 1_700_000_000_000 >= INIT.holdMs + 5_000, `switch waited for the hold time (at +${switchedAt! - 1_700_000_000_000} ms)`);
});

test('selection does not flap on noise: RTTs jittering around close means never cause a switch', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.double({ min: -15, max: 15, noNaN: true }), fc.double({ min: -15, max: 15, noNaN: true })), { minLength: 50, maxLength: 200 }), (noise) => {
      const clock = new ManualClock();
      const sel = new UplinkSelector({ clock }, INIT);
      const cands = [cand('aaaaaaaaaaaaaaaa'), cand('bbbbbbbbbbbbbbbb')];
      sel.observeRtt('aaaaaaaaaaaaaaaa', 50);
      sel.observeRtt('bbbbbbbbbbbbbbbb', 50);
      sel.evaluate(cands);
      for (const [na, nb] of noise) {
        clock.advance(5_000);
        sel.observeRtt('aaaaaaaaaaaaaaaa', 50 + na);
        sel.observeRtt('bbbbbbbbbbbbbbbb', 50 + nb);
        sel.evaluate(cands);
      }
      return sel.status().switches === 0;
    }),
    { numRuns: 50 },
  );
});

test('selection ignores a short spike (shorter than the hold time) but drops a vanished uplink at once', () => {
  const clock = new ManualClock();
  const sel = new UplinkSelector({ clock }, INIT);
  const cands = [cand('aaaaaaaaaaaaaaaa'), cand('bbbbbbbbbbbbbbbb')];
  sel.observeRtt('aaaaaaaaaaaaaaaa', 20);
  sel.observeRtt('bbbbbbbbbbbbbbbb', 40);
  sel.evaluate(cands);
  let leading = 0;
  for (let i = 0; i < 40; i++) {
    clock.advance(5_000);
    sel.observeRtt('aaaaaaaaaaaaaaaa', i === 0 ? 1_000 : 20); // one 1 s RTT sample
    sel.observeRtt('bbbbbbbbbbbbbbbb', 40);
    sel.evaluate(cands);
    if (sel.status().challenger) leading++;
  }
  assert.ok(leading > 0 && leading * 5_000 < INIT.holdMs, `B led by the margin for ${leading} evaluations, under the hold time`);
  assert.equal(sel.status().switches, 0);
  assert.deepEqual(sel.chosen(), ['aaaaaaaaaaaaaaaa']);
  const d = sel.evaluate([cands[1]]);
  assert.deepEqual(d.remove, [{ peerId: 'aaaaaaaaaaaaaaaa', reason: 'gone' }]);
  assert.deepEqual(d.add, ['bbbbbbbbbbbbbbbb']);
});
