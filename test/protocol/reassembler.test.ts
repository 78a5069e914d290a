import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FragmentReassembler } from '../../src/protocol/reassembler.js';
import { fragmentPayloads, encodeFragmentPayload } from '../../src/protocol/fragment.js';
import { ManualClock } from '../../src/ports/clock.js';
import { isMeshgateError } from '../../src/errors.js';

const SENDER = '0102030405060708';
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fid = (n: number): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(4, n);
  return b;
};
const frameOf = (len: number, seed = 1): Uint8Array => Uint8Array.from({ length: len }, (_, i) => (i * 31 + seed) & 0xff);

describe('FragmentReassembler', () => {
  test('fragments arriving in any order reassemble the original frame', () => {
    const clock = new ManualClock();
    const r = new FragmentReassembler({ clock });
    const frame = frameOf(1200);
    const parts = fragmentPayloads(frame, 0x02, 469, fid(1));
    assert.deepEqual(r.add(SENDER, parts[2]), { complete: false });
    assert.deepEqual(r.add(SENDER, parts[0]), { complete: false });
    const res = r.add(SENDER, parts[1]);
    assert.ok(res.complete);
    assert.equal(res.originalType, 0x02);
    assert.equal(toHex(res.frame), toHex(frame));
    assert.deepEqual({ sets: r.stats().sets, bytes: r.stats().bytes, completed: r.stats().completed }, { sets: 0, bytes: 0, completed: 1 });
  });

  test('property: every permutation with duplicates reassembles exactly once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 16, max: 469 }), fc.nat(), (len, chunk, seed) => {
        const r = new FragmentReassembler({ clock: new ManualClock() });
        const frame = frameOf(len, seed);
        const parts = fragmentPayloads(frame, 0x01, chunk, fid(seed));
        const order = parts.map((_, i) => i).sort((a, b) => ((a * 7919 + seed) % 97) - ((b * 7919 + seed) % 97));
        const withDupes = [...order, ...order.slice(0, Math.min(2, order.length - 1))];
        let completions = 0;
        for (const i of withDupes) {
          const res = r.add(SENDER, parts[i]);
          if (res.complete) {
            completions++;
            assert.equal(toHex(res.frame), toHex(frame));
          }
        }
        // Duplicates that arrive after completion start a new (incomplete) set; none complete twice.
        assert.equal(completions, 1);
      }),
      { numRuns: 200 },
    );
  });

  test('sets are keyed by (sender, fragment ID): the same ID from two senders does not mix', () => {
    const r = new FragmentReassembler({ clock: new ManualClock() });
    const a = fragmentPayloads(frameOf(100, 1), 2, 60, fid(9));
    const b = fragmentPayloads(frameOf(100, 2), 2, 60, fid(9));
    r.add('aaaaaaaaaaaaaaaa', a[0]);
    r.add('bbbbbbbbbbbbbbbb', b[0]);
    const resB = r.add('bbbbbbbbbbbbbbbb', b[1]);
    assert.ok(resB.complete && toHex(resB.frame) === toHex(frameOf(100, 2)));
    assert.equal(r.stats().sets, 1);
  });

  test('duplicate fragments are ignored and not double-counted', () => {
    const r = new FragmentReassembler({ clock: new ManualClock() });
    const parts = fragmentPayloads(frameOf(300), 2, 100, fid(2));
    r.add(SENDER, parts[0]);
    r.add(SENDER, parts[0]);
    assert.equal(r.stats().duplicates, 1);
    assert.equal(r.stats().bytes, 100);
  });

  test('a fragment disagreeing on total is MG_ERR_BAD_FRAGMENT and the set survives', () => {
    const r = new FragmentReassembler({ clock: new ManualClock() });
    const parts = fragmentPayloads(frameOf(300), 2, 100, fid(3));
    r.add(SENDER, parts[0]);
    const liar = encodeFragmentPayload({ fragmentId: fid(3), index: 1, total: 4, originalType: 2, chunk: new Uint8Array(100) });
    assert.throws(() => r.add(SENDER, liar), (e) => isMeshgateError(e, 'MG_ERR_BAD_FRAGMENT'));
    r.add(SENDER, parts[1]);
    assert.ok(r.add(SENDER, parts[2]).complete);
  });

  test('sets expire after timeoutMs, lazily on add and on sweep()', () => {
    const clock = new ManualClock();
    const r = new FragmentReassembler({ clock }, { timeoutMs: 30_000 });
    const parts = fragmentPayloads(frameOf(300), 2, 100, fid(4));
    r.add(SENDER, parts[0]);
    clock.advance(29_999);
    assert.equal(r.sweep(), 0);
    clock.advance(1);
    assert.equal(r.sweep(), 1);
    assert.equal(r.stats().expired, 1);
    // After expiry the remaining fragments start over and cannot complete the old set.
    r.add(SENDER, parts[1]);
    assert.equal(r.add(SENDER, parts[2]).complete, false);
    clock.advance(30_000);
    r.add('ffffffffffffffff', fragmentPayloads(frameOf(300), 2, 100, fid(5))[0]); // lazy sweep on add
    assert.equal(r.stats().expired, 2);
    assert.equal(r.stats().sets, 1);
  });

  test('the 65th concurrent set evicts the oldest one', () => {
    const r = new FragmentReassembler({ clock: new ManualClock() }, { maxConcurrentSets: 64 });
    const first = fragmentPayloads(frameOf(20), 2, 10, fid(0));
    r.add(SENDER, first[0]);
    for (let i = 1; i <= 64; i++) r.add(SENDER, fragmentPayloads(frameOf(20), 2, 10, fid(i))[0]);
    assert.equal(r.stats().sets, 64);
    assert.equal(r.stats().evicted, 1);
    assert.equal(r.add(SENDER, first[1]).complete, false); // the oldest set was the one evicted
  });

  test('a set exceeding maxBytesPerSet is dropped with MG_ERR_FRAGMENT_LIMIT', () => {
    const r = new FragmentReassembler({ clock: new ManualClock() }, { maxBytesPerSet: 250 });
    const parts = fragmentPayloads(frameOf(300), 2, 100, fid(6));
    r.add(SENDER, parts[0]);
    r.add(SENDER, parts[1]);
    assert.throws(() => r.add(SENDER, parts[2]), (e) => isMeshgateError(e, 'MG_ERR_FRAGMENT_LIMIT'));
    assert.deepEqual({ sets: r.stats().sets, bytes: r.stats().bytes, dropped: r.stats().dropped }, { sets: 0, bytes: 0, dropped: 1 });
  });

  test('the total byte budget evicts the oldest other sets when that makes room', () => {
    const r = new FragmentReassembler({ clock: new ManualClock() }, { maxTotalBytes: 250, maxBytesPerSet: 250 });
    r.add(SENDER, fragmentPayloads(frameOf(200), 2, 100, fid(10))[0]);
    r.add(SENDER, fragmentPayloads(frameOf(200), 2, 100, fid(11))[0]);
    const third = fragmentPayloads(frameOf(200), 2, 100, fid(12));
    r.add(SENDER, third[0]); // 300 > 250: evicts set 10
    assert.deepEqual({ sets: r.stats().sets, bytes: r.stats().bytes, evicted: r.stats().evicted }, { sets: 2, bytes: 200, evicted: 1 });
    assert.ok(r.add(SENDER, third[1]).complete);
  });

  test('a fragment that cannot fit even after evicting every other set is rejected and evicts nothing', () => {
    const r = new FragmentReassembler({ clock: new ManualClock() }, { maxTotalBytes: 150, maxBytesPerSet: 1000 });
    r.add(SENDER, fragmentPayloads(frameOf(200), 2, 100, fid(20))[0]);
    const big = fragmentPayloads(frameOf(400), 2, 200, fid(21));
    assert.throws(() => r.add(SENDER, big[0]), (e) => isMeshgateError(e, 'MG_ERR_FRAGMENT_LIMIT'));
    assert.equal(r.stats().sets, 1);
    assert.equal(r.stats().evicted, 0);
  });

  test('a single-fragment packet completes immediately', () => {
    const r = new FragmentReassembler({ clock: new ManualClock() });
    const [only] = fragmentPayloads(frameOf(40), 0x11, 469, fid(30));
    const res = r.add(SENDER, only);
    assert.ok(res.complete && res.frame.length === 40 && res.originalType === 0x11);
  });

  test('malformed payloads are rejected with MG_ERR_BAD_FRAGMENT and counted', () => {
    const r = new FragmentReassembler({ clock: new ManualClock() });
    assert.throws(() => r.add(SENDER, new Uint8Array(5)), (e) => isMeshgateError(e, 'MG_ERR_BAD_FRAGMENT'));
    assert.equal(r.stats().rejected, 1);
  });

  test('invalid limits are MG_ERR_CONFIG_INVALID', () => {
    assert.throws(() => new FragmentReassembler({ clock: new ManualClock() }, { maxConcurrentSets: 0 }), (e) => isMeshgateError(e, 'MG_ERR_CONFIG_INVALID'));
  });

  test('fuzz: random fragment traffic never breaks the bounds', () => {
    const arbFrag = fc.record({
      sender: fc.constantFrom('a', 'b'),
      id: fc.integer({ min: 0, max: 5 }),
      index: fc.integer({ min: 0, max: 4 }),
      total: fc.integer({ min: 1, max: 5 }),
      len: fc.integer({ min: 0, max: 120 }),
      advance: fc.integer({ min: 0, max: 10_000 }),
    });
    fc.assert(
      fc.property(fc.array(arbFrag, { maxLength: 60 }), (frags) => {
        const clock = new ManualClock();
        const r = new FragmentReassembler({ clock }, { maxConcurrentSets: 3, maxBytesPerSet: 300, maxTotalBytes: 500, timeoutMs: 20_000 });
        for (const f of frags) {
          clock.advance(f.advance);
          const payload = new Uint8Array(13 + f.len);
          payload.set(fid(f.id), 0);
          payload[9] = f.index;
          payload[11] = f.total;
          payload[12] = 2;
          try {
            r.add(f.sender, payload);
          } catch (e) {
            assert.ok(isMeshgateError(e));
          }
          const s = r.stats();
          assert.ok(s.sets <= 3 && s.bytes <= 500 && s.bytes >= 0);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
