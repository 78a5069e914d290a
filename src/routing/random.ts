/**
 * A seeded pseudo-random source for the routing engine and its evaluation (core code may
 * not call Math.random). mulberry32 (Tommy Ettinger, public domain): 32-bit state,
 * period 2^32, uniform in [0, 1). Good enough for jitter, ants and simulations; not for keys.
 */

/** A uniform random source in [0, 1). */
export type RandomSource = () => number;

/** A mulberry32 generator seeded with `seed` (any integer; taken mod 2^32). */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A standard normal deviate by Box-Muller from two uniforms of `random`. */
export function gaussian(random: RandomSource): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
