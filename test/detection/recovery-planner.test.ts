/** RecoveryPlanner (src/gateway/modules/recovery-planner.ts): bridge dials learnt from gossip are bounded. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Topology } from '../../src/detection/index.js';
import { MAX_BRIDGE_DIALS, RecoveryPlanner } from '../../src/gateway/modules/recovery-planner.js';
import type { GatewayDialer } from '../../src/gateway/module.js';

const id = (n: number) => n.toString(16).padStart(16, '0');

test('each lost gateway may start a bridge dial, but at most MAX_BRIDGE_DIALS stay dialled: the oldest is hung up', () => {
  const self = id(0xfff);
  const topology = new Topology({ self, ttlMs: 10_000 });
  const dials: Array<{ url: string; source: string; linkId: string | undefined }> = [];
  const hungUp: string[] = [];
  const dialer: GatewayDialer = {
    dial: (url, opts) => (dials.push({ url, source: opts?.source ?? 'x', linkId: undefined }), true),
    hangup: (url) => {
      hungUp.push(url);
      dials.splice(dials.findIndex((d) => d.url === url), 1);
    },
    dialled: () => dials,
    registerScheme: () => undefined,
  };
  const planner = new RecoveryPlanner({ topology, dialer, gatewayLinks: () => [] }, { self });
  for (let i = 1; i <= 10; i++) {
    // gateway i is known (via gossip) to be dialled at ws://h<i>/meshgate by gateway 100+i
    assert.equal(topology.accept({ origin: id(100 + i), seq: 1, neighbours: [id(i)], phones: [], urls: { [id(i)]: `ws://h${i}/meshgate` }, receivedAt: 1 }), true);
    const plan = planner.plan(id(i));
    assert.ok(plan.strategies.includes('bridge'), JSON.stringify(plan));
  }
  assert.equal(dials.length, MAX_BRIDGE_DIALS);
  assert.deepEqual(dials.map((d) => d.url), [7, 8, 9, 10].map((i) => `ws://h${i}/meshgate`));
  assert.deepEqual(hungUp, [1, 2, 3, 4, 5, 6].map((i) => `ws://h${i}/meshgate`));
});
