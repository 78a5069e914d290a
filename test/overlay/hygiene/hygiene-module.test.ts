/** The hygiene module in a real (in-process) gateway: bans persist in SQLite across a restart and expire. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gateway } from '../../../src/gateway/gateway.js';
import { loadConfig } from '../../../src/gateway/config.js';
import { silentLogger } from '../../../src/ports/logger.js';
import { ManualClock } from '../../../src/ports/clock.js';

const dir = mkdtempSync(join(tmpdir(), 'meshgate-hyg-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const config = loadConfig({
  flags: {
    'state-dir': dir,
    'http-port': '0',
    'http-host': '127.0.0.1',
    'lan-enabled': 'false',
    'gateway-enabled': 'false',
    'clock-source': 'synced',
    'hygiene-ban-ms': '60000',
  },
});
const PEER = '0123456789abcdef';

test('a ban survives a restart (SQLite hygiene_bans) and expires by itself', async () => {
  const clock = new ManualClock(Date.now());
  const g1 = new Gateway({ logger: silentLogger, clock }, config);
  await g1.start();
  g1.admission.report({ peerId: PEER, address: '198.51.100.7:4000', offence: 'downgrade', detail: 'test' });
  assert.equal(g1.admission.allowPeer(PEER, '203.0.113.1').ok, false);
  await g1.stop();

  const g2 = new Gateway({ logger: silentLogger, clock }, config);
  await g2.start();
  try {
    const p = g2.admission.allowPeer(PEER, '203.0.113.1');
    assert.equal(!p.ok && p.code, 'MG_ERR_PEER_BANNED', 'peer ban restored');
    const a = g2.admission.allowAddress('198.51.100.7', 'inbound');
    assert.equal(!a.ok && a.code, 'MG_ERR_PEER_BANNED', 'address ban restored');
    const st = (g2.status().modules as Record<string, { bans: Array<{ key: string }> }>).hygiene;
    assert.deepEqual(st.bans.map((b) => b.key).sort(), ['addr:198.51.100.7', `peer:${PEER}`]);
    clock.advance(60_000);
    assert.equal(g2.admission.allowPeer(PEER, '203.0.113.1').ok, true, 'expired');
  } finally {
    await g2.stop();
  }
});
