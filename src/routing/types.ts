/**
 * Shapes shared by the routing engine (`meshgate/routing`): node kinds, positions,
 * measured link metrics. Units are in the field names or doc comments (ms, bytes/s, m).
 */

/** What a topology node is: a bitchat phone, a meshgate gateway, or an internet peer. */
export type NodeKind = 'phone' | 'gateway' | 'internet';

/** Movement pattern a node reports or the evaluation assigns (src/routing/mobility.ts). */
export type MobilityPattern = 'static' | 'random-waypoint' | 'linear' | 'circular' | 'commuter' | 'unknown';

/**
 * A WGS-84 position fix: degrees, accuracy radius in metres, optional velocity in m/s
 * (east, north) and the time of the fix (ms since the epoch, on the routing clock).
 */
export interface GeoPosition {
  readonly lat: number;
  readonly lon: number;
  readonly accuracyM: number;
  readonly velocityEastMps?: number;
  readonly velocityNorthMps?: number;
  readonly at: number;
}

/** A point in a local planar frame, metres (x east, y north). */
export interface Point {
  readonly x: number;
  readonly y: number;
}

/** Where an edge's numbers came from (the newest source wins; see Topology). */
export type EdgeSource = 'announce' | 'measured' | 'lsa';

/**
 * Measured metrics of one directed edge `from → to`. Every field is optional except
 * `at`; missing ones take the defaults of {@link LinkMetricWeights} (link-metric.ts).
 */
export interface EdgeMetrics {
  /** Round-trip time, ms. */
  readonly rttMs?: number;
  /** Probability a frame sent from → to arrives (0..1], the forward delivery ratio d_f of ETX. */
  readonly deliveryForward?: number;
  /** Probability a frame (or its ack) to → from arrives (0..1], d_r of ETX. */
  readonly deliveryReverse?: number;
  /** Bandwidth estimate, bytes/s. */
  readonly bandwidthBytesPerSec?: number;
  /** RTT jitter (mean absolute deviation), ms. */
  readonly jitterMs?: number;
  /** Frames waiting in the sender's egress queue. */
  readonly queueLength?: number;
  /** When measured, ms since the epoch (freshness). */
  readonly at: number;
}
