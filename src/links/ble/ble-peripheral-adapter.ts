/**
 * The GATT peripheral role (bleno): phones connect to the gateway exactly as they connect
 * to another phone (bitchat-spec.md §1).
 *
 * - Service: the bitchat primary service with its one characteristic (read, write,
 *   write-without-response, notify; bleno adds the CCCD 0x2902 for notify).
 * - Advertising: connectable, the 128-bit service UUID in the advertising data, the
 *   gateway's 8-byte peer ID as service data in the scan response (Android's shape,
 *   `BluetoothGattServerManager.startAdvertising`). Advertising stops while
 *   `maxCentrals` centrals are connected and resumes (after {@link ADVERTISE_RESTART_MS})
 *   whenever a connect or disconnect leaves it off below the cap.
 * - Each accepted central is a {@link BleLink} (kind `ble-peripheral`); each write is one
 *   whole frame (offset ≠ 0 refused, MG_ERR_BLE_WRITE_OFFSET); notifications start when the
 *   central subscribes, with values of at most the subscription's max value size
 *   (ATT MTU − 3), capped at 512. A central over the cap is disconnected
 *   (MG_ERR_BLE_CENTRAL_LIMIT).
 * - Radio state: whatever bleno reports (`unsupported` without an adapter); services and
 *   advertising are (re)installed on every transition to `poweredOn`, and every link
 *   closes when the radio leaves it. The daemon never needs a restart for the radio.
 *   If the library cannot even open the controller, the role reports `unsupported` with
 *   MG_ERR_BLE_ADAPTER.
 *
 * MTU: bleno's `mtuChange` event carries no connection handle; it is applied to the most
 * recently accepted central that has not subscribed yet (the exchange happens right after
 * connecting), and the subscription's max value size (per connection) corrects it.
 */
import { MeshgateError, type ErrorCode } from '../../errors.js';
import type { Clock, TimerHandle } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { PeerAdmission } from '../../ports/admission.js';
import { BaseLinkAdapter } from '../base-link-adapter.js';
import { BITCHAT_CHARACTERISTIC_UUID, BITCHAT_SERVICE_UUID, MAX_ATT_MTU, buildAdvertisingData, buildScanResponse, undashedUuid } from './ble-gatt.js';
import { AttResult, type BlenoHandle, type BlenoLike, type RadioState } from './ble-library-types.js';
import { BleLink, DEFAULT_BLE_QUEUE_FRAMES, type BleLinkTelemetry } from './ble-link.js';

/** Delay before re-issuing advertising after it stopped (lets the library's own restart win), ms. */
export const ADVERTISE_RESTART_MS = 250;
/** Longest wait between advertising retries after repeated failures, ms. */
export const MAX_ADVERTISE_RETRY_MS = 30_000;
/** Default most centrals served at once (Android keeps 8 connections overall, `AppConstants.Power`). */
export const DEFAULT_MAX_CENTRALS = 8;

export interface BlePeripheralComponents {
  /** Opens the library object (called once in start(); a throw means `unsupported`, MG_ERR_BLE_ADAPTER). */
  openBleno: () => BlenoLike;
  clock: Clock;
  logger: Logger;
  randomBytes?: (n: number) => Uint8Array;
  /** Peer admission (the hygiene module's); a refused address is disconnected at once and counted under the returned code. */
  admission?: PeerAdmission;
}

export interface BlePeripheralInit {
  /** The gateway's peer ID (16 lowercase hex), advertised in the scan response. */
  peerId: string;
  serviceUuid?: string;
  characteristicUuid?: string;
  /** Most centrals at once (default 8). */
  maxCentrals?: number;
  /** Local name in the advertising data ('' = none, as phones do). */
  advertiseName?: string;
  /** Egress FIFO per link, GATT values (default 512). */
  queueFrames?: number;
  /** Human description of the controller for status (`hci0`, `uart:/dev/ttyAMA0@1000000`). */
  controller?: string;
}

/** /api/status → modules.ble.peripheral. */
export interface BlePeripheralStatus {
  role: 'peripheral';
  controller: string;
  state: RadioState | string;
  stateChangedAt: number | null;
  advertising: boolean;
  advertisingStarts: number;
  centrals: number;
  maxCentrals: number;
  accepted: number;
  disconnects: number;
  /** Adapter-level counters by error code (centrals refused at the cap, advertising failures...). */
  errors: Record<string, number>;
  lastError: { code: string; message: string } | null;
  links: BleLinkTelemetry[];
}

/** The bleno peripheral link adapter (kind `ble-peripheral`); see the module doc. */
export class BlePeripheralAdapter extends BaseLinkAdapter {
  readonly kind = 'ble-peripheral' as const;
  private readonly c: BlePeripheralComponents;
  private readonly peerId: string;
  private readonly serviceUuid: string;
  private readonly characteristicUuid: string;
  private readonly maxCentrals: number;
  private readonly advertiseName: string;
  private readonly queueFrames: number;
  private readonly controller: string;
  private bleno: BlenoLike | undefined;
  private state: string = 'unknown';
  private stateChangedAt: number | null = null;
  private running = false;
  private servicesReady = false;
  private advertising = false;
  private advertisingPending = false;
  private advertisingStarts = 0;
  private advertiseFailures = 0;
  private restartTimer: TimerHandle | undefined;
  private readonly links = new Map<string, BleLink>();
  private lastAccepted: BleLink | undefined;
  private nextLinkNo = 1;
  private accepted = 0;
  private disconnects = 0;
  private readonly errors: Record<string, number> = {};
  private lastError: { code: string; message: string } | null = null;
  private readonly listeners: Array<[string, (...args: any[]) => void]> = [];

  constructor(components: BlePeripheralComponents, init: BlePeripheralInit) {
    super(components.logger);
    this.c = components;
    this.peerId = init.peerId;
    this.serviceUuid = init.serviceUuid ?? BITCHAT_SERVICE_UUID;
    this.characteristicUuid = init.characteristicUuid ?? BITCHAT_CHARACTERISTIC_UUID;
    this.maxCentrals = init.maxCentrals ?? DEFAULT_MAX_CENTRALS;
    this.advertiseName = init.advertiseName ?? '';
    this.queueFrames = init.queueFrames ?? DEFAULT_BLE_QUEUE_FRAMES;
    this.controller = init.controller ?? 'default';
    // Validate the advertising payloads now (bad UUID / peer ID is a configuration error).
    try {
      buildAdvertisingData(this.serviceUuid, this.advertiseName);
      buildScanResponse(this.serviceUuid, this.peerId);
    } catch (err) {
      throw new MeshgateError('MG_ERR_CONFIG_INVALID', `BLE peripheral: ${(err as Error).message}`);
    }
  }

  /** Radio state as the library reports it. */
  get radioState(): string {
    return this.state;
  }

  /** Open BLE links (one per connected central). */
  openLinks(): BleLink[] {
    return [...this.links.values()];
  }

  /** Open the library and follow its radio state. Never throws for a missing radio. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    let bleno: BlenoLike;
    try {
      bleno = this.c.openBleno();
    } catch (err) {
      this.fail('MG_ERR_BLE_ADAPTER', `cannot open the BLE controller ${this.controller}: ${(err as Error).message}`);
      this.setState('unsupported');
      return;
    }
    this.bleno = bleno;
    this.listen('accept', (address: string, handle: BlenoHandle) => this.onAccept(address, handle));
    this.listen('disconnect', (address: string, handle: BlenoHandle) => this.onDisconnect(address, handle));
    this.listen('mtuChange', (mtu: number) => this.onMtuChange(mtu));
    this.listen('advertisingStop', () => this.onAdvertisingStop());
    // Registering 'stateChange' is what makes bleno initialise its bindings.
    this.listen('stateChange', (state: string) => this.onStateChange(state));
    if (bleno.state === 'poweredOn' && this.state !== 'poweredOn') this.onStateChange('poweredOn');
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.cancelRestart();
    const closing = [...this.links.values()].map((l) => l.close('adapter stopped'));
    this.links.clear();
    await Promise.all(closing);
    const bleno = this.bleno;
    this.bleno = undefined;
    if (bleno) {
      for (const [event, l] of this.listeners) bleno.removeListener(event, l);
      this.listeners.length = 0;
      try {
        if (this.advertising) bleno.stopAdvertising();
        bleno.stop();
      } catch (err) {
        this.logger().debug({ err: String(err) }, 'bleno stop failed');
      }
    }
    this.advertising = false;
    this.servicesReady = false;
    this.clearListeners();
  }

  status(): BlePeripheralStatus {
    return {
      role: 'peripheral',
      controller: this.controller,
      state: this.state,
      stateChangedAt: this.stateChangedAt,
      advertising: this.advertising,
      advertisingStarts: this.advertisingStarts,
      centrals: this.links.size,
      maxCentrals: this.maxCentrals,
      accepted: this.accepted,
      disconnects: this.disconnects,
      errors: { ...this.errors },
      lastError: this.lastError,
      links: [...this.links.values()].map((l) => l.telemetry()),
    };
  }

  // ---- library events ------------------------------------------------------------

  private listen(event: string, l: (...args: any[]) => void): void {
    const guarded = (...args: any[]): void => {
      try {
        l(...args);
      } catch (err) {
        this.logger().warn({ err: String(err), event }, 'BLE peripheral event handler failed');
      }
    };
    this.listeners.push([event, guarded]);
    this.bleno?.on(event, guarded);
  }

  private logger(): Logger {
    return this.c.logger;
  }

  private setState(state: string): void {
    this.state = state;
    this.stateChangedAt = this.c.clock.now();
  }

  private onStateChange(state: string): void {
    if (!this.running) return;
    const was = this.state;
    this.setState(state);
    this.logger().info({ state, was, controller: this.controller }, 'BLE peripheral radio state');
    if (state === 'poweredOn') {
      if (was !== 'poweredOn') this.installServices();
      return;
    }
    // Radio gone (off, unauthorised, reset): every connection is gone with it.
    this.servicesReady = false;
    this.advertising = false;
    this.advertisingPending = false;
    this.cancelRestart();
    for (const link of [...this.links.values()]) link.disconnected(`radio ${state}`);
    this.links.clear();
  }

  private installServices(): void {
    const bleno = this.bleno;
    if (!bleno) return;
    const characteristic = new bleno.Characteristic({
      uuid: undashedUuid(this.characteristicUuid),
      properties: ['read', 'write', 'writeWithoutResponse', 'notify'],
      descriptors: [],
      onReadRequest: (_handle, _offset, callback) => callback(AttResult.SUCCESS, Buffer.alloc(0)),
      onWriteRequest: (handle, data, offset, withoutResponse, callback) => this.onWrite(handle, data, offset, withoutResponse, callback),
      onSubscribe: (handle, maxValueSize, update) => this.onSubscribe(handle, maxValueSize, update),
      onUnsubscribe: (handle) => this.links.get(String(handle))?.detachPipe(),
    });
    const service = new bleno.PrimaryService({ uuid: undashedUuid(this.serviceUuid), characteristics: [characteristic] });
    bleno.setServices([service], (err) => {
      if (err) {
        this.fail('MG_ERR_BLE_ADAPTER', `setServices failed: ${String(err)}`);
        return;
      }
      if (this.bleno !== bleno || this.state !== 'poweredOn') return;
      this.servicesReady = true;
      this.ensureAdvertising();
    });
  }

  private onAccept(address: string, handle: BlenoHandle): void {
    if (!this.running) return;
    const key = String(handle);
    if (this.links.size >= this.maxCentrals) {
      this.fail('MG_ERR_BLE_CENTRAL_LIMIT', `central ${address} refused: ${this.links.size} of ${this.maxCentrals} connected`);
      this.bleno?.disconnect(handle);
      return;
    }
    const verdict = this.c.admission?.allowAddress(address, 'inbound');
    if (verdict && !verdict.ok) {
      this.fail(verdict.code as ErrorCode, `central ${address} refused: ${verdict.reason}`);
      this.bleno?.disconnect(handle);
      return;
    }
    const bleno = this.bleno;
    const link = new BleLink(
      { now: () => this.c.clock.now(), logger: this.c.logger, randomBytes: this.c.randomBytes, disconnect: () => bleno?.disconnect(handle) },
      { id: `ble-p#${this.nextLinkNo++}(${address})`, role: 'peripheral', address, queueFrames: this.queueFrames },
    );
    this.links.set(key, link);
    this.lastAccepted = link;
    this.accepted++;
    link.on('close', () => {
      if (this.links.get(key) === link) this.links.delete(key);
      if (this.lastAccepted === link) this.lastAccepted = undefined;
      this.ensureAdvertising();
    });
    this.emit('link', link);
    this.ensureAdvertising();
  }

  private onDisconnect(_address: string, handle: BlenoHandle): void {
    const key = String(handle);
    const link = this.links.get(key);
    if (!link) return;
    this.disconnects++;
    this.links.delete(key);
    link.disconnected('central disconnected');
    this.ensureAdvertising();
  }

  private onMtuChange(mtu: number): void {
    const l = this.lastAccepted;
    if (l && l.isOpen && !l.telemetry().ready) l.setMtu(Math.min(mtu, MAX_ATT_MTU));
  }

  private onWrite(handle: BlenoHandle, data: Buffer, offset: number, _withoutResponse: boolean, callback: (result: number) => void): void {
    const link = this.links.get(String(handle));
    if (!link || !link.isOpen) {
      this.count('MG_ERR_LINK_CLOSED');
      callback(AttResult.UNLIKELY_ERROR);
      return;
    }
    if (offset !== 0) {
      link.refuse('MG_ERR_BLE_WRITE_OFFSET');
      callback(AttResult.INVALID_OFFSET);
      return;
    }
    link.receive(data);
    callback(AttResult.SUCCESS);
  }

  private onSubscribe(handle: BlenoHandle, maxValueSize: number, update: (data: Buffer) => void): void {
    const link = this.links.get(String(handle));
    if (!link) return;
    link.setMtu(maxValueSize + 3);
    link.attachPipe({
      write: (value, done) => {
        update(value);
        done();
      },
    });
  }

  // ---- advertising ----------------------------------------------------------------

  private onAdvertisingStop(): void {
    this.advertising = false;
    this.scheduleRestart();
  }

  /** Retry advertising after ADVERTISE_RESTART_MS, doubling per consecutive failure up to MAX_ADVERTISE_RETRY_MS. */
  private scheduleRestart(): void {
    if (this.restartTimer !== undefined || !this.running) return;
    const delay = Math.min(MAX_ADVERTISE_RETRY_MS, ADVERTISE_RESTART_MS * 2 ** Math.min(this.advertiseFailures, 16));
    this.restartTimer = this.c.clock.setTimer(() => {
      this.restartTimer = undefined;
      this.ensureAdvertising();
    }, delay);
  }

  private cancelRestart(): void {
    if (this.restartTimer !== undefined) this.c.clock.clearTimer(this.restartTimer);
    this.restartTimer = undefined;
  }

  /** Advertise when powered, services are set and below the cap; stop at the cap. */
  private ensureAdvertising(): void {
    const bleno = this.bleno;
    if (!bleno || !this.running || this.state !== 'poweredOn' || !this.servicesReady) return;
    const full = this.links.size >= this.maxCentrals;
    if (full) {
      if (this.advertising) {
        this.advertising = false;
        bleno.stopAdvertising();
      }
      return;
    }
    if (this.advertising || this.advertisingPending) return;
    this.advertisingPending = true;
    bleno.startAdvertisingWithEIRData(buildAdvertisingData(this.serviceUuid, this.advertiseName), buildScanResponse(this.serviceUuid, this.peerId), (err) => {
      this.advertisingPending = false;
      if (this.bleno !== bleno) return;
      if (err) {
        this.advertiseFailures++;
        this.fail('MG_ERR_BLE_ADAPTER', `advertising failed: ${String(err)}`);
        this.scheduleRestart();
        return;
      }
      this.advertiseFailures = 0;
      this.advertising = true;
      this.advertisingStarts++;
    });
  }

  private count(code: ErrorCode): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
  }

  private fail(code: ErrorCode, message: string): void {
    this.count(code);
    this.lastError = { code, message };
    this.logger().warn({ code }, message);
  }
}
