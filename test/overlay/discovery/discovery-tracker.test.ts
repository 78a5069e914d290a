import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DiscoveryTracker, pickAddress, type ServiceSighting } from '../../../src/overlay/discovery/discovery-tracker.js';

const LOW = '1111111111111111';
const MID = '5555555555555555';
const HIGH = 'eeeeeeeeeeeeeeee';
const sighting = (id: string, over: Partial<ServiceSighting> = {}): ServiceSighting => ({
  name: `meshgate-${id}`,
  addresses: ['192.168.1.20', 'fe80::1'],
  refererAddress: '192.168.1.20',
  port: 7778,
  txt: { id, v: '0.1.0', path: '/meshgate', s: 'ws' },
  ...over,
});

test('only the lower peer ID dials: one link between two gateways that see each other', () => {
  const mid = new DiscoveryTracker({ selfPeerId: MID });
  const r1 = mid.up(sighting(HIGH), 1);
  assert.equal(r1.action, 'dial');
  assert.equal(r1.action === 'dial' && r1.gateway.url, 'ws://192.168.1.20:7778/meshgate');
  assert.equal(mid.up(sighting(LOW), 2).action, 'await', 'the lower one dials us');
  assert.deepEqual(mid.up(sighting(MID), 3), { action: 'ignore', reason: 'self' });
  assert.deepEqual(mid.up(sighting(HIGH), 4), { action: 'ignore', reason: 'known' });
  const moved = mid.up(sighting(HIGH, { refererAddress: '192.168.1.21', addresses: ['192.168.1.21'] }), 5);
  assert.equal(moved.action === 'dial' && moved.gateway.url, 'ws://192.168.1.21:7778/meshgate', 'a moved gateway is dialled at its new address');
  assert.equal(mid.down(`meshgate-${HIGH}`)?.peerId, HIGH);
  assert.equal(mid.down(`meshgate-${HIGH}`), undefined);
  assert.deepEqual({ ...mid.stats(), rejected: undefined }, { tracked: 1, seen: 5, dialled: 2, awaited: 1, gone: 1, rejected: undefined });
});

test('invalid TXT records are rejected with MG_ERR_DISCOVERY_INVALID; the table is bounded', () => {
  const t = new DiscoveryTracker({ selfPeerId: LOW }, { maxServices: 1 });
  const bad: Array<Partial<ServiceSighting>> = [
    { txt: { id: 'xyz' } },
    { txt: { id: HIGH, path: 'no-slash' } },
    { txt: { id: HIGH, s: 'http' } },
    { txt: { id: HIGH, v: 'one' } },
    { port: 0 },
    { addresses: [], refererAddress: undefined },
  ];
  for (const b of bad) {
    const r = t.up(sighting(HIGH, b), 1);
    assert.ok(r.action === 'reject' && r.code === 'MG_ERR_DISCOVERY_INVALID', JSON.stringify(b));
  }
  assert.equal(t.up(sighting(HIGH, { txt: { id: new TextEncoder().encode(HIGH) } }), 1).action, 'dial', 'binary TXT values are decoded; defaults fill v/path/s');
  const full = t.up(sighting(MID), 2);
  assert.ok(full.action === 'reject' && full.code === 'MG_ERR_DISCOVERY_FULL');
  assert.deepEqual(t.stats().rejected, { MG_ERR_DISCOVERY_INVALID: 6, MG_ERR_DISCOVERY_FULL: 1 });
});

test('address choice: the responder address when it is the service\'s, else IPv4 first; IPv6 is bracketed', () => {
  assert.equal(pickAddress({ addresses: ['fe80::1', '10.0.0.2'], refererAddress: '10.0.0.9' }), '10.0.0.2');
  assert.equal(pickAddress({ addresses: [], refererAddress: '10.0.0.9' }), '10.0.0.9');
  const t = new DiscoveryTracker({ selfPeerId: LOW });
  const r = t.up(sighting(HIGH, { addresses: ['fd00::2'], refererAddress: undefined }), 1);
  assert.equal(r.action === 'dial' && r.gateway.url, 'ws://[fd00::2]:7778/meshgate');
});
