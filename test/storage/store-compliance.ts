/**
 * The store compliance suite (DESIGN.md §5): every PeerStore and CounterStore
 * implementation runs these same tests (SQLite in sqlite-stores.test.ts, in-memory in
 * memory-stores.test.ts). Modelled on libp2p's interface-compliance-tests.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { CounterStore, PeerRecord, PeerStore } from '../../src/ports/stores.js';
import { isMeshgateError } from '../../src/errors.js';
import { COUNTER_OVERFLOW_NAME, type CounterStoreBounds, type PeerStoreBounds } from '../../src/storage/index.js';

const hex = (n: number, bytes: number): string => n.toString(16).padStart(bytes * 2, '0');

/** A well-formed record for peer number `n`, seen at `lastSeen`. */
export function peer(n: number, lastSeen: number, extra: Partial<PeerRecord> = {}): PeerRecord {
  return {
    peerId: hex(n, 8),
    nickname: `peer-${n}`,
    noisePublicKey: hex(n, 32),
    signingPublicKey: hex(n + 1_000_000, 32),
    firstSeen: lastSeen,
    lastSeen,
    ...extra,
  };
}

/** Brute-force oracle of the PeerStore contract (peers only): keep all, sort, evict the last. */
function oracleApply(model: Map<string, PeerRecord>, r: PeerRecord, maxPeers: number): void {
  const old = model.get(r.peerId);
  model.set(r.peerId, { ...r, firstSeen: old ? old.firstSeen : r.firstSeen });
  if (old) return;
  while (model.size > maxPeers) {
    const sorted = oracleList(model);
    model.delete(sorted[sorted.length - 1].peerId);
  }
}

function oracleList(model: Map<string, PeerRecord>): PeerRecord[] {
  return [...model.values()].sort((a, b) => b.lastSeen - a.lastSeen || (a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0));
}

/** Run the PeerStore compliance tests against `make(bounds)`, which returns a fresh, empty store. */
export function peerStoreCompliance(name: string, make: (bounds?: PeerStoreBounds) => PeerStore): void {
  describe(`PeerStore compliance: ${name}`, () => {
    test('an empty store knows no peers and no pins', () => {
      const s = make();
      assert.equal(s.getPeer(peer(1, 0).peerId), undefined);
      assert.deepEqual(s.listPeers(), []);
      assert.equal(s.getPinnedSigningKey(hex(1, 32)), undefined);
    });

    test('a peer read back equals the peer written', () => {
      const s = make();
      const p = peer(7, 1_700_000_000_123, { nickname: 'ünïcode 🐝' });
      s.upsertPeer(p);
      assert.deepEqual(s.getPeer(p.peerId), p);
      assert.deepEqual(s.listPeers(), [p]);
    });

    test('an update keeps firstSeen from the first insert and replaces everything else', () => {
      const s = make();
      s.upsertPeer(peer(1, 1000));
      const newer = peer(1, 5000, { nickname: 'renamed', signingPublicKey: hex(99, 32), firstSeen: 4000 });
      s.upsertPeer(newer);
      assert.deepEqual(s.getPeer(newer.peerId), { ...newer, firstSeen: 1000 });
      assert.equal(s.listPeers().length, 1);
    });

    test('records handed out are copies: mutating them does not change the store', () => {
      const s = make();
      const p = peer(2, 100);
      s.upsertPeer(p);
      p.nickname = 'mutated-input';
      const got = s.getPeer(p.peerId)!;
      assert.equal(got.nickname, 'peer-2');
      got.nickname = 'mutated-output';
      s.listPeers()[0].lastSeen = 0;
      assert.equal(s.getPeer(p.peerId)!.nickname, 'peer-2');
      assert.equal(s.getPeer(p.peerId)!.lastSeen, 100);
    });

    test('listPeers is most recently seen first (ties by peer ID), and honours the limit', () => {
      const s = make();
      s.upsertPeer(peer(1, 10));
      s.upsertPeer(peer(3, 30));
      s.upsertPeer(peer(2, 30));
      s.upsertPeer(peer(4, 20));
      assert.deepEqual(s.listPeers().map((p) => p.nickname), ['peer-2', 'peer-3', 'peer-4', 'peer-1']);
      assert.deepEqual(s.listPeers(2).map((p) => p.nickname), ['peer-2', 'peer-3']);
      assert.deepEqual(s.listPeers(0), []);
    });

    test('listPeers defaults to at most 1000 peers', () => {
      const s = make();
      for (let i = 0; i < 1005; i++) s.upsertPeer(peer(i, i));
      const list = s.listPeers();
      assert.equal(list.length, 1000);
      assert.equal(list[0].nickname, 'peer-1004');
      assert.equal(s.listPeers(2000).length, 1005);
    });

    test('the first pin for a Noise key wins; later pins are ignored', () => {
      const s = make();
      const noise = hex(5, 32);
      s.pinSigningKey(noise, hex(50, 32), 1000);
      s.pinSigningKey(noise, hex(51, 32), 2000);
      assert.equal(s.getPinnedSigningKey(noise), hex(50, 32));
      s.pinSigningKey(hex(6, 32), hex(60, 32), 3000);
      assert.equal(s.getPinnedSigningKey(hex(6, 32)), hex(60, 32));
      assert.equal(s.getPinnedSigningKey(noise), hex(50, 32));
    });

    test('past maxPeers the least recently seen peer is evicted; a fresh lastSeen protects a peer', () => {
      const s = make({ maxPeers: 3 });
      s.upsertPeer(peer(1, 100));
      s.upsertPeer(peer(2, 200));
      s.upsertPeer(peer(3, 300));
      s.upsertPeer(peer(1, 400)); // peer 1 seen again: now the newest
      s.upsertPeer(peer(4, 500));
      assert.equal(s.getPeer(peer(2, 0).peerId), undefined, 'peer 2 was least recently seen');
      assert.deepEqual(s.listPeers().map((p) => p.nickname), ['peer-4', 'peer-1', 'peer-3']);
      assert.equal(s.getPeer(peer(1, 0).peerId)!.firstSeen, 100);
    });

    test('past maxPinnedKeys the oldest pin is evicted', () => {
      const s = make({ maxPinnedKeys: 2 });
      s.pinSigningKey(hex(1, 32), hex(11, 32), 100);
      s.pinSigningKey(hex(2, 32), hex(12, 32), 200);
      s.pinSigningKey(hex(1, 32), hex(99, 32), 900); // ignored: already pinned, does not refresh
      s.pinSigningKey(hex(3, 32), hex(13, 32), 300);
      assert.equal(s.getPinnedSigningKey(hex(1, 32)), undefined);
      assert.equal(s.getPinnedSigningKey(hex(2, 32)), hex(12, 32));
      assert.equal(s.getPinnedSigningKey(hex(3, 32)), hex(13, 32));
    });

    test('a bound that is not a positive integer is refused with MG_ERR_STORAGE', () => {
      assert.throws(() => make({ maxPeers: 0 }), (e) => isMeshgateError(e, 'MG_ERR_STORAGE'));
      assert.throws(() => make({ maxPinnedKeys: 1.5 }), (e) => isMeshgateError(e, 'MG_ERR_STORAGE'));
    });

    test('property: any sequence of upserts matches the brute-force oracle', () => {
      const op = fc.record({ n: fc.integer({ min: 0, max: 12 }), t: fc.integer({ min: 0, max: 50 }), nick: fc.constantFrom('a', 'b', 'c') });
      fc.assert(
        fc.property(fc.array(op, { maxLength: 40 }), fc.integer({ min: 1, max: 8 }), (ops, maxPeers) => {
          const s = make({ maxPeers });
          const model = new Map<string, PeerRecord>();
          for (const o of ops) {
            const r = peer(o.n, o.t, { nickname: o.nick });
            s.upsertPeer(r);
            oracleApply(model, r, maxPeers);
          }
          assert.deepEqual(s.listPeers(Infinity), oracleList(model));
        }),
        { numRuns: 150 },
      );
    });
  });
}

/** Run the CounterStore compliance tests against `make(bounds)`, which returns a fresh, empty store. */
export function counterStoreCompliance(name: string, make: (bounds?: CounterStoreBounds) => CounterStore): void {
  describe(`CounterStore compliance: ${name}`, () => {
    test('an unknown counter reads 0 and all() is empty', () => {
      const s = make();
      assert.equal(s.get('nope'), 0);
      assert.deepEqual(s.all(), {});
    });

    test('increment adds 1 by default, or the given amount (negative too)', () => {
      const s = make();
      s.increment('starts');
      s.increment('starts');
      s.increment('bytes', 1500);
      s.increment('bytes', 500);
      s.increment('gauge', 5);
      s.increment('gauge', -2);
      assert.equal(s.get('starts'), 2);
      assert.equal(s.get('bytes'), 2000);
      assert.equal(s.get('gauge'), 3);
      assert.deepEqual(s.all(), { bytes: 2000, gauge: 3, starts: 2 });
    });

    test('all() is a snapshot, not a live view', () => {
      const s = make();
      s.increment('x');
      const snap = s.all();
      snap.x = 100;
      s.increment('x');
      assert.equal(s.get('x'), 2);
      assert.equal(snap.x, 100);
    });

    test('a non-finite increment is refused with MG_ERR_STORAGE and changes nothing', () => {
      const s = make();
      s.increment('x', 2);
      for (const bad of [NaN, Infinity, -Infinity]) assert.throws(() => s.increment('x', bad), (e) => isMeshgateError(e, 'MG_ERR_STORAGE'));
      assert.equal(s.get('x'), 2);
    });

    test('past maxCounters, increments of new names go to the overflow counter; known names still count', () => {
      const s = make({ maxCounters: 2 });
      s.increment('a');
      s.increment('b');
      s.increment('c', 5);
      s.increment('d');
      s.increment('a', 10);
      assert.equal(s.get('c'), 0);
      assert.equal(s.get('a'), 11);
      assert.equal(s.get(COUNTER_OVERFLOW_NAME), 6);
      assert.deepEqual(Object.keys(s.all()).sort(), ['a', 'b', COUNTER_OVERFLOW_NAME].sort());
    });

    test('property: counters equal the sum of their increments', () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.constantFrom('rx', 'tx', 'drop.MG_ERR_DUPLICATE', 'ünï'), fc.integer({ min: -1000, max: 1_000_000 }))), (incs) => {
          const s = make();
          const want: Record<string, number> = {};
          for (const [n, by] of incs) {
            s.increment(n, by);
            want[n] = (want[n] ?? 0) + by;
          }
          assert.deepEqual(s.all(), want);
          for (const [n, v] of Object.entries(want)) assert.equal(s.get(n), v);
        }),
        { numRuns: 100 },
      );
    });
  });
}
