/**
 * Test harness for the BLE adapters: the real adapters on the real libraries with fake
 * bindings, and test-side Links for the phone end of a connection (so the shared link
 * compliance suite can drive each adapter's links).
 */
import { BaseLink } from '../../../src/links/base-link.js';
import { BleCentralAdapter, BlePeripheralAdapter, type BleLink } from '../../../src/links/ble/index.js';
import type { Clock } from '../../../src/ports/clock.js';
import { silentLogger } from '../../../src/ports/logger.js';
import { SystemClock } from '../../../src/gateway/system-clock.js';
import { waitFor } from '../link-compliance.js';
import { blenoWith, FakeBlenoBindings, type FakeCentral } from './fake-bleno-bindings.js';
import { nobleWith, FakeNobleBindings, type FakePhonePeripheral } from './fake-noble-bindings.js';

export const GATEWAY_PEER_ID = '0123456789abcdef';

/** The phone end of a peripheral-role connection, as a Link (kind mirrors the gateway side). */
export class FakeCentralLink extends BaseLink {
  constructor(
    private readonly central: FakeCentral,
    radio: FakeBlenoBindings,
  ) {
    super({ id: `phone-central(${central.address})`, kind: 'ble-peripheral', remoteAddress: 'gateway', maxFrameBytes: Math.min(central.mtu - 3, 512), now: Date.now });
    central.onNotify = (v) => this.deliver(v);
    const onDisc = (_a: string, h: number): void => {
      if (h === central.handle) {
        radio.off('disconnect', onDisc);
        this.remoteClosed('gateway disconnected');
      }
    };
    radio.on('disconnect', onDisc);
  }
  protected transmit(frame: Uint8Array): boolean {
    const copy = frame.slice();
    setImmediate(() => {
      if (this.isOpen && this.central.connected) this.central.write(copy);
    });
    return true;
  }
  protected teardown(): Promise<void> {
    this.central.disconnect();
    return Promise.resolve();
  }
}

/** The phone end of a central-role connection, as a Link. */
export class FakePeripheralLink extends BaseLink {
  constructor(
    private readonly phone: FakePhonePeripheral,
    radio: FakeNobleBindings,
  ) {
    super({ id: `phone-peripheral(${phone.init.address})`, kind: 'ble-central', remoteAddress: 'gateway', maxFrameBytes: Math.min(phone.mtu - 3, 512), now: Date.now });
    phone.onWrite = (v) => this.deliver(v);
    const onDisc = (id: string): void => {
      if (id === phone.id) {
        radio.off('disconnect', onDisc);
        this.remoteClosed('gateway disconnected');
      }
    };
    radio.on('disconnect', onDisc);
  }
  protected transmit(frame: Uint8Array): boolean {
    this.phone.notify(frame);
    return true;
  }
  protected teardown(): Promise<void> {
    this.phone.disconnect();
    return Promise.resolve();
  }
}

/** A started peripheral adapter on fake bindings, advertising. */
export async function startPeripheral(opts: { radio?: FakeBlenoBindings; clock?: Clock; maxCentrals?: number; queueFrames?: number; awaitAdvertising?: boolean } = {}) {
  const radio = opts.radio ?? new FakeBlenoBindings();
  const adapter = new BlePeripheralAdapter(
    { openBleno: () => blenoWith(radio), clock: opts.clock ?? new SystemClock(), logger: silentLogger },
    { peerId: GATEWAY_PEER_ID, maxCentrals: opts.maxCentrals, queueFrames: opts.queueFrames },
  );
  const links: BleLink[] = [];
  adapter.on('link', (l) => links.push(l as BleLink));
  await adapter.start();
  if (radio.state === 'poweredOn' && opts.awaitAdvertising !== false) await waitFor(() => radio.advertising, 2_000, 'advertising');
  return { radio, adapter, links };
}

/** A phone connects to the peripheral: MTU exchange, subscription; resolves its gateway-side link. */
export async function connectCentral(p: { radio: FakeBlenoBindings; links: BleLink[] }, address: string, mtu: number): Promise<{ central: FakeCentral; link: BleLink }> {
  const before = p.links.length;
  const central = p.radio.connect(address);
  central.exchangeMtu(mtu);
  central.subscribe();
  await waitFor(() => p.links.length > before, 2_000, 'peripheral link');
  return { central, link: p.links[p.links.length - 1] };
}

/** A started central adapter on fake bindings, scanning. */
export async function startCentral(opts: { radio?: FakeNobleBindings; clock?: Clock; queueFrames?: number; rssiFloorDbm?: number; connectTimeoutMs?: number; random?: () => number } = {}) {
  const radio = opts.radio ?? new FakeNobleBindings();
  const adapter = new BleCentralAdapter(
    { openNoble: () => nobleWith(radio), clock: opts.clock ?? new SystemClock(), logger: silentLogger, random: opts.random ?? (() => 0.5) },
    { ownPeerId: GATEWAY_PEER_ID, queueFrames: opts.queueFrames, rssiFloorDbm: opts.rssiFloorDbm, connectTimeoutMs: opts.connectTimeoutMs },
  );
  const links: BleLink[] = [];
  adapter.on('link', (l) => links.push(l as BleLink));
  await adapter.start();
  if (radio.state === 'poweredOn') await waitFor(() => radio.scanning, 2_000, 'scanning');
  return { radio, adapter, links };
}
