/**
 * Uplink selection with hysteresis (pure; time from a Clock).
 *
 * Keeps `uplinks` chosen gateways. Each {@link UplinkSelector.evaluate}:
 * 1. a chosen gateway that is no longer a candidate (advert expired, reported down) is
 *    dropped at once;
 * 2. empty slots are filled with the best-scoring candidates at once;
 * 3. otherwise the best unchosen candidate *b* replaces the worst chosen *w* only when
 *    `score(b) > score(w) · (1 + marginPercent / 100)` has held at every evaluation for
 *    `holdMs` (hysteresis: a margin against noise in the scores, a hold time against
 *    short spikes — the two standard ingredients, as in mobile handover "hysteresis +
 *    time-to-trigger", 3GPP TS 36.331 §5.5.4 event A3).
 *
 * RTT samples (ms) are smoothed per gateway with the TCP estimator
 * `SRTT ← (1 − α)·SRTT + α·R`, α = 1/8 (RFC 6298 §2), which damps noise further; the
 * delivery ratio likewise.
 */
import type { Clock } from '../../ports/clock.js';
import { scoreCandidate, type CandidateMetrics, type ScoreBreakdown, type SelectionProfile } from './score.js';

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** RFC 6298 §2 smoothing gain. */
export const SRTT_ALPHA = 1 / 8;
/** Most switch events kept for the status page. */
export const SELECTION_HISTORY = 16;

export interface UplinkSelectorInit {
  uplinks: number;
  profile: SelectionProfile;
  marginPercent: number;
  holdMs: number;
  ownVersion: string;
  ownPosition: readonly [number, number] | null;
  /** Most gateways whose RTT / delivery estimates are kept. */
  maxTracked: number;
}

/** A candidate as the caller knows it (advertised metrics; RTT and delivery come from samples). */
export interface SelectionCandidate {
  readonly peerId: string;
  readonly metrics: Omit<CandidateMetrics, 'rttMs' | 'deliveryRatio'>;
}

/** One ranked candidate. */
export interface RankedCandidate extends ScoreBreakdown {
  readonly peerId: string;
  readonly chosen: boolean;
}

/** What to do after an evaluation. */
export interface SelectionDecision {
  /** Gateways newly chosen (dial them). */
  readonly add: readonly string[];
  /** Gateways no longer chosen (hang up), with why. */
  readonly remove: ReadonlyArray<{ peerId: string; reason: 'gone' | 'replaced' }>;
  readonly ranked: readonly RankedCandidate[];
}

export interface SelectionEvent {
  readonly at: number;
  readonly kind: 'fill' | 'gone' | 'switch';
  readonly peerId: string;
  readonly replaced?: string;
  readonly score: number;
  readonly replacedScore?: number;
}

/** Chooses `uplinks` gateways by score with hysteresis (margin + hold time); see the module comment. */
export class UplinkSelector {
  private readonly clock: Clock;
  private readonly init: UplinkSelectorInit;
  private readonly srtt = new Map<string, number>();
  private readonly delivery = new Map<string, number>();
  private readonly current = new Set<string>();
  private challenger: { peerId: string; since: number } | undefined;
  private readonly history: SelectionEvent[] = [];
  private switches = 0;
  private lastRanked: readonly RankedCandidate[] = [];

  constructor(components: { clock: Clock }, init: UplinkSelectorInit) {
    this.clock = components.clock;
    this.init = init;
  }

  private bounded(map: Map<string, number>, key: string, value: number): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > this.init.maxTracked) map.delete(map.keys().next().value!);
  }

  /** One RTT sample for a gateway, ms. */
  observeRtt(peerId: string, rttMs: number): void {
    if (!Number.isFinite(rttMs) || rttMs < 0) return;
    const prev = this.srtt.get(peerId);
    this.bounded(this.srtt, peerId, prev === undefined ? rttMs : (1 - SRTT_ALPHA) * prev + SRTT_ALPHA * rttMs);
  }

  /** One delivery-ratio sample (0..1) for a gateway. */
  observeDelivery(peerId: string, ratio: number): void {
    if (!Number.isFinite(ratio)) return;
    const r = Math.min(1, Math.max(0, ratio));
    const prev = this.delivery.get(peerId);
    this.bounded(this.delivery, peerId, prev === undefined ? r : (1 - SRTT_ALPHA) * prev + SRTT_ALPHA * r);
  }

  /** Smoothed RTT of a gateway, ms. */
  rttOf(peerId: string): number | undefined {
    return this.srtt.get(peerId);
  }

  /** Decide the uplinks among `candidates` (see the module comment). */
  evaluate(candidates: readonly SelectionCandidate[]): SelectionDecision {
    const now = this.clock.now();
    const own = { version: this.init.ownVersion, position: this.init.ownPosition };
    const scored = candidates
      .map((c) => ({ peerId: c.peerId, ...scoreCandidate({ ...c.metrics, rttMs: this.srtt.get(c.peerId), deliveryRatio: this.delivery.get(c.peerId) }, this.init.profile, own) }))
      .filter((c) => c.score > 0)
      .sort((a, b) => b.score - a.score || (a.peerId < b.peerId ? -1 : 1));
    const byId = new Map(scored.map((c) => [c.peerId, c]));
    const add: string[] = [];
    const remove: Array<{ peerId: string; reason: 'gone' | 'replaced' }> = [];

    for (const id of [...this.current]) {
      if (!byId.has(id)) {
        this.current.delete(id);
        remove.push({ peerId: id, reason: 'gone' });
        this.record({ at: now, kind: 'gone', peerId: id, score: 0 });
      }
    }
    for (const c of scored) {
      if (this.current.size >= this.init.uplinks) break;
      if (this.current.has(c.peerId)) continue;
      this.current.add(c.peerId);
      add.push(c.peerId);
      this.record({ at: now, kind: 'fill', peerId: c.peerId, score: c.score });
    }
    if (add.length === 0 && remove.length === 0 && this.current.size > 0) {
      const best = scored.find((c) => !this.current.has(c.peerId));
      let worst: (typeof scored)[number] | undefined;
      for (const id of this.current) {
        const c = byId.get(id)!;
        if (!worst || c.score < worst.score) worst = c;
      }
      if (best && worst && best.score > worst.score * (1 + this.init.marginPercent / 100)) {
        if (!this.challenger || this.challenger.peerId !== best.peerId) this.challenger = { peerId: best.peerId, since: now };
        if (now - this.challenger.since >= this.init.holdMs) {
          this.current.delete(worst.peerId);
          this.current.add(best.peerId);
          remove.push({ peerId: worst.peerId, reason: 'replaced' });
          add.push(best.peerId);
          this.switches++;
          this.record({ at: now, kind: 'switch', peerId: best.peerId, replaced: worst.peerId, score: best.score, replacedScore: worst.score });
          this.challenger = undefined;
        }
      } else {
        this.challenger = undefined;
      }
    } else {
      this.challenger = undefined;
    }
    this.lastRanked = scored.map((c) => ({ ...c, chosen: this.current.has(c.peerId) }));
    return { add, remove, ranked: this.lastRanked };
  }

  private record(e: SelectionEvent): void {
    this.history.push(e);
    if (this.history.length > SELECTION_HISTORY) this.history.shift();
  }

  /** The chosen gateways. */
  chosen(): string[] {
    return [...this.current];
  }

  /** Snapshot for the status page. */
  status(): {
    profile: SelectionProfile;
    uplinks: number;
    marginPercent: number;
    holdMs: number;
    chosen: string[];
    switches: number;
    challenger: { peerId: string; since: number } | null;
    ranked: readonly RankedCandidate[];
    history: SelectionEvent[];
  } {
    return {
      profile: this.init.profile,
      uplinks: this.init.uplinks,
      marginPercent: this.init.marginPercent,
      holdMs: this.init.holdMs,
      chosen: this.chosen(),
      switches: this.switches,
      challenger: this.challenger ?? null,
      ranked: this.lastRanked.map((r) => ({
        ...r,
        score: round3(r.score),
        rttMs: round3(r.rttMs),
        utilities: Object.fromEntries(Object.entries(r.utilities).map(([k, v]) => [k, round3(v)])) as RankedCandidate['utilities'],
      })),
      history: this.history.map((e) => ({ ...e, score: round3(e.score), ...(e.replacedScore !== undefined ? { replacedScore: round3(e.replacedScore) } : {}) })),
    };
  }
}
