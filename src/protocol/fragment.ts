/**
 * Fragment (type 0x20) payload codec and fragment planning (bitchat-spec.md §5).
 *
 * Payload: fragment ID (8, random) | index (u16 BE, 0-based) | total (u16 BE) |
 * original type (1) | chunk of the encoded original frame. Each fragment travels as its
 * own unsigned packet that copies the original's sender, recipient, timestamp, TTL, route
 * and RSR flag (building those packets is the codec's job).
 *
 * Upstream: Android `model/FragmentPayload.kt`, `mesh/FragmentManager.kt`,
 * `util/AppConstants.kt` (`Fragmentation`); iOS `BLEOutboundFragmentPlanner.swift`,
 * `BLEFragmentAssemblyBuffer.swift`; upstream `spec/02-ble-transport.md` §5.
 */
import { MeshgateError } from '../errors.js';
import { HEADER_SIZE_V1, HEADER_SIZE_V2, PEER_ID_SIZE } from './packet.js';

/** Fragment payload header: 8 + 2 + 2 + 1 bytes. */
export const FRAGMENT_HEADER_SIZE = 13;
/** Fragment ID length in bytes. */
export const FRAGMENT_ID_SIZE = 8;
/**
 * Most fragments per original packet that meshgate sends or accepts by default
 * (Android `AppConstants.Fragmentation.MAX_FRAGMENTS_PER_ID` = 256; iOS accepts up to
 * 10,000, so large iOS transfers need a higher `maxTotal`).
 */
export const MAX_FRAGMENTS = 256;
/** Android's largest chunk: 512 − 14 (v1 header) − 8 (sender) − 8 (recipient) − 13 = 469 bytes. */
export const ANDROID_MAX_CHUNK_SIZE = 469;
/** Android fragments only frames larger than this many bytes (`FRAGMENT_SIZE_THRESHOLD`). */
export const FRAGMENT_SIZE_THRESHOLD = 512;
/** iOS floor for link-aware chunk sizing (`max(64, linkLimit − overhead)`). */
export const MIN_CHUNK_SIZE = 64;

/** A decoded fragment payload. */
export interface FragmentPayload {
  /** 8 random bytes shared by all fragments of one original packet. */
  fragmentId: Uint8Array;
  /** 0-based position, < total. */
  index: number;
  /** Number of fragments, 1..65,535 on the wire (meshgate accepts ≤ 256 by default). */
  total: number;
  /** The original packet's type byte (unauthenticated: dispatch on the decoded inner packet). */
  originalType: number;
  /** This fragment's slice of the encoded original frame. */
  chunk: Uint8Array;
}

/** One entry of a fragment plan. `chunk` is a view into the planned frame. */
export interface PlannedFragment {
  index: number;
  total: number;
  chunk: Uint8Array;
}

function bad(message: string, details?: Record<string, unknown>): MeshgateError {
  return new MeshgateError('MG_ERR_BAD_FRAGMENT', message, details);
}

/**
 * Encode a fragment payload (13-byte header + chunk).
 * @throws MeshgateError MG_ERR_BAD_FRAGMENT when the fragment ID is not 8 bytes, total is
 *   not 1..65,535, index is not 0..total−1, or the original type is not a byte.
 */
export function encodeFragmentPayload(f: FragmentPayload): Uint8Array {
  if (f.fragmentId.length !== FRAGMENT_ID_SIZE) throw bad(`fragment ID must be 8 bytes, got ${f.fragmentId.length}`);
  if (!Number.isInteger(f.total) || f.total < 1 || f.total > 0xffff) throw bad(`fragment total ${f.total} is not 1..65535`);
  if (!Number.isInteger(f.index) || f.index < 0 || f.index >= f.total) throw bad(`fragment index ${f.index} is not below total ${f.total}`);
  if (!Number.isInteger(f.originalType) || f.originalType < 0 || f.originalType > 0xff) throw bad(`original type ${f.originalType} is not a byte`);
  const out = new Uint8Array(FRAGMENT_HEADER_SIZE + f.chunk.length);
  out.set(f.fragmentId, 0);
  out[8] = f.index >>> 8;
  out[9] = f.index & 0xff;
  out[10] = f.total >>> 8;
  out[11] = f.total & 0xff;
  out[12] = f.originalType;
  out.set(f.chunk, FRAGMENT_HEADER_SIZE);
  return out;
}

/**
 * Decode a fragment payload. `fragmentId` and `chunk` are views into `payload` (no copy).
 * An empty chunk is accepted (iOS accepts it; Android's `isValid` rejects it).
 *
 * @param opts.maxTotal largest accepted `total` (default 256, Android's limit).
 * @throws MeshgateError MG_ERR_BAD_FRAGMENT when the payload is shorter than 13 bytes,
 *   total is 0 or above `maxTotal`, or index >= total.
 */
export function decodeFragmentPayload(payload: Uint8Array, opts: { maxTotal?: number } = {}): FragmentPayload {
  const maxTotal = opts.maxTotal ?? MAX_FRAGMENTS;
  if (payload.length < FRAGMENT_HEADER_SIZE) {
    throw bad(`fragment payload is ${payload.length} bytes, header needs ${FRAGMENT_HEADER_SIZE}`, { length: payload.length });
  }
  const index = (payload[8] << 8) | payload[9];
  const total = (payload[10] << 8) | payload[11];
  if (total === 0 || total > maxTotal) throw bad(`fragment total ${total} is not 1..${maxTotal}`, { total, maxTotal });
  if (index >= total) throw bad(`fragment index ${index} is not below total ${total}`, { index, total });
  return {
    fragmentId: payload.subarray(0, FRAGMENT_ID_SIZE),
    index,
    total,
    originalType: payload[12],
    chunk: payload.subarray(FRAGMENT_HEADER_SIZE),
  };
}

/**
 * Split an encoded original frame into chunks of at most `chunkSize` bytes. Pure: the
 * fragment ID is only validated here (it is part of the plan the caller builds from).
 * The count is checked before any chunk is produced.
 *
 * @param frame the encoded original packet (unpadded, signature included).
 * @param opts.chunkSize bytes per chunk (Android uses 469; see {@link fragmentChunkSize}).
 * @param opts.fragmentId 8 random bytes.
 * @param opts.maxFragments most fragments allowed (default 256).
 * @throws MeshgateError MG_ERR_FRAGMENT_LIMIT when more than `maxFragments` are needed;
 *   MG_ERR_BAD_FRAGMENT for an empty frame, a chunk size below 1 or a bad fragment ID.
 */
export function planFragments(
  frame: Uint8Array,
  opts: { chunkSize: number; fragmentId: Uint8Array; maxFragments?: number },
): PlannedFragment[] {
  const { chunkSize, fragmentId } = opts;
  const maxFragments = opts.maxFragments ?? MAX_FRAGMENTS;
  if (fragmentId.length !== FRAGMENT_ID_SIZE) throw bad(`fragment ID must be 8 bytes, got ${fragmentId.length}`);
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw bad(`chunk size ${chunkSize} must be a positive integer`);
  if (frame.length === 0) throw bad('cannot fragment an empty frame');
  const total = Math.ceil(frame.length / chunkSize);
  if (total > maxFragments || total > 0xffff) {
    throw new MeshgateError('MG_ERR_FRAGMENT_LIMIT', `frame of ${frame.length} bytes needs ${total} fragments of ${chunkSize}, max ${maxFragments}`, {
      frameBytes: frame.length,
      chunkSize,
      total,
      maxFragments,
    });
  }
  const out: PlannedFragment[] = [];
  for (let index = 0; index < total; index++) {
    out.push({ index, total, chunk: frame.subarray(index * chunkSize, Math.min(frame.length, (index + 1) * chunkSize)) });
  }
  return out;
}

/**
 * Ready-to-send fragment payloads for an encoded original frame (one per fragment, in
 * index order). Wrap each in a type-0x20 packet that copies the original's sender,
 * recipient, timestamp, TTL, route and RSR flag, unsigned.
 *
 * @param frame the encoded original packet (unpadded).
 * @param originalType the original packet's type byte.
 * @param chunkSize bytes per chunk (≤ 469 for Android peers).
 * @param fragmentId 8 random bytes (e.g. `crypto.randomBytes(8)`).
 * @throws MeshgateError MG_ERR_FRAGMENT_LIMIT when more than 256 fragments are needed;
 *   MG_ERR_BAD_FRAGMENT for bad arguments.
 */
export function fragmentPayloads(frame: Uint8Array, originalType: number, chunkSize: number, fragmentId: Uint8Array): Uint8Array[] {
  return planFragments(frame, { chunkSize, fragmentId }).map((p) =>
    encodeFragmentPayload({ fragmentId, index: p.index, total: p.total, originalType, chunk: p.chunk }),
  );
}

/**
 * The largest chunk that keeps a fragment packet within `frameLimit` bytes, capped at
 * 469 (Android's maximum) and floored at 64 (iOS's minimum). Overhead = header (14 v1 /
 * 16 v2) + sender 8 + recipient 8 (if any) + route 1 + 8·hops (if routed) + 13.
 * With the defaults (v1, recipient, no route, 512) this is 469, Android's constant.
 *
 * @param opts.frameLimit largest fragment packet in bytes (default 512; ATT MTU − 3 caps it).
 */
export function fragmentChunkSize(opts: { frameLimit?: number; version?: 1 | 2; hasRecipient?: boolean; routeHops?: number } = {}): number {
  const frameLimit = opts.frameLimit ?? FRAGMENT_SIZE_THRESHOLD;
  const routeHops = opts.routeHops ?? 0;
  const version = routeHops > 0 ? 2 : (opts.version ?? 1);
  const overhead =
    (version === 2 ? HEADER_SIZE_V2 : HEADER_SIZE_V1) +
    PEER_ID_SIZE +
    (opts.hasRecipient === false ? 0 : PEER_ID_SIZE) +
    (routeHops > 0 ? 1 + routeHops * PEER_ID_SIZE : 0) +
    FRAGMENT_HEADER_SIZE;
  return Math.max(MIN_CHUNK_SIZE, Math.min(ANDROID_MAX_CHUNK_SIZE, frameLimit - overhead));
}
