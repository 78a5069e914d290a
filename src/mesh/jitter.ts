/**
 * Relay jitter for broadcasts (bitchat-spec.md §6): wait uniformly 10-40 ms at degree <= 2,
 * rising linearly to 100-220 ms at degree >= 10, so neighbours that heard the same packet
 * do not all transmit at once and a duplicate heard meanwhile can suppress the relay.
 * Upstream: iOS `bitchat/Services/RelayController.swift` (jitter grows with link degree).
 */

/** Delay range in ms at low degree (<= {@link JITTER_LOW_DEGREE}). */
export const JITTER_LOW_MS: readonly [number, number] = [10, 40];
/** Delay range in ms at high degree (>= {@link JITTER_HIGH_DEGREE}). */
export const JITTER_HIGH_MS: readonly [number, number] = [100, 220];
export const JITTER_LOW_DEGREE = 2;
export const JITTER_HIGH_DEGREE = 10;

/**
 * The [min, max] jitter range in ms for a node with `degree` open links: linear
 * interpolation between {@link JITTER_LOW_MS} (degree <= 2) and {@link JITTER_HIGH_MS}
 * (degree >= 10).
 */
export function jitterRangeMs(degree: number): [number, number] {
  const t = Math.min(1, Math.max(0, (degree - JITTER_LOW_DEGREE) / (JITTER_HIGH_DEGREE - JITTER_LOW_DEGREE)));
  return [
    JITTER_LOW_MS[0] + t * (JITTER_HIGH_MS[0] - JITTER_LOW_MS[0]),
    JITTER_LOW_MS[1] + t * (JITTER_HIGH_MS[1] - JITTER_LOW_MS[1]),
  ];
}

/**
 * A jitter delay in whole ms, uniform in {@link jitterRangeMs}(degree).
 * @param random a uniform source in [0, 1) (injected so tests are deterministic)
 */
export function relayJitterMs(degree: number, random: () => number): number {
  const [lo, hi] = jitterRangeMs(degree);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.min(Math.ceil(hi), Math.max(Math.floor(lo), Math.round(lo + r * (hi - lo))));
}
