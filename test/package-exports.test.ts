/** The package's public entry points (package.json `exports`) resolve and expose their surface. */
import { test } from 'node:test';
import assert from 'node:assert/strict';

test('meshgate, meshgate/protocol and meshgate/mesh resolve by package name', async () => {
  const root = await import('meshgate');
  assert.equal(typeof root.createGateway, 'function');
  assert.equal(typeof root.loadConfig, 'function');
  const protocol = await import('meshgate/protocol');
  for (const name of ['decodePacket', 'encodePacket', 'signPacket', 'verifyFrame', 'decodeAnnounce', 'FragmentReassembler', 'buildGcs', 'packetId', 'duplicateKey']) {
    assert.equal(typeof (protocol as Record<string, unknown>)[name], 'function', name);
  }
  const mesh = await import('meshgate/mesh');
  assert.equal(typeof mesh.MeshEngine, 'function');
  const detection = await import('meshgate/detection');
  for (const name of ['PhiAccrualFailureDetector', 'Membership', 'RouteHold', 'Topology', 'HealthModel']) assert.equal(typeof (detection as Record<string, unknown>)[name], 'function', name);
  const qos = await import('meshgate/qos');
  for (const name of ['QosScheduler', 'LinkShaper', 'TokenBucket', 'classifyFrame', 'cakeCodelParams', 'AimdRate', 'CreditLedger']) {
    assert.equal(typeof (qos as Record<string, unknown>)[name], 'function', name);
  }
});
