/**
 * Redial delays for every dialling link adapter (LAN TCP, gateway WebSocket): capped
 * exponential backoff with symmetric jitter,
 * after "Exponential Backoff And Jitter" (M. Brooker, AWS Architecture Blog, 2015).
 * Pure: the caller supplies the random source.
 */
import { MeshgateError } from '../errors.js';

export interface ReconnectPolicy {
  /** First delay, ms (default 1,000). */
  initialMs: number;
  /** Largest delay before jitter, ms (default 60,000). */
  maxMs: number;
  /** Growth per failed attempt (default 2). */
  factor: number;
  /** Relative jitter in [0, 1]: the delay is scaled by a uniform factor in [1 − jitter, 1 + jitter] (default 0.2). */
  jitter: number;
}

export const DEFAULT_RECONNECT_POLICY: Readonly<ReconnectPolicy> = Object.freeze({ initialMs: 1_000, maxMs: 60_000, factor: 2, jitter: 0.2 });

/**
 * Fill in defaults and validate.
 * @throws MG_ERR_CONFIG_INVALID when a field is negative, factor < 1, jitter outside [0, 1] or maxMs < initialMs.
 */
export function reconnectPolicy(p: Partial<ReconnectPolicy> | undefined): ReconnectPolicy {
  const r: ReconnectPolicy = { ...DEFAULT_RECONNECT_POLICY, ...(p ?? {}) };
  const finite = (v: number) => typeof v === 'number' && Number.isFinite(v);
  if (!finite(r.initialMs) || r.initialMs < 0) throw new MeshgateError('MG_ERR_CONFIG_INVALID', 'reconnect.initialMs must be >= 0');
  if (!finite(r.maxMs) || r.maxMs < r.initialMs) throw new MeshgateError('MG_ERR_CONFIG_INVALID', 'reconnect.maxMs must be >= reconnect.initialMs');
  if (!finite(r.factor) || r.factor < 1) throw new MeshgateError('MG_ERR_CONFIG_INVALID', 'reconnect.factor must be >= 1');
  if (!finite(r.jitter) || r.jitter < 0 || r.jitter > 1) throw new MeshgateError('MG_ERR_CONFIG_INVALID', 'reconnect.jitter must be in [0, 1]');
  return r;
}

/**
 * Delay in ms before redial number `attempt` (0 = first redial after a failure or drop):
 * `min(maxMs, initialMs · factor^attempt) · (1 + jitter · (2u − 1))` with u = `random()` in [0, 1).
 */
export function reconnectDelayMs(attempt: number, policy: ReconnectPolicy, random: () => number): number {
  const base = Math.min(policy.maxMs, policy.initialMs * Math.pow(policy.factor, Math.max(0, attempt)));
  const u = Math.min(Math.max(random(), 0), 1);
  return Math.max(0, Math.round(base * (1 + policy.jitter * (2 * u - 1))));
}
