/**
 * Payload compression: raw DEFLATE (RFC 1951, no zlib header) (bitchat-spec.md §2).
 * Compression uses node:zlib (`deflateRawSync`, as upstream's own tests do). Inflation of
 * small payloads (≤ {@link FFLATE_MAX_INPUT} bytes compressed, i.e. chat) uses `fflate`,
 * whose pure-JS inflate of a ~200-byte payload takes about 40 % of the time of
 * `zlib.inflateRawSync` (which builds a native stream per call) — it sits on the relay hot
 * path (bench/relay). fflate always decodes the whole input, so its work is bounded only by
 * DEFLATE's maximum expansion (about 1032:1) times the input: ≤ ~0.5 MiB here, the same work an honest sender may ask for by declaring that size. Larger inputs
 * go through zlib with `maxOutputLength`, which stops at the declared size. Upstream: iOS `CompressionUtil.swift`, Android
 * `protocol/CompressionUtil.kt`.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { inflateSync } from 'fflate';
import { MeshgateError } from '../errors.js';

/** Payloads shorter than this (bytes) are never compressed. */
export const COMPRESSION_THRESHOLD = 100;
/** Largest accepted declared original size in bytes (Android: 1..10,485,760). */
export const MAX_DECOMPRESSED_SIZE = 10_485_760;
/**
 * Largest accepted original/compressed ratio. DEFLATE cannot expand more than about
 * 1032:1 (a 258-byte match coded in 2 bits; zlib technical details), so a larger declared
 * size is a lie. (Upstream Android allows 50,000; no honest stream reaches that.)
 */
export const MAX_COMPRESSION_RATIO = 1_032;
/** Compressed payloads up to this many bytes are inflated with fflate, larger ones with zlib. */
export const FFLATE_MAX_INPUT = 512;

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
 *   bytes or more than 1,032× the compressed size; MG_ERR_DECOMPRESS when inflation fails
 *   or yields a size other than `declaredSize`.
 */
export function decompressPayload(compressed: Uint8Array, declaredSize: number): Uint8Array {
  if (declaredSize < 1 || declaredSize > MAX_DECOMPRESSED_SIZE) {
    throw new MeshgateError('MG_ERR_COMPRESSION_BOMB', `declared size ${declaredSize} outside 1..${MAX_DECOMPRESSED_SIZE}`);
  }
  if (compressed.length === 0 || declaredSize / compressed.length > MAX_COMPRESSION_RATIO) {
    throw new MeshgateError('MG_ERR_COMPRESSION_BOMB', `ratio ${declaredSize}/${compressed.length} exceeds ${MAX_COMPRESSION_RATIO}`);
  }
  // One byte more than declared: output past the buffer is discarded, so a stream that
  // inflates past the declared size shows up as declared + 1 bytes.
  let out: Uint8Array;
  try {
    if (compressed.length <= FFLATE_MAX_INPUT) {
      out = inflateSync(compressed, { out: new Uint8Array(declaredSize + 1) });
    } else {
      const b = inflateRawSync(compressed, { maxOutputLength: declaredSize + 1 });
      out = new Uint8Array(b.buffer, b.byteOffset, b.length);
    }
  } catch (err) {
    if (err instanceof RangeError) throw new MeshgateError('MG_ERR_DECOMPRESS', `inflates past the declared ${declaredSize} bytes`);
    throw new MeshgateError('MG_ERR_DECOMPRESS', 'raw DEFLATE payload failed to inflate');
  }
  if (out.length !== declaredSize) {
    throw new MeshgateError('MG_ERR_DECOMPRESS', `inflated ${out.length > declaredSize ? 'more than' : 'only'} ${Math.min(out.length, declaredSize)} bytes, declared ${declaredSize}`);
  }
  return out;
}
