/**
 * Health scores (0..100, higher is better) for each link and for the gateway, derived from
 * observations only. The formula (docs/detection.md §Health):
 *
 *   link    = 100 · A · P · Q · E
 *     A = availability, an EWMA (α = `alpha`, default 0.1 per check) of 1 (alive),
 *         0.5 (suspect), 0 (down)  — RFC 6298-style smoothing of a 0/1 signal
 *     P = max(0, 1 − φ / threshold)                              — distance to suspicion
 *     Q = 1 / (1 + max(0, sojourn − target) / target)           — queue sojourn time over
 *         the target (CoDel's signal, RFC 8289 §4.2; target default 100 ms); 1 without data
 *     E = max(0, 1 − errorRate / maxErrorRate)                   — link drops per frame over
 *         the last check interval (maxErrorRate default 0.1 = 10 % → score 0)
 *   gateway = 100 · L · W · S
 *     L = mean link score / 100 over the gateway's monitored links (1 with none)
 *     W = 1 − awareness / awarenessMax                           — Lifeguard local health
 *     S = 0.5 while the overlay is partitioned, else 1
 *
 * Levels: `critical` below `criticalBelow` (default 40), `warning` below `warningBelow`
 * (default 70), else `ok`.
 */
export type HealthLevel = 'ok' | 'warning' | 'critical';

export interface HealthInit {
  alpha?: number;
  sojournTargetMs?: number;
  maxErrorRate?: number;
  warningBelow: number;
  criticalBelow: number;
}

export interface LinkHealthInput {
  state: 'alive' | 'suspect' | 'down';
  phi: number;
  threshold: number;
  sojournMs?: number;
  /** Drops / frames over the last interval, 0..1. */
  errorRate: number;
}

export interface ScoreView {
  score: number;
  level: HealthLevel;
  factors: Record<string, number>;
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

export class HealthModel {
  readonly alpha: number;
  readonly sojournTargetMs: number;
  readonly maxErrorRate: number;
  readonly warningBelow: number;
  readonly criticalBelow: number;
  private readonly availability = new Map<string, number>();

  constructor(init: HealthInit) {
    this.alpha = init.alpha ?? 0.1;
    this.sojournTargetMs = init.sojournTargetMs ?? 100;
    this.maxErrorRate = init.maxErrorRate ?? 0.1;
    this.warningBelow = init.warningBelow;
    this.criticalBelow = init.criticalBelow;
  }

  level(score: number): HealthLevel {
    return score < this.criticalBelow ? 'critical' : score < this.warningBelow ? 'warning' : 'ok';
  }

  /** Update the availability EWMA of `id` with its state now and return its score. */
  link(id: string, input: LinkHealthInput): ScoreView {
    const x = input.state === 'alive' ? 1 : input.state === 'suspect' ? 0.5 : 0;
    const prev = this.availability.get(id) ?? 1;
    const a = prev + this.alpha * (x - prev);
    this.availability.set(id, a);
    const p = Math.max(0, 1 - input.phi / input.threshold);
    const q = input.sojournMs === undefined ? 1 : 1 / (1 + Math.max(0, input.sojournMs - this.sojournTargetMs) / this.sojournTargetMs);
    const e = Math.max(0, 1 - input.errorRate / this.maxErrorRate);
    const score = 100 * a * p * q * e;
    return { score: round(score, 1), level: this.level(score), factors: { availability: round(a), phi: round(p), sojourn: round(q), errors: round(e) } };
  }

  /** Forget a link's EWMA. */
  forget(id: string): void {
    this.availability.delete(id);
  }

  /** Gateway score from its link scores, awareness and partition state. */
  gateway(linkScores: readonly number[], awareness: { score: number; max: number }, partitioned: boolean): ScoreView {
    const l = linkScores.length === 0 ? 1 : linkScores.reduce((s, x) => s + x, 0) / linkScores.length / 100;
    const w = 1 - awareness.score / awareness.max;
    const s = partitioned ? 0.5 : 1;
    const score = 100 * l * w * s;
    return { score: round(score, 1), level: this.level(score), factors: { links: round(l), localHealth: round(w), partition: s } };
  }
}
