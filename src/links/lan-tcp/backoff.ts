/**
 * Exponential backoff with jitter for re-dialling, after "Exponential Backoff and Jitter"
 * (Marc Brooker, AWS Architecture Blog, 2015): delay = min(maxMs, initialMs * factor^attempt),
 * then spread by +/- `jitter` (a fraction) so many dialers do not retry in lock-step.
 */

export interface BackoffPolicy {
  /** Delay in ms before the first re-dial (attempt 0). */
  initialMs: number;
  /** Largest delay in ms, jitter included. */
  maxMs: number;
  /** Growth per attempt (>= 1). */
  factor: number;
  /** Relative spread in [0, 1]: the delay is scaled by a uniform factor in [1 - jitter, 1 + jitter]. */
  jitter: number;
}

/** Defaults from the lan-tcp brief: 1 s, doubling, capped at 60 s, +/-20 %. */
export const DEFAULT_BACKOFF: Readonly<BackoffPolicy> = Object.freeze({ initialMs: 1_000, maxMs: 60_000, factor: 2, jitter: 0.2 });

/**
 * Delay in ms before re-dial number `attempt` (0-based).
 * @param random uniform [0, 1) source (Math.random in production, seeded in tests).
 * @returns a delay in [0, maxMs].
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const base = Math.min(policy.maxMs, policy.initialMs * Math.pow(policy.factor, Math.max(0, attempt)));
  const spread = 1 + policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.min(policy.maxMs, Math.round(base * spread)));
}
