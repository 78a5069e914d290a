/**
 * The one seeded pseudo-random number generator of meshgate: mulberry32 (Tommy Ettinger,
 * public domain, 2017; the 32-bit state, constants 0x6D2B79F5, shifts 15/7/14 are from that
 * reference; period 2^32). Pure (core code may not call Math.random where it must be
 * reproducible): simulated loss and jitter (links/memory), routing ants and simulations
 * (routing/random.ts), audit sampling (ledger). Not cryptographic; never for keys.
 */

/**
 * Create a mulberry32 generator.
 * @param seed any 32-bit integer (other numbers are truncated with `>>> 0`).
 * @returns a function yielding uniform floats in [0, 1); the same seed always gives the
 *   same sequence. The state lives in the returned closure (no module state).
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
