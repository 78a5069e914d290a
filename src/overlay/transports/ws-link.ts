/**
 * One authenticated gateway-to-gateway link over a WebSocket (`ws`). Created by
 * {@link WsGatewayLinkAdapter} after a successful hello (src/overlay/hello.ts); from then on
 * every binary message is one whole bitchat frame, and every text message one JSON
 * control message `{"t":type,"b":body}` (docs/gateway-link.md).
 */
import type { RawData, WebSocket } from 'ws';
import { BaseLink } from '../../links/base-link.js';
import type { Logger } from '../../ports/logger.js';
import type { HelloResult } from '../hello.js';
import type { ControlMessage } from '../../ports/link.js';

/** Default egress cap: `transmit` refuses frames while `ws.bufferedAmount` would exceed this (bytes). */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
/** Default keep-alive ping interval, ms. The link is terminated after 2 intervals without a pong. */
export const DEFAULT_PING_INTERVAL_MS = 15_000;
/** Pings that may go unanswered before the link is terminated. */
export const MAX_MISSED_PONGS = 2;
/** How long a local close waits for the peer's close frame before terminating, ms. */
export const CLOSE_GRACE_MS = 1_000;
/** Longest close reason ws allows in a close frame, bytes (RFC 6455 §5.5: 125 − 2). */
const MAX_CLOSE_REASON_BYTES = 123;

export interface WsGatewayLinkComponents {
  logger?: Logger;
  /** ms since the epoch, for link stats. */
  now: () => number;
}

export interface WsGatewayLinkInit {
  id: string;
  /** An open socket whose hello has completed; the link takes it over. */
  socket: WebSocket;
  remoteAddress: string | undefined;
  /** The authenticated peer. */
  peer: HelloResult;
  /** Frame cap, bytes (default DEFAULT_MAX_FRAME_BYTES). */
  maxFrameBytes?: number;
  /** Egress cap on `ws.bufferedAmount`, bytes (default 1 MiB). */
  maxBufferedBytes?: number;
  /** Keep-alive ping interval, ms (default 15,000; 0 disables). */
  pingIntervalMs?: number;
}

/** Truncate a close reason to the bytes a close frame can carry. */
export function closeReason(reason: string): string {
  let r = reason;
  while (Buffer.byteLength(r, 'utf8') > MAX_CLOSE_REASON_BYTES) r = r.slice(0, -1);
  return r;
}

/**
 * A {@link BaseLink} of kind `ws-gateway` over one authenticated WebSocket.
 * - egress: `send` returns false (counted MG_ERR_LINK_QUEUE_FULL) while the socket's
 *   buffered bytes plus the frame would exceed `maxBufferedBytes` (one frame always fits
 *   into an empty buffer);
 * - ingress: binary messages over `maxFrameBytes` are dropped and counted
 *   MG_ERR_LINK_FRAME_TOO_LARGE; text messages that are not JSON objects with a string
 *   `type` are counted MG_ERR_LINK_PROTOCOL; control messages of unknown type are ignored;
 * - keep-alive: ws ping every `pingIntervalMs`; terminated after 2 unanswered pings.
 */
export class WsGatewayLink extends BaseLink {
  /** The authenticated peer's hello (nickname, keys, version, capabilities). */
  readonly peer: HelloResult;
  private readonly ws: WebSocket;
  private readonly maxBufferedBytes: number;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private missedPongs = 0;
  private readonly closed: Promise<void>;

  constructor(components: WsGatewayLinkComponents, init: WsGatewayLinkInit) {
    super({
      id: init.id,
      kind: 'ws-gateway',
      isGatewayLink: true,
      remoteAddress: init.remoteAddress,
      remotePeerId: init.peer.peerId,
      maxFrameBytes: init.maxFrameBytes,
      now: components.now,
      logger: components.logger,
    });
    this.peer = init.peer;
    this.ws = init.socket;
    this.maxBufferedBytes = init.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    const ws = this.ws;
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('pong', () => {
      this.missedPongs = 0;
    });
    ws.on('error', (err: Error & { code?: string }) => this.onSocketError(err));
    ws.on('close', (code, reason) => this.onSocketClose(code, reason.toString('utf8')));
    const interval = init.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
    if (interval > 0) {
      this.pingTimer = setInterval(() => this.keepAlive(), interval);
      this.pingTimer.unref?.();
    }
    if (ws.readyState === ws.CLOSED) queueMicrotask(() => this.remoteClosed('socket closed before link start'));
  }

  /** Pause / resume reading the socket (ws `pause()` / `resume()`; TCP flow control then slows the sender). */
  override setReadPaused(paused: boolean): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (paused) this.ws.pause();
    else this.ws.resume();
  }

  /** The socket's unsent bytes (ws `bufferedAmount`). */
  override driverQueueBytes(): number {
    return this.ws.bufferedAmount;
  }

  protected transmit(frame: Uint8Array): boolean {
    if (this.ws.readyState !== this.ws.OPEN) return false;
    const buffered = this.ws.bufferedAmount;
    if (buffered > 0 && buffered + frame.length > this.maxBufferedBytes) return false;
    this.ws.send(frame, { binary: true });
    return true;
  }

  /** Control messages travel as text messages `{"t":type,"b":body}` (docs/gateway-link.md). */
  protected override transmitControl(_msg: ControlMessage, encoded: string): 'unsupported' | 'full' | 'sent' {
    if (this.ws.readyState !== this.ws.OPEN) return 'full';
    const buffered = this.ws.bufferedAmount;
    if (buffered > 0 && buffered + encoded.length > this.maxBufferedBytes) return 'full';
    this.ws.send(encoded, { binary: false });
    return 'sent';
  }

  protected async teardown(reason: string): Promise<void> {
    this.stopKeepAlive();
    if (this.ws.readyState === this.ws.CLOSED) return;
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) {
      try {
        this.ws.close(1000, closeReason(reason));
      } catch {
        this.ws.terminate();
      }
    }
    const grace = setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS);
    try {
      await this.closed;
    } finally {
      clearTimeout(grace);
    }
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      this.deliver(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
      return;
    }
    this.deliverEncodedControl(data.toString());
  }

  private keepAlive(): void {
    if (this.missedPongs >= MAX_MISSED_PONGS) {
      this.logger.debug({ missedPongs: this.missedPongs }, 'keep-alive timeout, terminating');
      this.stopKeepAlive();
      this.ws.terminate();
      return;
    }
    this.missedPongs++;
    try {
      this.ws.ping();
    } catch {
      // socket already closing; the close event ends the link
    }
  }

  private onSocketError(err: Error & { code?: string }): void {
    // ws closes the socket after a protocol error (e.g. a message over maxPayload, code 1009)
    this.countDrop(err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'MG_ERR_LINK_FRAME_TOO_LARGE' : 'MG_ERR_LINK_PROTOCOL');
    this.logger.debug({ err: err.message, code: err.code }, 'socket error');
  }

  private onSocketClose(code: number, reason: string): void {
    this.stopKeepAlive();
    this.remoteClosed(reason ? `remote closed (${code}): ${reason}` : `remote closed (${code})`);
  }

  private stopKeepAlive(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }
}
