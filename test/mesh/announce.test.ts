/**
 * Announces (bitchat-spec.md §3): verification (good, wrong sender, bad signature, key-pin
 * mismatch), direct-link binding incl. a duplicate TTL-7 announce on a second link, peer
 * expiry, link-close unbinding, and the gateway's own announces.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAnnounce, encodeAnnounce, hasCapability, Capability } from '../../src/protocol/announce.js';
import { decodePacket, encodePacket } from '../../src/protocol/codec.js';
import { fromHex, toHex } from '../../src/protocol/hex.js';
import { ed25519PrivateKey, ed25519PublicKey, generateIdentityKeys } from '../../src/protocol/keys.js';
import { MessageType } from '../../src/protocol/packet.js';
import { signPacket, verifyFrame } from '../../src/protocol/signing.js';
import type { PeerEvent } from '../../src/mesh/mesh-types.js';
import { TestPhone, attachPhones, linkPair, makeEngine, nonAnnounce } from './mesh-fixtures.js';

const announcesAt = (end: { decoded(): ReturnType<typeof decodePacket>[] }) => end.decoded().filter((d) => d.packet.type === MessageType.ANNOUNCE);

describe('announce verification', () => {
  test('a good announce adds the peer, pins its key, persists it, binds the direct link, and is relayed', () => {
    const f = makeEngine();
    const [p0, p1] = attachPhones(f, 2);
    const events: PeerEvent[] = [];
    f.engine.on('peer', (e) => events.push(e));
    const alice = new TestPhone('alice', f.clock);
    p0.send(alice.announce());
    const info = f.engine.peer(alice.peerId);
    assert.ok(info);
    assert.equal(info.nickname, 'alice');
    assert.equal(info.directLinkId, 'phone0');
    assert.equal(info.viaLinkId, 'phone0');
    assert.equal(info.hops, 0);
    assert.equal(f.store.pins.get(toHex(alice.keys.noisePublicKey)), toHex(alice.keys.signingPublicKey));
    assert.equal(f.store.getPeer(alice.peerId)?.nickname, 'alice');
    assert.deepEqual(events.map((e) => e.kind), ['added']);
    const relayed = announcesAt(p1).filter((d) => toHex(d.packet.senderID) === alice.peerId);
    assert.equal(relayed.length, 1);
    assert.equal(relayed[0].packet.ttl, 6);
  });

  test('a relayed announce (TTL < 7) does not bind the link and records the hop count', () => {
    const f = makeEngine();
    const [p0] = attachPhones(f, 1);
    const bob = new TestPhone('bob', f.clock);
    p0.send(bob.announce({ ttl: 5 }));
    const info = f.engine.peer(bob.peerId);
    assert.equal(info?.directLinkId, null);
    assert.equal(info?.viaLinkId, 'phone0');
    assert.equal(info?.hops, 2);
  });

  test('an announce whose sender ID is not the peer ID of its Noise key is dropped (MG_ERR_BAD_ANNOUNCE)', () => {
    const f = makeEngine();
    const [p0, p1] = attachPhones(f, 2);
    const alice = new TestPhone('alice', f.clock);
    const mallory = new TestPhone('mallory', f.clock);
    // mallory signs an announce carrying alice's keys under her own sender ID
    const payload = encodeAnnounce({ nickname: 'alice', noisePublicKey: alice.keys.noisePublicKey, signingPublicKey: mallory.keys.signingPublicKey });
    p0.send(mallory.announce({}, payload));
    assert.equal(f.engine.stats().dropsByCode.MG_ERR_BAD_ANNOUNCE, 1);
    assert.equal(f.engine.peers().length, 0);
    assert.equal(announcesAt(p1).filter((d) => toHex(d.packet.senderID) === mallory.peerId).length, 0, 'not relayed');
  });

  test('an announce with a bad or missing signature is dropped (MG_ERR_BAD_SIGNATURE)', () => {
    const f = makeEngine();
    const [p0] = attachPhones(f, 1);
    const alice = new TestPhone('alice', f.clock);
    const good = alice.announce();
    const bad = good.slice();
    bad[bad.length - 1] ^= 0x01;
    p0.send(bad);
    p0.send(alice.frame({ type: MessageType.ANNOUNCE, payload: decodePacket(good).packet.payload, timestamp: f.clock.now() + 1 }, false));
    assert.equal(f.engine.stats().dropsByCode.MG_ERR_BAD_SIGNATURE, 2);
    assert.equal(f.engine.peers().length, 0);
    p0.send(good);
    assert.equal(f.engine.peers().length, 1, 'the genuine copy is still accepted (a forgery does not pre-empt it)');
  });

  test('a malformed announce payload is dropped with the TLV/announce code', () => {
    const f = makeEngine();
    const [p0] = attachPhones(f, 1);
    const alice = new TestPhone('alice', f.clock);
    p0.send(alice.frame({ type: MessageType.ANNOUNCE, payload: new Uint8Array([1, 5, 97]) }));
    p0.send(alice.frame({ type: MessageType.ANNOUNCE, payload: new Uint8Array([1, 1, 97]), timestamp: f.clock.now() + 1 }));
    const s = f.engine.stats();
    assert.equal(s.dropsByCode.MG_ERR_BAD_TLV, 1);
    assert.equal(s.dropsByCode.MG_ERR_BAD_ANNOUNCE, 1);
  });

  test('a signing key different from the pinned one is refused (MG_ERR_KEY_PIN_MISMATCH) and not relayed', () => {
    const f = makeEngine();
    const [p0, p1] = attachPhones(f, 2);
    const alice = new TestPhone('alice', f.clock);
    p0.send(alice.announce());
    const other = generateIdentityKeys();
    const payload = encodeAnnounce({ nickname: 'alice2', noisePublicKey: alice.keys.noisePublicKey, signingPublicKey: other.signingPublicKey });
    const pkt = alice.packet({ type: MessageType.ANNOUNCE, payload, timestamp: f.clock.now() + 5 });
    // signed with the new key, so the signature itself verifies
    const forged = encodePacket(signPacket(pkt, ed25519PrivateKey(other.signingPrivateKey)));
    const before = announcesAt(p1).length;
    p0.send(forged);
    assert.equal(f.engine.stats().dropsByCode.MG_ERR_KEY_PIN_MISMATCH, 1);
    assert.equal(f.engine.peer(alice.peerId)?.nickname, 'alice');
    assert.equal(announcesAt(p1).length, before);

    // a fresh engine with the same (persistent) store refuses it too
    const g = makeEngine({ store: f.store });
    const [q0] = attachPhones(g, 1);
    q0.send(forged);
    assert.equal(g.engine.stats().dropsByCode.MG_ERR_KEY_PIN_MISMATCH, 1);
  });
});

describe('direct-link binding and peer lifetime', () => {
  test('a duplicate direct announce binds a second phone link once the first has closed, never while it is open', async () => {
    const f = makeEngine();
    const [p0, p1, p2] = attachPhones(f, 3);
    const alice = new TestPhone('alice', f.clock);
    const a = alice.announce();
    p0.send(a);
    assert.equal(f.engine.peer(alice.peerId)?.directLinkId, 'phone0');
    // the TTL byte is unsigned: a neighbour handing our relay back with TTL 7 must not steal the binding
    p1.send(a);
    assert.equal(f.engine.stats().duplicates, 1);
    assert.equal(f.engine.peer(alice.peerId)?.directLinkId, 'phone0');
    await p0.close(); // her first connection drops
    p1.send(a); // same announce over her second connection
    assert.equal(f.engine.peer(alice.peerId)?.directLinkId, 'phone1');
    await p1.close();
    // a tampered duplicate (same dedup key prefix is not enough) does not bind
    const t = a.slice();
    t[t.length - 1] ^= 0x80;
    p2.send(t);
    assert.equal(f.engine.peer(alice.peerId)?.directLinkId, null);
  });

  test('an older or sync-response announce does not roll a peer back or move its links', () => {
    const f = makeEngine();
    const [p0, p1] = attachPhones(f, 2);
    const alice = new TestPhone('alice', f.clock);
    const old = alice.announce();
    f.clock.advance(1000);
    const fresh = alice.announce();
    p0.send(fresh);
    const seen = f.engine.peer(alice.peerId)!;
    assert.equal(seen.directLinkId, 'phone0');
    f.clock.advance(5000);
    p1.send(old); // an older announce replayed on another link
    const after = f.engine.peer(alice.peerId)!;
    assert.equal(after.directLinkId, 'phone0');
    assert.equal(after.viaLinkId, 'phone0');
    assert.equal(after.lastSeen, seen.lastSeen);
  });

  test('our own announce verifies even when its payload compresses (long nickname), and so does a signed uncompressed origination', () => {
    const f = makeEngine({ nickname: 'Bahnhof Gateway '.repeat(5) });
    const [p0] = attachPhones(f, 1);
    const ours = p0.received.map((b) => decodePacket(b)).filter((d) => d.packet.type === MessageType.ANNOUNCE);
    assert.equal(ours.length, 1);
    assert.ok(ours[0].compressed, 'the 80-character nickname made the payload compressible');
    assert.ok(verifyFrame(ours[0], f.identity.keys.signingPublicKey));
    const frame = f.engine.originate(
      { version: 1, type: MessageType.MESSAGE, ttl: 7, timestamp: f.clock.now(), flags: 0, senderID: fromHex(f.identity.peerId), payload: new TextEncoder().encode('x'.repeat(300)) },
      { sign: true, compress: false },
    );
    const d = decodePacket(frame);
    assert.equal(d.compressed, false);
    assert.ok(verifyFrame(d, f.identity.keys.signingPublicKey));
  });

  test('a direct announce over a gateway link does not bind it', () => {
    const f = makeEngine();
    const [near] = linkPair(f.clock, ['gw', 'gw-far'], { gateway: true, latencyMs: 0 });
    f.engine.addLink(near);
    const alice = new TestPhone('alice', f.clock);
    near.other!.send(alice.announce());
    assert.equal(f.engine.peer(alice.peerId)?.directLinkId, null);
    assert.equal(f.engine.peer(alice.peerId)?.viaLinkId, 'gw');
  });

  test('closing a link unbinds its peers; stale peers expire after peerExpiryMs', async () => {
    const f = makeEngine({ peerExpiryMs: 180_000, sweepIntervalMs: 10_000 });
    const [p0, p1] = attachPhones(f, 2);
    const alice = new TestPhone('alice', f.clock);
    const bob = new TestPhone('bob', f.clock);
    p0.send(alice.announce());
    p1.send(bob.announce({ ttl: 4 }));
    const removed: string[] = [];
    f.engine.on('peer', (e) => {
      if (e.kind === 'removed') removed.push(e.peer.peerId);
    });
    await p0.close();
    assert.equal(f.engine.degree, 1);
    const a = f.engine.peer(alice.peerId);
    assert.equal(a?.directLinkId, null);
    assert.equal(a?.viaLinkId, null);
    f.clock.advance(170_000);
    assert.deepEqual(removed, []);
    f.clock.advance(20_000);
    assert.deepEqual(removed.sort(), [alice.peerId, bob.peerId].sort());
    assert.equal(f.engine.peers().length, 0);
  });

  test('a peer bound to an open direct link does not expire', () => {
    const f = makeEngine({ peerExpiryMs: 60_000, announceIntervalMinMs: 1_000_000, announceIntervalMaxMs: 1_000_000 });
    const [p0] = attachPhones(f, 1);
    const alice = new TestPhone('alice', f.clock);
    p0.send(alice.announce());
    f.clock.advance(300_000);
    assert.ok(f.engine.peer(alice.peerId));
  });

  test('verified messages from a known peer refresh its route; a bad signature from a known peer is dropped; unknown keys count unverified', () => {
    const f = makeEngine();
    const [p0, p1, p2] = attachPhones(f, 3);
    const alice = new TestPhone('alice', f.clock);
    p0.send(alice.announce({ ttl: 6 }));
    p1.send(alice.message('via phone1'));
    assert.equal(f.engine.peer(alice.peerId)?.viaLinkId, 'phone1');
    const forged = alice.message('forged', {}, false);
    p2.send(forged);
    assert.equal(f.engine.stats().dropsByCode.MG_ERR_BAD_SIGNATURE, 1);
    assert.equal(f.engine.peer(alice.peerId)?.viaLinkId, 'phone1', 'a rejected packet does not move the route');
    const stranger = new TestPhone('stranger', f.clock);
    p2.send(stranger.message('hello'));
    assert.equal(f.engine.stats().unverified, 1);
    assert.equal(nonAnnounce(p0).filter((d) => d.packet.type === MessageType.MESSAGE).length, 2, 'alice via phone1 + stranger');
  });
});

describe('own announces', () => {
  test('a new link gets a signed TTL-7 announce with our keys, neighbours and gateway|bridge capabilities', () => {
    const f = makeEngine();
    const [p0] = attachPhones(f, 1);
    const alice = new TestPhone('alice', f.clock);
    p0.send(alice.announce());
    f.clock.advance(2_000);
    const [p1] = attachPhones(f, 1, 'late');
    const got = announcesAt(p1);
    assert.equal(got.length, 1);
    const d = got[0];
    assert.equal(d.packet.ttl, 7);
    assert.equal(d.packet.version, 1);
    assert.equal(toHex(d.packet.senderID), f.identity.peerId);
    assert.ok(verifyFrame(d, ed25519PublicKey(f.identity.keys.signingPublicKey)));
    const a = decodeAnnounce(d.packet.payload);
    assert.equal(a.nickname, 'gw');
    assert.equal(toHex(a.noisePublicKey), toHex(f.identity.keys.noisePublicKey));
    assert.deepEqual(a.neighbors?.map(toHex), [alice.peerId]);
    assert.ok(hasCapability(a.capabilities, Capability.GATEWAY));
    assert.ok(hasCapability(a.capabilities, Capability.BRIDGE));
  });

  test('announces repeat every 15-30 s on all links, at most once a second per link', () => {
    const f = makeEngine();
    const [p0, p1] = attachPhones(f, 2);
    assert.equal(announcesAt(p0).length, 1);
    f.clock.advance(14_999);
    assert.equal(announcesAt(p0).length, 1, 'nothing before 15 s');
    f.clock.advance(15_001);
    assert.equal(announcesAt(p0).length, 2);
    assert.equal(announcesAt(p1).length, 2);
    f.clock.advance(300_000);
    const n = announcesAt(p0).length;
    assert.ok(n >= 2 + 10 && n <= 2 + 20, `${n} announces in 300 s`);
  });

  test('announceNow respects the 1 s per-link gap', () => {
    const f = makeEngine();
    const [p0] = attachPhones(f, 1);
    assert.equal(f.engine.announceNow(), 0);
    f.clock.advance(1_000);
    assert.equal(f.engine.announceNow(), 1);
    assert.equal(announcesAt(p0).length, 2);
  });

  test('no announces while the clock is unsynchronised; announces as soon as it becomes synchronised', () => {
    const f = makeEngine({ synced: false });
    const [p0] = attachPhones(f, 1);
    f.clock.advance(120_000);
    assert.equal(announcesAt(p0).length, 0);
    f.clockState.set(true, 'test');
    assert.equal(announcesAt(p0).length, 1);
  });

  test('stop cancels every timer and detaches from links', () => {
    const f = makeEngine({ relayJitter: true });
    const [p0, p1] = attachPhones(f, 2);
    p0.send(new TestPhone('a', f.clock).message('pending'));
    assert.equal(f.engine.stats().scheduledRelays, 1);
    f.engine.stop();
    assert.equal(f.clock.pending, 0, 'no timers left');
    assert.equal(f.engine.degree, 0);
    p0.send(new TestPhone('b', f.clock).message('ignored'));
    assert.equal(f.engine.stats().received, 1);
    assert.equal(nonAnnounce(p1).length, 0);
  });
});
