/**
 * The link metric: an additive, isotonic composite cost of one directed edge, in
 * milliseconds of expected delivery time plus penalties. Path cost = sum of edge costs.
 *
 *   ETX  = 1 / (d_f · d_r)                                  (De Couto et al., MobiCom 2003)
 *   ETT  = ETX · S / B · 1000                  [ms]          (Draves, Padhye, Zill, MobiCom 2004)
 *   cost = wEtx · ETX · hopMs                  [ms]  per-hop airtime/processing unit
 *        + wLatency · RTT / 2                  [ms]  one-way latency
 *        + wSize · ETT                         [ms]  serialisation of a reference packet
 *        + wJitter · jitter                    [ms]
 *        + wQueue · queueLength · ETT          [ms]  queue drain time (AntNet-style load term)
 *
 * Every term is non-negative and depends on the edge alone, and the ETX term is ≥ wEtx · hopMs > 0,
 * so the path algebra (R≥0, +, ≤) is monotone and isotonic (Sobrinho, "Network routing
 * with path vector protocols", SIGCOMM 2003; Yang & Wang, "Design guidelines for routing
 * metrics", 2008): Dijkstra finds optimal paths and hop-by-hop forwarding is loop-free.
 */
import type { EdgeMetrics } from './types.js';

/** Weights and defaults for {@link linkCost}. All weights ≥ 0; `hopMs` > 0. */
export interface LinkMetricWeights {
  /** Weight of the ETX term (dimensionless). Default 1. */
  readonly etx: number;
  /** Weight of one-way latency RTT/2. Default 1. */
  readonly latency: number;
  /** Weight of the ETT (size over bandwidth) term. Default 1. */
  readonly size: number;
  /** Weight of jitter. Default 0.5. */
  readonly jitter: number;
  /** Weight of the queue drain term. Default 1. */
  readonly queue: number;
  /** Cost unit of one expected transmission, ms (BLE connection event ≈ 7.5..30 ms). Default 10. */
  readonly hopMs: number;
  /** Reference packet size S for ETT, bytes (a typical bitchat message frame). Default 256. */
  readonly packetBytes: number;
  /** Delivery ratio assumed when unmeasured. Default 0.9. */
  readonly defaultDelivery: number;
  /** RTT assumed when unmeasured, ms. Default 40. */
  readonly defaultRttMs: number;
  /** Bandwidth assumed when unmeasured, bytes/s (BLE 4.2 GATT ≈ 20 kB/s). Default 20,000. */
  readonly defaultBandwidth: number;
  /** Smallest delivery ratio used (caps ETX at 1/min²). Default 0.05. */
  readonly minDelivery: number;
}

export const DEFAULT_LINK_METRIC_WEIGHTS: LinkMetricWeights = Object.freeze({
  etx: 1,
  latency: 1,
  size: 1,
  jitter: 0.5,
  queue: 1,
  hopMs: 10,
  packetBytes: 256,
  defaultDelivery: 0.9,
  defaultRttMs: 40,
  defaultBandwidth: 20_000,
  minDelivery: 0.05,
});

/** ETX = 1/(d_f·d_r) with each ratio clamped to [minDelivery, 1]. */
export function etx(m: Pick<EdgeMetrics, 'deliveryForward' | 'deliveryReverse'>, w: LinkMetricWeights = DEFAULT_LINK_METRIC_WEIGHTS): number {
  const df = clamp(m.deliveryForward ?? w.defaultDelivery, w.minDelivery, 1);
  const dr = clamp(m.deliveryReverse ?? m.deliveryForward ?? w.defaultDelivery, w.minDelivery, 1);
  return 1 / (df * dr);
}

/** The composite cost of one edge, ms (see the module doc). Always finite and > 0. */
export function linkCost(m: EdgeMetrics, w: LinkMetricWeights = DEFAULT_LINK_METRIC_WEIGHTS): number {
  const x = etx(m, w);
  const bw = m.bandwidthBytesPerSec !== undefined && m.bandwidthBytesPerSec > 0 ? m.bandwidthBytesPerSec : w.defaultBandwidth;
  const ett = (x * w.packetBytes * 1000) / bw;
  const rtt = m.rttMs !== undefined && m.rttMs >= 0 && Number.isFinite(m.rttMs) ? m.rttMs : w.defaultRttMs;
  const jitter = m.jitterMs !== undefined && m.jitterMs >= 0 && Number.isFinite(m.jitterMs) ? m.jitterMs : 0;
  const queue = m.queueLength !== undefined && m.queueLength >= 0 && Number.isFinite(m.queueLength) ? m.queueLength : 0;
  return w.etx * x * w.hopMs + (w.latency * rtt) / 2 + w.size * ett + w.jitter * jitter + w.queue * queue * ett;
}

function clamp(v: number, lo: number, hi: number): number {
  return Number.isFinite(v) ? (v < lo ? lo : v > hi ? hi : v) : lo;
}
