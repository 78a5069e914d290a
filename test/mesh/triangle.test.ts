/**
 * Scenario: three gateways in a triangle (redundant gateway links), one phone on each.
 * A broadcast from a phone reaches every other phone exactly once, the redundant copies
 * are suppressed as duplicates, and nothing loops: after the jitter every queue drains.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/ports/clock.js';
import { MessageType } from '../../src/protocol/packet.js';
import { bytesEqual } from '../../src/protocol/hex.js';
import type { DuplicateAction } from '../../src/mesh/relay-scheduler.js';
import { T0, TestPhone, attachPhones, linkPair, makeEngine, type EngineFixture, type FakeLink } from './mesh-fixtures.js';

function triangle(opts: { relayJitter: boolean; duplicateAction?: DuplicateAction; seed: number }) {
  const clock = new ManualClock(T0);
  const quiet = { announceIntervalMinMs: 1e9, announceIntervalMaxMs: 1e9 };
  const gws: EngineFixture[] = [0, 1, 2].map((i) =>
    makeEngine({ clock, relayJitter: opts.relayJitter, duplicateAction: opts.duplicateAction, seed: opts.seed + i, ...quiet }),
  );
  const latency = [2, 3, 5];
  const pairs: [number, number][] = [[0, 1], [1, 2], [0, 2]];
  pairs.forEach(([x, y], i) => {
    const [a, b] = linkPair(clock, [`gw${x}-to-${y}`, `gw${y}-to-${x}`], { gateway: true, latencyMs: latency[i] });
    gws[x].engine.addLink(a);
    gws[y].engine.addLink(b);
  });
  const phones: FakeLink[] = gws.map((g, i) => attachPhones(g, 1, `phone-at-${i}-`, 1)[0]);
  return { clock, gws, phones };
}

const messages = (end: FakeLink, text: string) =>
  end.decoded().filter((d) => d.packet.type === MessageType.MESSAGE && new TextDecoder().decode(d.packet.payload) === text);

for (const variant of [
  { name: 'without jitter', relayJitter: false },
  { name: 'with jitter (prune)', relayJitter: true },
]) {
  describe(`a triangle of gateways ${variant.name}`, () => {
    test('a broadcast from a phone reaches every other phone exactly once, and nothing loops', () => {
      for (const seed of [1, 2, 3, 4, 5]) {
        const { clock, gws, phones } = triangle({ ...variant, seed: seed * 10 });
        const alice = new TestPhone('alice', clock);
        for (let round = 0; round < 5; round++) phones[0].send(alice.message(`round ${round}`));
        clock.advance(1_000);
        for (let round = 0; round < 5; round++) {
          assert.equal(messages(phones[0], `round ${round}`).length, 0, 'never echoed to the sender');
          for (const p of [phones[1], phones[2]]) {
            const got = messages(p, `round ${round}`);
            assert.equal(got.length, 1, `${variant.name} seed ${seed} round ${round}`);
            assert.ok(got[0].packet.ttl >= 4 && got[0].packet.ttl <= 5);
          }
        }
        const totalDup = gws.reduce((n, g) => n + g.engine.stats().duplicates, 0);
        assert.ok(totalDup > 0, 'redundant copies were suppressed');
        const framesNow = phones.map((p) => p.received.length);
        const statsNow = gws.map((g) => g.engine.stats().received);
        clock.advance(10_000);
        assert.deepEqual(phones.map((p) => p.received.length), framesNow, 'no more frames: queues drained');
        assert.deepEqual(gws.map((g) => g.engine.stats().received), statsNow, 'no loop between gateways');
        assert.ok(gws.every((g) => g.engine.stats().scheduledRelays === 0));
      }
    });
  });
}

describe('why duplicates prune rather than cancel', () => {
  test('iOS-style cancel-on-duplicate starves a phone in a triangle of point-to-point links', () => {
    // B and C both wait to relay A's copy; whichever fires first makes the other cancel,
    // so that gateway's phone never gets the message. Prune (the default) delivers.
    let lost = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const { clock, phones } = triangle({ relayJitter: true, duplicateAction: 'cancel', seed: seed * 10 });
      phones[0].send(new TestPhone('alice', clock).message('hello'));
      clock.advance(1_000);
      lost += [phones[1], phones[2]].filter((p) => messages(p, 'hello').length === 0).length;
    }
    assert.ok(lost > 0, 'cancel loses deliveries');
  });
});

describe('directed traffic across the triangle', () => {
  test('the gateways learn which peer lives behind which gateway; a directed packet takes one path only', () => {
    const { clock, gws, phones } = triangle({ relayJitter: true, seed: 99 });
    const alice = new TestPhone('alice', clock);
    const carol = new TestPhone('carol', clock);
    phones[2].send(carol.announce());
    phones[0].send(alice.announce());
    clock.advance(1_000);
    assert.equal(gws[0].engine.peer(carol.peerId)?.viaLinkId, 'gw0-to-2');
    assert.equal(gws[2].engine.peer(carol.peerId)?.directLinkId, 'phone-at-2-0');
    assert.equal(gws[1].engine.peer(alice.peerId)?.viaLinkId, 'gw1-to-0');
    const before = gws[1].engine.stats().received;
    phones[0].send(alice.message('psst carol', { recipientID: carol.id }));
    clock.advance(1_000);
    const got = messages(phones[2], 'psst carol');
    assert.equal(got.length, 1);
    assert.ok(bytesEqual(got[0].packet.recipientID!, carol.id));
    assert.equal(messages(phones[1], 'psst carol').length, 0);
    assert.equal(gws[1].engine.stats().received, before, 'gateway B never saw it');
  });
});
