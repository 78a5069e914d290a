/**
 * Fragments (bitchat-spec.md §5) through the engine: relayed as ordinary packets and fed
 * to the reassembler; the completed original is emitted locally (not relayed again).
 */
import { describe, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { decodePacket } from '../../src/protocol/codec.js';
import { fragmentPayloads } from '../../src/protocol/fragment.js';
import { MessageType } from '../../src/protocol/packet.js';
import type { PacketEvent } from '../../src/mesh/mesh-types.js';
import { TestPhone, attachPhones, makeEngine, nonAnnounce } from './mesh-fixtures.js';

describe('fragments', () => {
  test('fragments are relayed as they are, and the reassembled message is delivered locally once', () => {
    const f = makeEngine();
    const [p0, p1] = attachPhones(f, 2);
    const events: PacketEvent[] = [];
    f.engine.on('packet', (e) => events.push(e));
    const alice = new TestPhone('alice', f.clock);
    p0.send(alice.announce());
    const body = new Uint8Array(randomBytes(600)); // incompressible
    const big = alice.frame({ payload: body });
    const original = decodePacket(big).packet;
    const parts = fragmentPayloads(big, MessageType.MESSAGE, 200, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    assert.ok(parts.length >= 3);
    for (const payload of parts) {
      p0.send(alice.frame({ type: MessageType.FRAGMENT, payload, timestamp: original.timestamp }, false));
    }
    const relayed = nonAnnounce(p1);
    assert.equal(relayed.length, parts.length, 'every fragment relayed, not the whole message');
    assert.ok(relayed.every((d) => d.packet.type === MessageType.FRAGMENT && d.packet.ttl === 6));
    const whole = events.filter((e) => e.reassembled);
    assert.equal(whole.length, 1);
    assert.equal(whole[0].frame.packet.type, MessageType.MESSAGE);
    assert.equal(whole[0].relayed, false);
    assert.equal(whole[0].verified, true, 'the inner message verified with alice’s key');
    assert.deepEqual(Array.from(whole[0].frame.packet.payload), Array.from(body));
    // the same message arriving whole afterwards is a duplicate
    p0.send(big);
    assert.equal(f.engine.stats().duplicates, 1);
  });

  test('a malformed fragment payload is counted (MG_ERR_BAD_FRAGMENT) but still relayed like any packet', () => {
    const f = makeEngine();
    const [p0, p1] = attachPhones(f, 2);
    p0.send(new TestPhone('a', f.clock).frame({ type: MessageType.FRAGMENT, payload: new Uint8Array([1, 2, 3]) }, false));
    assert.equal(f.engine.stats().dropsByCode.MG_ERR_BAD_FRAGMENT, 1);
    assert.equal(nonAnnounce(p1).length, 1);
  });
});
