/**
 * Bounds and argument checks shared by the SQLite and in-memory stores, so both enforce
 * exactly the same contract (test/storage/store-compliance.ts).
 */
import { MeshgateError } from '../errors.js';

/** Default `listPeers` limit (the PeerStore port's contract). */
export const DEFAULT_LIST_LIMIT = 1000;
/** Reserved counter receiving increments of new names once `maxCounters` is reached. */
export const COUNTER_OVERFLOW_NAME = 'meshgate.counters_overflow';
/** Default cap on distinct counter names (both implementations). */
export const DEFAULT_MAX_COUNTERS = 10_000;

export interface PeerStoreBounds {
  /** Most peers kept; when exceeded the least recently seen are evicted (default per store). */
  maxPeers?: number;
  /** Most TOFU pins kept; when exceeded the oldest pins (by pinnedAt) are evicted. */
  maxPinnedKeys?: number;
}

export interface CounterStoreBounds {
  /** Most distinct names kept (default {@link DEFAULT_MAX_COUNTERS}). */
  maxCounters?: number;
}

/** Validate a positive integer bound. @throws MG_ERR_STORAGE */
export function checkBound(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new MeshgateError('MG_ERR_STORAGE', `${name} must be a positive integer, got ${value}`, { [name]: value });
  return value;
}

/** Normalise a `listPeers` limit: integers >= 0 (fractions floored, negatives 0); default 1000; Infinity = all. */
export function normaliseLimit(limit: number | undefined): number {
  if (limit === undefined || Number.isNaN(limit)) return DEFAULT_LIST_LIMIT;
  if (limit === Infinity) return Number.MAX_SAFE_INTEGER;
  return Math.max(0, Math.floor(limit));
}

/** Validate an increment. @throws MG_ERR_STORAGE for a non-finite amount. */
export function checkIncrement(name: string, by: number): void {
  if (typeof by !== 'number' || !Number.isFinite(by)) throw new MeshgateError('MG_ERR_STORAGE', `counter ${name}: increment must be a finite number`, { name, by: String(by) });
}
