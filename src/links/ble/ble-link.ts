/**
 * BleLink: one Bluetooth LE connection to a phone (or BLE node) as a Link, for either GATT
 * role. The role-specific adapter owns the library objects and hands the link a
 * {@link GattPipe} (notify on the peripheral, write-without-response on the central).
 *
 * - One GATT value per frame: a frame of at most min(ATT MTU − 3, 512) bytes
 *   (`maxFrameBytes`, which follows the MTU) goes out as one value; a larger *bitchat
 *   packet* goes out as protocol fragments (src/links/ble/ble-fragmenter.ts), each one
 *   value, enqueued all or nothing. A larger frame that is not a bitchat packet cannot be
 *   fragmented: `send` throws MG_ERR_LINK_FRAME_TOO_LARGE (MG_ERR_FRAGMENT_LIMIT beyond 256
 *   fragments), counted. Before the pipe is ready (the MTU exchange and subscription come
 *   after the connection, while the engine sends its announce at once) a large packet is
 *   queued whole and fragmented for the MTU in force when it is sent.
 * - Counters: `framesOut` counts what `send` accepted (a fragmented packet counts each
 *   fragment, or once when queued whole before the MTU was known); `valuesOut` in the
 *   telemetry counts GATT values actually handed to the library.
 * - One GATT operation in flight per link; the rest wait in a bounded FIFO of
 *   `queueFrames` values (full: the frame is dropped, `send` returns false, counted
 *   MG_ERR_LINK_QUEUE_FULL). Values wait while the pipe is not ready (a central that has not
 *   subscribed yet). At most {@link MAX_OPS_PER_TURN} values are sent per event-loop turn.
 * - Every received value is delivered as one frame (trailing padding is the codec's job;
 *   garbage is decoded, counted per link and dropped by the mesh engine).
 * - Close (either side) releases the queue and the pipe at once: nothing outlives the link.
 * - No control channel: phone links refuse `sendControl` (BaseLink default).
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { MeshgateError, isMeshgateError, type ErrorCode } from '../../errors.js';
import type { Logger } from '../../ports/logger.js';
import { decodePacket } from '../../protocol/codec.js';
import { BaseLink, DEFAULT_MAX_FRAME_BYTES } from '../base-link.js';
import { fragmentForLink } from './ble-fragmenter.js';
import { DEFAULT_ATT_MTU, wholePacketLimit } from './ble-gatt.js';

/** GATT role of the gateway on this link. */
export type BleRole = 'peripheral' | 'central';

/** Sends GATT values for one link; supplied by the adapter. */
export interface GattPipe {
  /** Send one value (≤ MTU − 3 bytes); call `done` once, with an error if it failed. May call `done` synchronously. */
  write(value: Buffer, done: (err?: Error) => void): void;
}

/** Default bound of a link's egress FIFO, in GATT values (a 64 KiB packet is 140 fragments of 469 bytes). */
export const DEFAULT_BLE_QUEUE_FRAMES = 512;
/** Values handed to the library per event-loop turn before yielding (keeps the loop responsive). */
export const MAX_OPS_PER_TURN = 64;

export interface BleLinkComponents {
  /** ms since epoch, for stats. */
  now: () => number;
  logger?: Logger;
  /** Source of fragment IDs (default node:crypto randomBytes). */
  randomBytes?: (n: number) => Uint8Array;
  /** Drop the radio connection (best effort; called once when the link is closed locally). */
  disconnect: () => void;
}

export interface BleLinkInit {
  id: string;
  role: BleRole;
  /** Remote BLE address (`aa:bb:cc:dd:ee:ff`) or the library's device handle. */
  address: string | undefined;
  /** ATT MTU known at connect (default 23, updated with {@link BleLink.setMtu}). */
  mtu?: number;
  /** Egress FIFO bound in GATT values (default 512). */
  queueFrames?: number;
  /** RSSI in dBm, when known. */
  rssiDbm?: number | undefined;
  /** The peer ID the device advertised in its scan response, when known. */
  advertisedPeerId?: string | undefined;
}

/** Per-link BLE telemetry, as shown on /api/status → modules.ble.links[]. */
export interface BleLinkTelemetry {
  id: string;
  role: BleRole;
  address: string | undefined;
  /** Peer ID bound to this link by the peer's direct (TTL 7) announce, when it has announced. */
  peerId: string | null;
  /** Peer ID from the scan response (central role), when advertised. */
  advertisedPeerId: string | null;
  rssiDbm: number | null;
  mtu: number;
  /** Largest whole packet per GATT value: min(mtu − 3, 512), bytes. */
  maxValueBytes: number;
  /** True while the pipe is ready (peripheral: the central subscribed to notifications). */
  ready: boolean;
  queued: number;
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Packets sent as protocol fragments. */
  fragmentedPackets: number;
  /** GATT values (notifications / writes) handed to the library. */
  valuesOut: number;
  drops: Record<string, number>;
  openedAt: number;
}

/** A BLE connection as a Link (kind `ble-peripheral` or `ble-central`); see the module doc. */
export class BleLink extends BaseLink {
  readonly role: BleRole;
  private mtuValue: number;
  private rssi: number | undefined;
  private readonly advertisedPeerId: string | undefined;
  private boundPeerId: string | undefined;
  private readonly queueCap: number;
  private queue: Uint8Array[] = [];
  private head = 0;
  private pipe: GattPipe | undefined;
  private inFlight = false;
  private draining = false;
  private scheduled = false;
  private sentThisTurn = 0;
  private fragmented = 0;
  private valuesOut = 0;
  /** True only inside send() while a whole packet is queued before the MTU is settled. */
  private oversizeOk = false;
  private readonly randomBytes: (n: number) => Uint8Array;
  private readonly dropConnection: () => void;

  /** @throws MeshgateError MG_ERR_CONFIG_INVALID when queueFrames < 1. */
  constructor(components: BleLinkComponents, init: BleLinkInit) {
    super({ id: init.id, kind: init.role === 'peripheral' ? 'ble-peripheral' : 'ble-central', remoteAddress: init.address, now: components.now, logger: components.logger });
    this.role = init.role;
    this.mtuValue = init.mtu ?? DEFAULT_ATT_MTU;
    this.rssi = init.rssiDbm;
    this.advertisedPeerId = init.advertisedPeerId;
    this.queueCap = init.queueFrames ?? DEFAULT_BLE_QUEUE_FRAMES;
    if (!Number.isInteger(this.queueCap) || this.queueCap < 1) throw new MeshgateError('MG_ERR_CONFIG_INVALID', `BLE queueFrames must be a positive integer, got ${this.queueCap}`);
    this.randomBytes = components.randomBytes ?? ((n) => cryptoRandomBytes(n));
    this.dropConnection = components.disconnect;
    // maxFrameBytes follows the negotiated MTU (BaseLink stores a plain field; replace it with a getter).
    Object.defineProperty(this, 'maxFrameBytes', { get: () => (this.oversizeOk ? DEFAULT_MAX_FRAME_BYTES : wholePacketLimit(this.mtuValue)), enumerable: true, configurable: true });
  }

  /** Current ATT MTU in bytes. */
  get mtu(): number {
    return this.mtuValue;
  }

  /** Values waiting in the egress FIFO. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  /** The peer ID bound to this link by its direct announce (set by the BLE module). */
  get peerId(): string | undefined {
    return this.boundPeerId;
  }

  /** The ATT MTU changed (exchange, or the subscribe's max value size + 3). */
  setMtu(mtu: number): void {
    if (Number.isInteger(mtu) && mtu >= DEFAULT_ATT_MTU) this.mtuValue = mtu;
  }

  /** A fresh RSSI reading, dBm. */
  setRssi(rssiDbm: number): void {
    if (Number.isFinite(rssiDbm)) this.rssi = rssiDbm;
  }

  /** Record the peer the mesh engine bound to this link (undefined when unbound). */
  setBoundPeer(peerId: string | undefined): void {
    this.boundPeerId = peerId;
  }

  /** The pipe is ready (peripheral: the central subscribed; central: subscription done). Queued values start flowing. */
  attachPipe(pipe: GattPipe): void {
    if (!this.isOpen) return;
    this.pipe = pipe;
    this.inFlight = false;
    this.drain();
  }

  /** The pipe stopped (peripheral: the central unsubscribed). Values wait, bounded. */
  detachPipe(): void {
    this.pipe = undefined;
    this.inFlight = false;
  }

  /** One GATT value arrived (a write on the peripheral, a notification on the central). */
  receive(value: Uint8Array): void {
    // Libraries may reuse their buffers: hand the engine its own copy.
    this.deliver(Uint8Array.prototype.slice.call(value));
  }

  /** Count a dropped inbound value (refused write) under `code`. */
  refuse(code: ErrorCode): void {
    this.countDrop(code);
  }

  /** The connection went away (remote disconnect, radio off): release everything, emit `close`. */
  disconnected(reason: string): void {
    this.release();
    this.remoteClosed(reason);
  }

  override send(frame: Uint8Array): boolean {
    if (!this.isOpen || frame.length <= this.maxFrameBytes) return super.send(frame);
    // Larger than one GATT value: only a bitchat packet can go, as protocol fragments.
    try {
      decodePacket(frame);
    } catch (err) {
      return this.tooLarge(frame, err);
    }
    if (!this.pipe) {
      // The MTU is not settled before the central subscribes: keep the packet whole in the
      // queue; it is fragmented for the MTU in force when it is sent.
      this.oversizeOk = true;
      try {
        return super.send(frame);
      } finally {
        this.oversizeOk = false;
      }
    }
    let parts: Uint8Array[];
    try {
      parts = fragmentForLink(frame, { frameLimit: this.maxFrameBytes, fragmentId: this.randomBytes(8) });
    } catch (err) {
      return this.tooLarge(frame, err);
    }
    if (this.queued + parts.length > this.queueCap) {
      this.countDrop('MG_ERR_LINK_QUEUE_FULL');
      return false;
    }
    this.fragmented++;
    for (const part of parts) super.send(part);
    return true;
  }

  private tooLarge(frame: Uint8Array, err: unknown): never {
    const code: ErrorCode = isMeshgateError(err, 'MG_ERR_FRAGMENT_LIMIT') ? 'MG_ERR_FRAGMENT_LIMIT' : 'MG_ERR_LINK_FRAME_TOO_LARGE';
    this.countDrop(code);
    throw new MeshgateError(code, `frame of ${frame.length} bytes exceeds this BLE link's ${this.maxFrameBytes}-byte values and cannot be fragmented: ${(err as Error).message}`, {
      frameBytes: frame.length,
      maxFrameBytes: this.maxFrameBytes,
    });
  }

  /** Bytes waiting in the notification / write FIFO: the BLE driver backlog QoS measures (at most queueFrames values). */
  override driverQueueBytes(): number {
    let n = 0;
    for (let i = this.head; i < this.queue.length; i++) n += this.queue[i].length;
    return n;
  }

  protected transmit(frame: Uint8Array): boolean {
    if (this.queued >= this.queueCap) return false;
    this.queue.push(frame);
    this.drain();
    return true;
  }

  protected teardown(reason: string): Promise<void> {
    this.release();
    this.logger.debug({ reason }, 'closing BLE link');
    try {
      this.dropConnection();
    } catch (err) {
      this.logger.debug({ err: String(err) }, 'BLE disconnect failed');
    }
    return Promise.resolve();
  }

  /** Telemetry snapshot for the status page. */
  telemetry(): BleLinkTelemetry {
    const s = this.stats();
    return {
      id: this.id,
      role: this.role,
      address: this.remoteAddress,
      peerId: this.boundPeerId ?? null,
      advertisedPeerId: this.advertisedPeerId ?? null,
      rssiDbm: this.rssi ?? null,
      mtu: this.mtuValue,
      maxValueBytes: this.maxFrameBytes,
      ready: this.pipe !== undefined,
      queued: this.queued,
      framesIn: s.framesIn,
      framesOut: s.framesOut,
      bytesIn: s.bytesIn,
      bytesOut: s.bytesOut,
      fragmentedPackets: this.fragmented,
      valuesOut: this.valuesOut,
      drops: s.drops,
      openedAt: s.openedAt,
    };
  }

  private release(): void {
    this.queue = [];
    this.head = 0;
    this.pipe = undefined;
    this.inFlight = false;
  }

  private dequeue(): Uint8Array {
    const v = this.queue[this.head++];
    if (this.head >= 1024 || this.head === this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return v;
  }

  /**
   * A whole packet queued before the MTU was known is split now, for the MTU in force.
   * Returns false when it could not be (dropped and counted; the loop moves on).
   */
  private expandHead(): boolean {
    const head = this.queue[this.head];
    const limit = wholePacketLimit(this.mtuValue);
    if (head.length <= limit) return true;
    let parts: Uint8Array[];
    try {
      parts = fragmentForLink(head, { frameLimit: limit, fragmentId: this.randomBytes(8) });
    } catch (err) {
      this.dequeue();
      this.countDrop(isMeshgateError(err) ? err.code : 'MG_ERR_LINK_FRAME_TOO_LARGE');
      return false;
    }
    this.queue = parts.concat(this.queue.slice(this.head + 1));
    this.head = 0;
    this.fragmented++;
    return true;
  }

  /** Hand queued values to the pipe, one in flight, at most MAX_OPS_PER_TURN per turn. */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.pipe && !this.inFlight && this.queued > 0 && this.sentThisTurn < MAX_OPS_PER_TURN) {
        const pipe = this.pipe;
        if (!this.expandHead()) continue;
        const v = this.dequeue();
        this.inFlight = true;
        this.valuesOut++;
        this.sentThisTurn++;
        let sync = true;
        let done = false;
        pipe.write(Buffer.from(v.buffer, v.byteOffset, v.byteLength), (err) => {
          if (done) return;
          done = true;
          if (this.pipe !== pipe) return; // detached or closed meanwhile
          this.inFlight = false;
          if (err) {
            this.countDrop('MG_ERR_BLE_GATT_OP_FAILED');
            this.logger.debug({ err: String(err) }, 'GATT operation failed; closing');
            void this.close('MG_ERR_BLE_GATT_OP_FAILED');
            return;
          }
          if (!sync) this.drain();
        });
        sync = false;
      }
    } finally {
      this.draining = false;
    }
    if (this.sentThisTurn > 0 && !this.scheduled) {
      // Next turn: a fresh budget, and whatever is still queued goes on.
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.sentThisTurn = 0;
        if (this.isOpen) this.drain();
      });
    }
  }
}
