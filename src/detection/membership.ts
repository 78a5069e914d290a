/**
 * Membership: one phi accrual detector per monitored resource — a phone (fed by its
 * announces and any traffic), a gateway (fed by pings/pongs on any link and indirect
 * acks) or a gateway link (fed by pongs on that link) — and the SWIM state machine
 * (Das, Gupta, Motivala, "SWIM", DSN 2002) with Lifeguard's refinements:
 *
 *   alive ──φ ≥ threshold or a `suspect` rumour──▶ suspect ──suspicion timeout──▶ down
 *     ▲                                               │                           │
 *     └──── heartbeat / indirect ack / `alive` rumour with a higher incarnation ──┘
 *
 * - The suspicion timeout is Lifeguard's (src/detection/suspicion.ts): it starts at
 *   `suspicionMaxMs` and shrinks toward `suspicionMinMs` with every independent
 *   confirmation, and is multiplied by the local awareness multiplier
 *   (src/detection/awareness.ts) while this gateway is itself unhealthy.
 * - Incarnations (SWIM §4.2): a rumour `suspect(p, i)` applies only when i ≥ the
 *   incarnation we know for p; p refutes it by gossiping `alive(p, i')` with i' > i.
 * - Bounded: at most `maxMembers` entries; when full, the member silent the longest is
 *   evicted (counted); down phones are forgotten after `forgetAfterMs`.
 *
 * Pure: time from the injected Clock only; transitions are reported through a callback.
 */
import { MeshgateError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { Awareness } from './awareness.js';
import { PhiAccrualFailureDetector, validatePhiOptions, type PhiAccrualOptions } from './phi-accrual-failure-detector.js';
import { suspicionTimeoutMs } from './suspicion.js';

export type MemberKind = 'phone' | 'gateway' | 'link';
export type MemberState = 'alive' | 'suspect' | 'down';
export type TransitionReason = 'first-heartbeat' | 'phi' | 'rumour' | 'heartbeat' | 'indirect-ack' | 'refuted' | 'suspicion-timeout' | 'declared';

/** One state change. `at` is ms since the epoch; `phi` the value at the change. */
export interface Transition {
  id: string;
  kind: MemberKind;
  from: MemberState | 'new';
  to: MemberState;
  at: number;
  phi: number;
  incarnation: number;
  reason: TransitionReason;
}

/** A snapshot of one member for /api/status. */
export interface MemberView {
  id: string;
  kind: MemberKind;
  state: MemberState;
  phi: number;
  incarnation: number;
  since: number;
  lastHeartbeat: number | undefined;
  meanIntervalMs: number;
  stdDeviationMs: number;
  threshold: number;
  confirmations: number;
  /** ms until a suspect becomes down (scaled by awareness); undefined unless suspect. */
  suspicionRemainingMs: number | undefined;
}

interface Member {
  id: string;
  kind: MemberKind;
  detector: PhiAccrualFailureDetector;
  state: MemberState;
  incarnation: number;
  since: number;
  confirmations: Set<string>;
}

export interface MembershipComponents {
  clock: Clock;
  awareness: Awareness;
  /** Called for every state change, synchronously. Must not throw (a throw is swallowed and counted). */
  onTransition: (t: Transition) => void;
}

export interface MembershipInit {
  /** Detector parameters per kind (expected heartbeat schedule of each kind of peer). */
  params: Record<MemberKind, PhiAccrualOptions>;
  /** Suspicion timeout bounds, ms (Lifeguard): min and max. */
  suspicionMinMs: number;
  suspicionMaxMs: number;
  /** Independent confirmations expected (the indirect-probe count, k). */
  expectedConfirmations: number;
  /** Members kept (default 10,000). */
  maxMembers?: number;
  /** Down phones are forgotten after this long, ms (default 600,000). */
  forgetAfterMs?: number;
}

export const DEFAULT_MAX_MEMBERS = 10_000;

export class Membership {
  private readonly clock: Clock;
  private readonly awareness: Awareness;
  private readonly onTransition: (t: Transition) => void;
  private readonly params: Record<MemberKind, PhiAccrualOptions>;
  private readonly suspicionMinMs: number;
  private readonly suspicionMaxMs: number;
  private readonly expectedConfirmations: number;
  private readonly maxMembers: number;
  private readonly forgetAfterMs: number;
  /** Insertion order = least recently heard first (a heartbeat moves a member to the back). */
  private readonly members = new Map<string, Member>();
  private readonly counters = { evicted: 0, forgotten: 0, listenerErrors: 0, staleRumours: 0 };

  /** @throws MeshgateError MG_ERR_DETECTOR_CONFIG for invalid parameters. */
  constructor(components: MembershipComponents, init: MembershipInit) {
    this.clock = components.clock;
    this.awareness = components.awareness;
    this.onTransition = components.onTransition;
    for (const k of ['phone', 'gateway', 'link'] as const) validatePhiOptions(init.params[k]);
    this.params = init.params;
    if (!(init.suspicionMinMs > 0) || !(init.suspicionMaxMs >= init.suspicionMinMs)) {
      throw new MeshgateError('MG_ERR_DETECTOR_CONFIG', `suspicion timeouts must satisfy 0 < min <= max, got ${init.suspicionMinMs}..${init.suspicionMaxMs}`);
    }
    this.suspicionMinMs = init.suspicionMinMs;
    this.suspicionMaxMs = init.suspicionMaxMs;
    this.expectedConfirmations = Math.max(0, init.expectedConfirmations);
    this.maxMembers = init.maxMembers ?? DEFAULT_MAX_MEMBERS;
    this.forgetAfterMs = init.forgetAfterMs ?? 600_000;
  }

  /** Number of members. */
  get size(): number {
    return this.members.size;
  }

  /** Evidence that `id` is alive now (a heartbeat, a pong, a packet). Creates the member if new. */
  heartbeat(id: string, kind: MemberKind): void {
    let m = this.members.get(id);
    if (m && m.kind !== kind) {
      // first heard as a phone (a relayed announce), later known as a gateway: start over
      this.members.delete(id);
      m = undefined;
    }
    if (!m) {
      m = this.add(id, kind);
      m.detector.heartbeat();
      this.emit(m, 'new', 'alive', 'first-heartbeat');
      return;
    }
    this.members.delete(id);
    this.members.set(id, m); // most recently heard at the back
    m.detector.heartbeat();
    if (m.state !== 'alive') this.setState(m, 'alive', 'heartbeat');
  }

  /** An intermediary reached `id` for us (SWIM indirect probe ack). */
  indirectAck(id: string): void {
    const m = this.members.get(id);
    if (!m) return;
    m.detector.heartbeat();
    if (m.state !== 'alive') this.setState(m, 'alive', 'indirect-ack');
  }

  /**
   * Rumour `suspect(id, incarnation)` from gateway `from`. Applies when the incarnation is
   * not older than ours; each distinct `from` is one Lifeguard confirmation. Returns true
   * when it changed something (so the caller re-gossips it).
   */
  suspectRumour(id: string, incarnation: number, from: string): boolean {
    const m = this.members.get(id);
    if (!m || m.kind !== 'gateway') return false;
    if (incarnation < m.incarnation) {
      this.counters.staleRumours++;
      return false;
    }
    m.incarnation = incarnation;
    if (m.state === 'alive') {
      m.confirmations.add(from);
      this.setState(m, 'suspect', 'rumour');
      return true;
    }
    if (m.state === 'suspect' && !m.confirmations.has(from)) {
      m.confirmations.add(from);
      return true;
    }
    return false;
  }

  /**
   * Rumour `alive(id, incarnation)`: with a higher incarnation than known it refutes a
   * suspicion (or revives a down member). Returns true when the incarnation was news.
   */
  aliveRumour(id: string, incarnation: number): boolean {
    const m = this.members.get(id);
    if (!m || incarnation <= m.incarnation) return false;
    m.incarnation = incarnation;
    if (m.state !== 'alive') {
      m.detector.heartbeat();
      this.setState(m, 'alive', 'refuted');
    }
    return true;
  }

  /**
   * Suspect a member now on local evidence (e.g. our last link to it closed): alive →
   * suspect with this gateway as the first confirmation. No-op unless alive.
   */
  suspectNow(id: string): void {
    const m = this.members.get(id);
    if (!m || m.state !== 'alive') return;
    m.confirmations.add('self');
    this.setState(m, 'suspect', 'declared');
  }

  /** Force a member down now (e.g. its link closed). No-op when unknown or already down. */
  declareDown(id: string): void {
    const m = this.members.get(id);
    if (m && m.state !== 'down') this.setState(m, 'down', 'declared');
  }

  /** Stop monitoring `id`. */
  remove(id: string): boolean {
    return this.members.delete(id);
  }

  /**
   * Evaluate every member at the current time: alive members whose φ reached their
   * threshold become suspect; suspects whose (awareness-scaled) suspicion timeout passed
   * become down; down phones older than `forgetAfterMs` are forgotten. O(members).
   */
  check(): void {
    const now = this.clock.now();
    for (const m of this.members.values()) {
      if (m.state === 'alive') {
        if (!m.detector.availableAt(now)) {
          m.confirmations.add('self');
          this.setState(m, 'suspect', 'phi', now);
        }
      } else if (m.state === 'suspect') {
        if (now - m.since >= this.suspicionTimeoutFor(m)) this.setState(m, 'down', 'suspicion-timeout', now);
      } else if (m.kind === 'phone' && now - m.since >= this.forgetAfterMs) {
        this.members.delete(m.id);
        this.counters.forgotten++;
      }
    }
  }

  /** The awareness-scaled suspicion timeout of a member, ms. */
  suspicionTimeoutFor(m: { confirmations: Set<string> }): number {
    const base = suspicionTimeoutMs(Math.max(0, m.confirmations.size - 1), this.expectedConfirmations, this.suspicionMinMs, this.suspicionMaxMs);
    return this.awareness.scaleTimeout(base);
  }

  state(id: string): MemberState | undefined {
    return this.members.get(id)?.state;
  }

  phi(id: string): number | undefined {
    return this.members.get(id)?.detector.phi();
  }

  incarnation(id: string): number | undefined {
    return this.members.get(id)?.incarnation;
  }

  kind(id: string): MemberKind | undefined {
    return this.members.get(id)?.kind;
  }

  /** The member's detector (read-only use). */
  detector(id: string): PhiAccrualFailureDetector | undefined {
    return this.members.get(id)?.detector;
  }

  /** Members of a kind (all when omitted), as views. */
  view(kind?: MemberKind, limit = Infinity): MemberView[] {
    const now = this.clock.now();
    const out: MemberView[] = [];
    for (const m of this.members.values()) {
      if (kind && m.kind !== kind) continue;
      if (out.length >= limit) break;
      const phi = m.detector.phiAt(now);
      out.push({
        id: m.id,
        kind: m.kind,
        state: m.state,
        phi: Number.isFinite(phi) ? Math.round(phi * 1000) / 1000 : 1e6,
        incarnation: m.incarnation,
        since: m.since,
        lastHeartbeat: m.detector.lastHeartbeatAt,
        meanIntervalMs: Math.round(m.detector.meanIntervalMs),
        stdDeviationMs: Math.round(m.detector.stdDeviationMs),
        threshold: m.detector.threshold,
        confirmations: m.confirmations.size,
        suspicionRemainingMs: m.state === 'suspect' ? Math.max(0, Math.round(m.since + this.suspicionTimeoutFor(m) - now)) : undefined,
      });
    }
    return out;
  }

  /** Counts per kind and state, plus eviction counters. */
  counts(): { byKind: Record<MemberKind, Record<MemberState, number>>; evicted: number; forgotten: number; staleRumours: number; listenerErrors: number } {
    const z = () => ({ alive: 0, suspect: 0, down: 0 });
    const byKind = { phone: z(), gateway: z(), link: z() };
    for (const m of this.members.values()) byKind[m.kind][m.state]++;
    return { byKind, ...this.counters };
  }

  private add(id: string, kind: MemberKind): Member {
    if (this.members.size >= this.maxMembers) this.evictOne();
    const m: Member = {
      id,
      kind,
      detector: new PhiAccrualFailureDetector(this.params[kind], this.clock),
      state: 'alive',
      incarnation: 0,
      since: this.clock.now(),
      confirmations: new Set(),
    };
    this.members.set(id, m);
    return m;
  }

  /** Evict a down member if any, else the one heard least recently. */
  private evictOne(): void {
    let victim: string | undefined;
    for (const m of this.members.values()) {
      if (m.state === 'down') {
        victim = m.id;
        break;
      }
    }
    victim ??= this.members.keys().next().value;
    if (victim !== undefined) {
      this.members.delete(victim);
      this.counters.evicted++;
    }
  }

  private setState(m: Member, to: MemberState, reason: TransitionReason, now = this.clock.now()): void {
    const from = m.state;
    m.state = to;
    m.since = now;
    if (to === 'alive') m.confirmations.clear();
    this.emit(m, from, to, reason, now);
  }

  private emit(m: Member, from: MemberState | 'new', to: MemberState, reason: TransitionReason, now = this.clock.now()): void {
    try {
      const phi = m.detector.phiAt(now);
      this.onTransition({ id: m.id, kind: m.kind, from, to, at: now, phi: Number.isFinite(phi) ? phi + 0 : Number.MAX_VALUE, incarnation: m.incarnation, reason });
    } catch {
      this.counters.listenerErrors++;
    }
  }
}
