/**
 * A {@link SessionChannel} over one `ws` WebSocket: each binary message is one record; a
 * text message is taken as a HELLO record (so a 1.0.0 peer's JSON hello is refused cleanly
 * as `version`; after establishment it fails the record layer). Keep-alive: a WebSocket ping
 * every `pingIntervalMs`; two unanswered pings terminate the socket.
 */
import type { RawData, WebSocket } from 'ws';
import { RECORD_HELLO } from '../session/records.js';
import type { SessionChannel } from './session-channel.js';
import { closeReason } from './session-runner.js';

/** Default keep-alive ping interval, ms. */
export const DEFAULT_PING_INTERVAL_MS = 15_000;
/** Pings that may go unanswered before the socket is terminated. */
export const MAX_MISSED_PONGS = 2;
/** How long a local close waits for the peer's close frame before terminating, ms. */
export const CLOSE_GRACE_MS = 1_000;

export interface WsChannelInit {
  socket: WebSocket;
  remoteAddress: string | undefined;
  remoteIp: string | undefined;
  /** ms; 0 disables. */
  pingIntervalMs?: number;
}

export class WsChannel implements SessionChannel {
  readonly remoteAddress: string | undefined;
  readonly remoteIp: string | undefined;
  private readonly ws: WebSocket;
  private recordFn: (rec: Uint8Array) => void = () => {};
  private closeFn: (code: number, reason: string) => void = () => {};
  private closing: Promise<void> | undefined;
  private readonly closed: Promise<void>;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private missedPongs = 0;
  private open: boolean;

  constructor(init: WsChannelInit) {
    this.ws = init.socket;
    this.remoteAddress = init.remoteAddress;
    this.remoteIp = init.remoteIp;
    const ws = this.ws;
    this.open = ws.readyState === ws.OPEN;
    this.closed = new Promise((resolve) => {
      if (ws.readyState === ws.CLOSED) resolve();
      else ws.once('close', () => resolve());
    });
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on('pong', () => {
      this.missedPongs = 0;
    });
    ws.on('error', () => {});
    ws.once('close', (code: number, reason: Buffer) => {
      this.open = false;
      this.stopKeepAlive();
      this.closeFn(code, reason.toString('utf8'));
    });
    const interval = init.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
    if (interval > 0) {
      this.pingTimer = setInterval(() => this.keepAlive(), interval);
      this.pingTimer.unref?.();
    }
  }

  get isOpen(): boolean {
    return this.open && this.ws.readyState === this.ws.OPEN;
  }

  send(rec: Uint8Array): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(rec, { binary: true });
  }

  bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  onRecord(fn: (rec: Uint8Array) => void): void {
    this.recordFn = fn;
  }

  onClose(fn: (code: number, reason: string) => void): void {
    this.closeFn = fn;
  }

  close(code: number, reason: string): Promise<void> {
    if (this.closing) return this.closing;
    this.stopKeepAlive();
    const ws = this.ws;
    this.closing = (async () => {
      if (ws.readyState === ws.CLOSED) return;
      try {
        ws.close(code, closeReason(reason));
      } catch {
        ws.terminate();
      }
      const grace = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
      try {
        await this.closed;
      } finally {
        clearTimeout(grace);
      }
    })();
    return this.closing;
  }

  /** Terminate at once (no close handshake). */
  terminate(): void {
    this.ws.terminate();
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (isBinary) {
      this.recordFn(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
      return;
    }
    const rec = new Uint8Array(buf.length + 1);
    rec[0] = RECORD_HELLO;
    rec.set(buf, 1);
    this.recordFn(rec);
  }

  private keepAlive(): void {
    if (this.missedPongs >= MAX_MISSED_PONGS) {
      this.stopKeepAlive();
      this.ws.terminate();
      return;
    }
    this.missedPongs++;
    try {
      this.ws.ping();
    } catch {
      // closing; the close event ends the channel
    }
  }

  private stopKeepAlive(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }
}
