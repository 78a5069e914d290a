/**
 * Recovery strategy choice when a gateway (or our link to it) is lost. Strategies, in the
 * order they are tried (docs/detection.md §Reactions):
 *
 * - `alternative-route`: another live neighbour reaches the destination (topology
 *   first hops) — traffic fails over at once (route hold-down forced change) and retained
 *   frames are re-sent through it;
 * - `reconnect`: we dial the lost gateway ourselves — the dialler redials with capped
 *   exponential back-off and jitter (src/links/backoff.ts; Brooker 2015);
 * - `bridge`: no live neighbour reaches it, but we know a URL (from `topo` records) of it
 *   or of a gateway adjacent to it that we do not dial yet — dial it to bridge the partition;
 * - `wait`: nothing to do but wait for the lost gateway (or someone) to dial us.
 *
 * Several may apply at once (reconnect and alternative route usually do); all that apply
 * are returned, in that order.
 */
export type RecoveryStrategy = 'alternative-route' | 'reconnect' | 'bridge' | 'wait';

export interface RecoveryInput {
  /** Live first hops toward the lost gateway other than the lost link. */
  alternativeHops: number;
  /** We dial the lost gateway (its URL is in our dial list). */
  weDialIt: boolean;
  /** A URL of the lost gateway, or of a gateway adjacent to it, that we neither link to nor dial. */
  bridgeUrl: string | undefined;
}

export function chooseRecovery(input: RecoveryInput): RecoveryStrategy[] {
  const out: RecoveryStrategy[] = [];
  if (input.alternativeHops > 0) out.push('alternative-route');
  if (input.weDialIt) out.push('reconnect');
  if (input.alternativeHops === 0 && input.bridgeUrl !== undefined) out.push('bridge');
  if (out.length === 0) out.push('wait');
  return out;
}
