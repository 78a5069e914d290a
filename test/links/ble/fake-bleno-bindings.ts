/**
 * Fake bleno bindings: a radio-less stand-in for `@stoprocent/bleno/lib/hci-socket/bindings`
 * that the real `Bleno` class (`@stoprocent/bleno/lib/bleno`) is constructed with, so the
 * library code and the adapter code both run. It emulates what the HCI bindings and their
 * GATT server do, per connection: ATT MTU exchange (capped at `maxMtu`), CCCD writes that
 * raise `subscribe(handle, mtu − 3, updateValueCallback)` on the characteristic,
 * notifications truncated to MTU − 3 (as lib/hci-socket/gatt.js does), write requests and
 * commands delivered through the characteristic's `writeRequest` event, and a controller
 * that stops advertising when a central connects (legacy advertising) and does not restart
 * it by itself.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { BlenoLike } from '../../../src/links/ble/index.js';

const require = createRequire(import.meta.url);
const Bleno = require('@stoprocent/bleno/lib/bleno') as new (bindings: unknown) => BlenoLike;

/** A real bleno `Bleno` on fake bindings. */
export function blenoWith(bindings: FakeBlenoBindings): BlenoLike {
  return new Bleno(bindings);
}

interface Attr {
  uuid: string;
  properties: string[];
  emit(event: string, ...args: unknown[]): boolean;
}

/** One connected fake central (a phone). */
export class FakeCentral {
  readonly notifications: Buffer[] = [];
  /** Write results (ATT codes) in order. */
  readonly writeResults: number[] = [];
  mtu = 23;
  subscribed = false;
  connected = true;
  onNotify: ((value: Buffer) => void) | undefined;
  constructor(
    private readonly radio: FakeBlenoBindings,
    readonly address: string,
    readonly handle: number,
  ) {}

  /** ATT Exchange MTU request; the server answers min(mtu, maxMtu). */
  exchangeMtu(mtu: number): number {
    this.mtu = Math.max(23, Math.min(mtu, this.radio.maxMtu));
    this.radio.emit('mtuChange', this.mtu);
    return this.mtu;
  }

  /** Write 0x0001 to the CCCD: notifications on. */
  subscribe(): void {
    const ch = this.radio.characteristic();
    this.subscribed = true;
    ch.emit('subscribe', this.handle, this.mtu - 3, (data: Buffer) => {
      if (!this.connected || !this.subscribed) return;
      this.radio.rawNotifyCalls++;
      const value = Buffer.from(data.subarray(0, Math.min(data.length, this.mtu - 3)));
      if (this.radio.syncDelivery) return this.arrive(value);
      // On the air: the value arrives a little later, and not at all if the link drops first.
      setImmediate(() => {
        if (this.connected) this.arrive(value);
      });
    });
  }

  private arrive(value: Buffer): void {
    if (this.radio.countOnly) return;
    this.notifications.push(value);
    this.onNotify?.(value);
  }

  /** Write 0x0000 to the CCCD. */
  unsubscribe(): void {
    this.subscribed = false;
    this.radio.characteristic().emit('unsubscribe', this.handle);
  }

  /** A write request (with response) or command (without) to the characteristic value; resolves the ATT result. */
  write(data: Uint8Array, opts: { withoutResponse?: boolean; offset?: number } = {}): number {
    if (!this.connected) throw new Error('not connected');
    if (data.length > this.mtu - 3 && (opts.offset ?? 0) === 0) throw new Error(`write of ${data.length} bytes exceeds MTU ${this.mtu} − 3`);
    let result = -1;
    this.radio.characteristic().emit('writeRequest', this.handle, Buffer.from(data), opts.offset ?? 0, opts.withoutResponse ?? true, (r: number) => {
      result = r;
    });
    this.writeResults.push(result);
    return result;
  }

  /** The central drops the connection. */
  disconnect(): void {
    this.radio.dropConnection(this.handle);
  }
}

/** Fake bleno HCI bindings; see the file doc. */
export class FakeBlenoBindings extends EventEmitter {
  maxMtu = 517;
  state: string;
  advertising = false;
  advertisingStarts = 0;
  advertisementData: Buffer | undefined;
  scanData: Buffer | undefined;
  services: Array<{ uuid: string; characteristics: Attr[] }> = [];
  initialised = false;
  stopped = false;
  /** Calls of a notification's updateValueCallback (the raw rate the bench compares with). */
  rawNotifyCalls = 0;
  /** Make the controller refuse to advertise (HCI command failure). */
  failAdvertising = false;
  /** Count notifications without keeping them (benchmarks). */
  countOnly = false;
  /** Deliver notifications synchronously (benchmarks); default: on the next turn, as over the air. */
  syncDelivery = false;
  /** Disconnects requested by the server (bleno.disconnect(handle)). */
  serverDisconnects: number[] = [];
  readonly centrals = new Map<number, FakeCentral>();
  private nextHandle = 0x40;

  constructor(initialState = 'poweredOn') {
    super();
    this.state = initialState;
  }

  // ---- the bindings interface bleno calls ------------------------------------------
  init(): void {
    this.initialised = true;
    setImmediate(() => this.emit('stateChange', this.state));
  }
  setServices(services: Array<{ uuid: string; characteristics: Attr[] }>): void {
    this.services = services;
    this.emit('servicesSet');
  }
  startAdvertisingWithEIRData(advertisementData: Buffer, scanData: Buffer): void {
    if (this.failAdvertising || advertisementData.length > 31 || (scanData && scanData.length > 31)) {
      this.emit('advertisingStart', new Error('advertising data too long'));
      return;
    }
    this.advertisementData = advertisementData;
    this.scanData = scanData;
    this.advertising = true;
    this.advertisingStarts++;
    this.emit('advertisingStart', null);
  }
  stopAdvertising(): void {
    this.advertising = false;
    this.emit('advertisingStop');
  }
  disconnect(handle: number | null = null): void {
    if (handle === null) {
      for (const h of [...this.centrals.keys()]) this.dropConnection(h);
      return;
    }
    this.serverDisconnects.push(handle);
    this.dropConnection(handle);
  }
  stop(): void {
    this.stopped = true;
    this.advertising = false;
  }
  updateRssi(): void {}

  // ---- the test side ---------------------------------------------------------------
  /** Change the radio state (e.g. power on an adapter that was `unsupported`). */
  setState(state: string): void {
    this.state = state;
    this.emit('stateChange', state);
    if (state !== 'poweredOn') {
      this.advertising = false;
      for (const h of [...this.centrals.keys()]) this.dropConnection(h);
    }
  }

  /** The bitchat characteristic (the one with notify) as registered by the adapter. */
  characteristic(): Attr {
    for (const s of this.services) for (const c of s.characteristics) if (c.properties.includes('notify')) return c;
    throw new Error('no notify characteristic registered');
  }

  /** A central (phone) connects; legacy advertising stops on a connection. */
  connect(address: string): FakeCentral {
    if (this.state !== 'poweredOn') throw new Error(`radio is ${this.state}`);
    if (!this.advertising) throw new Error('not advertising: a central cannot connect');
    const c = new FakeCentral(this, address, this.nextHandle++);
    this.centrals.set(c.handle, c);
    this.advertising = false;
    this.emit('advertisingStop');
    this.emit('accept', address, c.handle);
    return c;
  }

  dropConnection(handle: number): void {
    const c = this.centrals.get(handle);
    if (!c) return;
    this.centrals.delete(handle);
    c.connected = false;
    if (c.subscribed) this.characteristic().emit('unsubscribe', handle);
    this.emit('disconnect', c.address, handle);
  }
}
