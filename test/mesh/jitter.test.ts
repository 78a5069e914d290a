/**
 * Relay jitter (bitchat-spec.md §6): delay ranges by degree, scheduling through the clock,
 * suppression by duplicates (prune and iOS-style cancel), and the scheduler bound.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManualClock } from '../../src/ports/clock.js';
import { MessageType } from '../../src/protocol/packet.js';
import { jitterRangeMs, relayJitterMs } from '../../src/mesh/jitter.js';
import { RelayScheduler } from '../../src/mesh/relay-scheduler.js';
import { TestPhone, attachPhones, makeEngine, nonAnnounce } from './mesh-fixtures.js';

describe('jitter ranges', () => {
  test('10-40 ms at degree <= 2, 100-220 ms at degree >= 10, linear in between', () => {
    assert.deepEqual(jitterRangeMs(0), [10, 40]);
    assert.deepEqual(jitterRangeMs(2), [10, 40]);
    assert.deepEqual(jitterRangeMs(6), [55, 130]);
    assert.deepEqual(jitterRangeMs(10), [100, 220]);
    assert.deepEqual(jitterRangeMs(50), [100, 220]);
  });

  test('relayJitterMs stays inside the range for any random value and degree', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (degree, r) => {
        const [lo, hi] = jitterRangeMs(degree);
        const d = relayJitterMs(degree, () => r);
        return Number.isInteger(d) && d >= Math.floor(lo) && d <= Math.ceil(hi);
      }),
    );
    assert.equal(relayJitterMs(1, () => 0), 10);
    assert.equal(relayJitterMs(1, () => 0.999999), 40);
    assert.equal(relayJitterMs(12, () => 0), 100);
  });
});

describe('jittered relays in the engine', () => {
  test('a broadcast waits its jitter before going out; directed packets go at once', () => {
    const f = makeEngine({ relayJitter: true, seed: 7 });
    const [p0, p1] = attachPhones(f, 2);
    const phone = new TestPhone('a', f.clock);
    p0.send(phone.message('broadcast'));
    assert.equal(nonAnnounce(p1).length, 0, 'not yet');
    assert.equal(f.engine.stats().scheduledRelays, 1);
    f.clock.advance(9);
    assert.equal(nonAnnounce(p1).length, 0, 'never before 10 ms');
    f.clock.advance(31);
    assert.equal(nonAnnounce(p1).length, 1, 'by 40 ms at degree 2');
    assert.equal(f.engine.stats().scheduledRelays, 0);
    p0.send(phone.message('directed', { recipientID: new Uint8Array(8).fill(4) }));
    assert.equal(nonAnnounce(p1).length, 2, 'directed: immediately');
  });

  test('the delay grows with degree (degree 10: 100-220 ms)', () => {
    const f = makeEngine({ relayJitter: true, seed: 3 });
    const ends = attachPhones(f, 10);
    ends[0].send(new TestPhone('a', f.clock).message('busy'));
    f.clock.advance(99);
    assert.equal(nonAnnounce(ends[1]).length, 0);
    f.clock.advance(121);
    assert.ok(ends.slice(1).every((e) => nonAnnounce(e).length === 1));
  });

  test('prune (default): a duplicate from a neighbour removes that neighbour from the waiting relay; all covered → cancelled', () => {
    const f = makeEngine({ relayJitter: true });
    const [p0, p1, p2] = attachPhones(f, 3);
    const m = new TestPhone('a', f.clock).message('x');
    p0.send(m);
    p1.send(m); // phone1 already has it
    f.clock.advance(300);
    assert.equal(nonAnnounce(p1).length, 0, 'not sent to the neighbour that had it');
    assert.equal(nonAnnounce(p2).length, 1, 'still delivered to the one that had not');
    const m2 = new TestPhone('b', f.clock).message('y');
    p0.send(m2);
    p1.send(m2);
    p2.send(m2);
    f.clock.advance(300);
    assert.equal(f.engine.stats().relaysCancelled, 1);
    assert.equal(nonAnnounce(p1).length + nonAnnounce(p2).length, 1, 'm2 went nowhere');
  });

  test('cancel (iOS): with degree > 2 a duplicate cancels the whole relay; with degree 2 it does not', () => {
    const f = makeEngine({ relayJitter: true, duplicateAction: 'cancel' });
    const [p0, p1, p2] = attachPhones(f, 3);
    const m = new TestPhone('a', f.clock).message('x');
    p0.send(m);
    p1.send(m);
    f.clock.advance(300);
    assert.equal(nonAnnounce(p2).length, 0);
    assert.equal(f.engine.stats().relaysCancelled, 1);

    const g = makeEngine({ relayJitter: true, duplicateAction: 'cancel' });
    const [q0, q1] = attachPhones(g, 2);
    const n = new TestPhone('b', g.clock).message('y');
    q0.send(n);
    q1.send(n);
    g.clock.advance(300);
    assert.equal(nonAnnounce(q1).length, 1, 'degree 2: relay still goes');
  });

  test('closing a link removes it from waiting relays', async () => {
    const f = makeEngine({ relayJitter: true });
    const [p0, p1, p2] = attachPhones(f, 3);
    p0.send(new TestPhone('a', f.clock).message('x'));
    await p1.close();
    f.clock.advance(300);
    assert.equal(nonAnnounce(p2).length, 1);
    assert.equal(f.engine.stats().perLink.phone1, undefined);
  });
});

describe('RelayScheduler bound', () => {
  test('when full, schedule refuses (the caller sends at once) and counts the overflow', () => {
    const clock = new ManualClock();
    const sent: string[][] = [];
    const s = new RelayScheduler({ clock, send: (_f, ids) => sent.push([...ids]) }, { maxScheduled: 2 });
    assert.equal(s.schedule('a', new Uint8Array(1), ['l1'], 10), true);
    assert.equal(s.schedule('b', new Uint8Array(1), ['l1'], 10), true);
    assert.equal(s.schedule('c', new Uint8Array(1), ['l1'], 10), false);
    assert.equal(s.schedule('a', new Uint8Array(1), ['l1'], 10), false, 'same key twice');
    assert.equal(s.counters().overflow, 1);
    clock.advance(10);
    assert.equal(sent.length, 2);
    assert.equal(s.size, 0);
  });

  test('the engine sends immediately when its scheduler is full', () => {
    const f = makeEngine({ relayJitter: true, maxScheduledRelays: 1 });
    const [p0, p1] = attachPhones(f, 2);
    const phone = new TestPhone('a', f.clock);
    p0.send(phone.message('first'));
    p0.send(phone.message('second'));
    assert.equal(nonAnnounce(p1).length, 1, 'second went at once');
    assert.equal(f.engine.stats().relayOverflow, 1);
    f.clock.advance(100);
    assert.deepEqual(nonAnnounce(p1).map((d) => new TextDecoder().decode(d.packet.payload)), ['second', 'first']);
    assert.ok(nonAnnounce(p1).every((d) => d.packet.type === MessageType.MESSAGE));
  });
});
