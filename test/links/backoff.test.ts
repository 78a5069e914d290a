import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_RECONNECT_POLICY, reconnectDelayMs, reconnectPolicy } from '../../src/links/backoff.js';
import { isMeshgateError } from '../../src/errors.js';

describe('redial backoff (LAN and gateway links)', () => {
  test('doubles from 1 s and caps at 60 s without jitter', () => {
    const p = { ...DEFAULT_RECONNECT_POLICY, jitter: 0 };
    assert.deepEqual([0, 1, 2, 3, 5, 6, 7, 50].map((a) => reconnectDelayMs(a, p, () => 0.5)), [1000, 2000, 4000, 8000, 32000, 60000, 60000, 60000]);
  });

  test('jitter 0.2 spreads the delay over [0.8, 1.2] × base', () => {
    const p = reconnectPolicy({});
    assert.equal(reconnectDelayMs(0, p, () => 0), 800);
    assert.equal(reconnectDelayMs(0, p, () => 0.5), 1000);
    assert.equal(reconnectDelayMs(10, p, () => 0.999999), 72000);
  });

  test('property: the delay is always within the jittered bounds of the capped exponential', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.double({ min: 0, max: 0.9999, noNaN: true }),
        fc.integer({ min: 1, max: 5000 }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, u, initialMs, factor, jitter) => {
          const p = reconnectPolicy({ initialMs, maxMs: initialMs * 50, factor, jitter });
          const base = Math.min(p.maxMs, initialMs * factor ** attempt);
          const d = reconnectDelayMs(attempt, p, () => u);
          assert.ok(d >= Math.floor(base * (1 - jitter)) && d <= Math.ceil(base * (1 + jitter)), `${d} vs base ${base}`);
        },
      ),
    );
  });

  test('invalid policies are MG_ERR_CONFIG_INVALID', () => {
    for (const bad of [{ initialMs: -1 }, { factor: 0.5 }, { jitter: 2 }, { initialMs: 100, maxMs: 10 }, { maxMs: Number.NaN }]) {
      assert.throws(() => reconnectPolicy(bad), (e: unknown) => isMeshgateError(e, 'MG_ERR_CONFIG_INVALID'));
    }
  });
});
