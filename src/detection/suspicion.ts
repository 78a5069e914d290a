/**
 * Suspicion timeout with independent confirmations, after Lifeguard (memberlist
 * `suspicion.go`, `remainingSuspicionTime`): a suspicion starts at `maxMs` and shrinks
 * toward `minMs` as other gateways independently suspect the same peer:
 *
 *   timeout(n) = max(minMs, maxMs − (maxMs − minMs) · log(n + 1) / log(k + 1))
 *
 * where n is the number of independent confirmations so far and k the number expected
 * (memberlist uses the indirect-probe count). With k = 0 the timeout is `minMs`.
 */
export function suspicionTimeoutMs(confirmations: number, expected: number, minMs: number, maxMs: number): number {
  if (expected < 1) return minMs;
  const frac = Math.log(Math.max(0, confirmations) + 1) / Math.log(expected + 1);
  return Math.max(minMs, Math.floor(maxMs - (maxMs - minMs) * frac));
}
