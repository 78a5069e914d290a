/**
 * Gateway selection score (pure): a weighted sum of per-metric utilities in [0, 1]
 * (simple additive weighting, the basic multi-criteria decision method — Fishburn,
 * "Additive Utilities with Incomplete Product Set", Operations Research 1967), with one
 * weight vector per preference profile. Utilities:
 *
 * | metric | utility | reference |
 * |---|---|---|
 * | RTT (ms) | `1 / (1 + rtt / 100)` | 100 ms scores 0.5 |
 * | load (0..1 of capacity) | `1 − load` | |
 * | uptime (s) | `1 − 2^(−uptime / 86,400)` | a day up scores 0.5 |
 * | fee (per MiB) | `1 / (1 + fee / 100)` | 100 units/MiB scores 0.5 |
 * | bandwidth (bytes/s) | `bw / (bw + 1,250,000)` | 10 Mbit/s scores 0.5; 0 = unknown scores 0.25 |
 * | delivery ratio (0..1) | itself (1 when unmeasured) | |
 * | version | 1 same major and minor ≥ ours, 0.7 older minor; other major: not a candidate | |
 *
 * Unknown RTT is estimated from the advertised position: great-circle distance (haversine)
 * at 200 km/ms (light in fibre, refractive index ≈ 1.5), doubled, plus 10 ms; 150 ms with
 * no position.
 */

/** Preference profiles. */
export const SELECTION_PROFILES = ['latency', 'cost', 'bandwidth', 'reliability'] as const;
export type SelectionProfile = (typeof SELECTION_PROFILES)[number];

type Weights = Readonly<{ rtt: number; load: number; uptime: number; fee: number; bandwidth: number; delivery: number; version: number }>;

/** Weights per profile; each row sums to 1. */
export const PROFILE_WEIGHTS: Readonly<Record<SelectionProfile, Weights>> = Object.freeze({
  latency: { rtt: 0.55, load: 0.15, uptime: 0.05, fee: 0.05, bandwidth: 0.05, delivery: 0.1, version: 0.05 },
  cost: { rtt: 0.15, load: 0.1, uptime: 0.05, fee: 0.55, bandwidth: 0.05, delivery: 0.05, version: 0.05 },
  bandwidth: { rtt: 0.15, load: 0.15, uptime: 0.05, fee: 0.05, bandwidth: 0.5, delivery: 0.05, version: 0.05 },
  reliability: { rtt: 0.1, load: 0.15, uptime: 0.3, fee: 0.0, bandwidth: 0.05, delivery: 0.3, version: 0.1 },
});

/** What is known of one candidate gateway. */
export interface CandidateMetrics {
  /** Smoothed RTT, ms, or undefined when never measured. */
  readonly rttMs: number | undefined;
  /** Advertised position, degrees, or null. */
  readonly position: readonly [number, number] | null;
  /** 0..1 of capacity in use. */
  readonly load: number;
  readonly uptimeS: number;
  readonly fee: number;
  readonly bandwidthBytesPerSec: number;
  /** Measured delivery ratio 0..1 (link-quality), or undefined. */
  readonly deliveryRatio: number | undefined;
  readonly version: string;
}

/** A score and its parts (for the status page). */
export interface ScoreBreakdown {
  readonly score: number;
  readonly rttMs: number;
  readonly rttMeasured: boolean;
  readonly utilities: Readonly<Record<keyof Weights, number>>;
}

const EARTH_RADIUS_KM = 6371.0088; // IUGG mean radius
const FIBRE_KM_PER_MS = 200;

/** Great-circle distance between two points, km (haversine formula). */
export function haversineKm(a: readonly [number, number], b: readonly [number, number]): number {
  const rad = Math.PI / 180;
  const dLat = (b[0] - a[0]) * rad;
  const dLon = (b[1] - a[1]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** RTT estimate from positions, ms (see the module comment). */
export function estimateRttMs(own: readonly [number, number] | null, other: readonly [number, number] | null): number {
  if (!own || !other) return 150;
  return 10 + (2 * haversineKm(own, other)) / FIBRE_KM_PER_MS;
}

function parseVersion(v: string): [number, number, number] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** Version utility: 0 for another major (not a candidate), 0.7 for an older minor, else 1. */
export function versionUtility(theirs: string, ours: string): number {
  const t = parseVersion(theirs);
  const o = parseVersion(ours);
  if (!t || !o || t[0] !== o[0]) return 0;
  return t[1] >= o[1] ? 1 : 0.7;
}

/** Score one candidate under `profile`; `ownPosition` feeds the RTT estimate. */
export function scoreCandidate(m: CandidateMetrics, profile: SelectionProfile, own: { version: string; position: readonly [number, number] | null }): ScoreBreakdown {
  const w = PROFILE_WEIGHTS[profile];
  const rttMs = m.rttMs ?? estimateRttMs(own.position, m.position);
  const u = {
    rtt: 1 / (1 + Math.max(0, rttMs) / 100),
    load: 1 - Math.min(1, Math.max(0, m.load)),
    uptime: 1 - Math.pow(2, -Math.max(0, m.uptimeS) / 86_400),
    fee: 1 / (1 + Math.max(0, m.fee) / 100),
    bandwidth: m.bandwidthBytesPerSec > 0 ? m.bandwidthBytesPerSec / (m.bandwidthBytesPerSec + 1_250_000) : 0.25,
    delivery: m.deliveryRatio === undefined ? 1 : Math.min(1, Math.max(0, m.deliveryRatio)),
    version: versionUtility(m.version, own.version),
  };
  const score = u.version === 0 ? 0 : w.rtt * u.rtt + w.load * u.load + w.uptime * u.uptime + w.fee * u.fee + w.bandwidth * u.bandwidth + w.delivery * u.delivery + w.version * u.version;
  return { score, rttMs, rttMeasured: m.rttMs !== undefined, utilities: u };
}
