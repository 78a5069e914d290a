/**
 * LanTcpLink: a Link over one TCP connection (LAN, Wi-Fi Direct group) with upstream
 * Android's Wi-Fi Aware framing (bitchat-android `wifi-aware/SyncedSocket.kt`): each frame
 * is `u32be length | bytes`, a zero length is a keep-alive. Sends a keep-alive every
 * `keepAliveMs` and closes a connection that has been silent (no byte received, keep-alives
 * included) for `idleTimeoutMs`.
 */
import type { Socket } from 'node:net';
import { MeshgateError } from '../../errors.js';
import type { Logger } from '../../ports/logger.js';
import { BaseLink } from '../base-link.js';
import { keepAliveBytes, LENGTH_PREFIX_BYTES, LengthPrefixDecoder } from './length-prefix-decoder.js';

/**
 * Default keep-alive period in ms. Upstream Android's SyncedSocket reads with a 15 s
 * timeout and sends keep-alives about every 2 s, so we stay well inside its timeout.
 */
export const DEFAULT_LAN_KEEPALIVE_MS = 5_000;
/** Default silence in ms after which a connection is closed. */
export const DEFAULT_LAN_IDLE_TIMEOUT_MS = 60_000;
/** Default cap in bytes on the socket's unsent write buffer (1 MiB). */
export const DEFAULT_LAN_MAX_WRITE_BUFFER_BYTES = 1_048_576;
/** How long `close()` waits in ms for queued bytes to flush before destroying the socket. */
const CLOSE_GRACE_MS = 1_000;

export interface LanTcpLinkComponents {
  /** A connected socket; the link owns it from now on. */
  socket: Socket;
  /** ms since epoch for stats (default Date.now). */
  now?: () => number;
  logger?: Logger;
}

export interface LanTcpLinkInit {
  id: string;
  isGatewayLink?: boolean;
  /** Frame cap in bytes, both directions (default DEFAULT_MAX_FRAME_BYTES). */
  maxFrameBytes?: number;
  /** Keep-alive period in ms; 0 disables (default 15,000). */
  keepAliveMs?: number;
  /** Close after this many ms without a received byte; 0 disables (default 60,000). */
  idleTimeoutMs?: number;
  /** `send` returns false while the socket's unsent bytes exceed this (default 1 MiB). */
  maxWriteBufferBytes?: number;
}

/**
 * One TCP connection as a Link (kind `'lan-tcp'`).
 * - `send` throws MG_ERR_LINK_CLOSED / MG_ERR_LINK_FRAME_TOO_LARGE (BaseLink) and
 *   MG_ERR_LINK_PROTOCOL for an empty frame (a zero length means keep-alive on the wire);
 *   returns false (counted MG_ERR_LINK_QUEUE_FULL) while `socket.writableLength` exceeds
 *   `maxWriteBufferBytes`.
 * - An inbound declared length over `maxFrameBytes` is counted as
 *   MG_ERR_LINK_FRAME_TOO_LARGE and closes the connection (the stream cannot resync).
 */
export class LanTcpLink extends BaseLink {
  private readonly socket: Socket;
  private readonly decoder: LengthPrefixDecoder;
  private readonly maxWriteBufferBytes: number;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private keepAlivesIn = 0;

  constructor(components: LanTcpLinkComponents, init: LanTcpLinkInit) {
    const s = components.socket;
    super({
      id: init.id,
      kind: 'lan-tcp',
      isGatewayLink: init.isGatewayLink,
      remoteAddress: formatAddress(s.remoteAddress, s.remotePort),
      maxFrameBytes: init.maxFrameBytes,
      now: components.now ?? Date.now,
      logger: components.logger,
    });
    this.socket = s;
    this.decoder = new LengthPrefixDecoder({ maxFrameBytes: this.maxFrameBytes });
    this.maxWriteBufferBytes = init.maxWriteBufferBytes ?? DEFAULT_LAN_MAX_WRITE_BUFFER_BYTES;
    s.setNoDelay(true);
    s.on('data', (chunk: Buffer) => this.onData(chunk));
    s.on('error', (err: NodeJS.ErrnoException) => this.logger.debug({ code: err.code, err: err.message }, 'socket error'));
    s.on('close', () => {
      this.stopTimers();
      this.remoteClosed('connection closed by remote');
    });
    const keepAliveMs = init.keepAliveMs ?? DEFAULT_LAN_KEEPALIVE_MS;
    if (keepAliveMs > 0) {
      this.keepAliveTimer = setInterval(() => this.sendKeepAlive(), keepAliveMs);
      this.keepAliveTimer.unref();
    }
    const idleTimeoutMs = init.idleTimeoutMs ?? DEFAULT_LAN_IDLE_TIMEOUT_MS;
    if (idleTimeoutMs > 0) {
      this.idleTimer = setTimeout(() => {
        this.logger.debug({ idleTimeoutMs }, 'idle timeout');
        void this.close(`idle for ${idleTimeoutMs} ms`);
      }, idleTimeoutMs);
      this.idleTimer.unref();
    }
    if (s.destroyed) queueMicrotask(() => this.remoteClosed('connection closed by remote'));
  }

  /** Keep-alives received so far (they are not frames and not in `stats()`). */
  get keepAlivesReceived(): number {
    return this.keepAlivesIn;
  }

  override send(frame: Uint8Array): boolean {
    if (this.isOpen && frame.length === 0) {
      throw new MeshgateError('MG_ERR_LINK_PROTOCOL', 'an empty frame cannot be sent on lan-tcp (zero length is a keep-alive)');
    }
    return super.send(frame);
  }

  /** Pause / resume reading the socket (TCP flow control then slows the sender). */
  override setReadPaused(paused: boolean): void {
    if (this.socket.destroyed) return;
    if (paused) this.socket.pause();
    else this.socket.resume();
  }

  /** The socket's unsent bytes (`writableLength`). */
  override driverQueueBytes(): number {
    return this.socket.writableLength;
  }

  protected transmit(frame: Uint8Array): boolean {
    if (!this.socket.writable || this.socket.writableLength > this.maxWriteBufferBytes) return false;
    const buf = Buffer.allocUnsafe(LENGTH_PREFIX_BYTES + frame.length);
    buf.writeUInt32BE(frame.length, 0);
    buf.set(frame, LENGTH_PREFIX_BYTES);
    this.socket.write(buf);
    return true;
  }

  protected teardown(reason: string): Promise<void> {
    this.stopTimers();
    this.logger.debug({ reason }, 'closing');
    const s = this.socket;
    if (s.destroyed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const grace = setTimeout(() => s.destroy(), CLOSE_GRACE_MS);
      grace.unref();
      s.once('close', () => {
        clearTimeout(grace);
        resolve();
      });
      if (this.decoder.failed) s.destroy();
      else s.end();
    });
  }

  private onData(chunk: Buffer): void {
    this.idleTimer?.refresh();
    if (!this.isOpen) return;
    const r = this.decoder.push(chunk);
    this.keepAlivesIn += r.keepAlives;
    for (const f of r.frames) this.deliver(f);
    if (r.error) {
      this.countDrop(r.error.code);
      this.logger.debug({ code: r.error.code, details: r.error.details }, 'unrecoverable framing error; closing');
      void this.close(r.error.code);
    }
  }

  private sendKeepAlive(): void {
    if (!this.isOpen || !this.socket.writable || this.socket.writableLength > this.maxWriteBufferBytes) return;
    this.socket.write(keepAliveBytes());
  }

  private stopTimers(): void {
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.keepAliveTimer = undefined;
    this.idleTimer = undefined;
  }
}

/** `host:port`, with IPv6 hosts in brackets. */
export function formatAddress(host: string | undefined, port: number | undefined): string | undefined {
  if (host === undefined) return undefined;
  const h = host.includes(':') ? `[${host}]` : host;
  return port === undefined ? h : `${h}:${port}`;
}
