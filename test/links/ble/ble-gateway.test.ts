/**
 * Phones over Bluetooth LE through the whole gateway: two in-process gateways linked over
 * WebSocket on loopback. Gateway A runs the `ble` module with both roles on fake bindings
 * under the real bleno and noble libraries: an Android-shaped phone (MTU 517, all-FF
 * broadcasts, whole-packet writes) connects to A's peripheral; A's central connects to an
 * iOS-shaped phone (MTU 185, broadcasts without recipient). A LAN phone sits on A and
 * another LAN phone behind gateway B. They announce, exchange public and directed
 * messages; a 2 KB packet reaches the Android phone as fragments; garbage writes are
 * counted per link and dropped; /api/status shows radio states, bindings and telemetry.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gateway } from '../../../src/gateway/gateway.js';
import { loadConfig } from '../../../src/gateway/config.js';
import { BleModule } from '../../../src/gateway/modules/ble-module.js';
import { silentLogger } from '../../../src/ports/logger.js';
import { PhoneSimulator } from '../../../src/phone/phone-simulator.js';
import { MessageType } from '../../../src/protocol/packet.js';
import { waitFor } from '../link-compliance.js';
import { BitchatPhone } from './ble-phone.js';
import { blenoWith, FakeBlenoBindings } from './fake-bleno-bindings.js';
import { nobleWith, FakeNobleBindings } from './fake-noble-bindings.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function startGateway(flags: Record<string, string>, modules: BleModule[] = []): Promise<Gateway> {
  const dir = mkdtempSync(join(tmpdir(), 'meshgate-ble-'));
  dirs.push(dir);
  const config = loadConfig({
    flags: {
      'state-dir': dir,
      'http-port': '0',
      'lan-port': '0',
      'gateway-port': '0',
      'http-host': '127.0.0.1',
      'lan-host': '127.0.0.1',
      'gateway-host': '127.0.0.1',
      'clock-source': 'synced',
      'mesh-relay-jitter': 'false',
      ...flags,
    },
  });
  const gw = new Gateway({ logger: silentLogger, modules }, config);
  await gw.start();
  return gw;
}

interface BleLinkStatus {
  id: string;
  role: string;
  peerId: string | null;
  mtu: number;
  rssiDbm: number | null;
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  fragmentedPackets: number;
  drops: Record<string, number>;
  meshDrops: Record<string, number>;
}
interface BleStatus {
  peripheral: { state: string; advertising: boolean; centrals: number; links: BleLinkStatus[] };
  central: { state: string; scanning: boolean; peripherals: number; links: BleLinkStatus[] };
}

test('Android and iOS phones over BLE exchange public and directed messages with a LAN phone and a phone behind a second gateway', async () => {
  const peripheralRadio = new FakeBlenoBindings();
  const centralRadio = new FakeNobleBindings();
  const ble = new BleModule({ openBleno: () => blenoWith(peripheralRadio), openNoble: () => nobleWith(centralRadio) });
  const a = await startGateway({ 'ble-peripheral-enabled': 'true', 'ble-central-enabled': 'true' }, [ble]);
  const b = await startGateway({ 'gateway-peers': `ws://127.0.0.1:${a.ports.gateway}/meshgate` });
  const lanA = new PhoneSimulator({}, { nickname: 'lan-a', host: '127.0.0.1', port: a.ports.lan! });
  const lanB = new PhoneSimulator({}, { nickname: 'lan-b', host: '127.0.0.1', port: b.ports.lan! });
  try {
    const status = () => (a.status() as { modules: { ble: BleStatus } }).modules.ble;
    await waitFor(() => peripheralRadio.advertising && centralRadio.scanning, 3_000, 'radio up');
    await waitFor(() => (a.status() as { links: unknown[] }).links.length >= 1, 5_000, 'gateway link A-B');

    // Android phone -> A's peripheral (MTU 517)
    const droid = new BitchatPhone('droid', 'android');
    const central = peripheralRadio.connect('c0:ff:ee:00:00:01');
    central.exchangeMtu(517);
    central.subscribe();
    central.onNotify = (v) => droid.receive(v);
    droid.send = (v) => central.write(v);

    // A's central -> iOS phone (MTU 185, no peer ID in the scan response)
    const iphone = new BitchatPhone('iphone', 'ios');
    const iosRadio = centralRadio.addPeripheral({ id: 'ios1', address: '5e:ed:00:00:00:01', maxMtu: 185, rssi: -61 });
    iosRadio.onWrite = (v) => iphone.receive(v);
    iphone.send = (v) => iosRadio.notify(v);
    iosRadio.advertise();
    await waitFor(() => iosRadio.subscribed, 3_000, 'central connected to the iPhone');

    await lanA.connect();
    await lanB.connect();
    droid.announce();
    iphone.announce();
    lanA.announce();
    lanB.announce();
    // the gateway's own announce reached both BLE phones
    await waitFor(() => droid.received.some((r) => r.type === MessageType.ANNOUNCE && r.senderId === a.peerId), 3_000, 'gateway announce to android');
    await waitFor(() => iphone.received.some((r) => r.type === MessageType.ANNOUNCE && r.senderId === a.peerId), 3_000, 'gateway announce to iphone');
    await waitFor(() => status().peripheral.links[0]?.peerId === droid.peerId && status().central.links[0]?.peerId === iphone.peerId, 3_000, 'links bound by direct announces');

    // public messages
    droid.sendPublic('hello from android');
    iphone.sendPublic('hello from ios');
    const lanText = (p: PhoneSimulator) => p.received.filter((r) => r.type === MessageType.MESSAGE).map((r) => r.text);
    await waitFor(() => ['hello from android', 'hello from ios'].every((t) => lanText(lanA).includes(t) && lanText(lanB).includes(t)), 5_000, 'BLE publics on both LAN phones');
    await waitFor(() => droid.texts().includes('hello from ios') && iphone.texts().includes('hello from android'), 3_000, 'BLE phones hear each other');
    lanB.sendPublic('hello from behind B');
    await waitFor(() => droid.texts().includes('hello from behind B') && iphone.texts().includes('hello from behind B'), 5_000, 'B public on BLE phones');

    // directed messages
    lanA.sendDirect(droid.peerId, 'dm lan-a -> android');
    lanB.sendDirect(iphone.peerId, 'dm lan-b -> iphone');
    droid.sendDirect(lanB.peerId, 'dm android -> lan-b');
    iphone.sendDirect(lanA.peerId, 'dm iphone -> lan-a');
    await waitFor(() => droid.texts().includes('dm lan-a -> android'), 5_000, 'dm to android');
    await waitFor(() => iphone.texts().includes('dm lan-b -> iphone'), 5_000, 'dm to iphone across gateways');
    await waitFor(() => lanText(lanB).includes('dm android -> lan-b') && lanText(lanA).includes('dm iphone -> lan-a'), 5_000, 'dms from BLE phones');
    assert.ok(!iphone.texts().includes('dm lan-a -> android'), 'a directed packet goes only to its bound link');
    assert.equal(droid.received.find((r) => r.text === 'dm lan-a -> android')?.recipientId, droid.peerId);

    // a 2 KB packet from the far side reaches the Android phone as fragments
    const fragsBefore = droid.fragmentsIn;
    const bigText = randomBytes(1_600).toString('base64'); // 2,136 characters (about 1.6 KB once DEFLATE-compressed)
    lanB.sendPublic(bigText);
    await waitFor(() => droid.texts().includes(bigText) && iphone.texts().includes(bigText), 5_000, '2 KB packet on both BLE phones');
    assert.ok(droid.fragmentsIn - fragsBefore >= 3, `${droid.fragmentsIn - fragsBefore} fragments`);
    assert.ok(droid.received.find((r) => r.text === bigText)!.viaFragments);
    assert.equal(droid.undecodable + iphone.undecodable, 0, 'every GATT value is one whole packet');
    assert.ok(droid.largestValue <= 512 && iphone.largestValue <= 182);

    // garbage writes are counted per link and dropped; the link and the gateway carry on
    central.write(Uint8Array.of(0x07, 0x01, 0x02));
    central.write(randomBytes(40));
    central.write(new Uint8Array(0));
    await waitFor(() => Object.values(status().peripheral.links[0].meshDrops).reduce((x, y) => x + y, 0) >= 3, 2_000, 'garbage counted');
    droid.sendPublic('still here');
    await waitFor(() => lanText(lanA).includes('still here'), 3_000, 'link survives garbage');

    const s = status();
    assert.equal(s.peripheral.state, 'poweredOn');
    assert.equal(s.central.state, 'poweredOn');
    const pl = s.peripheral.links[0];
    assert.equal(pl.role, 'peripheral');
    assert.equal(pl.mtu, 517);
    assert.ok(pl.framesIn >= 7 && pl.framesOut > 5 && pl.bytesIn > 0 && pl.bytesOut > 0);
    assert.ok(pl.fragmentedPackets >= 1);
    const cl = s.central.links[0];
    assert.equal(cl.role, 'central');
    assert.equal(cl.mtu, 185);
    assert.equal(cl.rssiDbm, -61);
    assert.ok(cl.fragmentedPackets >= 1, 'the 2 KB packet went to the iPhone as fragments too');
    // the status page JSON is serialisable
    assert.doesNotThrow(() => JSON.stringify(a.status()));
  } finally {
    await lanA.close();
    await lanB.close();
    await a.stop();
    await b.stop();
  }
  assert.equal(peripheralRadio.stopped, true, 'bleno stopped with the gateway');
  assert.equal(centralRadio.stopped, true, 'noble stopped with the gateway');
});
