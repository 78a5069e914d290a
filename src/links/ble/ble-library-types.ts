/**
 * The parts of `@stoprocent/bleno` 0.12.4 and `@stoprocent/noble` 2.8.0 the BLE adapters
 * use, as structural types. The adapters receive library objects built on these shapes —
 * `new Bleno(bindings)` / `new Noble(bindings)` from the libraries' `lib/bleno` and
 * `lib/noble` with the real HCI bindings in the daemon (src/links/ble/ble-radio.ts) or
 * fake bindings in tests — so the library code runs in both.
 */

/** Radio states reported by both libraries. */
export type RadioState = 'unknown' | 'resetting' | 'unsupported' | 'unauthorized' | 'poweredOff' | 'poweredOn';

/** ATT result codes bleno's characteristic callbacks take (Bluetooth Core Vol 3 Part F §3.4.1.1). */
export const AttResult = { SUCCESS: 0x00, INVALID_OFFSET: 0x07, UNLIKELY_ERROR: 0x0e } as const;

export type BlenoHandle = number | string;

/** Options of bleno's `Characteristic` constructor (index.d.ts `CharacteristicOptions`). */
export interface BlenoCharacteristicOptions {
  uuid: string;
  properties: ReadonlyArray<'read' | 'write' | 'writeWithoutResponse' | 'notify' | 'indicate'>;
  descriptors?: readonly unknown[];
  onReadRequest?: (handle: BlenoHandle, offset: number, callback: (result: number, data?: Buffer) => void) => void;
  onWriteRequest?: (handle: BlenoHandle, data: Buffer, offset: number, withoutResponse: boolean, callback: (result: number) => void) => void;
  onSubscribe?: (handle: BlenoHandle, maxValueSize: number, updateValueCallback: (data: Buffer) => void) => void;
  onUnsubscribe?: (handle: BlenoHandle) => void;
}

/** A `Bleno` instance (lib/bleno.js). */
export interface BlenoLike {
  readonly state: string;
  readonly PrimaryService: new (opts: { uuid: string; characteristics: unknown[] }) => unknown;
  readonly Characteristic: new (opts: BlenoCharacteristicOptions) => unknown;
  on(event: string, listener: (...args: any[]) => void): unknown;
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
  setServices(services: unknown[], callback?: (err?: Error | null) => void): void;
  startAdvertisingWithEIRData(advertisementData: Buffer, scanData: Buffer, callback?: (err?: Error | null) => void): void;
  stopAdvertising(callback?: () => void): void;
  disconnect(handle?: BlenoHandle | null): void;
  stop(): void;
}

/** noble's advertisement object. */
export interface NobleAdvertisement {
  localName?: string;
  serviceUuids?: string[];
  serviceData?: Array<{ uuid: string; data: Buffer }>;
}

/** A noble `Characteristic` (lib/characteristic.js). */
export interface NobleCharacteristicLike {
  readonly uuid: string;
  readonly properties: string[];
  on(event: 'data', listener: (data: Buffer, isNotification: boolean, error?: unknown) => void): unknown;
  removeAllListeners(event?: string): unknown;
  write(data: Buffer, withoutResponse: boolean, callback?: (error?: unknown) => void): void;
  subscribe(callback?: (error?: unknown) => void): void;
}

/** A noble `Peripheral` (lib/peripheral.js). */
export interface NoblePeripheralLike {
  readonly id: string;
  readonly address: string;
  rssi: number;
  mtu: number | null;
  state: string;
  advertisement: NobleAdvertisement;
  connect(options: { mtu?: number } | undefined, callback?: (error?: unknown) => void): void;
  cancelConnect(options?: unknown): void;
  disconnect(callback?: () => void): void;
  discoverSomeServicesAndCharacteristics(
    serviceUuids: string[],
    characteristicUuids: string[],
    callback?: (error: unknown, services: unknown[] | null, characteristics: NobleCharacteristicLike[] | null) => void,
  ): void;
  updateRssi(callback?: (error: unknown, rssi: number) => void): void;
  on(event: string, listener: (...args: any[]) => void): unknown;
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
}

/** A `Noble` instance (lib/noble.js). */
export interface NobleLike {
  readonly state: string;
  on(event: string, listener: (...args: any[]) => void): unknown;
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
  startScanning(serviceUuids: string[], allowDuplicates: boolean, callback?: (error?: unknown) => void): void;
  stopScanning(callback?: (error?: unknown) => void): void;
  stop(): void;
}
