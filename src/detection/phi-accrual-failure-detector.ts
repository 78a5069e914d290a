/**
 * The phi accrual failure detector (Hayashibara, Défago, Yared, Katayama, "The φ Accrual
 * Failure Detector", SRDS 2004), computed exactly as Akka's
 * `akka-remote/src/main/scala/akka/remote/PhiAccrualFailureDetector.scala`:
 *
 *   φ(t) = −log10(1 − F(t − t_last))
 *
 * where F is the CDF of a normal distribution with mean μ + acceptableHeartbeatPause and
 * standard deviation max(σ, minStdDeviation), μ and σ being the population mean and
 * standard deviation of the last `maxSampleSize` heartbeat inter-arrival intervals.
 * F is Akka's logistic approximation (β Mathematics Handbook; error 0.00014 at ±3.16):
 *
 *   y = (t − μ) / σ,  e = exp(−y · (1.5976 + 0.070566 · y²)),
 *   φ = −log10(e / (1 + e))          when t > μ  (keeps precision far in the tail)
 *   φ = −log10(1 − 1 / (1 + e))      otherwise
 *
 * The first heartbeat seeds the history with two intervals, estimate ∓ estimate/4
 * (integer division, as Akka's `Long` arithmetic), so a peer heard once still becomes
 * unavailable. An interval is recorded only while the peer is available: the first
 * heartbeat after a failure must not skew the statistics with the long pause.
 *
 * Pure: time comes from the injected {@link Clock} (`now()` in ms, read once per call).
 */
import { MeshgateError } from '../errors.js';
import type { Clock } from '../ports/clock.js';

/** Parameters of one detector; Akka's defaults in brackets. All durations in ms. */
export interface PhiAccrualOptions {
  /** φ at or above which the peer is unavailable [8]. */
  threshold: number;
  /** Intervals kept in the history [1,000]. */
  maxSampleSize: number;
  /** Lower bound of σ, ms [100]. */
  minStdDeviationMs: number;
  /** Pause added to the mean before φ rises, ms [3,000]. */
  acceptableHeartbeatPauseMs: number;
  /** Expected interval used to seed the history at the first heartbeat, ms [1,000]. */
  firstHeartbeatEstimateMs: number;
}

/** Akka's defaults (`akka.remote.watch-failure-detector` / reference.conf). */
export const AKKA_PHI_DEFAULTS: Readonly<PhiAccrualOptions> = Object.freeze({
  threshold: 8,
  maxSampleSize: 1000,
  minStdDeviationMs: 100,
  acceptableHeartbeatPauseMs: 3000,
  firstHeartbeatEstimateMs: 1000,
});

/**
 * φ for a time since the last heartbeat `timeDiffMs`, given the (pause-adjusted) mean and
 * standard deviation of the interval distribution, in Akka's two-branch form.
 */
export function phiOf(timeDiffMs: number, meanMs: number, stdDeviationMs: number): number {
  const y = (timeDiffMs - meanMs) / stdDeviationMs;
  const e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
  if (timeDiffMs > meanMs) return -Math.log10(e / (1.0 + e));
  return -Math.log10(1.0 - 1.0 / (1.0 + e));
}

/**
 * The standardised distance y* = (t − μ) / σ at which {@link phiOf} equals `threshold`, in
 * closed form: φ = −log10(e / (1 + e)) with e = exp(−y(1.5976 + 0.070566 y²)) (both of
 * Akka's branches compute this value), so φ = th ⇔ 0.070566 y³ + 1.5976 y + ln(p / (1 − p)) = 0
 * with p = 10^−th — a depressed cubic with one real root (Cardano). Lets a detector know
 * when it will cross the threshold without evaluating φ.
 */
export function thresholdY(threshold: number): number {
  const p = Math.pow(10, -threshold);
  const c = Math.log(p / (1 - p));
  const P = 1.5976 / 0.070566;
  const Q = c / 0.070566;
  const d = Math.sqrt((Q / 2) ** 2 + (P / 3) ** 3);
  return Math.cbrt(-Q / 2 + d) + Math.cbrt(-Q / 2 - d);
}

/**
 * Heartbeat inter-arrival history capped at `maxSampleSize` intervals, with running sum
 * and sum of squares (Akka `HeartbeatHistory`); O(1) per append, mean and population
 * variance in O(1). Stored in a ring buffer (Akka drops the oldest from an immutable
 * vector; the statistics are identical).
 */
export class HeartbeatHistory {
  readonly maxSampleSize: number;
  /** Grows by doubling up to maxSampleSize, so 10,000 detectors do not hold 80 MB of empty rings. */
  private ring: Float64Array;
  private start = 0;
  private count = 0;
  private sum = 0;
  private squaredSum = 0;

  /** @throws MeshgateError MG_ERR_DETECTOR_CONFIG when maxSampleSize < 1. */
  constructor(maxSampleSize: number) {
    if (!Number.isInteger(maxSampleSize) || maxSampleSize < 1) {
      throw new MeshgateError('MG_ERR_DETECTOR_CONFIG', `maxSampleSize must be an integer >= 1, got ${maxSampleSize}`);
    }
    this.maxSampleSize = maxSampleSize;
    this.ring = new Float64Array(Math.min(maxSampleSize, 16));
  }

  /** Number of intervals held. */
  get size(): number {
    return this.count;
  }

  /** Append one interval (ms), dropping the oldest when full. */
  add(intervalMs: number): void {
    if (this.count === this.ring.length && this.ring.length < this.maxSampleSize) this.grow();
    const cap = this.ring.length;
    if (this.count === cap) {
      const oldest = this.ring[this.start];
      this.sum -= oldest;
      this.squaredSum -= oldest * oldest;
      this.ring[this.start] = intervalMs;
      this.start = (this.start + 1) % cap;
    } else {
      this.ring[(this.start + this.count) % cap] = intervalMs;
      this.count++;
    }
    this.sum += intervalMs;
    this.squaredSum += intervalMs * intervalMs;
  }

  private grow(): void {
    const next = new Float64Array(Math.min(this.maxSampleSize, this.ring.length * 2));
    for (let i = 0; i < this.count; i++) next[i] = this.ring[(this.start + i) % this.ring.length];
    this.ring = next;
    this.start = 0;
  }

  /** Forget every interval. */
  clear(): void {
    this.start = 0;
    this.count = 0;
    this.sum = 0;
    this.squaredSum = 0;
  }

  /** Mean interval, ms (NaN when empty). */
  get mean(): number {
    return this.sum / this.count;
  }

  /** Population variance, ms² (sum of squares / n − mean²). */
  get variance(): number {
    const m = this.mean;
    return this.squaredSum / this.count - m * m;
  }

  /** Population standard deviation, ms (variance clamped at 0 against rounding). */
  get stdDeviation(): number {
    return Math.sqrt(Math.max(0, this.variance));
  }
}

/**
 * Validate detector options.
 * @throws MeshgateError MG_ERR_DETECTOR_CONFIG naming the bad field (same rules as Akka's `require`s).
 */
export function validatePhiOptions(o: PhiAccrualOptions): PhiAccrualOptions {
  const bad = (field: string, rule: string) => new MeshgateError('MG_ERR_DETECTOR_CONFIG', `${field} ${rule}`, { field });
  if (!(o.threshold > 0 && o.threshold <= 300)) throw bad('threshold', 'must be > 0 and <= 300 (10^-threshold must stay a normal double)');
  if (!Number.isInteger(o.maxSampleSize) || o.maxSampleSize < 1) throw bad('maxSampleSize', 'must be an integer > 0');
  if (!(o.minStdDeviationMs > 0)) throw bad('minStdDeviationMs', 'must be > 0');
  if (!(o.acceptableHeartbeatPauseMs >= 0)) throw bad('acceptableHeartbeatPauseMs', 'must be >= 0');
  if (!(o.firstHeartbeatEstimateMs > 0)) throw bad('firstHeartbeatEstimateMs', 'must be > 0');
  return o;
}

/** One monitored resource (a peer or a link). See the module doc for the formula. */
export class PhiAccrualFailureDetector {
  readonly threshold: number;
  readonly maxSampleSize: number;
  readonly minStdDeviationMs: number;
  readonly acceptableHeartbeatPauseMs: number;
  readonly firstHeartbeatEstimateMs: number;
  private readonly clock: Pick<Clock, 'now'>;
  private readonly history: HeartbeatHistory;
  private readonly yThreshold: number;
  private lastHeartbeat: number | undefined;

  /**
   * @param options any subset of {@link PhiAccrualOptions}; missing fields take Akka's defaults (8, 1000, 100, 3000, 1000).
   * @param clock `now()` in ms.
   * @throws MeshgateError MG_ERR_DETECTOR_CONFIG for an invalid option.
   */
  constructor(options: Partial<PhiAccrualOptions>, clock: Pick<Clock, 'now'>) {
    const o = validatePhiOptions({ ...AKKA_PHI_DEFAULTS, ...options });
    this.threshold = o.threshold;
    this.maxSampleSize = o.maxSampleSize;
    this.minStdDeviationMs = o.minStdDeviationMs;
    this.acceptableHeartbeatPauseMs = o.acceptableHeartbeatPauseMs;
    this.firstHeartbeatEstimateMs = o.firstHeartbeatEstimateMs;
    this.clock = clock;
    this.history = new HeartbeatHistory(o.maxSampleSize);
    this.yThreshold = thresholdY(o.threshold);
  }

  /** Record a heartbeat now. */
  heartbeat(): void {
    const now = this.clock.now();
    if (this.lastHeartbeat === undefined) {
      this.seed();
    } else if (this.availableAt(now)) {
      // only while available: the first heartbeat after a failure would skew the stats
      this.history.add(now - this.lastHeartbeat);
    }
    this.lastHeartbeat = now;
  }

  /** Current φ (0 before the first heartbeat: unmonitored resources count as healthy). */
  phi(): number {
    return this.phiAt(this.clock.now());
  }

  /** φ < threshold. */
  isAvailable(): boolean {
    return this.availableAt(this.clock.now());
  }

  /**
   * φ < threshold at `nowMs`, without the exp/log unless `nowMs` is within 1 ms of the
   * crossing time (then φ itself decides, so the answer always equals `phiAt(nowMs) < threshold`).
   */
  availableAt(nowMs: number): boolean {
    if (this.lastHeartbeat === undefined) return true;
    const until = this.availableUntilMs();
    if (nowMs < until - 1) return true;
    if (nowMs > until + 1) return false;
    return this.phiAt(nowMs) < this.threshold;
  }

  /**
   * ms since the epoch at which φ reaches the threshold if no heartbeat arrives:
   * last + μ + pause + y*·σ ({@link thresholdY}); Infinity before the first heartbeat.
   */
  availableUntilMs(): number {
    if (this.lastHeartbeat === undefined) return Infinity;
    return this.lastHeartbeat + this.timeToThresholdMs();
  }

  /** True once a heartbeat has been recorded. */
  isMonitoring(): boolean {
    return this.lastHeartbeat !== undefined;
  }

  /** ms since the epoch of the last heartbeat, if any. */
  get lastHeartbeatAt(): number | undefined {
    return this.lastHeartbeat;
  }

  /** Mean of the interval history, ms. */
  get meanIntervalMs(): number {
    return this.history.mean;
  }

  /** σ used by φ (max of the history's and the minimum), ms. */
  get stdDeviationMs(): number {
    return Math.max(this.history.stdDeviation, this.minStdDeviationMs);
  }

  /** φ at time `nowMs` (ms since the epoch), without reading the clock. */
  phiAt(nowMs: number): number {
    if (this.lastHeartbeat === undefined) return 0;
    const mean = this.history.mean + this.acceptableHeartbeatPauseMs;
    return phiOf(nowMs - this.lastHeartbeat, mean, Math.max(this.history.stdDeviation, this.minStdDeviationMs));
  }

  /** Time since the last heartbeat (ms) at which φ reaches the threshold: μ + pause + y*·σ. */
  timeToThresholdMs(): number {
    return this.history.mean + this.acceptableHeartbeatPauseMs + this.yThreshold * Math.max(this.history.stdDeviation, this.minStdDeviationMs);
  }

  private seed(): void {
    const mean = this.firstHeartbeatEstimateMs;
    const std = Math.trunc(mean / 4);
    this.history.clear();
    this.history.add(mean - std);
    this.history.add(mean + std);
  }
}
