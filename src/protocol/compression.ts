/**
 * Payload compression: raw DEFLATE (RFC 1951, no zlib header) (bitchat-spec.md §2).
 * Compression uses node:zlib (`deflateRawSync`, as upstream's own tests do); inflation uses
 * `fflate`, whose pure-JS inflate of a ~200-byte chat payload takes about 40 % of the time of
 * `zlib.inflateRawSync` (which builds and tears down a native stream per call) — it sits on
 * the relay hot path (bench/relay). Upstream: iOS `CompressionUtil.swift`, Android
 * `protocol/CompressionUtil.kt`.
 */
import { deflateRawSync } from 'node:zlib';
import { inflateSync } from 'fflate';
import { MeshgateError } from '../errors.js';

/** Payloads shorter than this (bytes) are never compressed. */
export const COMPRESSION_THRESHOLD = 100;
/** Largest accepted declared original size in bytes (Android: 1..10,485,760). */
export const MAX_DECOMPRESSED_SIZE = 10_485_760;
/** Largest accepted original/compressed ratio (bomb guard). */
export const MAX_COMPRESSION_RATIO = 50_000;

/**
 * Whether a payload is worth compressing: at least 100 bytes and fewer than 90 % of the
 * bytes in its first 256 are distinct (high-entropy data such as ciphertext is skipped).
 */
export function shouldCompress(payload: Uint8Array): boolean {
  if (payload.length < COMPRESSION_THRESHOLD) return false;
  const sample = Math.min(payload.length, 256);
  const seen = new Uint8Array(256);
  let distinct = 0;
  for (let i = 0; i < sample; i++) {
    const b = payload[i];
    if (seen[b] === 0) {
      seen[b] = 1;
      distinct++;
    }
  }
  return distinct / sample < 0.9;
}

/** Raw-DEFLATE `payload` if worthwhile and strictly smaller; otherwise undefined. */
export function compressPayload(payload: Uint8Array): Uint8Array | undefined {
  if (!shouldCompress(payload)) return undefined;
  const out = deflateRawSync(payload);
  return out.length < payload.length ? new Uint8Array(out.buffer, out.byteOffset, out.length) : undefined;
}

/**
 * Inflate a raw-DEFLATE payload whose original size was declared on the wire.
 * @throws MeshgateError MG_ERR_COMPRESSION_BOMB when the declared size is 0, over 10,485,760
 *   bytes or more than 50,000× the compressed size; MG_ERR_DECOMPRESS when inflation fails
 *   or yields a size other than `declaredSize`.
 */
export function decompressPayload(compressed: Uint8Array, declaredSize: number): Uint8Array {
  if (declaredSize < 1 || declaredSize > MAX_DECOMPRESSED_SIZE) {
    throw new MeshgateError('MG_ERR_COMPRESSION_BOMB', `declared size ${declaredSize} outside 1..${MAX_DECOMPRESSED_SIZE}`);
  }
  if (compressed.length === 0 || declaredSize / compressed.length > MAX_COMPRESSION_RATIO) {
    throw new MeshgateError('MG_ERR_COMPRESSION_BOMB', `ratio ${declaredSize}/${compressed.length} exceeds ${MAX_COMPRESSION_RATIO}`);
  }
  // One byte more than declared: fflate stops when its output buffer is full, so a stream
  // that inflates past the declared size shows up as declared + 1 bytes (and costs no more).
  let out: Uint8Array;
  try {
    out = inflateSync(compressed, { out: new Uint8Array(declaredSize + 1) });
  } catch {
    throw new MeshgateError('MG_ERR_DECOMPRESS', 'raw DEFLATE payload failed to inflate');
  }
  if (out.length !== declaredSize) {
    throw new MeshgateError('MG_ERR_DECOMPRESS', `inflated ${out.length > declaredSize ? 'more than' : 'only'} ${Math.min(out.length, declaredSize)} bytes, declared ${declaredSize}`);
  }
  return out;
}
