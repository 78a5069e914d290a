/**
 * Reputation with exponential decay and escalating temporary bans (pure; time from a Clock).
 *
 * Each key (`peer:<peerId>` or `addr:<ip>`) has a penalty score. An offence adds its
 * {@link OFFENCE_PENALTY}; the score decays with half-life `halfLifeMs`:
 *
 *     score(t) = score(t0) · 2^(−(t − t0) / halfLifeMs)
 *
 * (exponentially weighted misbehaviour, as in Bitcoin Core's former misbehaviour score
 * with a decay added; the half-life form is gossipsub v1.1's score decay, libp2p specs
 * `pubsub/gossipsub/gossipsub-v1.1.md` "Score function"). When the score reaches
 * `banThreshold` the key is banned for `banMs · 2^(bans − 1)` (capped at `maxBanMs`) and
 * its score resets: repeat offenders stay out longer. Bans expire by themselves.
 *
 * Bounded: at most `maxEntries` keys; a new key evicts the unbanned key with the lowest
 * current score, or, when every key is banned, the ban that ends first.
 */
import type { Clock } from '../../ports/clock.js';
import type { Offence } from '../../ports/admission.js';

/**
 * Penalty per offence, in score points (ban threshold default 100). Forged signatures and
 * downgrades are deliberate attacks (one or two bans it); malformed frames and failed
 * handshakes can be bugs or packet loss (ten of them).
 */
export const OFFENCE_PENALTY: Readonly<Record<Offence, number>> = Object.freeze({
  'bad-signature': 50,
  downgrade: 100,
  'broken-promise': 25,
  flood: 20,
  'ignored-backpressure': 15,
  'invalid-frame': 10,
  'handshake-failure': 10,
});

export interface ReputationInit {
  /** Score half-life, ms. */
  halfLifeMs: number;
  /** Score at which a key is banned. */
  banThreshold: number;
  /** First ban's length, ms; doubled for each further ban. */
  banMs: number;
  /** Longest ban, ms. */
  maxBanMs: number;
  /** Most keys tracked. */
  maxEntries: number;
}

/** One tracked key. */
export interface ReputationEntry {
  readonly key: string;
  /** Current (decayed) score. */
  readonly score: number;
  /** Ban end, ms since the epoch, or undefined when not banned. */
  readonly bannedUntil: number | undefined;
  /** Bans so far. */
  readonly bans: number;
  /** Offences recorded. */
  readonly offences: number;
  readonly lastOffence: string | undefined;
}

interface State {
  score: number;
  at: number;
  bannedUntil: number | undefined;
  bans: number;
  offences: number;
  lastOffence: string | undefined;
}

/** Result of {@link Reputation.penalise}. */
export interface PenaltyResult {
  readonly score: number;
  /** Set when this offence started a ban. */
  readonly bannedUntil: number | undefined;
}

/** Decaying penalty scores with escalating temporary bans, bounded (see the module comment). */
export class Reputation {
  private readonly clock: Clock;
  private readonly init: ReputationInit;
  private readonly onBan: ((key: string, until: number, bans: number) => void) | undefined;
  private readonly table = new Map<string, State>();
  private evicted = 0;

  /** @param components `onBan` is told of each new ban (e.g. to persist it or close links). */
  constructor(components: { clock: Clock; onBan?: (key: string, until: number, bans: number) => void }, init: ReputationInit) {
    this.clock = components.clock;
    this.onBan = components.onBan;
    this.init = init;
  }

  private decayed(s: State, now: number): number {
    if (s.score === 0) return 0;
    return s.score * Math.pow(2, -(now - s.at) / this.init.halfLifeMs);
  }

  private entry(key: string, now: number): State {
    let s = this.table.get(key);
    if (!s) {
      if (this.table.size >= this.init.maxEntries) this.evictOne(now);
      s = { score: 0, at: now, bannedUntil: undefined, bans: 0, offences: 0, lastOffence: undefined };
      this.table.set(key, s);
    }
    return s;
  }

  private evictOne(now: number): void {
    let victim: string | undefined;
    let best = Infinity;
    let victimBanned: string | undefined;
    let bannedBest = Infinity;
    for (const [k, s] of this.table) {
      const banned = s.bannedUntil !== undefined && s.bannedUntil > now;
      if (!banned) {
        const sc = this.decayed(s, now);
        if (sc < best) {
          best = sc;
          victim = k;
        }
      } else if (s.bannedUntil! < bannedBest) {
        bannedBest = s.bannedUntil!;
        victimBanned = k;
      }
    }
    const k = victim ?? victimBanned;
    if (k !== undefined) {
      this.table.delete(k);
      this.evicted++;
    }
  }

  /** Add an offence's penalty to `key`; may start a ban. */
  penalise(key: string, offence: Offence): PenaltyResult {
    return this.addPenalty(key, OFFENCE_PENALTY[offence], offence);
  }

  /** Add `points` to `key` (what {@link penalise} does with the offence's penalty). */
  addPenalty(key: string, points: number, what: string): PenaltyResult {
    const now = this.clock.now();
    const s = this.entry(key, now);
    s.score = this.decayed(s, now) + points;
    s.at = now;
    s.offences++;
    s.lastOffence = what;
    if (s.score >= this.init.banThreshold) {
      s.bans++;
      const len = Math.min(this.init.maxBanMs, this.init.banMs * Math.pow(2, s.bans - 1));
      const until = Math.max(s.bannedUntil ?? 0, now + len);
      s.bannedUntil = until;
      s.score = 0;
      this.onBan?.(key, until, s.bans);
      return { score: 0, bannedUntil: until };
    }
    return { score: s.score, bannedUntil: undefined };
  }

  /** Ban `key` until `until` (ms since the epoch), e.g. restored from storage; `bans` sets the count. */
  restoreBan(key: string, until: number, bans: number): void {
    const now = this.clock.now();
    if (until <= now) return;
    const s = this.entry(key, now);
    s.bannedUntil = Math.max(s.bannedUntil ?? 0, until);
    s.bans = Math.max(s.bans, bans);
  }

  /** Lift a ban (operator action); the score is cleared too. */
  unban(key: string): boolean {
    const s = this.table.get(key);
    if (!s || s.bannedUntil === undefined) return false;
    s.bannedUntil = undefined;
    s.score = 0;
    return true;
  }

  /** Ban end (ms since the epoch) when `key` is banned now, else undefined. */
  bannedUntil(key: string): number | undefined {
    const s = this.table.get(key);
    if (!s || s.bannedUntil === undefined) return undefined;
    if (s.bannedUntil <= this.clock.now()) return undefined;
    return s.bannedUntil;
  }

  /** Current decayed score of `key` (0 when unknown). */
  score(key: string): number {
    const s = this.table.get(key);
    return s ? this.decayed(s, this.clock.now()) : 0;
  }

  /** Every tracked key with its current state, worst first. */
  entries(): ReputationEntry[] {
    const now = this.clock.now();
    const out: ReputationEntry[] = [];
    for (const [key, s] of this.table) {
      const banned = s.bannedUntil !== undefined && s.bannedUntil > now ? s.bannedUntil : undefined;
      out.push({ key, score: Math.round(this.decayed(s, now) * 10) / 10, bannedUntil: banned, bans: s.bans, offences: s.offences, lastOffence: s.lastOffence });
    }
    return out.sort((a, b) => (b.bannedUntil ?? 0) - (a.bannedUntil ?? 0) || b.score - a.score);
  }

  /** Drop unbanned keys whose score decayed below 0.5 and whose last ban ended over `maxBanMs` ago (housekeeping). */
  prune(): number {
    const now = this.clock.now();
    let n = 0;
    for (const [k, s] of this.table) {
      if (s.bannedUntil !== undefined && now - s.bannedUntil <= this.init.maxBanMs) continue;
      if (this.decayed(s, now) < 0.5) {
        this.table.delete(k);
        n++;
      }
    }
    return n;
  }

  get size(): number {
    return this.table.size;
  }

  get evictions(): number {
    return this.evicted;
  }
}
