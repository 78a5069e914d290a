/** ClockState: flag, snapshot, and flip notifications. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClockState } from '../../src/mesh/clock-state.js';

test('ClockState starts unsynchronised, records checks and notifies only on flips', () => {
  const c = new ClockState();
  assert.equal(c.isSynchronized(), false);
  assert.deepEqual(c.snapshot(), { synchronized: false, source: 'unknown', detail: '', checkedAt: null });
  const seen: boolean[] = [];
  const off = c.onChange((s) => seen.push(s));
  c.onChange(() => {
    throw new Error('ignored');
  });
  c.set(true, 'timedatectl', 'NTPSynchronized=yes', 1234);
  c.set(true, 'timedatectl', 'NTPSynchronized=yes', 5678);
  assert.deepEqual(seen, [true]);
  assert.deepEqual(c.snapshot(), { synchronized: true, source: 'timedatectl', detail: 'NTPSynchronized=yes', checkedAt: 5678 });
  off();
  c.set(false, 'chronyc');
  assert.deepEqual(seen, [true]);
  assert.equal(c.isSynchronized(), false);
  assert.equal(new ClockState({ synchronized: true }).isSynchronized(), true);
});
