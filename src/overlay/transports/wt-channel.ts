/**
 * A {@link SessionChannel} over one WebTransport session: one bidirectional stream (opened
 * by the dialler) carries the records, each as a 4-byte big-endian length then the record
 * (at most 65,536 bytes). Closing sends the WebTransport close code and reason (4001 etc.).
 *
 * Byte budget: `@fails-components/webtransport` 1.6.8 over HTTP/2 does not replenish the
 * session-level flow-control window (WT_MAX_DATA) on Node 20, so meshgate sets that window
 * to its maximum (2^32 − 1 bytes, the HTTP/2 SETTINGS value range) and closes the session
 * (reason `byte budget`) after `byteBudget` bytes in either direction; the dialler redials.
 */
import { MeshgateError } from '../../errors.js';
import { MAX_RECORD_BYTES } from '../session/records.js';
import type { SessionChannel } from './session-channel.js';
import type { WtBidiStream, WtSession } from './wt-types.js';
import { NORMAL_CLOSE_CODE } from './session-channel.js';

/** Default bytes per direction before a WebTransport session is closed and redialled (3.5 GiB). */
export const DEFAULT_WT_BYTE_BUDGET = 3.5 * 1024 ** 3;

export interface WtChannelInit {
  session: WtSession;
  stream: WtBidiStream;
  remoteAddress: string | undefined;
  remoteIp: string | undefined;
  byteBudget?: number;
}

export class WtChannel implements SessionChannel {
  readonly remoteAddress: string | undefined;
  readonly remoteIp: string | undefined;
  private readonly session: WtSession;
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private recordFn: (rec: Uint8Array) => void = () => {};
  private closeFn: (code: number, reason: string) => void = () => {};
  private open = true;
  private queued = 0;
  private bytesIn = 0;
  private bytesOut = 0;
  private readonly byteBudget: number;
  private buf: Buffer = Buffer.alloc(0);
  private closing: Promise<void> | undefined;
  private closedInfo: { code: number; reason: string } | undefined;
  private readonly whenClosed: Promise<void>;

  constructor(init: WtChannelInit) {
    this.session = init.session;
    this.remoteAddress = init.remoteAddress;
    this.remoteIp = init.remoteIp;
    this.byteBudget = init.byteBudget ?? DEFAULT_WT_BYTE_BUDGET;
    this.writer = init.stream.writable.getWriter();
    this.reader = init.stream.readable.getReader();
    this.whenClosed = this.session.closed.then(
      (info) => this.ended(info?.closeCode ?? 0, info?.reason ?? ''),
      (err: unknown) => this.ended(0, String((err as Error)?.message ?? err)),
    );
    void this.readLoop();
  }

  get isOpen(): boolean {
    return this.open;
  }

  send(rec: Uint8Array): void {
    if (!this.open) return;
    if (rec.length > MAX_RECORD_BYTES) throw new MeshgateError('MG_ERR_SESSION_RECORD', `record of ${rec.length} bytes over ${MAX_RECORD_BYTES}`);
    const framed = new Uint8Array(4 + rec.length);
    new DataView(framed.buffer).setUint32(0, rec.length, false);
    framed.set(rec, 4);
    this.queued += framed.length;
    this.bytesOut += framed.length;
    this.writer.write(framed).then(
      () => {
        this.queued -= framed.length;
      },
      () => {
        this.queued -= framed.length;
      },
    );
    if (this.bytesOut > this.byteBudget) void this.close(NORMAL_CLOSE_CODE, 'byte budget');
  }

  bufferedBytes(): number {
    return this.queued;
  }

  onRecord(fn: (rec: Uint8Array) => void): void {
    this.recordFn = fn;
  }

  onClose(fn: (code: number, reason: string) => void): void {
    this.closeFn = fn;
    if (this.closedInfo) queueMicrotask(() => fn(this.closedInfo!.code, this.closedInfo!.reason));
  }

  close(code: number, reason: string): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      try {
        this.session.close({ closeCode: code, reason });
      } catch {
        // already closed
      }
      await this.whenClosed;
    })();
    return this.closing;
  }

  private ended(code: number, reason: string): void {
    if (this.closedInfo) return;
    this.open = false;
    this.closedInfo = { code, reason };
    this.reader.cancel().catch(() => {});
    this.closeFn(code, reason);
  }

  private async readLoop(): Promise<void> {
    try {
      for (;;) {
        const { value, done } = await this.reader.read();
        if (done) break;
        this.bytesIn += value.byteLength;
        this.buf = this.buf.length === 0 ? Buffer.from(value) : Buffer.concat([this.buf, value]);
        while (this.buf.length >= 4) {
          const len = this.buf.readUInt32BE(0);
          if (len > MAX_RECORD_BYTES) {
            void this.close(4002, 'record over 65,536 bytes');
            return;
          }
          if (this.buf.length < 4 + len) break;
          const rec = new Uint8Array(this.buf.subarray(4, 4 + len));
          this.buf = this.buf.subarray(4 + len);
          if (!this.open) return;
          this.recordFn(rec);
        }
        if (this.bytesIn > this.byteBudget) {
          void this.close(NORMAL_CLOSE_CODE, 'byte budget');
          return;
        }
      }
    } catch {
      // the session closed; `ended` reports it
    }
  }
}
