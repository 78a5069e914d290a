/** DedupCache: bounded size (evict oldest), time window, against a brute-force oracle. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DedupCache } from '../../src/mesh/dedup-cache.js';

describe('DedupCache', () => {
  test('a key is a duplicate inside the window and forgotten after it', () => {
    const c = new DedupCache({ capacity: 10, windowMs: 300_000 });
    assert.equal(c.checkAndAdd('k', 0), false);
    assert.equal(c.checkAndAdd('k', 299_999), true);
    assert.equal(c.has('k', 300_000), false);
    assert.equal(c.checkAndAdd('k', 300_000), false, 'seen again after the window: new');
    assert.equal(c.has('k', 599_999), true);
  });

  test('capacity is a hard bound: the oldest key is evicted', () => {
    const c = new DedupCache({ capacity: 3, windowMs: 1_000_000 });
    for (const k of ['a', 'b', 'c', 'd']) c.add(k, 1);
    assert.equal(c.size, 3);
    assert.equal(c.has('a', 1), false);
    assert.equal(c.has('d', 1), true);
    assert.equal(c.evicted, 1);
  });

  test('expired keys are pruned from the front', () => {
    const c = new DedupCache({ capacity: 100, windowMs: 100 });
    for (let i = 0; i < 50; i++) c.add(`k${i}`, i);
    c.prune(148);
    assert.equal(c.size, 1);
    assert.equal(c.has("k49", 148), true);
  });

  test('defaults: 10,000 keys, 5 minutes', () => {
    const c = new DedupCache();
    assert.equal(c.capacity, 10_000);
    assert.equal(c.windowMs, 300_000);
    for (let i = 0; i < 12_000; i++) c.add(`k${i}`, 0);
    assert.equal(c.size, 10_000);
  });

  test('matches a brute-force oracle (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 20 })), { maxLength: 200 }),
        (capacity, windowMs, ops) => {
          const c = new DedupCache({ capacity, windowMs });
          // oracle: list of [key, addedAt] in insertion order
          let oracle: [string, number][] = [];
          let now = 0;
          for (const [k, dt] of ops) {
            now += dt;
            const key = `k${k}`;
            const live = oracle.filter(([, at]) => now - at < windowMs);
            const expected = live.some(([kk]) => kk === key);
            if (c.checkAndAdd(key, now) !== expected) return false;
            if (!expected) {
              oracle = live.filter(([kk]) => kk !== key);
              if (oracle.length >= capacity) oracle.shift();
              oracle.push([key, now]);
            } else {
              oracle = live;
            }
            if (c.size > capacity) return false;
          }
          return true;
        },
      ),
    );
  });
});
