/**
 * A seeded pseudo-random source for the routing engine and its evaluation (core code may
 * not call Math.random): mulberry32 from src/util/prng.ts, uniform in [0, 1). Good enough for jitter, ants and simulations; not for keys.
 */

import { mulberry32 } from '../util/prng.js';

/** A uniform random source in [0, 1). */
export type RandomSource = () => number;

/** A mulberry32 generator seeded with `seed` (any integer; taken mod 2^32): src/util/prng.ts. */
export function seededRandom(seed: number): RandomSource {
  return mulberry32(seed);
}

/** A standard normal deviate by Box-Muller from two uniforms of `random`. */
export function gaussian(random: RandomSource): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
