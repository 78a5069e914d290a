/**
 * Golomb-coded sets for gossip sync (bitchat-spec.md §7; upstream
 * `spec/05-store-and-forward.md` §4.2).
 *
 * - P = ceil(log2(1/FPR)), FPR clamped to [1e-6, 0.25], P ≥ 1 (FPR 1 % → P = 7).
 * - Capacity estimate for a byte budget: N_max = max(1, floor(max(8, 8·bytes) / max(3, P + 2))).
 * - M = min(n, N_max) · 2^P, capped to u32, at least 1; M stays fixed while the encoder
 *   trims candidates to fit the budget (iOS behaviour; older Android builds recomputed M).
 * - h64 = first 8 bytes of SHA-256(packet ID) as u64 BE with the top bit cleared;
 *   bucket = h64 mod M, 0 remapped to 1 (so buckets are in [1, M−1]; M ≤ 1 → bucket 0).
 * - Buckets sorted, deduplicated, deltas (first from 0) Golomb-Rice coded: unary
 *   q = (x−1) >> P (q ones, then a zero), then P bits of (x−1), MSB first; the last byte
 *   is zero-padded.
 * - Trimming: while the encoding exceeds the budget and more than one candidate is left,
 *   keep the first floor(count·9/10) candidates (input order, so pass IDs newest first).
 * - Decoding stops at the end of the data (a truncated code is ignored) or when the running
 *   sum reaches M, exactly as upstream; zero padding bits can therefore decode as one extra
 *   bucket (upstream has the same quirk: it only causes a false positive).
 *
 * Upstream: iOS `bitchat/Sync/GCSFilter.swift`; Android `sync/GCSFilter.kt`,
 * `sync/SyncDefaults.kt`.
 */
import { createHash } from 'node:crypto';
import { MeshgateError } from '../errors.js';

/** Smallest and largest Golomb-Rice parameter accepted (iOS `GCSFilter.maxP` = 32). */
export const GCS_MIN_P = 1;
export const GCS_MAX_P = 32;
/** Largest M (the wire field is a u32). */
export const GCS_MAX_M = 0xffff_ffff;
/** Default target false-positive rate (1 %, both apps). */
export const GCS_DEFAULT_FPR = 0.01;
/** Filter byte budgets: iOS sends 400 bytes, Android 256 (`SyncDefaults.DEFAULT_FILTER_BYTES`). */
export const GCS_IOS_FILTER_BYTES = 400;
export const GCS_ANDROID_FILTER_BYTES = 256;
/** Receivers reject request-sync filters larger than this (both apps: 1024 bytes). */
export const GCS_MAX_ACCEPT_BYTES = 1024;

/** A Golomb-coded set as carried in request-sync TLVs 0x01-0x03. */
export interface GcsFilter {
  /** Golomb-Rice parameter, 1..32. */
  p: number;
  /** Bucket modulus, 1..2^32−1. */
  m: number;
  /** The Golomb-Rice bit stream. */
  data: Uint8Array;
}

/** A built filter, plus how many of the input IDs (a prefix, in input order) it covers. */
export interface BuiltGcs extends GcsFilter {
  includedCount: number;
}

function badGcs(message: string, details?: Record<string, unknown>): MeshgateError {
  return new MeshgateError('MG_ERR_BAD_GCS', message, details);
}

function checkP(p: number): void {
  if (!Number.isInteger(p) || p < GCS_MIN_P || p > GCS_MAX_P) throw badGcs(`GCS parameter P=${p} is outside ${GCS_MIN_P}..${GCS_MAX_P}`, { p });
}

function checkM(m: number): void {
  if (!Number.isInteger(m) || m < 1 || m > GCS_MAX_M) throw badGcs(`GCS modulus M=${m} is outside 1..${GCS_MAX_M}`, { m });
}

/** P for a target false-positive rate: ceil(log2(1/f)), f clamped to [1e-6, 0.25], at least 1. */
export function gcsDeriveP(targetFpr: number): number {
  const f = Math.max(0.000001, Math.min(0.25, Number.isFinite(targetFpr) ? targetFpr : GCS_DEFAULT_FPR));
  return Math.max(1, Math.ceil(Math.log2(1 / f)));
}

/** Upstream capacity estimate: how many IDs fit in `maxBytes` at ~P+2 bits each (at least 1). */
export function gcsMaxElements(maxBytes: number, p: number): number {
  const bits = Math.max(8, Math.floor(maxBytes) * 8);
  const per = Math.max(3, p + 2);
  return Math.max(1, Math.floor(bits / per));
}

function hashRange(count: number, p: number): number {
  if (count <= 0) return 1;
  const product = count * 2 ** p;
  return Math.max(1, Math.min(GCS_MAX_M, product));
}

/**
 * Parameters upstream would use for `n` candidate IDs under a byte budget.
 * @returns p; maxElements (the capacity estimate); candidates = min(n, maxElements);
 *   m = candidates · 2^P capped to u32 (1 when n is 0).
 */
export function gcsParameters(targetFpr: number, maxBytes: number, n: number): { p: number; m: number; maxElements: number; candidates: number } {
  const p = gcsDeriveP(targetFpr);
  const maxElements = gcsMaxElements(maxBytes, p);
  const candidates = Math.max(0, Math.min(Math.floor(n), maxElements));
  return { p, m: hashRange(candidates, p), maxElements, candidates };
}

function h64(packetId: Uint8Array): bigint {
  const d = createHash('sha256').update(packetId).digest();
  return d.readBigUInt64BE(0) & 0x7fff_ffff_ffff_ffffn;
}

/**
 * The bucket of a packet ID in a filter of modulus `m`: h64 mod m with 0 → 1; 0 when
 * m ≤ 1 (iOS `GCSFilter.bucket(for:modulus:)`).
 */
export function gcsBucket(packetId: Uint8Array, m: number): number {
  if (m <= 1) return 0;
  const v = Number(h64(packetId) % BigInt(m));
  return v === 0 ? 1 : v;
}

class BitWriter {
  private buf: Uint8Array;
  private byte = 0;
  private bitsInByte = 0;
  private length = 0;
  /** True once more than `limit` bytes would be needed. */
  overflow = false;

  constructor(private readonly limit: number) {
    this.buf = new Uint8Array(Math.max(16, Math.min(limit + 1, 1 << 16)));
  }

  private pushByte(b: number): void {
    if (this.length >= this.limit) {
      this.overflow = true;
      return;
    }
    if (this.length === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = b;
  }

  writeBit(bit: number): void {
    this.byte = (this.byte << 1) | (bit & 1);
    if (++this.bitsInByte === 8) {
      this.pushByte(this.byte);
      this.byte = 0;
      this.bitsInByte = 0;
    }
  }

  /** Write the low `count` bits of `value` (count ≤ 32), MSB first. */
  writeBits(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) this.writeBit(Math.floor(value / 2 ** i) & 1);
  }

  finish(): Uint8Array {
    if (this.bitsInByte > 0) {
      this.pushByte(this.byte << (8 - this.bitsInByte));
      this.byte = 0;
      this.bitsInByte = 0;
    }
    return this.buf.slice(0, this.length);
  }
}

/** Golomb-Rice encode strictly increasing buckets; returns undefined when over `maxBytes`. */
function encodeSorted(sorted: readonly number[], p: number, maxBytes: number): Uint8Array | undefined {
  const w = new BitWriter(maxBytes);
  const div = 2 ** p;
  let prev = 0;
  for (const v of sorted) {
    const x = v - prev - 1;
    prev = v;
    const q = Math.floor(x / div);
    const r = x - q * div;
    for (let i = 0; i < q && !w.overflow; i++) w.writeBit(1);
    w.writeBit(0);
    w.writeBits(r, p);
    if (w.overflow) return undefined;
  }
  const out = w.finish();
  return w.overflow ? undefined : out;
}

function sortedBuckets(ids: readonly Uint8Array[], count: number, m: number): number[] {
  const values: number[] = [];
  for (let i = 0; i < count; i++) values.push(gcsBucket(ids[i], m));
  values.sort((a, b) => a - b);
  const out: number[] = [];
  let last = 0;
  for (const v of values) {
    const n = Math.min(v, m - 1);
    if (n > last) {
      out.push(n);
      last = n;
    }
  }
  return out;
}

/**
 * Build a Golomb-coded set over packet IDs (16 bytes each, pass them newest first).
 *
 * @param packetIds candidate IDs; only the first `gcsMaxElements(maxBytes, p)` are considered.
 * @param p Golomb-Rice parameter 1..32 (see {@link gcsDeriveP}).
 * @param opts.maxBytes byte budget for `data` (default 400, iOS).
 * @returns the filter and `includedCount`, the number of leading IDs it covers (0 when even
 *   one ID does not fit; then `data` is empty).
 * @throws MeshgateError MG_ERR_BAD_GCS when P is outside 1..32.
 */
export function buildGcs(packetIds: readonly Uint8Array[], p: number, opts: { maxBytes?: number } = {}): BuiltGcs {
  checkP(p);
  const maxBytes = Math.max(0, Math.floor(opts.maxBytes ?? GCS_IOS_FILTER_BYTES));
  if (packetIds.length === 0) return { p, m: 1, data: new Uint8Array(0), includedCount: 0 };
  const cap = gcsMaxElements(maxBytes, p);
  let count = Math.min(packetIds.length, cap);
  const m = hashRange(count, p);
  if (m <= 1) return { p, m, data: new Uint8Array(0), includedCount: 0 };
  for (;;) {
    const buckets = sortedBuckets(packetIds, count, m);
    const data = encodeSorted(buckets, p, maxBytes);
    if (data !== undefined) return { p, m, data, includedCount: data.length === 0 ? 0 : count };
    if (count <= 1) return { p, m, data: new Uint8Array(0), includedCount: 0 };
    count = Math.max(1, Math.floor((count * 9) / 10));
  }
}

/**
 * Decode a filter's buckets, ascending. The output length is at most
 * 8·data.length / (P + 1), so it is bounded by the input.
 *
 * @throws MeshgateError MG_ERR_BAD_GCS when P is outside 1..32 or M outside 1..2^32−1.
 */
export function decodeGcs(filter: GcsFilter): number[] {
  const { p, m, data } = filter;
  checkP(p);
  checkM(m);
  const values: number[] = [];
  const totalBits = data.length * 8;
  const div = 2 ** p;
  let pos = 0;
  let acc = 0;
  const bit = (i: number): number => (data[i >>> 3] >>> (7 - (i & 7))) & 1;
  while (pos < totalBits) {
    let q = 0;
    while (pos < totalBits && bit(pos) === 1) {
      q++;
      pos++;
    }
    if (pos >= totalBits) break; // unary code ran off the end
    pos++; // the terminating zero
    if (pos + p > totalBits) break; // truncated remainder
    let r = 0;
    for (let i = 0; i < p; i++) r = r * 2 + bit(pos + i);
    pos += p;
    acc += q * div + r + 1;
    if (acc >= m) break;
    values.push(acc);
  }
  return values;
}

/**
 * Membership tests against one decoded filter: decodes once (bounded by the data length),
 * then answers by binary search. Build one per received request-sync.
 */
export class GcsMatcher {
  readonly p: number;
  readonly m: number;
  private readonly values: Float64Array;

  /** @throws MeshgateError MG_ERR_BAD_GCS when P or M is out of range. */
  constructor(filter: GcsFilter) {
    this.p = filter.p;
    this.m = filter.m;
    this.values = Float64Array.from(decodeGcs(filter));
  }

  /** Number of distinct buckets in the filter. */
  get size(): number {
    return this.values.length;
  }

  /** True when bucket `v` is in the filter. */
  hasBucket(v: number): boolean {
    const a = this.values;
    let lo = 0;
    let hi = a.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const x = a[mid];
      if (x === v) return true;
      if (x < v) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  /**
   * True when the filter (probably) contains `packetId`: false means the requester
   * certainly lacks it. Cost: one SHA-256 and a binary search.
   */
  has(packetId: Uint8Array): boolean {
    return this.hasBucket(gcsBucket(packetId, this.m));
  }
}

/**
 * One-off membership test (decodes the filter each call; use {@link GcsMatcher} for many).
 * @throws MeshgateError MG_ERR_BAD_GCS when P or M is out of range.
 */
export function gcsContains(filter: GcsFilter, packetId: Uint8Array): boolean {
  return new GcsMatcher(filter).has(packetId);
}
