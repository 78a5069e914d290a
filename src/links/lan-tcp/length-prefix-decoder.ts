/**
 * Length-prefixed framing for IP links, as upstream Android's Wi-Fi Aware transport does it
 * (bitchat-android `wifi-aware/SyncedSocket.kt`; bitchat-spec.md §8): each frame is a
 * 4-byte big-endian unsigned length followed by that many bytes; a zero length is a
 * keep-alive and carries no frame.
 *
 * {@link LengthPrefixDecoder} is pure and incremental: feed it stream chunks of any size,
 * get whole frames back. It never allocates a buffer of a declared length before all of
 * those bytes have arrived (it keeps the received chunks and copies a frame out only once
 * it is complete), so a hostile length costs no memory.
 */
import { MeshgateError } from '../../errors.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../base-link.js';

/** Bytes in the length prefix. */
export const LENGTH_PREFIX_BYTES = 4;

/** A fresh zero-length prefix: the keep-alive of SyncedSocket.kt (4 zero bytes). */
export function keepAliveBytes(): Uint8Array {
  return new Uint8Array(LENGTH_PREFIX_BYTES);
}

/**
 * Encode one frame as `u32be(length) | bytes` into a fresh buffer (the input is copied).
 * @throws MG_ERR_LINK_FRAME_TOO_LARGE if `frame.length` exceeds 2^32 - 1.
 */
export function encodeLengthPrefixed(frame: Uint8Array): Uint8Array {
  if (frame.length > 0xffff_ffff) {
    throw new MeshgateError('MG_ERR_LINK_FRAME_TOO_LARGE', `frame of ${frame.length} bytes cannot be length-prefixed`);
  }
  const out = new Uint8Array(LENGTH_PREFIX_BYTES + frame.length);
  new DataView(out.buffer).setUint32(0, frame.length, false);
  out.set(frame, LENGTH_PREFIX_BYTES);
  return out;
}

export interface LengthPrefixDecoderInit {
  /** Largest accepted declared length in bytes (default DEFAULT_MAX_FRAME_BYTES). */
  maxFrameBytes?: number;
}

/** What one {@link LengthPrefixDecoder.push} produced. */
export interface DecodeResult {
  /** Whole frames completed by this chunk, in stream order (fresh copies). */
  frames: Uint8Array[];
  /** Keep-alives (zero lengths) seen in this chunk. */
  keepAlives: number;
  /**
   * Set when a declared length exceeded the cap (code MG_ERR_LINK_FRAME_TOO_LARGE). The
   * stream cannot be resynchronised: the decoder stays failed and the connection should
   * close. Frames decoded before the bad prefix are still in `frames`.
   */
  error?: MeshgateError;
}

/**
 * Incremental decoder for `u32be length | bytes` frames.
 * Bound: holds at most 4 + maxFrameBytes bytes between calls (plus the unprocessed rest of
 * the current chunk while `push` runs).
 */
export class LengthPrefixDecoder {
  readonly maxFrameBytes: number;
  private chunks: Uint8Array[] = [];
  /** Offset of the first unread byte in chunks[0]. */
  private offset = 0;
  private buffered = 0;
  private failure: MeshgateError | undefined;

  constructor(init: LengthPrefixDecoderInit = {}) {
    this.maxFrameBytes = init.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Bytes received but not yet part of a returned frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** True after a declared length exceeded the cap. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Feed one chunk (it is not modified; frames returned are copies). */
  push(chunk: Uint8Array): DecodeResult {
    const result: DecodeResult = { frames: [], keepAlives: 0 };
    if (this.failure) {
      result.error = this.failure;
      return result;
    }
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    while (this.buffered >= LENGTH_PREFIX_BYTES) {
      const length = this.peekLength();
      if (length > this.maxFrameBytes) {
        this.failure = new MeshgateError('MG_ERR_LINK_FRAME_TOO_LARGE', `declared frame length ${length} exceeds cap ${this.maxFrameBytes}`, {
          declared: length,
          cap: this.maxFrameBytes,
        });
        this.chunks = [];
        this.offset = 0;
        this.buffered = 0;
        result.error = this.failure;
        break;
      }
      if (this.buffered < LENGTH_PREFIX_BYTES + length) break;
      this.skip(LENGTH_PREFIX_BYTES);
      if (length === 0) result.keepAlives++;
      else result.frames.push(this.take(length));
    }
    return result;
  }

  private peekLength(): number {
    let value = 0;
    let need = LENGTH_PREFIX_BYTES;
    let i = 0;
    let off = this.offset;
    while (need > 0) {
      const c = this.chunks[i];
      while (off < c.length && need > 0) {
        value = value * 256 + c[off++];
        need--;
      }
      i++;
      off = 0;
    }
    return value;
  }

  private skip(n: number): void {
    this.consume(n, undefined);
  }

  private take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    this.consume(n, out);
    return out;
  }

  private consume(n: number, into: Uint8Array | undefined): void {
    let written = 0;
    let i = 0;
    while (written < n) {
      const c = this.chunks[i];
      const step = Math.min(c.length - this.offset, n - written);
      if (into) into.set(c.subarray(this.offset, this.offset + step), written);
      written += step;
      this.offset += step;
      if (this.offset === c.length) {
        i++;
        this.offset = 0;
      }
    }
    // one splice per frame (not one shift per chunk) keeps a byte-by-byte dribble linear
    if (i > 0) this.chunks.splice(0, i);
    this.buffered -= n;
  }
}
