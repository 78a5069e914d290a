/**
 * MeshEngine relay rules (bitchat-spec.md §6): TTL clamp and decrement, never-relay rules,
 * split horizon, directed and routed forwarding, dense TTL clamp, relayed bytes, ingress
 * drops counted per link and code, own packets, timestamp skew, origination.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePacket, encodePacket } from '../../src/protocol/codec.js';
import { BROADCAST_ID, Flags, MessageType } from '../../src/protocol/packet.js';
import { bytesEqual, fromHex } from '../../src/protocol/hex.js';
import { isMeshgateError } from '../../src/errors.js';
import type { PacketEvent } from '../../src/mesh/mesh-types.js';
import { TestPhone, attachPhones, linkPair, makeEngine, nonAnnounce } from './mesh-fixtures.js';

describe('MeshEngine relay rules', () => {
  test('a broadcast is relayed to every other link (split horizon) with TTL − 1, bytes unchanged but byte 2', () => {
    const f = makeEngine();
    const [p0, p1, p2] = attachPhones(f, 3);
    const phone = new TestPhone('a', f.clock);
    const sent = phone.message('hi all');
    p0.send(sent);
    assert.equal(nonAnnounce(p0).length, 0, 'never echoed to the ingress link');
    for (const end of [p1, p2]) {
      const got = end.received.filter((b) => b[1] === MessageType.MESSAGE);
      assert.equal(got.length, 1);
      assert.equal(got[0].length, sent.length);
      assert.equal(got[0][2], 6, 'TTL decremented');
      for (let i = 0; i < sent.length; i++) if (i !== 2) assert.equal(got[0][i], sent[i], `byte ${i}`);
    }
    const s = f.engine.stats();
    assert.equal(s.relayed, 1);
    assert.equal(s.accepted, 1);
    assert.equal(s.perLink.phone1.relayedOut >= 1, true);
  });

  test('incoming TTL above 7 is clamped to 7 (relayed with 6), never increased', () => {
    const f = makeEngine();
    const [p0, p1] = attachPhones(f, 2);
    const phone = new TestPhone('a', f.clock);
    p0.send(phone.message('ttl 200', { ttl: 200 }));
    p0.send(phone.message('ttl 3', { ttl: 3 }));
    const ttls = nonAnnounce(p1).map((d) => d.packet.ttl);
    assert.deepEqual(ttls, [6, 2]);
  });

  test('TTL <= 1 and TTL 0 are consumed locally but never relayed', () => {
    const f = makeEngine();
    const [p0, p1] = attachPhones(f, 2);
    const events: PacketEvent[] = [];
    f.engine.on('packet', (e) => events.push(e));
    const phone = new TestPhone('a', f.clock);
    p0.send(phone.message('one', { ttl: 1 }));
    p0.send(phone.message('zero', { ttl: 0 }));
    assert.equal(nonAnnounce(p1).length, 0);
    assert.equal(events.length, 2);
    assert.ok(events.every((e) => e.relayed === false));
  });

  test('request-sync (0x21) is never relayed, even with TTL 7', () => {
    const f = makeEngine();
    const [p0, p1] = attachPhones(f, 2);
    const phone = new TestPhone('a', f.clock);
    p0.send(phone.frame({ type: MessageType.REQUEST_SYNC, payload: new Uint8Array([1, 0, 1, 7]) }, false));
    assert.equal(nonAnnounce(p1).length, 0);
    assert.equal(f.engine.stats().accepted, 1);
  });

  test('a packet addressed to the gateway is delivered locally and not relayed', () => {
    const f = makeEngine();
    const [p0, p1] = attachPhones(f, 2);
    const events: PacketEvent[] = [];
    f.engine.on('packet', (e) => events.push(e));
    const phone = new TestPhone('a', f.clock);
    p0.send(phone.frame({ type: MessageType.NOISE_HANDSHAKE, recipientID: fromHex(f.identity.peerId), payload: new Uint8Array(32) }, false));
    assert.equal(nonAnnounce(p1).length, 0);
    assert.equal(events.length, 1);
    assert.equal(events[0].relayed, false);
  });

  test('own packets (sender = our peer ID) are dropped with MG_ERR_OWN_PACKET', () => {
    const f = makeEngine();
    const [p0, p1] = attachPhones(f, 2);
    const own = encodePacket({ version: 1, type: MessageType.MESSAGE, ttl: 7, timestamp: f.clock.now(), flags: 0, senderID: fromHex(f.identity.peerId), payload: new Uint8Array([1]) });
    p0.send(own);
    assert.equal(nonAnnounce(p1).length, 0);
    assert.equal(f.engine.stats().dropsByCode.MG_ERR_OWN_PACKET, 1);
    assert.equal(f.engine.stats().perLink.phone0.dropsByCode.MG_ERR_OWN_PACKET, 1);
  });

  test('duplicates are dropped and counted; the LRU key includes the payload', () => {
    const f = makeEngine();
    const [p0, p1, p2] = attachPhones(f, 3);
    const phone = new TestPhone('a', f.clock);
    const m = phone.message('once');
    p0.send(m);
    p1.send(m);
    p0.send(phone.message('other text'));
    assert.equal(nonAnnounce(p2).length, 2);
    assert.equal(f.engine.stats().duplicates, 1);
    assert.equal(f.engine.stats().perLink.phone1.dropsByCode.MG_ERR_DUPLICATE, 1);
  });

  test('a directed packet whose recipient sits behind the ingress link is not relayed at all', () => {
    const f = makeEngine();
    const [p0, p1] = attachPhones(f, 2);
    const alice = new TestPhone('alice', f.clock);
    const bob = new TestPhone('bob', f.clock);
    p0.send(bob.announce()); // bob is on phone0
    p0.send(alice.message('for bob, heard on his own link', { recipientID: bob.id }));
    assert.equal(nonAnnounce(p1).filter((d) => d.packet.type === MessageType.MESSAGE).length, 0);
    assert.equal(nonAnnounce(p0).filter((d) => d.packet.type === MessageType.MESSAGE).length, 0);
  });

  test('sync responses (RSR) are link-local: accepted but never relayed, whatever their TTL', () => {
    const f = makeEngine();
    const [p0, p1] = attachPhones(f, 2);
    const phone = new TestPhone('a', f.clock);
    p0.send(phone.message('replayed history', { timestamp: f.clock.now() - 3_600_000, flags: Flags.IS_RSR, ttl: 7 }));
    assert.equal(f.engine.stats().accepted, 1);
    assert.equal(nonAnnounce(p1).length, 0);
  });

  test('timestamp skew over 120 s is dropped while synchronised (announces too), RSR packets exempt, anything goes while unsynchronised', () => {
    const f = makeEngine();
    const [p0, p1] = attachPhones(f, 2);
    const phone = new TestPhone('a', f.clock);
    p0.send(phone.message('old', { timestamp: f.clock.now() - 121_000 }));
    p0.send(phone.message('future', { timestamp: f.clock.now() + 121_000 }));
    p0.send(phone.announce({ timestamp: f.clock.now() - 500_000 }));
    p0.send(phone.message('edge', { timestamp: f.clock.now() - 120_000 }));
    p0.send(phone.message('rsr', { timestamp: f.clock.now() - 3_600_000, flags: Flags.IS_RSR, ttl: 0 }));
    assert.equal(f.engine.stats().dropsByCode.MG_ERR_STALE_TIMESTAMP, 3);
    assert.deepEqual(nonAnnounce(p1).map((d) => new TextDecoder().decode(d.packet.payload)), ['edge']);
    assert.equal(f.engine.stats().accepted, 2, 'edge + rsr');

    f.clockState.set(false, 'test');
    p0.send(phone.message('old but unsynced', { timestamp: f.clock.now() - 900_000 }));
    assert.equal(f.engine.stats().dropsByCode.MG_ERR_STALE_TIMESTAMP, 3);
  });

  test('malformed frames are counted per link and code, and the engine keeps serving', () => {
    const f = makeEngine();
    const [p0, p1] = attachPhones(f, 2);
    p0.send(new Uint8Array([9, 9, 9]));
    p0.send(new Uint8Array([1, 2, 7, 0, 0, 0]));
    p0.send(new Uint8Array([1, 2, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 7, 8]));
    const s = f.engine.stats();
    assert.equal(s.dropsByCode.MG_ERR_BAD_VERSION, 1);
    assert.equal(s.dropsByCode.MG_ERR_FRAME_TOO_SHORT, 2);
    assert.equal(s.perLink.phone0.dropsByCode.MG_ERR_FRAME_TOO_SHORT, 2);
    assert.equal(s.received, 3);
    p0.send(new TestPhone('a', f.clock).message('still alive'));
    assert.equal(nonAnnounce(p1).length, 1);
  });

  test('degree >= 6 clamps relayed broadcast TTL to 5; directed packets keep TTL − 1', () => {
    const f = makeEngine();
    const ends = attachPhones(f, 6);
    const phone = new TestPhone('a', f.clock);
    ends[0].send(phone.message('dense'));
    assert.equal(nonAnnounce(ends[1])[0].packet.ttl, 5);
    ends[0].send(phone.message('directed', { recipientID: new Uint8Array([1, 1, 1, 1, 1, 1, 1, 1]) }));
    assert.equal(nonAnnounce(ends[1])[1].packet.ttl, 6, 'directed flood is not clamped');

    const g = makeEngine();
    const few = attachPhones(g, 5);
    few[0].send(phone.message('sparse'));
    assert.equal(nonAnnounce(few[1])[0].packet.ttl, 6);
  });

  test('a directed packet goes only to the recipient’s link when known, and floods when unknown', () => {
    const f = makeEngine();
    const [p0, p1, p2] = attachPhones(f, 3);
    const alice = new TestPhone('alice', f.clock);
    const bob = new TestPhone('bob', f.clock);
    p1.send(bob.announce()); // binds phone1 to bob
    assert.equal(f.engine.peer(bob.peerId)?.directLinkId, 'phone1');
    p0.send(alice.message('psst bob', { recipientID: bob.id }));
    assert.equal(nonAnnounce(p1).filter((d) => d.packet.type === MessageType.MESSAGE).length, 1);
    assert.equal(nonAnnounce(p2).filter((d) => d.packet.type === MessageType.MESSAGE).length, 0, 'not flooded');

    const carol = new TestPhone('carol', f.clock);
    p0.send(alice.message('psst carol', { recipientID: carol.id }));
    assert.equal(nonAnnounce(p1).filter((d) => d.packet.type === MessageType.MESSAGE).length, 2);
    assert.equal(nonAnnounce(p2).filter((d) => d.packet.type === MessageType.MESSAGE).length, 1, 'unknown recipient floods');
    assert.equal(nonAnnounce(p0).filter((d) => d.packet.type === MessageType.MESSAGE).length, 0, 'never back to the ingress');
  });

  test('the all-FF recipient is a broadcast', () => {
    const f = makeEngine();
    const [p0, p1, p2] = attachPhones(f, 3);
    p0.send(new TestPhone('a', f.clock).message('android broadcast', { recipientID: BROADCAST_ID }));
    assert.equal(nonAnnounce(p1).length, 1);
    assert.equal(nonAnnounce(p2).length, 1);
  });

  test('reverse-path learning: an unannounced sender is reached through the link it was heard on', () => {
    const f = makeEngine();
    const [p0, p1, p2] = attachPhones(f, 3);
    const dave = new TestPhone('dave', f.clock);
    const erin = new TestPhone('erin', f.clock);
    p2.send(dave.frame({ type: MessageType.NOISE_ENCRYPTED, recipientID: new Uint8Array(8).fill(3), payload: new Uint8Array(40) }, false));
    p0.send(erin.frame({ type: MessageType.NOISE_ENCRYPTED, recipientID: dave.id, payload: new Uint8Array(40) }, false));
    const toDave = (end: typeof p0) => nonAnnounce(end).filter((d) => d.packet.recipientID && bytesEqual(d.packet.recipientID, dave.id));
    assert.equal(toDave(p2).length, 1);
    assert.equal(toDave(p1).length, 0);
    assert.equal(f.engine.stats().routes, 2);
  });

  test('a v2 routed packet goes to the hop after us in its route; unknown next hop floods', () => {
    const f = makeEngine();
    const [p0, p1, p2] = attachPhones(f, 3);
    const src = new TestPhone('src', f.clock);
    const hop = new TestPhone('hop', f.clock);
    const dst = new TestPhone('dst', f.clock);
    p2.send(hop.announce()); // hop is directly on phone2
    const me = fromHex(f.identity.peerId);
    p0.send(src.frame({ version: 2, type: MessageType.NOISE_ENCRYPTED, recipientID: dst.id, route: [me, hop.id], payload: new Uint8Array(20) }, false));
    assert.equal(nonAnnounce(p2).length, 1, 'sent to the next hop');
    assert.equal(nonAnnounce(p1).length, 0);
    // last hop is us → next hop is the recipient (unknown) → flood
    p0.send(src.frame({ version: 2, type: MessageType.NOISE_ENCRYPTED, recipientID: dst.id, route: [hop.id, me], payload: new Uint8Array(21) }, false));
    assert.equal(nonAnnounce(p1).length, 1);
    assert.equal(nonAnnounce(p2).length, 2);
  });

  test('unknown types are relayed like broadcasts', () => {
    const f = makeEngine();
    const [p0, p1] = attachPhones(f, 2);
    p0.send(new TestPhone('a', f.clock).frame({ type: 0x7e, payload: new Uint8Array([1, 2, 3]) }, false));
    assert.equal(nonAnnounce(p1).length, 1);
    assert.equal(nonAnnounce(p1)[0].packet.type, 0x7e);
  });

  test('a send that throws or reports a full queue is counted per egress link and never thrown', () => {
    const f = makeEngine({ synced: false }); // no own announces on the new links
    const [p0] = attachPhones(f, 1);
    const [near1, far1] = linkPair(f.clock, ['full', 'full-far'], { latencyMs: 0 });
    const [near2] = linkPair(f.clock, ['small', 'small-far'], { latencyMs: 0, maxFrameBytes: 40 });
    f.engine.addLink(near1);
    f.engine.addLink(near2);
    near1.full = true;
    p0.send(new TestPhone('a', f.clock).message('a message longer than forty bytes, for sure'));
    const s = f.engine.stats();
    assert.equal(s.perLink.full.sendErrorsByCode.MG_ERR_LINK_QUEUE_FULL, 1);
    assert.equal(s.perLink.small.sendErrorsByCode.MG_ERR_LINK_FRAME_TOO_LARGE, 1);
    assert.equal(s.relayed, 0, 'no link took it');
    assert.equal(far1.received.length, 0);
  });

  test('originate refuses while the clock is unsynchronised, then signs, sends and suppresses its echo', () => {
    const f = makeEngine({ synced: false });
    const [p0, p1] = attachPhones(f, 2);
    const me = fromHex(f.identity.peerId);
    const pkt = { version: 1 as const, type: MessageType.MESSAGE, ttl: 7, timestamp: f.clock.now(), flags: 0, senderID: me, payload: new TextEncoder().encode('from the gateway') };
    assert.throws(() => f.engine.originate(pkt, { sign: true }), (e) => isMeshgateError(e, 'MG_ERR_CLOCK_UNSYNCED'));
    f.clockState.set(true, 'test');
    const frame = f.engine.originate(pkt, { sign: true });
    const d = decodePacket(frame);
    assert.ok(d.packet.signature, 'signed');
    for (const end of [p0, p1]) assert.equal(nonAnnounce(end).length, 1);
    p0.send(frame);
    assert.equal(f.engine.stats().dropsByCode.MG_ERR_OWN_PACKET, 1);
    assert.equal(f.engine.stats().originated >= 1, true);
  });

  test('a throwing packet listener is logged, never fatal', () => {
    const f = makeEngine();
    const [p0, p1] = attachPhones(f, 2);
    f.engine.on('packet', () => {
      throw new Error('boom');
    });
    p0.send(new TestPhone('a', f.clock).message('x'));
    assert.equal(nonAnnounce(p1).length, 1);
  });
});
