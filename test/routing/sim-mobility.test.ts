/** The evaluation harness (deterministic, flooding baseline, radio medium) and the mobility models. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { RandomWaypointMobility, LinearMobility, CircularMobility, CommuterMobility, StaticMobility, seededRandom, isMeshgateErrorCode } from './routing-imports.js';
import { runScenario, meanCi95, percentile, RadioMedium, DEFAULT_RADIO, EventQueue, type ScenarioSpec } from '../../src/routing/sim/index.js';

const small: ScenarioSpec = { name: 'small', nodes: 30, width: 90, height: 90, mobility: 'static', flows: 4, rate: 1, durationS: 8, ttl: 7 };

describe('evaluation harness', () => {
  test('runs are deterministic per seed; routing delivers with far fewer transmissions than flooding', () => {
    const a = runScenario(small, 'dijkstra', 3);
    assert.deepEqual(runScenario(small, 'dijkstra', 3), a, 'same seed, same result');
    const f = runScenario(small, 'flood', 3);
    assert.ok(a.deliverable > 10 && a.deliverable === f.deliverable, 'the same traffic for every algorithm');
    assert.ok(a.delivered / a.deliverable >= 0.95);
    assert.ok(f.delivered / f.deliverable >= 0.95);
    assert.ok((f.dataTx + f.controlTx) / f.delivered > 5 * ((a.dataTx + a.controlTx) / a.delivered), 'unicast overhead at least 5x below flooding');
    assert.ok(a.stretch.every((s) => s >= 1), 'never shorter than the oracle');
    for (const alg of ['multipath', 'gpsr', 'greedy', 'aco', 'hybrid'] as const) {
      const r = runScenario(small, alg, 3);
      assert.ok(r.delivered > 0 && r.delivered <= r.deliverable, `${alg} delivers`);
    }
  });

  test('radio medium: path loss falls with distance; retries bound the attempts', () => {
    const m = new RadioMedium({ random: seededRandom(1), mobility: [new StaticMobility({ x: 0, y: 0 }), new StaticMobility({ x: 10, y: 0 }), new StaticMobility({ x: 200, y: 0 })] }, { ...DEFAULT_RADIO, shadowingSigmaDb: 0 });
    assert.ok(m.margin(0, 1, 0) > m.margin(0, 2, 0));
    assert.ok(Math.abs(m.margin(0, 1, 0) - (0 - 40 - 30 * 1 + 85)) < 1e-9, 'log-distance at 10 m, n = 3');
    assert.ok(m.connected(0, 1, 0) && !m.connected(0, 2, 0));
    const r = m.send(0, 1, 0, seededRandom(2));
    assert.ok(r.ok && r.attempts >= 1 && r.attempts <= DEFAULT_RADIO.maxAttempts);
    assert.deepEqual(m.send(0, 2, 0, seededRandom(2)), { ok: false, attempts: 0, delayMs: 0 });
  });

  test('event queue runs in time order, FIFO on ties; statistics', () => {
    const q = new EventQueue();
    const out: string[] = [];
    q.at(20, () => out.push('b'));
    q.at(10, () => out.push('a'));
    q.at(20, () => out.push('c'));
    q.at(10, () => q.at(15, () => out.push('a2')));
    q.run(100);
    assert.deepEqual(out, ['a', 'a2', 'b', 'c']);
    const s = meanCi95([1, 2, 3, 4]);
    assert.equal(s.mean, 2.5);
    assert.ok(Math.abs(s.ci - 3.182 * Math.sqrt(5 / 3) / 2) < 1e-9);
    assert.equal(percentile([5, 1, 3], 0.5), 3);
  });
});

describe('mobility models', () => {
  test('random waypoint: stationary start, speeds within [vMin, vMax] with vMin > 0, stays in the area', () => {
    const m = new RandomWaypointMobility({ random: seededRandom(4) }, { area: { width: 100, height: 50 }, vMinMps: 0.5, vMaxMps: 1.5, pauseS: 10, start: { x: 10, y: 10 } });
    assert.deepEqual(m.positionAt(0), { x: 10, y: 10 });
    assert.deepEqual(m.velocityAt(0), { x: 0, y: 0 }, 'stationary start');
    let moving = 0;
    for (let t = 0; t < 2_000; t += 3.7) {
      const p = m.positionAt(t);
      assert.ok(p.x >= 0 && p.x <= 100 && p.y >= 0 && p.y <= 50);
      const v = Math.hypot(m.velocityAt(t).x, m.velocityAt(t).y);
      if (v > 0) (moving++, assert.ok(v >= 0.5 - 1e-9 && v <= 1.5 + 1e-9, `speed ${v}`));
    }
    assert.ok(moving > 100);
    assert.throws(() => new RandomWaypointMobility({ random: Math.random }, { area: { width: 1, height: 1 }, vMinMps: 0, vMaxMps: 1, pauseS: 0 }), isMeshgateErrorCode('MG_ERR_ROUTING_BAD_ARGUMENT'));
  });

  test('linear reflects at the edges, circular keeps its radius, commuter shuttles with dwell', () => {
    const l = new LinearMobility({ start: { x: 90, y: 10 }, velocity: { x: 2, y: 0 }, area: { width: 100, height: 100 } });
    assert.deepEqual(l.positionAt(10), { x: 90, y: 10 }, 'to 100 and back');
    const c = new CircularMobility({ centre: { x: 0, y: 0 }, radiusM: 20, speedMps: 2, phase: 0 });
    for (const t of [0, 3, 17]) assert.ok(Math.abs(Math.hypot(c.positionAt(t).x, c.positionAt(t).y) - 20) < 1e-9);
    assert.ok(Math.abs(Math.hypot(c.velocityAt(5).x, c.velocityAt(5).y) - 2) < 1e-9);
    const k = new CommuterMobility({ home: { x: 0, y: 0 }, work: { x: 100, y: 0 }, speedMps: 10, dwellS: 5, offsetS: 0 });
    assert.deepEqual(k.positionAt(2), { x: 0, y: 0 });
    assert.deepEqual(k.positionAt(10), { x: 50, y: 0 });
    assert.deepEqual(k.positionAt(17), { x: 100, y: 0 });
    assert.deepEqual(k.positionAt(25), { x: 50, y: 0 });
  });
});
