/**
 * Fragment reassembly (bitchat-spec.md §5): collects the chunks of fragmented packets,
 * keyed by (sender peer ID, fragment ID), and returns the original frame once every index
 * has arrived. Pure and bounded: no timers, no I/O; time comes from the injected Clock.
 *
 * Limits (defaults from Android `util/AppConstants.kt` `Fragmentation`: 64 sets, 1 MiB per
 * set, 4 MiB total, 256 fragments; 30 s lifetime as both apps):
 * - a set older than `timeoutMs` (from its first fragment) expires; expiry runs lazily on
 *   every {@link FragmentReassembler.add} and on {@link FragmentReassembler.sweep};
 * - a fragment that would start set number `maxConcurrentSets + 1` evicts the oldest set
 *   (as iOS `BLEFragmentAssemblyBuffer` does);
 * - a fragment that would push a set past `maxBytesPerSet` drops that set and is rejected
 *   with MG_ERR_FRAGMENT_LIMIT (Android `FragmentManager`);
 * - a fragment that would push all sets past `maxTotalBytes` evicts the oldest other sets
 *   until it fits; if evicting every other set would not suffice it is rejected with
 *   MG_ERR_FRAGMENT_LIMIT and nothing is evicted;
 * - the first fragment of a set fixes `total` and `originalType`; a later fragment that
 *   disagrees is rejected with MG_ERR_BAD_FRAGMENT and the set is kept (upstream
 *   `spec/02-ble-transport.md` §5.3);
 * - a fragment whose index was already received is ignored (counted as a duplicate, not
 *   double-counted toward the byte budgets).
 *
 * The returned `originalType` is the unauthenticated header byte: callers must decode
 * the frame and dispatch on the decoded packet's type (and should drop a mismatch).
 */
import type { Clock } from '../ports/clock.js';
import { MeshgateError } from '../errors.js';
import { toHex } from './hex.js';
import { decodeFragmentPayload, MAX_FRAGMENTS } from './fragment.js';

/** Reassembly limits. All sizes are bytes of chunk data; times are ms. */
export interface FragmentReassemblerInit {
  /** Lifetime of an incomplete set, from its first fragment (default 30,000 ms). */
  timeoutMs?: number;
  /** Most incomplete sets held at once (default 64). */
  maxConcurrentSets?: number;
  /** Most chunk bytes in one set (default 1 MiB). */
  maxBytesPerSet?: number;
  /** Most chunk bytes across all sets (default 4 MiB). */
  maxTotalBytes?: number;
  /** Largest accepted fragment `total` (default 256). */
  maxFragments?: number;
}

/** Outcome of adding one fragment. */
export type ReassemblyResult =
  | { complete: false }
  | {
      complete: true;
      /** Header's original type byte (unauthenticated). */
      originalType: number;
      /** The reassembled encoded original frame. */
      frame: Uint8Array;
      senderIdHex: string;
      fragmentIdHex: string;
    };

/** Counters for the status page. `sets` and `bytes` are current; the rest are cumulative. */
export interface ReassemblerStats {
  sets: number;
  bytes: number;
  completed: number;
  expired: number;
  /** Sets dropped because they exceeded `maxBytesPerSet`. */
  dropped: number;
  /** Sets evicted (oldest first) to make room for newer fragments. */
  evicted: number;
  /** Fragments rejected (malformed, inconsistent, or over a limit). */
  rejected: number;
  /** Fragments ignored because their index had already arrived. */
  duplicates: number;
}

interface AssemblySet {
  key: string;
  senderIdHex: string;
  fragmentIdHex: string;
  total: number;
  originalType: number;
  createdAt: number;
  chunks: (Uint8Array | undefined)[];
  received: number;
  bytes: number;
}

const DEFAULTS: Required<FragmentReassemblerInit> = {
  timeoutMs: 30_000,
  maxConcurrentSets: 64,
  maxBytesPerSet: 1024 * 1024,
  maxTotalBytes: 4 * 1024 * 1024,
  maxFragments: MAX_FRAGMENTS,
};

function checkPositive(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new MeshgateError('MG_ERR_CONFIG_INVALID', `reassembler ${name} must be a positive integer, got ${value}`, { field: name });
  }
}

/**
 * Bounded fragment reassembler. See the module doc for every bound and what happens when
 * it is hit. Not thread-shared state: one instance per gateway (or per link group).
 */
export class FragmentReassembler {
  private readonly clock: Clock;
  private readonly opts: Required<FragmentReassemblerInit>;
  /** Insertion order = creation order, so the first entry is the oldest set. */
  private readonly sets = new Map<string, AssemblySet>();
  private totalBytes = 0;
  private counters = { completed: 0, expired: 0, dropped: 0, evicted: 0, rejected: 0, duplicates: 0 };

  /**
   * @param components.clock time source for set lifetimes.
   * @param init limits (see {@link FragmentReassemblerInit}).
   * @throws MeshgateError MG_ERR_CONFIG_INVALID when a limit is not a positive integer.
   */
  constructor(components: { clock: Clock }, init: FragmentReassemblerInit = {}) {
    this.clock = components.clock;
    this.opts = { ...DEFAULTS, ...stripUndefined(init) };
    for (const [k, v] of Object.entries(this.opts)) checkPositive(k, v);
  }

  /**
   * Add one fragment payload received from `senderIdHex`.
   *
   * @param senderIdHex the fragment packet's sender peer ID as 16 lowercase hex characters.
   * @param payload the fragment packet's payload (13-byte header + chunk); it is copied.
   * @returns `{ complete: true, frame, ... }` when this fragment completed its set.
   * @throws MeshgateError MG_ERR_BAD_FRAGMENT for a malformed payload or one inconsistent
   *   with its set; MG_ERR_FRAGMENT_LIMIT when a byte limit rejects it.
   */
  add(senderIdHex: string, payload: Uint8Array): ReassemblyResult {
    this.sweep();
    let frag;
    try {
      frag = decodeFragmentPayload(payload, { maxTotal: this.opts.maxFragments });
    } catch (err) {
      this.counters.rejected++;
      throw err;
    }
    const fragmentIdHex = toHex(frag.fragmentId);
    const key = `${senderIdHex}:${fragmentIdHex}`;
    const chunkBytes = frag.chunk.length;
    let set = this.sets.get(key);

    if (set) {
      if (set.total !== frag.total || set.originalType !== frag.originalType) {
        this.counters.rejected++;
        throw new MeshgateError('MG_ERR_BAD_FRAGMENT', `fragment disagrees with its set (total ${frag.total} vs ${set.total}, type ${frag.originalType} vs ${set.originalType})`, {
          fragmentId: fragmentIdHex,
        });
      }
      if (set.chunks[frag.index] !== undefined) {
        this.counters.duplicates++;
        return { complete: false };
      }
    }

    const setBytesAfter = (set?.bytes ?? 0) + chunkBytes;
    if (setBytesAfter > this.opts.maxBytesPerSet) {
      if (set) {
        this.remove(set);
        this.counters.dropped++;
      }
      this.counters.rejected++;
      throw new MeshgateError('MG_ERR_FRAGMENT_LIMIT', `fragment set would hold ${setBytesAfter} bytes, max ${this.opts.maxBytesPerSet}`, {
        fragmentId: fragmentIdHex,
        limit: 'maxBytesPerSet',
      });
    }

    if (frag.total === 1) {
      // Single-fragment set: complete at once, nothing stored, no budget consumed.
      this.counters.completed++;
      return { complete: true, originalType: frag.originalType, frame: frag.chunk.slice(), senderIdHex, fragmentIdHex };
    }

    // Total byte budget: evict the oldest other sets if (and only if) that makes room.
    if (this.totalBytes + chunkBytes > this.opts.maxTotalBytes) {
      const ownBytes = set?.bytes ?? 0;
      if (ownBytes + chunkBytes > this.opts.maxTotalBytes) {
        this.counters.rejected++;
        throw new MeshgateError('MG_ERR_FRAGMENT_LIMIT', `fragment would exceed the ${this.opts.maxTotalBytes}-byte reassembly budget`, {
          fragmentId: fragmentIdHex,
          limit: 'maxTotalBytes',
        });
      }
      for (const other of this.sets.values()) {
        if (this.totalBytes + chunkBytes <= this.opts.maxTotalBytes) break;
        if (other === set) continue;
        this.remove(other);
        this.counters.evicted++;
      }
    }

    if (!set) {
      while (this.sets.size >= this.opts.maxConcurrentSets) {
        const oldest = this.sets.values().next().value as AssemblySet;
        this.remove(oldest);
        this.counters.evicted++;
      }
      set = {
        key,
        senderIdHex,
        fragmentIdHex,
        total: frag.total,
        originalType: frag.originalType,
        createdAt: this.clock.now(),
        chunks: new Array<Uint8Array | undefined>(frag.total),
        received: 0,
        bytes: 0,
      };
      this.sets.set(key, set);
    }

    set.chunks[frag.index] = frag.chunk.slice();
    set.received++;
    set.bytes += chunkBytes;
    this.totalBytes += chunkBytes;

    if (set.received < set.total) return { complete: false };

    const frame = new Uint8Array(set.bytes);
    let offset = 0;
    for (const c of set.chunks) {
      frame.set(c as Uint8Array, offset);
      offset += (c as Uint8Array).length;
    }
    this.remove(set);
    this.counters.completed++;
    return { complete: true, originalType: set.originalType, frame, senderIdHex, fragmentIdHex };
  }

  /**
   * Drop every set whose first fragment is `timeoutMs` or more old (by `clock.now()`).
   * @returns the number of sets expired by this call.
   */
  sweep(): number {
    const cutoff = this.clock.now() - this.opts.timeoutMs;
    let n = 0;
    // All sets share one lifetime, so creation order is expiry order; stop at the first live set.
    for (const set of this.sets.values()) {
      if (set.createdAt > cutoff) break;
      this.remove(set);
      n++;
    }
    this.counters.expired += n;
    return n;
  }

  /** Current size and cumulative counters (for the status page). */
  stats(): ReassemblerStats {
    return { sets: this.sets.size, bytes: this.totalBytes, ...this.counters };
  }

  /** Drop every incomplete set (e.g. on stop). Not counted as expired or evicted. */
  clear(): void {
    this.sets.clear();
    this.totalBytes = 0;
  }

  private remove(set: AssemblySet): void {
    if (this.sets.delete(set.key)) this.totalBytes -= set.bytes;
  }
}

function stripUndefined(init: FragmentReassemblerInit): FragmentReassemblerInit {
  const out: FragmentReassemblerInit = {};
  for (const [k, v] of Object.entries(init)) if (v !== undefined) (out as Record<string, number>)[k] = v;
  return out;
}
