/** Unit tests of the pure detection parts under ManualClock. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManualClock } from '../../src/ports/clock.js';
import {
  Awareness, EventsRing, GatewayProber, HealthModel, HeartbeatHistory, Membership, PhiAccrualFailureDetector, RetentionBuffer, RouteHold, Topology,
  chooseRecovery, parseRumour, parseTopo, phiOf, suspicionTimeoutMs, thresholdY, type Transition, type PhiAccrualOptions,
} from '../../src/detection/index.js';
import { isMeshgateError } from '../../src/errors.js';

const P: PhiAccrualOptions = { threshold: 8, maxSampleSize: 100, minStdDeviationMs: 100, acceptableHeartbeatPauseMs: 1000, firstHeartbeatEstimateMs: 1000 };

function membership(clock = new ManualClock(), awareness = new Awareness()) {
  const log: Transition[] = [];
  const m = new Membership({ clock, awareness, onTransition: (t) => log.push(t) }, { params: { phone: P, gateway: P, link: P }, suspicionMinMs: 2000, suspicionMaxMs: 6000, expectedConfirmations: 3, maxMembers: 4 });
  return { m, log, clock, awareness };
}

describe('phi helpers', () => {
  test('thresholdY inverts phiOf exactly (property)', () => {
    fc.assert(fc.property(fc.double({ min: 0.05, max: 100, noNaN: true }), (th) => Math.abs(phiOf(thresholdY(th), 0, 1) - th) < 1e-6 * Math.max(1, th)));
  });
  test('a growing history keeps only the last maxSampleSize intervals (property vs brute force)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 300 }), (cap, xs) => {
        const h = new HeartbeatHistory(cap);
        for (const x of xs) h.add(x);
        const last = xs.slice(-cap);
        const mean = last.reduce((a, b) => a + b, 0) / last.length;
        const variance = last.reduce((a, b) => a + b * b, 0) / last.length - mean * mean;
        return h.size === last.length && Math.abs(h.mean - mean) < 1e-6 && Math.abs(h.variance - variance) < 1e-3 * Math.max(1, variance);
      }),
    );
  });
  test('availableAt agrees with phi < threshold around the crossing', () => {
    const clock = new ManualClock();
    const fd = new PhiAccrualFailureDetector(P, clock);
    for (let i = 0; i < 10; i++) (fd.heartbeat(), clock.advance(900 + (i % 3) * 100));
    const last = fd.lastHeartbeatAt!;
    for (let t = last + fd.timeToThresholdMs() - 5; t < last + fd.timeToThresholdMs() + 5; t += 0.25) assert.equal(fd.availableAt(t), fd.phiAt(t) < fd.threshold);
  });
});

describe('membership: alive → suspect → down, incarnations, awareness', () => {
  test('phi suspicion, Lifeguard timeout (max with no confirmations), down, revival on heartbeat', () => {
    const { m, log, clock } = membership();
    for (let i = 0; i < 10; i++) (m.heartbeat('g1', 'gateway'), clock.advance(1000));
    m.check();
    assert.equal(m.state('g1'), 'alive');
    let t = 0;
    while (m.state('g1') === 'alive' && t < 20_000) (clock.advance(100), (t += 100), m.check());
    assert.equal(m.state('g1'), 'suspect');
    assert.ok(m.phi('g1')! >= 8);
    const suspectAt = clock.now();
    while (m.state('g1') === 'suspect') (clock.advance(100), m.check());
    assert.equal(clock.now() - suspectAt, 6000, 'no confirmations: the max suspicion timeout');
    m.heartbeat('g1', 'gateway');
    assert.equal(m.state('g1'), 'alive');
    assert.deepEqual(log.map((x) => `${x.from}>${x.to}:${x.reason}`), ['new>alive:first-heartbeat', 'alive>suspect:phi', 'suspect>down:suspicion-timeout', 'down>alive:heartbeat']);
  });

  test('independent confirmations shorten the suspicion; awareness scales it up', () => {
    assert.equal(suspicionTimeoutMs(0, 3, 2000, 6000), 6000);
    assert.equal(suspicionTimeoutMs(3, 3, 2000, 6000), 2000);
    assert.ok(suspicionTimeoutMs(1, 3, 2000, 6000) < 6000 && suspicionTimeoutMs(1, 3, 2000, 6000) > suspicionTimeoutMs(2, 3, 2000, 6000));
    const { m, clock, awareness } = membership();
    m.heartbeat('g', 'gateway');
    m.suspectRumour('g', 0, 'x');
    m.suspectRumour('g', 0, 'y');
    m.suspectRumour('g', 0, 'z');
    m.suspectRumour('g', 0, 'w');
    awareness.apply(1); // we are unhealthy: timeouts × 2
    const start = clock.now();
    while (m.state('g') === 'suspect') (clock.advance(100), m.check());
    assert.equal(clock.now() - start, 2 * 2000);
  });

  test('a suspicion is refuted only by a higher incarnation; stale rumours are ignored', () => {
    const { m } = membership();
    m.heartbeat('g', 'gateway');
    assert.equal(m.aliveRumour('g', 3), true);
    assert.equal(m.suspectRumour('g', 2, 'x'), false, 'older incarnation');
    assert.equal(m.state('g'), 'alive');
    assert.equal(m.suspectRumour('g', 3, 'x'), true);
    assert.equal(m.state('g'), 'suspect');
    assert.equal(m.aliveRumour('g', 3), false, 'same incarnation does not refute');
    assert.equal(m.state('g'), 'suspect');
    assert.equal(m.aliveRumour('g', 4), true);
    assert.equal(m.state('g'), 'alive');
    assert.equal(m.suspectRumour('p', 9, 'x'), false, 'rumours about unknown peers are ignored');
    assert.equal(m.counts().staleRumours, 1);
  });

  test('bounded: a full table evicts a down member first, else the one silent longest', () => {
    const { m, clock } = membership();
    for (const id of ['a', 'b', 'c', 'd']) (m.heartbeat(id, 'phone'), clock.advance(10));
    m.declareDown('c');
    m.heartbeat('e', 'phone');
    assert.equal(m.state('c'), undefined);
    m.heartbeat('a', 'phone'); // a heard again: b is now the longest silent
    m.heartbeat('f', 'phone');
    assert.equal(m.state('b'), undefined);
    assert.equal(m.size, 4);
    assert.equal(m.counts().evicted, 2);
  });

  test('invalid parameters are MG_ERR_DETECTOR_CONFIG', () => {
    assert.throws(() => new Membership({ clock: new ManualClock(), awareness: new Awareness(), onTransition: () => undefined }, { params: { phone: P, gateway: P, link: P }, suspicionMinMs: 5, suspicionMaxMs: 1, expectedConfirmations: 1 }), (e) => isMeshgateError(e, 'MG_ERR_DETECTOR_CONFIG'));
    assert.throws(() => new Awareness({ max: 0 }), (e) => isMeshgateError(e, 'MG_ERR_DETECTOR_CONFIG'));
  });
});

describe('route hold-down', () => {
  test('a link flapping every 2 s changes the route at most once per hold time', () => {
    const clock = new ManualClock();
    const r = new RouteHold({ clock }, { holdTimeMs: 30_000 });
    r.linkUp('flappy');
    r.linkUp('steady');
    const cands = [{ linkId: 'flappy', cost: 1 }, { linkId: 'steady', cost: 2 }];
    clock.advance(60_000);
    r.update('C', cands);
    assert.equal(r.get('C'), 'flappy', 'both stable: the cheaper one');
    const changes: number[] = [];
    for (let t = 0; t < 300_000; t += 1000) {
      clock.advance(1000);
      if ((t / 1000) % 2 === 0) r.linkDown('flappy');
      else r.linkUp('flappy');
      if (r.update('C', cands)) changes.push(clock.now());
    }
    assert.equal(changes.length, 1, 'one forced change, never back to the flapping link');
    assert.equal(r.get('C'), 'steady');
  });
  test('a better stable hop wins only after the hold time; a failed hop is replaced at once; none up = withdrawn', () => {
    const clock = new ManualClock();
    const r = new RouteHold({ clock }, { holdTimeMs: 10_000 });
    r.linkUp('a');
    r.update('X', [{ linkId: 'a', cost: 10 }]);
    r.linkUp('b');
    clock.advance(5_000);
    assert.equal(r.update('X', [{ linkId: 'a', cost: 10 }, { linkId: 'b', cost: 1 }]), undefined, 'held');
    clock.advance(5_000);
    assert.equal(r.update('X', [{ linkId: 'a', cost: 10 }, { linkId: 'b', cost: 1 }])?.to, 'b');
    r.linkDown('b');
    const ch = r.update('X', [{ linkId: 'a', cost: 10 }, { linkId: 'b', cost: 1 }]);
    assert.deepEqual([ch?.from, ch?.to, ch?.forced], ['b', 'a', true]);
    r.linkDown('a');
    assert.equal(r.update('X', [{ linkId: 'a', cost: 10 }])?.to, undefined);
    assert.equal(r.get('X'), undefined);
  });
});

describe('topology and partitions', () => {
  const rec = (origin: string, neighbours: string[], at: number, phones: string[] = []) => ({ origin, seq: at, neighbours, phones, urls: {}, receivedAt: at });
  test('components, first hops, stale records and partitions', () => {
    const t = new Topology({ self: 'A', ttlMs: 1000 });
    t.setOwnNeighbours(['B', 'D']);
    t.accept(rec('B', ['A', 'C'], 0));
    t.accept(rec('D', ['A', 'C'], 0));
    t.accept(rec('C', ['B', 'D'], 0, ['phone1']));
    t.expire(0);
    assert.deepEqual(t.components(), [['A', 'B', 'C', 'D']]);
    assert.deepEqual(t.firstHops('C'), [{ via: 'B', hops: 2 }, { via: 'D', hops: 2 }]);
    assert.equal(t.homeOf('phone1'), 'C');
    // C stops refreshing: its record goes stale, its edges stop counting, it stays known
    t.accept(rec('B', ['A', 'C'], 900));
    t.accept(rec('D', ['A', 'C'], 900));
    t.expire(1500);
    assert.deepEqual(t.partitionState().others, [['C']]);
    assert.equal(t.partitionState().partitioned, true);
    // a newer record that denies an edge removes it even if the other end still claims it
    t.accept(rec('C', ['D'], 1600));
    t.accept(rec('B', ['A'], 1600));
    assert.deepEqual(t.firstHops('C'), [{ via: 'D', hops: 2 }]);
    assert.equal(t.partitionState().partitioned, false);
    assert.equal(t.accept(rec('C', ['D'], 1000)), false, 'older seq refused');
  });
});

describe('health, recovery, retention, wire validation, prober', () => {
  test('health scores follow the documented formula and levels', () => {
    const h = new HealthModel({ warningBelow: 70, criticalBelow: 40 });
    assert.equal(h.link('l', { state: 'alive', phi: 0, threshold: 8, errorRate: 0 }).score, 100);
    const v = h.link('l', { state: 'alive', phi: 4, threshold: 8, sojournMs: 300, errorRate: 0.05 });
    assert.equal(v.score, Math.round(100 * 1 * 0.5 * (1 / 3) * 0.5 * 10) / 10);
    assert.equal(v.level, 'critical');
    const down = h.link('m', { state: 'down', phi: 0, threshold: 8, errorRate: 0 });
    assert.equal(down.factors.availability, 0.9, 'EWMA α = 0.1 from 1 toward 0');
    assert.deepEqual(h.gateway([100, 50], { score: 2, max: 8 }, true).score, Math.round(100 * 0.75 * 0.75 * 0.5 * 10) / 10);
    assert.equal(h.level(69.9), 'warning');
  });
  test('recovery strategies', () => {
    assert.deepEqual(chooseRecovery({ alternativeHops: 1, weDialIt: true, bridgeUrl: 'ws://x' }), ['alternative-route', 'reconnect']);
    assert.deepEqual(chooseRecovery({ alternativeHops: 0, weDialIt: false, bridgeUrl: 'ws://x' }), ['bridge']);
    assert.deepEqual(chooseRecovery({ alternativeHops: 0, weDialIt: false, bridgeUrl: undefined }), ['wait']);
  });
  test('retention keeps unacknowledged frames, drops acknowledged ones after retainMs, is bounded', () => {
    const clock = new ManualClock();
    const start = clock.now();
    const r = new RetentionBuffer({ clock }, { retainMs: 1000, maxFramesPerLink: 3 });
    for (let i = 0; i < 4; i++) (r.push('L', new Uint8Array([i]), 'p'), clock.advance(100));
    assert.equal(r.stats().overflow, 1);
    clock.advance(10_000);
    assert.equal(r.size('L'), 3, 'unacknowledged frames stay however old');
    r.ack('L', start + 250); // a pong to a ping sent at 250 ms acknowledges frames 1 (100 ms) and 2 (200 ms)
    assert.equal(r.size('L'), 1);
    assert.deepEqual(r.take('L').map((f) => f.frame[0]), [3]);
    assert.equal(r.size('L'), 0);
  });
  test('gossip bodies are validated', () => {
    assert.deepEqual(parseRumour({ peer: '0123456789abcdef', inc: 2 }), { peer: '0123456789abcdef', inc: 2 });
    for (const bad of [null, [], { peer: 'x', inc: 1 }, { peer: '0123456789abcdef', inc: -1 }, { peer: '0123456789ABCDEF', inc: 1 }, { peer: '0123456789abcdef', inc: 2 ** 32 }, { peer: '0123456789abcdef', inc: Number.MAX_SAFE_INTEGER }])
      assert.equal(parseRumour(bad), undefined);
    const ok = { origin: '0123456789abcdef', seq: 1, nbrs: [], phones: [], urls: { '0123456789abcdef': 'ws://h:1/m' } };
    assert.ok(parseTopo(ok));
    assert.equal(parseTopo({ ...ok, urls: { '0123456789abcdef': 'http://evil' } }), undefined);
    assert.equal(parseTopo({ ...ok, nbrs: Array(65).fill('0123456789abcdef') }), undefined);
    assert.equal(parseTopo({ ...ok, urls: { ['__proto__']: 'ws://x' } }), undefined);
  });
  test('prober: RTT from pongs, indirect probe with nacks, bad bodies counted, bounded pending', () => {
    const clock = new ManualClock();
    const sent: Array<[string, string, any]> = [];
    const heard: any[] = [];
    const indirect: any[] = [];
    let bad = 0;
    const awareness = new Awareness();
    const p = new GatewayProber(
      {
        clock, random: () => 0.5, awareness,
        send: (l, t, b) => (sent.push([l, t, b]), true),
        links: () => [{ linkId: 'L1', peerId: '1111111111111111' }, { linkId: 'L2', peerId: '2222222222222222' }],
        incarnation: () => 7, onHeard: (e) => heard.push(e), onIndirect: (e) => indirect.push(e), onBadBody: () => bad++,
      },
      { pingIntervalMs: 1000, pingTimeoutMs: 500, indirectProbes: 3, maxPending: 2 },
    );
    p.round();
    const ping = sent.find(([l, t]) => l === 'L1' && t === 'ping')![2];
    clock.advance(40);
    p.receive('pong', 'L1', '1111111111111111', { seq: ping.seq, t: ping.t, inc: 3 });
    assert.equal(heard[0].rttMs, 40);
    assert.equal(heard[0].incarnation, 3);
    p.receive('ping', 'L2', '2222222222222222', { seq: 5, t: 123, inc: 1 });
    assert.deepEqual(sent.at(-1), ['L2', 'pong', { seq: 5, t: 123, inc: 7 }]);
    awareness.apply(3);
    assert.equal(p.probeIndirect('1111111111111111'), 1, 'only L2 can be asked');
    const req = sent.at(-1)!;
    assert.equal(req[1], 'ping-req');
    clock.advance(4 * 500);
    p.expire();
    assert.equal(indirect[0].ok, false);
    assert.equal(awareness.score, 4, 'no ack and no nack: local health gets worse (3 + 1)');
    p.receive('ping', 'L1', undefined, { seq: 'x' });
    p.receive('ping-req', 'L1', undefined, { seq: 1, target: 'nope' });
    assert.equal(bad, 2);
    for (let i = 0; i < 5; i++) p.ping('L1');
    assert.ok(p.stats().pending <= 2 && p.stats().pendingDropped >= 3);
  });
  test('an overloaded event loop (probe timer firing late) raises local awareness, which stretches suspicion timeouts', () => {
    class LaggyClock extends ManualClock {
      lagMs = 0;
      override setTimer(fn: () => void, ms: number) {
        return super.setTimer(fn, ms + this.lagMs);
      }
    }
    const clock = new LaggyClock();
    const awareness = new Awareness();
    const p = new GatewayProber(
      { clock, random: () => 0, awareness, send: () => true, links: () => [], incarnation: () => 0, onHeard: () => undefined, onIndirect: () => undefined, onBadBody: () => undefined },
      { pingIntervalMs: 1000, pingTimeoutMs: 500, indirectProbes: 3, maxTimerLagMs: 500 },
    );
    p.start();
    clock.advance(3000);
    assert.equal(awareness.score, 0, 'timers on time');
    clock.lagMs = 800;
    clock.advance(1000); // the timer armed before the lag fires on time and re-arms late
    clock.advance(5000);
    p.stop();
    assert.ok(awareness.score >= 2, `awareness ${awareness.score}`);
    assert.ok(p.stats().lateTimers >= 2);
    const { m } = membership(clock, awareness);
    m.heartbeat('g', 'gateway');
    m.suspectNow('g');
    const start = clock.now();
    while (m.state('g') === 'suspect') (clock.advance(100), m.check());
    assert.equal(clock.now() - start, 6000 * (awareness.score + 1), 'the suspicion lasts (score + 1) x the max timeout');
  });

  test('events ring is bounded and ordered', () => {
    const r = new EventsRing<number>(3);
    for (let i = 0; i < 5; i++) r.push(i);
    assert.deepEqual(r.toArray(), [2, 3, 4]);
    assert.equal(r.pushed, 5);
  });
});
