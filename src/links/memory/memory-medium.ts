/**
 * MemoryMedium: a simulated medium that makes linked pairs of {@link MemoryLink}s, for unit
 * tests and the simulator. Delay, jitter and loss are drawn from a seeded PRNG
 * (mulberry32) and timed with the injected Clock, so a run under ManualClock is fully
 * reproducible from its seed. Modelled on libp2p's `packages/transport-memory`.
 */
import { MeshgateError } from '../../errors.js';
import type { Clock } from '../../ports/clock.js';
import { silentLogger, type Logger } from '../../ports/logger.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../base-link.js';
import { MemoryChannel, type MemoryConditions, type MemoryMediumCounters } from './memory-channel.js';
import { MemoryLink } from './memory-link.js';
import { mulberry32 } from '../../util/prng.js';

/** Default bound on frames in flight per direction of a memory link. */
export const DEFAULT_MEMORY_MAX_IN_FLIGHT = 1_024;

export interface MemoryMediumComponents {
  clock: Clock;
  logger?: Logger;
}

export interface MemoryMediumInit {
  /** One-way delay per frame in ms (default 0). */
  latencyMs?: number;
  /** Extra uniform delay in [0, jitterMs) ms per frame (default 0); order is preserved. */
  jitterMs?: number;
  /** Loss probability in [0, 1] per frame (default 0). */
  lossRate?: number;
  /** PRNG seed for loss and jitter (default 1). */
  seed?: number;
  /** Frames in flight per direction before `send` returns false (default 1,024). */
  maxInFlight?: number;
  /** Frame cap in bytes for links of this medium (default DEFAULT_MAX_FRAME_BYTES). */
  maxFrameBytes?: number;
}

export interface MemoryConnectOptions {
  /** Both ends are links between gateways (default false: links to phones). */
  isGatewayLink?: boolean;
  /** Frame cap for this pair (default: the medium's). */
  maxFrameBytes?: number;
}

export type MemoryMediumStats = MemoryMediumCounters;

/**
 * A simulated medium.
 * @throws MG_ERR_CONFIG_INVALID for a negative latency/jitter, a loss rate outside [0, 1]
 *   or a maxInFlight below 1 (constructor and {@link setConditions}).
 */
export class MemoryMedium {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly random: () => number;
  private readonly maxInFlight: number;
  private readonly maxFrameBytes: number;
  private cond: MemoryConditions;
  private readonly counters: MemoryMediumCounters = { sent: 0, delivered: 0, lost: 0, queueFull: 0, discarded: 0 };
  private nextId = 1;

  constructor(components: MemoryMediumComponents, init: MemoryMediumInit = {}) {
    this.clock = components.clock;
    this.logger = components.logger ?? silentLogger;
    this.random = mulberry32(init.seed ?? 1);
    this.maxInFlight = init.maxInFlight ?? DEFAULT_MEMORY_MAX_IN_FLIGHT;
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) {
      throw new MeshgateError('MG_ERR_CONFIG_INVALID', `maxInFlight must be an integer >= 1, got ${this.maxInFlight}`, { field: 'maxInFlight' });
    }
    this.maxFrameBytes = init.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.cond = validate({ latencyMs: init.latencyMs ?? 0, jitterMs: init.jitterMs ?? 0, lossRate: init.lossRate ?? 0 });
  }

  /** The conditions applied to frames sent from now on. */
  get conditions(): Readonly<MemoryConditions> {
    return { ...this.cond };
  }

  /** Change latency/jitter/loss for frames sent from now on (frames in flight keep theirs). */
  setConditions(change: Partial<MemoryConditions>): void {
    this.cond = validate({ ...this.cond, ...change });
  }

  /** Medium-wide counters (all pairs, both directions). */
  stats(): MemoryMediumStats {
    return { ...this.counters };
  }

  /**
   * Create a linked pair of open links. Default IDs are `memory#<n>` (unique per medium).
   * Each end's `remoteAddress` is `memory:<other end's id>`.
   */
  connect(idA?: string, idB?: string, options: MemoryConnectOptions = {}): [MemoryLink, MemoryLink] {
    const ida = idA ?? `memory#${this.nextId++}`;
    const idb = idB ?? `memory#${this.nextId++}`;
    const components = { clock: this.clock, random: this.random, conditions: () => this.cond, counters: this.counters };
    let a: MemoryLink | undefined;
    let b: MemoryLink | undefined;
    const ab = new MemoryChannel(components, {
      maxInFlight: this.maxInFlight,
      onFrame: (f) => b?.acceptFromMedium(f),
      onControl: (m) => b?.acceptControlFromMedium(m),
      onClose: (r) => b?.closedByPeer(r),
    });
    const ba = new MemoryChannel(components, {
      maxInFlight: this.maxInFlight,
      onFrame: (f) => a?.acceptFromMedium(f),
      onControl: (m) => a?.acceptControlFromMedium(m),
      onClose: (r) => a?.closedByPeer(r),
    });
    const common = {
      isGatewayLink: options.isGatewayLink ?? false,
      maxFrameBytes: options.maxFrameBytes ?? this.maxFrameBytes,
      now: () => this.clock.now(),
      logger: this.logger,
    };
    a = new MemoryLink({ ...common, id: ida, remoteAddress: `memory:${idb}`, outbound: ab, inbound: ba });
    b = new MemoryLink({ ...common, id: idb, remoteAddress: `memory:${ida}`, outbound: ba, inbound: ab });
    return [a, b];
  }
}

function validate(c: MemoryConditions): MemoryConditions {
  for (const field of ['latencyMs', 'jitterMs'] as const) {
    if (!Number.isFinite(c[field]) || c[field] < 0) {
      throw new MeshgateError('MG_ERR_CONFIG_INVALID', `${field} must be a finite number >= 0, got ${c[field]}`, { field });
    }
  }
  if (!(c.lossRate >= 0 && c.lossRate <= 1)) {
    throw new MeshgateError('MG_ERR_CONFIG_INVALID', `lossRate must be in [0, 1], got ${c.lossRate}`, { field: 'lossRate' });
  }
  return c;
}
