/** PeerTable bounds, route learning, unbinding and expiry. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ed25519PublicKey, generateIdentityKeys } from '../../src/protocol/keys.js';
import { PeerTable, type PeerEntry } from '../../src/mesh/peer-table.js';

const key = ed25519PublicKey(generateIdentityKeys().signingPublicKey);

function entry(id: string, lastSeen: number, directLinkId?: string): PeerEntry {
  return {
    peerId: id,
    peerIdBytes: new Uint8Array(8),
    nickname: id,
    noisePublicKey: new Uint8Array(32),
    signingPublicKey: new Uint8Array(32),
    signingKey: key,
    capabilities: 0,
    firstSeen: lastSeen,
    lastSeen,
    directLinkId,
    viaLinkId: directLinkId,
    hops: 0,
    persistedAt: 0,
    announcedAt: 0,
  };
}

describe('PeerTable', () => {
  test('maxPeers evicts the least recently seen peer', () => {
    const t = new PeerTable({ maxPeers: 2 });
    t.upsert(entry('a', 1));
    t.upsert(entry('b', 2));
    t.touch(t.get('a')!);
    const evicted = t.upsert(entry('c', 3));
    assert.equal(evicted?.peerId, 'b');
    assert.deepEqual(t.list().map((p) => p.peerId), ['c', 'a']);
  });

  test('eviction skips peers on an open direct link (a flood of new identities cannot push out connected phones)', () => {
    const t = new PeerTable({ maxPeers: 2 });
    const isOpen = (id: string) => id === 'L-phone';
    t.upsert(entry('connected', 1, 'L-phone'), isOpen);
    t.upsert(entry('gone', 2, 'L-closed'), isOpen);
    const evicted = t.upsert(entry('newcomer', 3), isOpen);
    assert.equal(evicted?.peerId, 'gone');
    assert.ok(t.get('connected'));
    const full = new PeerTable({ maxPeers: 2 });
    full.upsert(entry('a', 1, 'La'), () => true);
    full.upsert(entry('b', 2, 'Lb'), () => true);
    assert.equal(full.upsert(entry('c', 3, 'Lc'), () => true)?.peerId, 'a', 'when every peer is connected, the oldest still goes');
  });

  test('learned routes are bounded separately and never evict announced peers', () => {
    const t = new PeerTable({ maxPeers: 2, maxRoutes: 3 });
    t.upsert(entry('a', 1, 'L1'));
    for (let i = 0; i < 10; i++) t.learnRoute(`r${i}`, 'L2', i);
    assert.equal(t.routeCount, 3);
    assert.equal(t.size, 1);
    assert.deepEqual(t.linksFor('r9'), [undefined, 'L2']);
    assert.deepEqual(t.linksFor('r0'), [undefined, undefined]);
    t.learnRoute('a', 'L9', 5);
    assert.deepEqual(t.linksFor('a'), ['L1', 'L1'], 'announced peers are not re-routed by learnRoute');
  });

  test('announcing drops the learned route; unbindLink clears bindings and routes', () => {
    const t = new PeerTable();
    t.learnRoute('x', 'L1', 0);
    t.upsert(entry('x', 1, 'L1'));
    assert.equal(t.routeCount, 0);
    t.learnRoute('y', 'L1', 2);
    const changed = t.unbindLink('L1');
    assert.deepEqual(changed.map((p) => p.peerId), ['x']);
    assert.deepEqual(t.linksFor('x'), [undefined, undefined]);
    assert.equal(t.routeCount, 0);
  });

  test('expire removes stale peers unless bound to an open link', () => {
    const t = new PeerTable();
    t.upsert(entry('old', 0));
    t.upsert(entry('bound', 0, 'open'));
    t.upsert(entry('fresh', 100));
    t.learnRoute('r', 'L', 0);
    const removed = t.expire(150, 100, (id) => id === 'open');
    assert.deepEqual(removed.map((p) => p.peerId), ['old']);
    assert.equal(t.size, 2);
    assert.equal(t.routeCount, 0);
  });

  test('directNeighbours lists peers on open direct links, most recent first, up to a limit', () => {
    const t = new PeerTable();
    for (let i = 0; i < 12; i++) t.upsert(entry(`p${i}`, i, `L${i}`));
    const n = t.directNeighbours(10, (id) => id !== 'L11');
    assert.equal(n.length, 10);
    assert.equal(n[0].peerId, 'p10');
  });
});
