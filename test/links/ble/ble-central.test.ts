/**
 * The noble central adapter, driven through the real noble `Noble` class on fake bindings:
 * scanning, RSSI floor, MTU request, pacing, timeout and back-off, address rotation,
 * write flow control and disconnects mid-fragment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ManualClock } from '../../../src/ports/clock.js';
import { BITCHAT_SERVICE_UUID, undashedUuid, MIN_CONNECT_INTERVAL_MS, DEFAULT_CONNECT_TIMEOUT_MS } from '../../../src/links/ble/index.js';
import { MessageType } from '../../../src/protocol/packet.js';
import { waitFor } from '../link-compliance.js';
import { BitchatPhone } from './ble-phone.js';
import { FakeNobleBindings } from './fake-noble-bindings.js';
import { GATEWAY_PEER_ID, startCentral } from './ble-harness.js';

const turn = () => new Promise<void>((r) => setImmediate(r));

test('scans for the bitchat service, connects requesting MTU 517, subscribes; Android gets 517, iOS 185', async () => {
  const c = await startCentral();
  try {
    assert.deepEqual(c.radio.scanFilter, [undashedUuid(BITCHAT_SERVICE_UUID)]);
    const droid = new BitchatPhone('droid', 'android');
    const android = c.radio.addPeripheral({ id: 'a1', address: '11:11:11:11:11:11', advertisedPeerId: droid.peerId, maxMtu: 517 });
    android.advertise();
    await waitFor(() => c.links.length === 1 && android.subscribed, 3_000, 'android link');
    const link = c.links[0];
    assert.equal(link.kind, 'ble-central');
    assert.equal(link.mtu, 517);
    assert.equal(link.telemetry().advertisedPeerId, droid.peerId);
    assert.equal(link.telemetry().rssiDbm, -50);
    // notifications in, one whole packet each
    const got: Uint8Array[] = [];
    link.on('frame', (f) => got.push(f));
    droid.send = (v) => android.notify(v);
    const ann = droid.announce();
    await waitFor(() => got.length === 1, 2_000, 'notification');
    assert.ok(Buffer.from(got[0]).equals(Buffer.from(ann)));
    // the iOS phone only grants 185 and advertises no peer ID
    const ios = c.radio.addPeripheral({ id: 'i1', address: '22:22:22:22:22:22', maxMtu: 185 });
    ios.advertise();
    await waitFor(() => c.links.length === 2 && ios.subscribed, 3_000, 'ios link');
    assert.equal(c.links[1].mtu, 185);
    assert.equal(c.links[1].maxFrameBytes, 182);
    assert.equal(c.links[1].telemetry().advertisedPeerId, null);
    const s = c.adapter.status();
    assert.equal(s.state, 'poweredOn');
    assert.equal(s.scanning, true);
    assert.equal(s.peripherals, 2);
  } finally {
    await c.adapter.stop();
  }
});

test('write-without-response: one operation in flight, in order; a 2 KB packet goes out as whole-packet fragments', async () => {
  const c = await startCentral();
  try {
    const phone = c.radio.addPeripheral({ id: 'a2', address: '11:11:11:11:11:12', advertisedPeerId: 'aaaaaaaaaaaaaaaa' });
    phone.advertise();
    await waitFor(() => c.links.length === 1 && phone.subscribed, 3_000, 'link');
    const link = c.links[0];
    const rx = new BitchatPhone('rx', 'android');
    phone.onWrite = (v) => rx.receive(v);
    const sender = new BitchatPhone('far', 'android');
    const big = sender.frame(MessageType.MESSAGE, randomBytes(2_048));
    assert.equal(link.send(big), true);
    const expected = Math.ceil(big.length / 469);
    // only one write is handed to noble per turn: the rest wait in the link's queue
    assert.equal(c.radio.rawWrites, 1);
    assert.equal(link.queued, expected - 1);
    await waitFor(() => rx.received.length === 1, 2_000, 'reassembled');
    assert.equal(phone.writes.length, expected);
    assert.equal(rx.undecodable, 0);
    assert.ok(rx.largestValue <= 512);
  } finally {
    await c.adapter.stop();
  }
});

test('devices under the RSSI floor and our own advertisements are not connected', async () => {
  const c = await startCentral({ rssiFloorDbm: -80 });
  try {
    const weak = c.radio.addPeripheral({ id: 'w1', address: '33:33:33:33:33:33', rssi: -92 });
    const self = c.radio.addPeripheral({ id: 's1', address: '44:44:44:44:44:44', advertisedPeerId: GATEWAY_PEER_ID });
    weak.advertise();
    self.advertise();
    for (let i = 0; i < 5; i++) await turn();
    assert.equal(weak.connectAttempts + self.connectAttempts, 0);
    assert.equal(c.adapter.status().errors.MG_ERR_BLE_RSSI_FLOOR, 1);
    weak.init.rssi = -60;
    weak.advertise();
    await waitFor(() => c.links.length === 1, 2_000, 'connected once strong enough');
  } finally {
    await c.adapter.stop();
  }
});

test('connection attempts are paced at least 500 ms apart', async () => {
  const clock = new ManualClock(1_000_000);
  const radio = new FakeNobleBindings();
  radio.now = () => clock.now();
  const c = await startCentral({ radio, clock });
  try {
    const phones = [1, 2, 3].map((i) => radio.addPeripheral({ id: `p${i}`, address: `55:55:55:55:55:0${i}`, advertisedPeerId: `${i}`.repeat(16) }));
    for (let step = 0; step < 20 && c.links.length < 3; step++) {
      for (const p of phones) p.advertise(); // phones advertise continuously; heard only while scanning
      for (let i = 0; i < 10; i++) await turn();
      clock.advance(100);
    }
    assert.equal(c.links.length, 3);
    assert.equal(radio.connectTimes.length, 3);
    assert.ok(radio.missedAdvertisements > 0, 'scanning paused for each connection (as noble does) and resumed');
    assert.equal(radio.scanning, true);
    for (let i = 1; i < 3; i++) assert.ok(radio.connectTimes[i] - radio.connectTimes[i - 1] >= MIN_CONNECT_INTERVAL_MS, `gap ${radio.connectTimes[i] - radio.connectTimes[i - 1]}`);
  } finally {
    await c.adapter.stop();
  }
});

test('an attempt that hangs is cancelled after 8 s (MG_ERR_BLE_CONNECT_TIMEOUT) and the device backs off; a failing one is counted too', async () => {
  const clock = new ManualClock(1_000_000);
  const radio = new FakeNobleBindings();
  radio.now = () => clock.now();
  const c = await startCentral({ radio, clock, random: () => 0.5 });
  try {
    const hang = radio.addPeripheral({ id: 'h1', address: '66:66:66:66:66:66', advertisedPeerId: '6666666666666666', behaviour: 'hang' });
    hang.advertise();
    await turn();
    assert.equal(hang.connectAttempts, 1);
    clock.advance(DEFAULT_CONNECT_TIMEOUT_MS - 1);
    assert.equal(c.adapter.status().errors.MG_ERR_BLE_CONNECT_TIMEOUT, undefined);
    clock.advance(1);
    assert.equal(c.adapter.status().errors.MG_ERR_BLE_CONNECT_TIMEOUT, 1);
    // back-off: 1 s (jitter 0 with random 0.5) before the next attempt
    hang.advertise();
    clock.advance(999);
    await turn();
    assert.equal(hang.connectAttempts, 1);
    clock.advance(1);
    await turn();
    assert.equal(hang.connectAttempts, 2);
    clock.advance(DEFAULT_CONNECT_TIMEOUT_MS);
    // the second failure doubles the back-off
    hang.init.behaviour = 'fail';
    hang.advertise();
    clock.advance(1_999);
    await turn();
    assert.equal(hang.connectAttempts, 2);
    clock.advance(1);
    for (let i = 0; i < 5; i++) await turn();
    assert.equal(hang.connectAttempts, 3);
    assert.equal(c.adapter.status().errors.MG_ERR_BLE_CONNECT_FAILED, 1);
    assert.equal(c.links.length, 0);
  } finally {
    await c.adapter.stop();
  }
});

test('the same phone across address rotation gets one link; after it disconnects, the new address is used', async () => {
  const c = await startCentral();
  try {
    const peer = 'abababababababab';
    const before = c.radio.addPeripheral({ id: 'r1', address: '77:77:77:77:77:01', advertisedPeerId: peer });
    before.advertise();
    await waitFor(() => c.links.length === 1 && before.subscribed, 2_000, 'first link');
    const after = c.radio.addPeripheral({ id: 'r2', address: '77:77:77:77:77:02', advertisedPeerId: peer });
    after.advertise();
    for (let i = 0; i < 5; i++) await turn();
    assert.equal(after.connectAttempts, 0, 'not connected twice');
    assert.equal(c.adapter.status().knownDevices, 1);
    before.disconnect();
    assert.equal(c.links[0].isOpen, false);
    after.advertise();
    await waitFor(() => c.links.length === 2 && after.subscribed, 3_000, 'reconnected at the new address');
    assert.equal(c.links[1].remoteAddress, '77:77:77:77:77:02');
  } finally {
    await c.adapter.stop();
  }
});

test('a peripheral disconnecting mid-fragment leaks nothing; the radio unsupported at start is picked up when it powers on', async () => {
  const radio = new FakeNobleBindings('unsupported');
  const c = await startCentral({ radio });
  try {
    await waitFor(() => c.adapter.status().state === 'unsupported', 2_000, 'unsupported');
    assert.equal(radio.scanning, false);
    radio.setState('poweredOn');
    await waitFor(() => radio.scanning, 2_000, 'scanning after power-on');
    const phone = radio.addPeripheral({ id: 'm1', address: '88:88:88:88:88:88', advertisedPeerId: '8888888888888888', maxMtu: 185 });
    phone.advertise();
    await waitFor(() => c.links.length === 1 && phone.subscribed, 2_000, 'link');
    const link = c.links[0];
    const sender = new BitchatPhone('far', 'ios');
    assert.equal(link.send(sender.frame(MessageType.MESSAGE, randomBytes(10_000))), true);
    const total = link.queued + 1;
    await waitFor(() => phone.writes.length >= 3, 2_000, 'a few fragments out');
    phone.disconnect();
    assert.equal(link.isOpen, false);
    assert.equal(link.queued, 0);
    for (let i = 0; i < 5; i++) await turn();
    assert.ok(phone.writes.length < total, `${phone.writes.length} of ${total} fragments went out`);
    assert.equal(c.adapter.openLinks().length, 0);
  } finally {
    await c.adapter.stop();
  }
});

test('peer admission: an address the hygiene module refuses is not connected (peripheral disconnects it, central skips it), counted under its code', async () => {
  const { BleCentralAdapter, BlePeripheralAdapter } = await import('../../../src/links/ble/index.js');
  const { silentLogger } = await import('../../../src/ports/logger.js');
  const { SystemClock } = await import('../../../src/gateway/system-clock.js');
  const { nobleWith } = await import('./fake-noble-bindings.js');
  const { blenoWith, FakeBlenoBindings } = await import('./fake-bleno-bindings.js');
  const banned = new Set(['99:99:99:99:99:99']);
  const admission = {
    allowAddress: (address: string) => (banned.has(address) ? { ok: false as const, code: 'MG_ERR_LINK_CONNECT', reason: 'banned' } : { ok: true as const }),
    allowPeer: () => ({ ok: true as const }),
    report: () => {},
  };
  const radio = new FakeNobleBindings();
  const central = new BleCentralAdapter({ openNoble: () => nobleWith(radio), clock: new SystemClock(), logger: silentLogger, random: () => 0.5, admission }, { ownPeerId: GATEWAY_PEER_ID });
  await central.start();
  await waitFor(() => radio.scanning, 2_000, 'scanning');
  const bad = radio.addPeripheral({ id: 'b1', address: '99:99:99:99:99:99' });
  bad.advertise();
  await turn();
  assert.equal(bad.connectAttempts, 0);
  assert.equal(central.status().errors.MG_ERR_LINK_CONNECT, 1);
  await central.stop();

  const pradio = new FakeBlenoBindings();
  const peripheral = new BlePeripheralAdapter({ openBleno: () => blenoWith(pradio), clock: new SystemClock(), logger: silentLogger, admission }, { peerId: GATEWAY_PEER_ID });
  await peripheral.start();
  await waitFor(() => pradio.advertising, 2_000, 'advertising');
  const c = pradio.connect('99:99:99:99:99:99');
  assert.equal(c.connected, false);
  assert.equal(peripheral.openLinks().length, 0);
  assert.equal(peripheral.status().errors.MG_ERR_LINK_CONNECT, 1);
  await peripheral.stop();
});
