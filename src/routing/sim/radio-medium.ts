/**
 * The simulated radio: log-distance path loss with log-normal shadowing (Rappaport,
 * "Wireless Communications", 2nd ed., §4.9-4.10):
 *
 *   RSSI(d) = Ptx − PL(d0) − 10 · n · log10(d / d0) + X_σ        [dBm], d0 = 1 m
 *
 * with X_σ ~ N(0, σ²) drawn once per node pair (symmetric, static shadowing). Defaults
 * model BLE 1M PHY outdoors at 0 dBm: PL(1 m) = 40 dB (free space at 2.4 GHz), n = 3,
 * σ = 4 dB, sensitivity −85 dBm (a mean range of 31.6 m). The margin m = RSSI − sensitivity
 * decides whether a connection is up (m ≥ 0 when adjacency is refreshed) and the packet
 * reception ratio of each attempt, PRR(m) = 1 / (1 + e^{−(m + 4.4)/2}) (0.9 at the edge,
 * > 0.99 at +6 dB, a sigmoid as measured by Zuniga & Krishnamachari, "Analyzing the
 * transitional region in low power wireless links", SECON 2004). A unicast hop retries up
 * to `maxAttempts` times (BLE link-layer acknowledgements and retransmission).
 */
import { gaussian, type RandomSource } from '../random.js';
import type { MobilityModel } from '../mobility.js';
import type { Point } from '../types.js';

export interface RadioParams {
  readonly txPowerDbm: number;
  readonly pl0Db: number;
  readonly exponent: number;
  readonly shadowingSigmaDb: number;
  readonly sensitivityDbm: number;
  /** Link-layer attempts per hop (1 + retransmissions). */
  readonly maxAttempts: number;
  /** Air time + connection-event wait per attempt, ms. */
  readonly attemptMs: number;
  /** Adjacency refresh period for moving nodes, ms. */
  readonly adjacencyRefreshMs: number;
}

export const DEFAULT_RADIO: RadioParams = Object.freeze({ txPowerDbm: 0, pl0Db: 40, exponent: 3, shadowingSigmaDb: 4, sensitivityDbm: -85, maxAttempts: 4, attemptMs: 7.5, adjacencyRefreshMs: 500 });

export class RadioMedium {
  readonly n: number;
  private readonly shadow: Float32Array;
  private adj: number[][] = [];
  private adjAt = -Infinity;
  private readonly moving: boolean;

  constructor(
    components: { random: RandomSource; mobility: readonly MobilityModel[] },
    readonly params: RadioParams = DEFAULT_RADIO,
  ) {
    this.mobility = components.mobility;
    this.n = components.mobility.length;
    this.shadow = new Float32Array(this.n * this.n);
    for (let i = 0; i < this.n; i++) {
      for (let j = i + 1; j < this.n; j++) {
        const x = gaussian(components.random) * params.shadowingSigmaDb;
        this.shadow[i * this.n + j] = x;
        this.shadow[j * this.n + i] = x;
      }
    }
    this.moving = components.mobility.some((m) => m.pattern !== 'static');
  }

  private readonly mobility: readonly MobilityModel[];

  /** Position of node i at t ms. */
  position(i: number, tMs: number): Point {
    return this.mobility[i].positionAt(tMs / 1000);
  }

  velocity(i: number, tMs: number): Point {
    return this.mobility[i].velocityAt(tMs / 1000);
  }

  /** Link margin over sensitivity, dB, at t ms. */
  margin(i: number, j: number, tMs: number): number {
    const a = this.position(i, tMs);
    const b = this.position(j, tMs);
    const d = Math.max(1, Math.hypot(a.x - b.x, a.y - b.y));
    const p = this.params;
    return p.txPowerDbm - p.pl0Db - 10 * p.exponent * Math.log10(d) + this.shadow[i * this.n + j] - p.sensitivityDbm;
  }

  /** Per-attempt packet reception ratio at t ms. */
  prr(i: number, j: number, tMs: number): number {
    return 1 / (1 + Math.exp(-(this.margin(i, j, tMs) + 4.4) / 2));
  }

  /** Connections up at t (refreshed every adjacencyRefreshMs for moving nodes; once when static). */
  neighbours(i: number, tMs: number): readonly number[] {
    this.refresh(tMs);
    return this.adj[i];
  }

  /** Whether i-j is a connection now. */
  connected(i: number, j: number, tMs: number): boolean {
    return this.neighbours(i, tMs).includes(j);
  }

  /**
   * One unicast hop i → j at t: attempts until one succeeds (each with PRR at its time),
   * at most maxAttempts. Returns the attempts made, the delay, and whether it arrived.
   */
  send(i: number, j: number, tMs: number, random: RandomSource): { ok: boolean; attempts: number; delayMs: number } {
    const p = this.params;
    if (!this.connected(i, j, tMs)) return { ok: false, attempts: 0, delayMs: 0 };
    for (let a = 1; a <= p.maxAttempts; a++) {
      if (random() < this.prr(i, j, tMs + a * p.attemptMs)) return { ok: true, attempts: a, delayMs: a * p.attemptMs + 1 };
    }
    return { ok: false, attempts: p.maxAttempts, delayMs: p.maxAttempts * p.attemptMs };
  }

  private refresh(tMs: number): void {
    if (this.adjAt !== -Infinity && (!this.moving || tMs - this.adjAt < this.params.adjacencyRefreshMs)) return;
    this.adjAt = this.moving ? tMs - (tMs % this.params.adjacencyRefreshMs) : tMs;
    const pos: Point[] = [];
    for (let i = 0; i < this.n; i++) pos.push(this.position(i, this.adjAt));
    const p = this.params;
    // mean range without shadowing, widened by 3σ, prunes the pair loop
    const maxD = Math.pow(10, (p.txPowerDbm - p.pl0Db - p.sensitivityDbm + 3 * p.shadowingSigmaDb) / (10 * p.exponent));
    this.adj = pos.map(() => []);
    for (let i = 0; i < this.n; i++) {
      for (let j = i + 1; j < this.n; j++) {
        const dx = pos[i].x - pos[j].x;
        const dy = pos[i].y - pos[j].y;
        if (dx * dx + dy * dy > maxD * maxD) continue;
        if (this.margin(i, j, this.adjAt) >= 0) {
          this.adj[i].push(j);
          this.adj[j].push(i);
        }
      }
    }
  }
}
