/**
 * The phi accrual failure detector against the behaviours Akka's own spec publishes
 * (akka-remote/src/test/scala/akka/remote/AccrualFailureDetectorSpec.scala), re-stated
 * here under fake time: a clock that returns the next of a list of times per read
 * (Akka's `fakeTimeGenerator`), and ManualClock.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PhiAccrualFailureDetector, HeartbeatHistory, phiOf, AKKA_PHI_DEFAULTS } from '../../src/detection/index.js';
import { ManualClock } from '../../src/ports/clock.js';
import { isMeshgateError } from '../../src/errors.js';

/** Each now() returns the next cumulative time of `intervals` (first is absolute). */
function fakeTime(intervals: number[]): { now(): number } {
  const times: number[] = [];
  for (const d of intervals) times.push(times.length === 0 ? d : times[times.length - 1] + d);
  return {
    now() {
      const t = times.shift();
      if (t === undefined) throw new Error('fake clock exhausted');
      return t;
    },
  };
}

const close = (actual: number, expected: number, tol: number, what = '') => assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} not within ${tol} of ${expected}`);
const cdf = (phi: number) => 1 - Math.pow(10, -phi);
/** Akka's test factory defaults: pause 0 (not 3 s). */
const create = (clock: { now(): number }, o: Partial<typeof AKKA_PHI_DEFAULTS> = {}) => new PhiAccrualFailureDetector({ acceptableHeartbeatPauseMs: 0, ...o }, clock);

describe('phi accrual failure detector (Akka AccrualFailureDetectorSpec)', () => {
  test('uses a good enough cumulative distribution function', () => {
    close(cdf(phiOf(0, 0, 10)), 0.5, 0.001);
    close(cdf(phiOf(6, 0, 10)), 0.7257, 0.001);
    close(cdf(phiOf(15, 0, 10)), 0.9332, 0.001);
    close(cdf(phiOf(20, 0, 10)), 0.97725, 0.001);
    close(cdf(phiOf(25, 0, 10)), 0.99379, 0.001);
    close(cdf(phiOf(35, 0, 10)), 0.99977, 0.001);
    close(cdf(phiOf(40, 0, 10)), 0.99997, 0.0001);
    for (let x = 0; x < 40; x++) assert.ok(phiOf(x, 0, 10) < phiOf(x + 1, 0, 10), `monotone at ${x}`);
    close(cdf(phiOf(22, 20, 3)), 0.7475, 0.001);
  });

  test('handles outliers without losing precision or hitting exceptions', () => {
    close(phiOf(10, 0, 1), 38, 1);
    assert.ok(phiOf(-25, 0, 1) === 0, 'phi far below the mean is 0 (±0)');
    assert.ok(Number.isFinite(phiOf(10, 0, 1)), 'the tail branch keeps precision (no Infinity)');
  });

  test('returns realistic phi values', () => {
    const expected: Array<[number, number]> = [[0, 0], [500, 0.1], [1000, 0.3], [1200, 1.6], [1400, 4.7], [1600, 10.8], [1700, 15.3]];
    for (const [t, phi] of expected) close(phiOf(t, 1000, 100), phi, 0.1, `phi(${t})`);
    assert.ok(phiOf(1100, 1000, 500) < phiOf(1100, 1000, 100), 'larger std deviation → lower phi');
  });

  test('returns phi 0.0 on start-up when no heartbeats', () => {
    const fd = new PhiAccrualFailureDetector({}, new ManualClock());
    assert.equal(fd.phi(), 0);
    assert.equal(fd.phi(), 0);
    assert.equal(fd.isMonitoring(), false);
    assert.equal(fd.isAvailable(), true);
  });

  test('returns phi based on the guess when only one heartbeat', () => {
    const fd = create(fakeTime([0, 1000, 1000, 1000, 1000]), { firstHeartbeatEstimateMs: 1000 });
    fd.heartbeat();
    close(fd.phi(), 0.3, 0.2);
    close(fd.phi(), 4.5, 0.3);
    assert.ok(fd.phi() > 15);
  });

  test('returns phi using the first interval after the second heartbeat', () => {
    const fd = create(fakeTime([0, 100, 100, 100]));
    fd.heartbeat();
    assert.ok(fd.phi() > 0);
    fd.heartbeat();
    assert.ok(fd.phi() > 0);
  });

  test('marks a node as monitored after a series of successful heartbeats', () => {
    const fd = create(fakeTime([0, 1000, 100, 100]));
    assert.equal(fd.isMonitoring(), false);
    fd.heartbeat();
    fd.heartbeat();
    fd.heartbeat();
    assert.equal(fd.isMonitoring(), true);
    assert.equal(fd.isAvailable(), true);
  });

  test('marks a node as dead if heartbeats are missed', () => {
    const fd = create(fakeTime([0, 1000, 100, 100, 7000]), { threshold: 3 });
    fd.heartbeat(); // 0
    fd.heartbeat(); // 1000
    fd.heartbeat(); // 1100
    assert.equal(fd.isAvailable(), true); // 1200
    assert.equal(fd.isAvailable(), false); // 8200
  });

  test('marks a node available again when it heartbeats after being marked dead', () => {
    const intervals = [0, ...Array(999).fill(1000), 5 * 60 * 1000, 100, 900, 100, 7000, 100, 900, 100, 900];
    const fd = create(fakeTime(intervals), { threshold: 8, acceptableHeartbeatPauseMs: 3000 });
    for (let i = 0; i < 1000; i++) fd.heartbeat();
    assert.equal(fd.isAvailable(), false, 'after the long pause');
    fd.heartbeat();
    assert.equal(fd.isAvailable(), true);
    fd.heartbeat();
    assert.equal(fd.isAvailable(), false, 'after the 7 s pause');
    fd.heartbeat();
    assert.equal(fd.isAvailable(), true);
    fd.heartbeat();
    assert.equal(fd.isAvailable(), true);
  });

  test('accepts some configured missing heartbeats', () => {
    const fd = create(fakeTime([0, 1000, 1000, 1000, 4000, 1000, 1000]), { acceptableHeartbeatPauseMs: 3000 });
    for (let i = 0; i < 4; i++) fd.heartbeat();
    assert.equal(fd.isAvailable(), true);
    fd.heartbeat();
    assert.equal(fd.isAvailable(), true);
  });

  test('fails after the configured acceptable missing heartbeats', () => {
    const fd = create(fakeTime([0, 1000, 1000, 1000, 1000, 1000, 500, 500, 5000]), { acceptableHeartbeatPauseMs: 3000 });
    for (let i = 0; i < 6; i++) fd.heartbeat();
    assert.equal(fd.isAvailable(), true);
    fd.heartbeat();
    assert.equal(fd.isAvailable(), false);
  });

  test('uses maxSampleSize heartbeats', () => {
    const fd = create(fakeTime([0, 100, 100, 100, 100, 600, 500, 500, 500, 500, 500]), { maxSampleSize: 3 });
    for (let i = 0; i < 4; i++) fd.heartbeat(); // 0 100 200 300
    const phi1 = fd.phi(); // 400
    for (let i = 0; i < 4; i++) fd.heartbeat(); // 1000 1500 2000 2500
    const phi2 = fd.phi(); // 3000
    close(phi2, phi1, 0.001);
  });

  test("Akka's defaults and validation", () => {
    const fd = new PhiAccrualFailureDetector({}, new ManualClock());
    assert.deepEqual([fd.threshold, fd.maxSampleSize, fd.minStdDeviationMs, fd.acceptableHeartbeatPauseMs, fd.firstHeartbeatEstimateMs], [8, 1000, 100, 3000, 1000]);
    for (const bad of [{ threshold: 0 }, { maxSampleSize: 0 }, { minStdDeviationMs: 0 }, { acceptableHeartbeatPauseMs: -1 }, { firstHeartbeatEstimateMs: 0 }]) {
      assert.throws(() => new PhiAccrualFailureDetector(bad, new ManualClock()), (e) => isMeshgateError(e, 'MG_ERR_DETECTOR_CONFIG'));
    }
  });

  test('under ManualClock: phi rises with silence, crosses the threshold, timeToThreshold predicts it', () => {
    const clock = new ManualClock();
    const fd = new PhiAccrualFailureDetector({ acceptableHeartbeatPauseMs: 500 }, clock);
    for (let i = 0; i < 20; i++) {
      fd.heartbeat();
      clock.advance(1000);
    }
    const t = fd.timeToThresholdMs();
    const last = fd.lastHeartbeatAt!;
    clock.setTime(last + t - 5);
    assert.equal(fd.isAvailable(), true);
    clock.setTime(last + t + 5);
    assert.equal(fd.isAvailable(), false);
    assert.ok(fd.phi() >= 8);
  });
});

describe('heartbeat history statistics', () => {
  test('calculates correct mean and population variance', () => {
    const h = new HeartbeatHistory(20);
    for (const v of [100, 200, 125, 340, 130]) h.add(v);
    close(h.mean, 179, 0.00001);
    close(h.variance, 7584, 0.00001);
  });

  test('has 0.0 variance for one sample', () => {
    const h = new HeartbeatHistory(600);
    h.add(1000);
    close(h.variance, 0, 0.00001);
  });

  test('is capped by maxSampleSize', () => {
    const h = new HeartbeatHistory(3);
    for (const v of [100, 110, 90]) h.add(v);
    close(h.mean, 100, 0.00001);
    close(h.variance, 66.6666667, 0.00001);
    h.add(140);
    close(h.mean, 113.333333, 0.00001);
    close(h.variance, 422.222222, 0.00001);
    h.add(80);
    close(h.mean, 103.333333, 0.00001);
    close(h.variance, 688.88888889, 0.00001);
  });
});
