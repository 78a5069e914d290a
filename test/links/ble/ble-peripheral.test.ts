/**
 * The bleno peripheral adapter, driven through the real bleno `Bleno` class on fake bindings:
 * GATT profile and advertising bytes, radio state changes, MTU, fragmentation toward
 * phones, the central cap, disconnects mid-fragment and refused writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ManualClock } from '../../../src/ports/clock.js';
import {
  BITCHAT_SERVICE_UUID,
  buildAdvertisingData,
  buildScanResponse,
  peerIdFromServiceData,
  undashedUuid,
  uuidToLittleEndian,
  ADVERTISE_RESTART_MS,
} from '../../../src/links/ble/index.js';
import { decodePacket } from '../../../src/protocol/codec.js';
import { MessageType } from '../../../src/protocol/packet.js';
import { waitFor } from '../link-compliance.js';
import { BitchatPhone } from './ble-phone.js';
import { FakeBlenoBindings } from './fake-bleno-bindings.js';
import { connectCentral, GATEWAY_PEER_ID, startPeripheral } from './ble-harness.js';

test('advertising: flags + 128-bit service UUID, no name; scan response carries the peer ID as service data', async () => {
  const { radio, adapter } = await startPeripheral();
  try {
    const adv = radio.advertisementData!;
    assert.deepEqual([...adv.subarray(0, 3)], [2, 0x01, 0x06]);
    assert.deepEqual([...adv.subarray(3, 5)], [17, 0x07]);
    assert.ok(adv.subarray(5, 21).equals(uuidToLittleEndian(BITCHAT_SERVICE_UUID)));
    assert.equal(adv.length, 21, 'no local name');
    const scan = radio.scanData!;
    assert.equal(scan.length, 26);
    assert.deepEqual([...scan.subarray(0, 2)], [25, 0x21]);
    assert.equal(peerIdFromServiceData([{ uuid: undashedUuid(BITCHAT_SERVICE_UUID), data: scan.subarray(18) }], BITCHAT_SERVICE_UUID), GATEWAY_PEER_ID);
    // the one characteristic: read, write, write-without-response, notify (bleno adds the CCCD for notify)
    const ch = radio.characteristic();
    assert.deepEqual([...ch.properties].sort(), ['notify', 'read', 'write', 'writeWithoutResponse']);
    assert.equal(ch.uuid, 'a1b2c3d4e5f64a5b8c9d0e1f2a3b4c5d');
    assert.equal(radio.services[0].uuid, undashedUuid(BITCHAT_SERVICE_UUID));
    assert.equal(adapter.status().state, 'poweredOn');
    assert.equal(adapter.status().advertising, true);
  } finally {
    await adapter.stop();
  }
  // a name is shortened to what fits in 31 bytes
  const named = buildAdvertisingData(BITCHAT_SERVICE_UUID, 'meshgate-kitchen-pi');
  assert.ok(named.length <= 31);
  assert.equal(named[22], 0x08, 'shortened local name');
  assert.throws(() => buildScanResponse(BITCHAT_SERVICE_UUID, 'xyz'));
});

test('the radio is unsupported at start, then powers on: services and advertising appear without a restart; power-off closes links', async () => {
  const radio = new FakeBlenoBindings('unsupported');
  const p = await startPeripheral({ radio });
  try {
    await waitFor(() => p.adapter.status().state === 'unsupported', 2_000, 'unsupported reported');
    assert.equal(radio.advertising, false);
    assert.equal(p.adapter.status().advertising, false);
    radio.setState('poweredOn');
    await waitFor(() => radio.advertising, 2_000, 'advertising after power-on');
    assert.equal(p.adapter.status().state, 'poweredOn');
    const { link } = await connectCentral(p, 'aa:bb:cc:00:00:01', 517);
    let closed = '';
    link.on('close', (r) => (closed = r));
    radio.setState('poweredOff');
    assert.equal(link.isOpen, false);
    assert.match(closed, /poweredOff/);
    assert.equal(p.adapter.status().centrals, 0);
    assert.equal(p.adapter.status().state, 'poweredOff');
    radio.setState('poweredOn');
    await waitFor(() => radio.advertising, 2_000, 'advertising again');
  } finally {
    await p.adapter.stop();
  }
});

test('a library that cannot open the controller reports unsupported with MG_ERR_BLE_ADAPTER; start does not throw', async () => {
  const { BlePeripheralAdapter } = await import('../../../src/links/ble/index.js');
  const { silentLogger } = await import('../../../src/ports/logger.js');
  const a = new BlePeripheralAdapter(
    {
      openBleno: () => {
        throw new Error('no such device');
      },
      clock: new ManualClock(),
      logger: silentLogger,
    },
    { peerId: GATEWAY_PEER_ID, controller: 'hci3' },
  );
  await a.start();
  const s = a.status();
  assert.equal(s.state, 'unsupported');
  assert.equal(s.errors.MG_ERR_BLE_ADAPTER, 1);
  assert.match(s.lastError!.message, /hci3/);
  await a.stop();
});

test('Android-shaped central (MTU 517): whole-packet writes in, a 2 KB packet out as fragments upstream reassembly accepts', async () => {
  const p = await startPeripheral();
  try {
    const { central, link } = await connectCentral(p, 'aa:bb:cc:00:00:02', 517);
    assert.equal(link.kind, 'ble-peripheral');
    assert.equal(link.mtu, 517);
    assert.equal(link.maxFrameBytes, 512, 'values to a phone never exceed 512 bytes');
    const inbound: Uint8Array[] = [];
    link.on('frame', (f) => inbound.push(f));
    const phone = new BitchatPhone('droid', 'android');
    phone.send = (v) => central.write(v);
    const ann = phone.announce();
    assert.equal(inbound.length, 1);
    assert.ok(Buffer.from(inbound[0]).equals(Buffer.from(ann)));
    // the gateway sends a 2 KB packet
    const sender = new BitchatPhone('far', 'android');
    const big = sender.frame(MessageType.MESSAGE, randomBytes(2_048));
    assert.ok(big.length > 2_048);
    assert.equal(link.send(big), true);
    central.onNotify = (v) => phone.receive(v);
    await waitFor(() => phone.received.length === 1, 2_000, 'reassembled');
    assert.equal(phone.undecodable, 0, 'every notification is one whole packet');
    assert.equal(phone.fragmentsIn, Math.ceil(big.length / 469));
    assert.ok(phone.largestValue <= 512);
    for (const v of central.notifications) assert.equal(decodePacket(v).packet.type, MessageType.FRAGMENT);
    assert.equal(phone.received[0].viaFragments, true);
    assert.ok(Buffer.from(phone.received[0].text!, 'utf8').length > 0);
    assert.equal(phone.received[0].senderId, sender.peerId);
    const t = link.telemetry();
    assert.equal(t.fragmentedPackets, 1);
    assert.equal(t.framesOut, phone.fragmentsIn);
    assert.equal(t.framesIn, 1);
    assert.equal(t.ready, true);
  } finally {
    await p.adapter.stop();
  }
});

test('iOS-shaped central (MTU 185): values stay within MTU − 3; larger packets are fragmented to fit', async () => {
  const p = await startPeripheral();
  try {
    const { central, link } = await connectCentral(p, 'aa:bb:cc:00:00:03', 185);
    assert.equal(link.maxFrameBytes, 182);
    const phone = new BitchatPhone('ios', 'ios');
    central.onNotify = (v) => phone.receive(v);
    const sender = new BitchatPhone('far', 'ios');
    const small = sender.frame(MessageType.MESSAGE, new TextEncoder().encode('hi'));
    const mid = sender.frame(MessageType.MESSAGE, randomBytes(300));
    link.send(small);
    link.send(mid);
    await waitFor(() => phone.received.length === 2, 2_000, 'both packets');
    assert.equal(phone.undecodable, 0);
    assert.ok(phone.largestValue <= 182);
    assert.deepEqual(
      phone.received.map((r) => r.viaFragments),
      [false, true],
    );
  } finally {
    await p.adapter.stop();
  }
});

test('the central cap: advertising pauses at maxCentrals, an extra central is refused (MG_ERR_BLE_CENTRAL_LIMIT), advertising resumes after a disconnect', async () => {
  const p = await startPeripheral({ maxCentrals: 2 });
  try {
    const a = await connectCentral(p, 'aa:00:00:00:00:0a', 517);
    await waitFor(() => p.radio.advertising, 2_000, 'advertising resumes after the first connect');
    await connectCentral(p, 'aa:00:00:00:00:0b', 517);
    assert.equal(p.radio.advertising, false, 'at the cap: not advertising');
    // a central that was already connecting when advertising stopped
    p.radio.advertising = true;
    const extra = p.radio.connect('aa:00:00:00:00:0c');
    assert.equal(extra.connected, false, 'disconnected by the gateway');
    assert.deepEqual(p.radio.serverDisconnects, [extra.handle]);
    assert.equal(p.adapter.status().errors.MG_ERR_BLE_CENTRAL_LIMIT, 1);
    assert.equal(p.adapter.status().centrals, 2);
    p.radio.advertising = false;
    a.central.disconnect();
    assert.equal(a.link.isOpen, false);
    await waitFor(() => p.radio.advertising, 2_000, 'advertising after a disconnect');
    assert.equal(p.adapter.status().centrals, 1);
  } finally {
    await p.adapter.stop();
  }
});

test('advertising that the controller stops is restarted after ADVERTISE_RESTART_MS', async () => {
  const clock = new ManualClock();
  const p = await startPeripheral({ clock });
  try {
    const starts = p.radio.advertisingStarts;
    p.radio.stopAdvertising();
    assert.equal(p.radio.advertising, false);
    clock.advance(ADVERTISE_RESTART_MS);
    assert.equal(p.radio.advertising, true);
    assert.equal(p.radio.advertisingStarts, starts + 1);
  } finally {
    await p.adapter.stop();
  }
});

test('a central disconnecting mid-fragment leaks nothing: the queue is released and the link forgotten', async () => {
  const p = await startPeripheral();
  try {
    const { central, link } = await connectCentral(p, 'aa:bb:cc:00:00:04', 185);
    const sender = new BitchatPhone('far', 'android');
    const big = sender.frame(MessageType.MESSAGE, randomBytes(16_000));
    assert.equal(link.send(big), true);
    const total = link.telemetry().fragmentedPackets === 1 ? Math.ceil(big.length / 139) : 0;
    const queued = link.queued;
    assert.ok(queued > 0 && total > 100, `fragments still queued (${queued} of ${total})`);
    central.disconnect(); // the phone goes away mid-packet
    assert.equal(link.isOpen, false);
    assert.equal(link.queued, 0, 'queue released');
    assert.equal(p.adapter.openLinks().length, 0);
    assert.equal(p.adapter.status().links.length, 0);
    await new Promise((r) => setImmediate(r));
    assert.ok(central.notifications.length < total, 'the rest never went out');
    assert.throws(() => link.send(big), /MG_ERR_LINK_CLOSED/);
  } finally {
    await p.adapter.stop();
  }
});

test('writes at a non-zero offset are refused (MG_ERR_BLE_WRITE_OFFSET); garbage writes are delivered for the engine to count', async () => {
  const p = await startPeripheral();
  try {
    const { central, link } = await connectCentral(p, 'aa:bb:cc:00:00:05', 517);
    const got: Uint8Array[] = [];
    link.on('frame', (f) => got.push(f));
    assert.equal(central.write(Uint8Array.of(1, 2, 3), { offset: 5, withoutResponse: false }), 0x07);
    assert.equal(link.stats().drops.MG_ERR_BLE_WRITE_OFFSET, 1);
    assert.equal(central.write(Uint8Array.of(0xde, 0xad, 0xbe, 0xef)), 0x00);
    assert.equal(got.length, 1);
    assert.equal(link.isOpen, true);
  } finally {
    await p.adapter.stop();
  }
});

test('the egress queue is bounded: a packet that does not fit is dropped whole (MG_ERR_LINK_QUEUE_FULL)', async () => {
  const p = await startPeripheral({ queueFrames: 16 });
  try {
    const { link } = await connectCentral(p, 'aa:bb:cc:00:00:06', 517);
    const sender = new BitchatPhone('far', 'android');
    const big = sender.frame(MessageType.MESSAGE, randomBytes(20 * 469));
    assert.equal(link.send(big), false);
    assert.equal(link.queued, 0, 'all or nothing');
    assert.equal(link.stats().drops.MG_ERR_LINK_QUEUE_FULL, 1);
    const huge = sender.frame(MessageType.MESSAGE, randomBytes(60_000));
    // 60 KB in 139-byte chunks (MTU 185) needs more than 256 fragments
    const ios = await connectCentral(p, 'aa:bb:cc:00:00:07', 185);
    assert.throws(() => ios.link.send(huge), /MG_ERR_FRAGMENT_LIMIT/);
    assert.equal(ios.link.stats().drops.MG_ERR_FRAGMENT_LIMIT, 1);
    assert.throws(() => link.send(new Uint8Array(600)), /MG_ERR_LINK_FRAME_TOO_LARGE/);
  } finally {
    await p.adapter.stop();
  }
});

test('a large packet sent before the phone subscribed (MTU unknown) waits whole and is fragmented for the negotiated MTU', async () => {
  const p = await startPeripheral();
  try {
    const central = p.radio.connect('aa:bb:cc:00:00:08');
    await waitFor(() => p.links.length === 1, 2_000, 'link');
    const link = p.links[0];
    assert.equal(link.maxFrameBytes, 20, 'default ATT MTU 23 until the exchange');
    const sender = new BitchatPhone('far', 'android');
    const big = sender.frame(MessageType.MESSAGE, randomBytes(1_000));
    assert.equal(link.send(big), true);
    assert.equal(link.queued, 1, 'queued whole');
    const phone = new BitchatPhone('droid', 'android');
    central.onNotify = (v) => phone.receive(v);
    central.exchangeMtu(517);
    central.subscribe();
    await waitFor(() => phone.received.length === 1, 2_000, 'reassembled');
    assert.equal(phone.fragmentsIn, Math.ceil(big.length / 469));
    assert.equal(phone.undecodable, 0);
    assert.equal(link.telemetry().valuesOut, phone.fragmentsIn);
  } finally {
    await p.adapter.stop();
  }
});

test('advertising the controller refuses is retried with a doubling delay, and counted', async () => {
  const clock = new ManualClock();
  const radio = new FakeBlenoBindings();
  radio.failAdvertising = true;
  const p = await startPeripheral({ radio, clock, awaitAdvertising: false });
  try {
    await waitFor(() => p.adapter.status().errors.MG_ERR_BLE_ADAPTER === 1, 2_000, 'first failure');
    assert.equal(radio.advertising, false);
    clock.advance(ADVERTISE_RESTART_MS * 2);
    assert.equal(p.adapter.status().errors.MG_ERR_BLE_ADAPTER, 2, 'retried after 500 ms');
    radio.failAdvertising = false;
    clock.advance(ADVERTISE_RESTART_MS * 4 - 1);
    assert.equal(radio.advertising, false, 'the next retry waits 1 s');
    clock.advance(1);
    assert.equal(radio.advertising, true);
    assert.match(p.adapter.status().lastError!.message, /advertising failed/);
  } finally {
    await p.adapter.stop();
  }
});
