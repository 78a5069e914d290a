/**
 * Fake noble bindings: a radio-less stand-in for `@stoprocent/noble/lib/hci-socket/bindings`
 * that the real `Noble` class (`@stoprocent/noble/lib/noble`) is constructed with, so the
 * library's peripheral / service / characteristic code and the adapter code both run.
 * Fake phones advertise (with or without the scan-response peer ID), accept connections
 * (granting min(requested MTU, their max), as the ATT exchange does), expose the bitchat
 * service and characteristic, take writes-without-response (acknowledged on the next turn,
 * as the HCI bindings do once the command is queued) and notify.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { BITCHAT_CHARACTERISTIC_UUID, BITCHAT_SERVICE_UUID, undashedUuid, uuidToLittleEndian, type NobleLike } from '../../../src/links/ble/index.js';

const require = createRequire(import.meta.url);
const Noble = require('@stoprocent/noble/lib/noble') as new (bindings: unknown) => NobleLike;

/** A real noble `Noble` on fake bindings. */
export function nobleWith(bindings: FakeNobleBindings): NobleLike {
  return new Noble(bindings);
}

const SVC = undashedUuid(BITCHAT_SERVICE_UUID);
const CHR = undashedUuid(BITCHAT_CHARACTERISTIC_UUID);

export interface FakePeripheralInit {
  id: string;
  address: string;
  rssi?: number;
  /** Peer ID put in the scan response (Android); undefined = none (iOS). */
  advertisedPeerId?: string;
  /** Largest ATT MTU it accepts (Android 517, iOS 185). */
  maxMtu?: number;
  /** Connection behaviour: 'ok', 'fail' (connect error), 'hang' (never completes). */
  behaviour?: 'ok' | 'fail' | 'hang';
}

/** A fake phone in the peripheral role. */
export class FakePhonePeripheral {
  readonly writes: Buffer[] = [];
  connected = false;
  subscribed = false;
  mtu = 23;
  connectAttempts = 0;
  onWrite: ((value: Buffer) => void) | undefined;
  constructor(
    private readonly radio: FakeNobleBindings,
    public init: Required<Omit<FakePeripheralInit, 'advertisedPeerId'>> & { advertisedPeerId?: string },
  ) {}

  get id(): string {
    return this.init.id;
  }

  /** Emit one advertising report (with scan response); only heard while the central scans. */
  advertise(): void {
    if (!this.radio.scanning) {
      this.radio.missedAdvertisements++;
      return;
    }
    const serviceData = this.init.advertisedPeerId ? [{ uuid: SVC, data: Buffer.from(this.init.advertisedPeerId, 'hex') }] : [];
    this.radio.emit('discover', this.init.id, this.init.address, 'random', true, { serviceUuids: [SVC], serviceData, localName: undefined }, this.init.rssi, true);
  }

  /** Send one notification to the central (arrives on the next turn unless the link drops). */
  notify(value: Uint8Array): void {
    const v = Buffer.from(value);
    setImmediate(() => {
      if (this.connected && this.subscribed) this.radio.emit('read', this.init.id, SVC, CHR, v, true);
    });
  }

  /** The phone drops the connection. */
  disconnect(reason = 'remote user terminated'): void {
    if (!this.connected) return;
    this.connected = false;
    this.subscribed = false;
    this.radio.emit('disconnect', this.init.id, reason);
  }
}

/** Fake noble HCI bindings; see the file doc. */
export class FakeNobleBindings extends EventEmitter {
  state: string;
  scanning = false;
  scanFilter: string[] = [];
  started = false;
  stopped = false;
  readonly peripherals = new Map<string, FakePhonePeripheral>();
  /** Times of connect() calls (Date.now or a test clock via `now`). */
  readonly connectTimes: number[] = [];
  now: () => number = Date.now;
  /** Advertisements sent while the central was not scanning. */
  missedAdvertisements = 0;
  /** write() calls (the raw rate). */
  rawWrites = 0;

  constructor(initialState = 'poweredOn') {
    super();
    this.state = initialState;
  }

  addPeripheral(init: FakePeripheralInit): FakePhonePeripheral {
    const p = new FakePhonePeripheral(this, { rssi: -50, maxMtu: 517, behaviour: 'ok', ...init });
    this.peripherals.set(init.id, p);
    return p;
  }

  setState(state: string): void {
    this.state = state;
    if (state !== 'poweredOn') {
      this.scanning = false;
      for (const p of this.peripherals.values()) {
        p.connected = false;
        p.subscribed = false;
      }
    }
    this.emit('stateChange', state);
  }

  // ---- the bindings interface noble calls ------------------------------------------
  start(): void {
    this.started = true;
    setImmediate(() => this.emit('stateChange', this.state));
  }
  stop(): void {
    this.stopped = true;
  }
  setScanParameters(): void {}
  startScanning(uuids: string[], _allowDuplicates: boolean): void {
    this.scanning = true;
    this.scanFilter = uuids ?? [];
    this.emit('scanStart', false);
  }
  stopScanning(): void {
    this.scanning = false;
    this.emit('scanStop');
  }
  addressToId(address: string): string {
    return address.replace(/:/g, '').toLowerCase();
  }
  connect(id: string, params: { mtu?: number } = {}): void {
    const p = this.peripherals.get(id);
    this.connectTimes.push(this.now());
    // Like the HCI bindings: scanning stops for a connection and is not resumed.
    if (this.scanning) this.stopScanning();
    if (!p) return void setImmediate(() => this.emit('connect', id, new Error('unknown device')));
    p.connectAttempts++;
    if (p.init.behaviour === 'hang') return;
    setImmediate(() => {
      if (p.init.behaviour === 'fail') return this.emit('connect', id, new Error('connection failed to be established (0x3e)'));
      p.connected = true;
      p.mtu = Math.max(23, Math.min(params.mtu ?? 256, p.init.maxMtu));
      this.emit('onMtu', id, p.mtu);
      this.emit('connect', id, null);
    });
  }
  cancelConnect(id: string): void {
    const p = this.peripherals.get(id);
    if (p) p.connected = false;
  }
  disconnect(id: string): void {
    const p = this.peripherals.get(id);
    if (!p || !p.connected) return;
    setImmediate(() => p.disconnect('local host terminated'));
  }
  updateRssi(id: string): void {
    const p = this.peripherals.get(id);
    if (p) setImmediate(() => this.emit('rssiUpdate', id, p.init.rssi));
  }
  discoverServices(id: string, uuids: string[]): void {
    setImmediate(() => this.emit('servicesDiscover', id, (uuids ?? []).filter((u) => u === SVC).length ? [SVC] : [SVC]));
  }
  discoverCharacteristics(id: string, serviceUuid: string): void {
    setImmediate(() => this.emit('characteristicsDiscover', id, serviceUuid, [{ uuid: CHR, properties: ['read', 'write', 'writeWithoutResponse', 'notify'] }]));
  }
  notify(id: string, serviceUuid: string, characteristicUuid: string, on: boolean): void {
    const p = this.peripherals.get(id);
    setImmediate(() => {
      if (p) p.subscribed = on;
      this.emit('notify', id, serviceUuid, characteristicUuid, on);
    });
  }
  write(id: string, serviceUuid: string, characteristicUuid: string, data: Buffer, withoutResponse: boolean): void {
    const p = this.peripherals.get(id);
    this.rawWrites++;
    if (!p || !p.connected) return void setImmediate(() => this.emit('write', id, serviceUuid, characteristicUuid, new Error('not connected')));
    if (data.length > p.mtu - 3) throw new Error(`write of ${data.length} bytes exceeds MTU ${p.mtu} − 3`);
    void withoutResponse;
    const v = Buffer.from(data);
    setImmediate(() => {
      if (!p.connected) return;
      p.writes.push(v);
      p.onWrite?.(v);
      this.emit('write', id, serviceUuid, characteristicUuid, null);
    });
  }
}

/** The scan response bytes a fake Android phone would put on the air (for EIR checks). */
export function androidScanResponse(peerId: string): Buffer {
  return Buffer.concat([Buffer.from([25, 0x21]), uuidToLittleEndian(BITCHAT_SERVICE_UUID), Buffer.from(peerId, 'hex')]);
}
