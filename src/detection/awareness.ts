/**
 * Local health awareness, after Lifeguard (Dadgar, Phillips, Currey, "Lifeguard: Local
 * Health Awareness for More Accurate Failure Detection", DSN Workshops 2018; HashiCorp
 * memberlist `awareness.go`): a gateway that is itself overloaded (a slow event loop,
 * probes of its own that go unanswered, missing nacks) must not accuse others. It keeps a
 * score in [0, max − 1]; every timeout it uses is multiplied by (score + 1).
 *
 * Inputs, as memberlist: +1 when a probe round of ours fails with no nack from the
 * intermediaries (or the event loop ran late by more than the configured lag), −1 when a
 * probe round succeeds.
 */
import { MeshgateError } from '../errors.js';

export class Awareness {
  /** Scores run 0..max − 1 (memberlist `AwarenessMaxMultiplier`, default 8). */
  readonly max: number;
  private current = 0;
  private increments = 0;
  private decrements = 0;

  /** @throws MeshgateError MG_ERR_DETECTOR_CONFIG when max < 1. */
  constructor(init: { max?: number } = {}) {
    this.max = init.max ?? 8;
    if (!Number.isInteger(this.max) || this.max < 1) throw new MeshgateError('MG_ERR_DETECTOR_CONFIG', `awareness max must be an integer >= 1, got ${this.max}`);
  }

  /** Add `delta` (±1 usually), clamped to [0, max − 1]. Returns the new score. */
  apply(delta: number): number {
    const before = this.current;
    this.current = Math.min(this.max - 1, Math.max(0, this.current + delta));
    if (this.current > before) this.increments++;
    if (this.current < before) this.decrements++;
    return this.current;
  }

  /** Current score, 0 = healthy. */
  get score(): number {
    return this.current;
  }

  /** `timeoutMs · (score + 1)` (memberlist `ScaleTimeout`). */
  scaleTimeout(timeoutMs: number): number {
    return timeoutMs * (this.current + 1);
  }

  snapshot(): { score: number; max: number; multiplier: number; increments: number; decrements: number } {
    return { score: this.current, max: this.max, multiplier: this.current + 1, increments: this.increments, decrements: this.decrements };
  }
}
