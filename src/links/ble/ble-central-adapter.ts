/**
 * The GATT central role (noble): the gateway reaches out to phones and BLE nodes that
 * advertise the bitchat service (bitchat-spec.md §1).
 *
 * - Scan for the service UUID (duplicates allowed, to follow RSSI and address rotation);
 *   devices weaker than `rssiFloorDbm` are skipped (counted MG_ERR_BLE_RSSI_FLOOR).
 * - A device's identity is the peer ID in its scan-response service data (Android) or else
 *   its address (iOS): one link per identity, so a phone that rotates its address is not
 *   connected twice. Our own peer ID and peers already linked (e.g. through the peripheral
 *   role) are skipped.
 * - Connect with pacing: attempts at least `connectIntervalMs` (≥ 500 ms) apart, one at a
 *   time; each attempt (connect with ATT MTU 517 requested, discover the service and its
 *   characteristic, subscribe) must finish within `connectTimeoutMs` (8 s) or it is
 *   cancelled (MG_ERR_BLE_CONNECT_TIMEOUT); after a failure the identity backs off
 *   exponentially (src/links/backoff.ts: 1 s doubling to 60 s, ±20 % jitter).
 *   Upstream: Android `mesh/BluetoothConnectionManager.kt`, `BluetoothGattClientManager.kt`.
 * - Each connection is a {@link BleLink} (kind `ble-central`): write-without-response, one
 *   operation in flight (noble keeps one pending write callback per characteristic), a
 *   bounded queue; notifications are inbound frames. A disconnected identity is
 *   reconnected when it is seen advertising again (no back-off after a clean session).
 * - Radio state as noble reports it; scanning starts on every transition to `poweredOn`,
 *   and resumes after every connection attempt (noble's HCI bindings stop scanning to
 *   connect, `lib/hci-socket/bindings.js` `processConnectionQueue`, and leave it stopped).
 */
import { type ErrorCode } from '../../errors.js';
import type { Clock, TimerHandle } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { PeerAdmission } from '../../ports/admission.js';
import { BaseLinkAdapter } from '../base-link-adapter.js';
import { DEFAULT_RECONNECT_POLICY, reconnectDelayMs, type ReconnectPolicy } from '../backoff.js';
import { BITCHAT_CHARACTERISTIC_UUID, BITCHAT_SERVICE_UUID, DEFAULT_ATT_MTU, MAX_ATT_MTU, peerIdFromServiceData, undashedUuid } from './ble-gatt.js';
import type { NobleCharacteristicLike, NobleLike, NoblePeripheralLike, RadioState } from './ble-library-types.js';
import { BleLink, DEFAULT_BLE_QUEUE_FRAMES, type BleLinkTelemetry } from './ble-link.js';

/** Shortest gap between two connection attempts, ms (the pacing rule). */
export const MIN_CONNECT_INTERVAL_MS = 500;
/** Default connection attempt deadline, ms (connect + discovery + subscription). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 8_000;
/** Default most peripherals connected at once (iOS keeps at most 6 outgoing links, `TransportConfig.swift`). */
export const DEFAULT_MAX_PERIPHERALS = 6;
/** Default RSSI floor, dBm (Android's default scan RSSI threshold is around −90). */
export const DEFAULT_RSSI_FLOOR_DBM = -90;
/** Most distinct devices remembered (candidates and back-off state); the least recently seen is forgotten. */
export const MAX_KNOWN_DEVICES = 256;
/** How often the RSSI of connected peripherals is refreshed, ms. */
export const RSSI_REFRESH_MS = 10_000;

export interface BleCentralComponents {
  /** Opens the library object (a throw means `unsupported`, MG_ERR_BLE_ADAPTER). */
  openNoble: () => NobleLike;
  clock: Clock;
  logger: Logger;
  /** Uniform [0, 1) for back-off jitter. */
  random: () => number;
  randomBytes?: (n: number) => Uint8Array;
  /** True when this peer ID already has a link (e.g. it connected to our peripheral). */
  isPeerLinked?: (peerId: string) => boolean;
  /** Peer admission (the hygiene module's); a refused device is not connected and backs off, counted under the returned code. */
  admission?: PeerAdmission;
}

export interface BleCentralInit {
  /** Our peer ID: our own advertisements (second controller in range) are skipped. */
  ownPeerId: string;
  serviceUuid?: string;
  characteristicUuid?: string;
  rssiFloorDbm?: number;
  maxPeripherals?: number;
  connectIntervalMs?: number;
  connectTimeoutMs?: number;
  queueFrames?: number;
  backoff?: ReconnectPolicy;
  controller?: string;
}

interface Device {
  key: string;
  peripheral: NoblePeripheralLike;
  advertisedPeerId: string | undefined;
  rssi: number;
  lastSeen: number;
  failures: number;
  notBefore: number;
  link: BleLink | undefined;
  connecting: boolean;
}

/** /api/status → modules.ble.central. */
export interface BleCentralStatus {
  role: 'central';
  controller: string;
  state: RadioState | string;
  stateChangedAt: number | null;
  scanning: boolean;
  peripherals: number;
  maxPeripherals: number;
  knownDevices: number;
  connecting: string | null;
  attempts: number;
  connected: number;
  errors: Record<string, number>;
  lastError: { code: string; message: string } | null;
  links: BleLinkTelemetry[];
}

/** The noble central link adapter (kind `ble-central`); see the module doc. */
export class BleCentralAdapter extends BaseLinkAdapter {
  readonly kind = 'ble-central' as const;
  private readonly c: BleCentralComponents;
  private readonly ownPeerId: string;
  private readonly serviceUuid: string;
  private readonly characteristicUuid: string;
  private readonly rssiFloor: number;
  private readonly maxPeripherals: number;
  private readonly connectIntervalMs: number;
  private readonly connectTimeoutMs: number;
  private readonly queueFrames: number;
  private readonly backoff: ReconnectPolicy;
  private readonly controller: string;
  private noble: NobleLike | undefined;
  private state = 'unknown';
  private stateChangedAt: number | null = null;
  private running = false;
  private scanning = false;
  /** Devices by identity (peer ID or address), in least-recently-seen-first order. */
  private readonly devices = new Map<string, Device>();
  private connecting: Device | undefined;
  private lastAttemptAt = -Infinity;
  private pumpTimer: TimerHandle | undefined;
  private rssiTimer: TimerHandle | undefined;
  private attempts = 0;
  private connected = 0;
  private nextLinkNo = 1;
  private readonly errors: Record<string, number> = {};
  private lastError: { code: string; message: string } | null = null;
  private readonly listeners: Array<[string, (...args: any[]) => void]> = [];

  constructor(components: BleCentralComponents, init: BleCentralInit) {
    super(components.logger);
    this.c = components;
    this.ownPeerId = init.ownPeerId;
    this.serviceUuid = undashedUuid(init.serviceUuid ?? BITCHAT_SERVICE_UUID);
    this.characteristicUuid = undashedUuid(init.characteristicUuid ?? BITCHAT_CHARACTERISTIC_UUID);
    this.rssiFloor = init.rssiFloorDbm ?? DEFAULT_RSSI_FLOOR_DBM;
    this.maxPeripherals = init.maxPeripherals ?? DEFAULT_MAX_PERIPHERALS;
    this.connectIntervalMs = Math.max(MIN_CONNECT_INTERVAL_MS, init.connectIntervalMs ?? MIN_CONNECT_INTERVAL_MS);
    this.connectTimeoutMs = init.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.queueFrames = init.queueFrames ?? DEFAULT_BLE_QUEUE_FRAMES;
    this.backoff = init.backoff ?? DEFAULT_RECONNECT_POLICY;
    this.controller = init.controller ?? 'default';
  }

  get radioState(): string {
    return this.state;
  }

  openLinks(): BleLink[] {
    const out: BleLink[] = [];
    for (const d of this.devices.values()) if (d.link) out.push(d.link);
    return out;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    let noble: NobleLike;
    try {
      noble = this.c.openNoble();
    } catch (err) {
      this.fail('MG_ERR_BLE_ADAPTER', `cannot open the BLE controller ${this.controller}: ${(err as Error).message}`);
      this.setState('unsupported');
      return;
    }
    this.noble = noble;
    this.listen('discover', (p: NoblePeripheralLike) => this.onDiscover(p));
    // noble's HCI bindings stop scanning to connect and do not resume it: resume here.
    this.listen('scanStop', () => {
      this.scanning = false;
      if (!this.connecting) this.startScan();
    });
    this.listen('stateChange', (state: string) => this.onStateChange(state));
    if (noble.state === 'poweredOn' && this.state !== 'poweredOn') this.onStateChange('poweredOn');
    this.rssiTimer = this.c.clock.setTimer(() => this.refreshRssi(), RSSI_REFRESH_MS);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.pumpTimer !== undefined) this.c.clock.clearTimer(this.pumpTimer);
    if (this.rssiTimer !== undefined) this.c.clock.clearTimer(this.rssiTimer);
    this.pumpTimer = undefined;
    this.rssiTimer = undefined;
    const connecting = this.connecting;
    this.connecting = undefined;
    if (connecting) this.safe(() => connecting.peripheral.cancelConnect());
    await Promise.all(this.openLinks().map((l) => l.close('adapter stopped')));
    this.devices.clear();
    const noble = this.noble;
    this.noble = undefined;
    if (noble) {
      for (const [event, l] of this.listeners) noble.removeListener(event, l);
      this.listeners.length = 0;
      this.safe(() => {
        if (this.scanning) noble.stopScanning();
        noble.stop();
      });
    }
    this.scanning = false;
    this.clearListeners();
  }

  status(): BleCentralStatus {
    return {
      role: 'central',
      controller: this.controller,
      state: this.state,
      stateChangedAt: this.stateChangedAt,
      scanning: this.scanning,
      peripherals: this.openLinks().length,
      maxPeripherals: this.maxPeripherals,
      knownDevices: this.devices.size,
      connecting: this.connecting?.key ?? null,
      attempts: this.attempts,
      connected: this.connected,
      errors: { ...this.errors },
      lastError: this.lastError,
      links: this.openLinks().map((l) => l.telemetry()),
    };
  }

  // ---- radio ---------------------------------------------------------------------

  private listen(event: string, l: (...args: any[]) => void): void {
    const guarded = (...args: any[]): void => {
      try {
        l(...args);
      } catch (err) {
        this.c.logger.warn({ err: String(err), event }, 'BLE central event handler failed');
      }
    };
    this.listeners.push([event, guarded]);
    this.noble?.on(event, guarded);
  }

  private setState(state: string): void {
    this.state = state;
    this.stateChangedAt = this.c.clock.now();
  }

  private onStateChange(state: string): void {
    if (!this.running) return;
    const was = this.state;
    this.setState(state);
    this.c.logger.info({ state, was, controller: this.controller }, 'BLE central radio state');
    if (state === 'poweredOn') {
      if (was !== 'poweredOn') this.startScan();
      return;
    }
    this.scanning = false;
    this.connecting = undefined;
    for (const d of this.devices.values()) {
      d.connecting = false;
      const link = d.link;
      d.link = undefined;
      link?.disconnected(`radio ${state}`);
    }
  }

  private startScan(): void {
    const noble = this.noble;
    if (!noble || this.scanning || !this.running || this.state !== 'poweredOn') return;
    this.scanning = true;
    noble.startScanning([this.serviceUuid], true, (err) => {
      if (err) {
        this.scanning = false;
        this.fail('MG_ERR_BLE_ADAPTER', `scan failed: ${String(err)}`);
      }
    });
  }

  // ---- discovery and connection ----------------------------------------------------

  private onDiscover(p: NoblePeripheralLike): void {
    if (!this.running || this.state !== 'poweredOn') return;
    const advertisedPeerId = peerIdFromServiceData(p.advertisement?.serviceData, this.serviceUuid);
    if (advertisedPeerId === this.ownPeerId) return;
    const key = advertisedPeerId ?? `addr:${p.address || p.id}`;
    const now = this.c.clock.now();
    let d = this.devices.get(key);
    if (d) {
      this.devices.delete(key); // re-insert: most recently seen last
      if (!d.link && !d.connecting) d.peripheral = p; // the phone may have rotated its address
    } else {
      d = { key, peripheral: p, advertisedPeerId, rssi: p.rssi, lastSeen: now, failures: 0, notBefore: 0, link: undefined, connecting: false };
      this.evictIfFull();
    }
    d.rssi = p.rssi;
    d.lastSeen = now;
    this.devices.set(key, d);
    if (typeof p.rssi === 'number' && p.rssi < this.rssiFloor && !d.link) {
      this.count('MG_ERR_BLE_RSSI_FLOOR');
      return;
    }
    this.pump();
  }

  private evictIfFull(): void {
    if (this.devices.size < MAX_KNOWN_DEVICES) return;
    for (const [k, d] of this.devices) {
      if (!d.link && !d.connecting) {
        this.devices.delete(k);
        return;
      }
    }
  }

  /** Start the next eligible connection attempt, respecting pacing, the cap and back-off. */
  private pump(): void {
    if (!this.running || this.state !== 'poweredOn' || this.connecting || this.pumpTimer !== undefined) return;
    if (this.openLinks().length >= this.maxPeripherals) return;
    const now = this.c.clock.now();
    let next: Device | undefined;
    let soonest = Infinity;
    for (const d of this.devices.values()) {
      if (d.link || d.connecting || d.rssi < this.rssiFloor) continue;
      if (d.advertisedPeerId && this.c.isPeerLinked?.(d.advertisedPeerId)) continue;
      if (d.notBefore > now) {
        soonest = Math.min(soonest, d.notBefore);
        continue;
      }
      if (!next || d.rssi > next.rssi) next = d;
    }
    const paceAt = this.lastAttemptAt + this.connectIntervalMs;
    if (next && paceAt <= now) {
      this.connect(next);
      return;
    }
    const wakeAt = next ? paceAt : soonest;
    if (wakeAt !== Infinity) {
      this.pumpTimer = this.c.clock.setTimer(() => {
        this.pumpTimer = undefined;
        this.pump();
      }, Math.max(1, wakeAt - now));
    }
  }

  private connect(d: Device): void {
    const verdict = this.c.admission?.allowAddress(d.peripheral.address || d.peripheral.id, 'outbound');
    if (verdict && !verdict.ok) {
      this.lastAttemptAt = this.c.clock.now();
      this.failed(d, verdict.code as ErrorCode, `${d.key} refused: ${verdict.reason}`);
      return;
    }
    this.connecting = d;
    d.connecting = true;
    this.attempts++;
    this.lastAttemptAt = this.c.clock.now();
    const p = d.peripheral;
    let settled = false;
    const timer = this.c.clock.setTimer(() => {
      if (settled) return;
      settled = true;
      this.safe(() => (p.state === 'connecting' ? p.cancelConnect() : p.disconnect()));
      this.failed(d, 'MG_ERR_BLE_CONNECT_TIMEOUT', `no session with ${d.key} within ${this.connectTimeoutMs} ms`);
    }, this.connectTimeoutMs);
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      this.c.clock.clearTimer(timer);
      this.safe(() => p.disconnect());
      this.failed(d, 'MG_ERR_BLE_CONNECT_FAILED', `${d.key}: ${why}`);
    };
    this.safe(() =>
      p.connect({ mtu: MAX_ATT_MTU }, (err) => {
        if (settled) return;
        if (err) return fail(`connect: ${String(err)}`);
        p.discoverSomeServicesAndCharacteristics([this.serviceUuid], [this.characteristicUuid], (err2, _services, chars) => {
          if (settled) return;
          if (err2) return fail(`discovery: ${String(err2)}`);
          const ch = (chars ?? []).find((c) => undashedUuid(c.uuid) === this.characteristicUuid);
          if (!ch) return fail('no bitchat characteristic');
          ch.subscribe((err3) => {
            if (settled) return;
            if (err3) return fail(`subscribe: ${String(err3)}`);
            settled = true;
            this.c.clock.clearTimer(timer);
            this.established(d, p, ch);
          });
        });
      }),
    );
  }

  private failed(d: Device, code: ErrorCode, message: string): void {
    d.connecting = false;
    d.failures++;
    d.notBefore = this.c.clock.now() + reconnectDelayMs(d.failures - 1, this.backoff, this.c.random);
    if (this.connecting === d) this.connecting = undefined;
    this.fail(code, message);
    this.startScan();
    this.pump();
  }

  private established(d: Device, p: NoblePeripheralLike, ch: NobleCharacteristicLike): void {
    d.connecting = false;
    d.failures = 0;
    if (this.connecting === d) this.connecting = undefined;
    if (!this.running) {
      this.safe(() => p.disconnect());
      return;
    }
    const link = new BleLink(
      { now: () => this.c.clock.now(), logger: this.c.logger, randomBytes: this.c.randomBytes, disconnect: () => this.safe(() => p.disconnect()) },
      {
        id: `ble-c#${this.nextLinkNo++}(${p.address || p.id})`,
        role: 'central',
        address: p.address || p.id,
        mtu: typeof p.mtu === 'number' && p.mtu >= DEFAULT_ATT_MTU ? Math.min(p.mtu, MAX_ATT_MTU) : DEFAULT_ATT_MTU,
        queueFrames: this.queueFrames,
        rssiDbm: p.rssi,
        advertisedPeerId: d.advertisedPeerId,
      },
    );
    d.link = link;
    this.connected++;
    this.startScan();
    const onData = (data: Buffer, isNotification: boolean): void => {
      if (isNotification !== false) link.receive(data);
    };
    const onMtu = (mtu: number): void => link.setMtu(Math.min(mtu, MAX_ATT_MTU));
    const onDisconnect = (reason: unknown): void => {
      cleanup();
      link.disconnected(`peripheral disconnected (${String(reason)})`);
    };
    const cleanup = (): void => {
      ch.removeAllListeners('data');
      p.removeListener('disconnect', onDisconnect);
      p.removeListener('mtu', onMtu);
      if (d.link === link) d.link = undefined;
      this.pump();
    };
    ch.on('data', onData);
    p.on('mtu', onMtu);
    p.on('disconnect', onDisconnect);
    link.on('close', cleanup);
    link.attachPipe({ write: (value, done) => ch.write(value, true, (err) => done(err ? new Error(String(err)) : undefined)) });
    this.emit('link', link);
    this.pump();
  }

  private refreshRssi(): void {
    if (!this.running) return;
    for (const link of this.openLinks()) {
      const d = [...this.devices.values()].find((x) => x.link === link);
      this.safe(() => d?.peripheral.updateRssi((err, rssi) => !err && link.setRssi(rssi)));
    }
    this.rssiTimer = this.c.clock.setTimer(() => this.refreshRssi(), RSSI_REFRESH_MS);
  }

  private safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.c.logger.debug({ err: String(err) }, 'BLE central library call failed');
    }
  }

  private count(code: ErrorCode): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
  }

  private fail(code: ErrorCode, message: string): void {
    this.count(code);
    this.lastError = { code, message };
    this.c.logger.debug({ code }, message);
  }
}
