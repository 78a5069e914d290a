/**
 * Gateway-link probing over the control channel (docs/detection.md §Wire):
 *
 *   ping      { seq, t, inc }      every `pingIntervalMs` on every gateway link
 *   pong      { seq, t, inc }      reply, echoing our `t` → RTT = now − t (our own clock)
 *   ping-req  { seq, target }      SWIM indirect probe: "ping `target` for me"
 *   ping-ack  { seq, target }      the intermediary heard `target`
 *   ping-nack { seq, target }      the intermediary cannot reach `target` (Lifeguard nack)
 *
 * `seq` is a non-negative safe integer, `t` ms since the epoch, `inc` the sender's
 * incarnation, `target` a 16-hex peer ID. Every received ping or pong is a heartbeat of
 * the link and of the remote gateway. Bodies come from another machine and are checked;
 * bad ones are counted (MG_ERR_CONTROL_BAD_BODY) and dropped.
 *
 * Local health (Lifeguard): awareness −1 per answered probe, +1 when an indirect probe
 * round ends without an ack and with fewer nacks than requests, +1 when our own probe
 * timer fires more than `maxTimerLagMs` late (an overloaded event loop). Pending probes
 * are bounded (`maxPending`; the oldest is dropped) and time out after the
 * awareness-scaled `pingTimeoutMs`.
 *
 * Pure: clock, random source and the send function are injected.
 */
import type { Clock, TimerHandle } from '../ports/clock.js';
import type { Awareness } from './awareness.js';

export const PROBE_TYPES = ['ping', 'pong', 'ping-req', 'ping-ack', 'ping-nack'] as const;
export type ProbeType = (typeof PROBE_TYPES)[number];

export interface GatewayLinkRef {
  linkId: string;
  peerId: string | undefined;
}

export interface ProberComponents {
  clock: Clock;
  random: () => number;
  awareness: Awareness;
  send: (linkId: string, type: ProbeType, body: unknown) => boolean;
  /** Open gateway links. */
  links: () => readonly GatewayLinkRef[];
  /** Our incarnation number. */
  incarnation: () => number;
  /** A ping or pong arrived on `linkId` (rttMs for pongs answering our pings). */
  onHeard: (e: { linkId: string; peerId: string | undefined; incarnation: number; rttMs: number | undefined; pingSentAt?: number }) => void;
  /** An indirect probe of `target` finished. */
  onIndirect: (e: { target: string; ok: boolean; acks: number; nacks: number; requested: number }) => void;
  /** A body failed validation. */
  onBadBody: (type: string, linkId: string) => void;
}

export interface ProberInit {
  pingIntervalMs: number;
  pingTimeoutMs: number;
  /** Intermediaries asked per indirect probe (SWIM k). */
  indirectProbes: number;
  /** Pending probes kept (default 1,024). */
  maxPending?: number;
  /** Probe-timer lateness that counts against local health, ms (default 500). */
  maxTimerLagMs?: number;
}

interface Pending {
  sentAt: number;
  linkId: string;
  /** Set when this ping is on behalf of another gateway's ping-req. */
  relay?: { linkId: string; seq: number; target: string };
}

interface IndirectRound {
  target: string;
  startedAt: number;
  requested: number;
  acks: number;
  nacks: number;
}

const HEX16 = /^[0-9a-f]{16}$/;
const isObj = (b: unknown): b is Record<string, unknown> => typeof b === 'object' && b !== null && !Array.isArray(b);
const isSeq = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

export class GatewayProber {
  private readonly c: ProberComponents;
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
  readonly indirectProbes: number;
  private readonly maxPending: number;
  private readonly maxTimerLagMs: number;
  private seq = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly rounds = new Map<number, IndirectRound>();
  private timer: TimerHandle | undefined;
  private dueAt = 0;
  private readonly counters = { rounds: 0, pingsSent: 0, pongs: 0, timeouts: 0, indirectRounds: 0, indirectOk: 0, indirectFailed: 0, relayed: 0, lateTimers: 0, pendingDropped: 0 };
  private lastLagMs = 0;

  constructor(components: ProberComponents, init: ProberInit) {
    this.c = components;
    this.pingIntervalMs = init.pingIntervalMs;
    this.pingTimeoutMs = init.pingTimeoutMs;
    this.indirectProbes = init.indirectProbes;
    this.maxPending = init.maxPending ?? 1024;
    this.maxTimerLagMs = init.maxTimerLagMs ?? 500;
  }

  start(): void {
    if (this.timer) return;
    this.arm();
  }

  stop(): void {
    if (this.timer) this.c.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  /** One probe round now: expire old probes, ping every gateway link. */
  round(): void {
    this.counters.rounds++;
    this.expire();
    for (const l of this.c.links()) this.ping(l.linkId);
  }

  /** Ping one link now (also used right after a link comes up). */
  ping(linkId: string, relay?: Pending['relay']): boolean {
    const now = this.c.clock.now();
    const seq = this.seq++;
    if (!this.c.send(linkId, 'ping', { seq, t: now, inc: this.c.incarnation() })) return false;
    this.counters.pingsSent++;
    this.addPending(seq, { sentAt: now, linkId, relay });
    return true;
  }

  /**
   * Ask up to k other gateways to probe `target` (a peer ID). Returns how many were asked;
   * the outcome arrives through `onIndirect`.
   */
  probeIndirect(target: string): number {
    const others = this.c.links().filter((l) => l.peerId !== undefined && l.peerId !== target);
    // partial Fisher–Yates with the injected random source
    for (let i = 0; i < Math.min(this.indirectProbes, others.length); i++) {
      const j = i + Math.floor(this.c.random() * (others.length - i));
      [others[i], others[j]] = [others[j], others[i]];
    }
    const chosen = others.slice(0, this.indirectProbes);
    const seq = this.seq++;
    let asked = 0;
    for (const l of chosen) if (this.c.send(l.linkId, 'ping-req', { seq, target })) asked++;
    this.counters.indirectRounds++;
    if (asked === 0) {
      this.c.onIndirect({ target, ok: false, acks: 0, nacks: 0, requested: 0 });
      return 0;
    }
    this.rounds.set(seq, { target, startedAt: this.c.clock.now(), requested: asked, acks: 0, nacks: 0 });
    return asked;
  }

  /** Handle one received probe message. */
  receive(type: ProbeType, linkId: string, peerId: string | undefined, body: unknown): void {
    if (!isObj(body) || !isSeq(body.seq)) return this.c.onBadBody(type, linkId);
    switch (type) {
      case 'ping': {
        if (!isTime(body.t) || !isSeq(body.inc)) return this.c.onBadBody(type, linkId);
        this.c.send(linkId, 'pong', { seq: body.seq, t: body.t, inc: this.c.incarnation() });
        this.c.onHeard({ linkId, peerId, incarnation: body.inc, rttMs: undefined });
        return;
      }
      case 'pong': {
        if (!isTime(body.t) || !isSeq(body.inc)) return this.c.onBadBody(type, linkId);
        const p = this.pending.get(body.seq);
        let rtt: number | undefined;
        let pingSentAt: number | undefined;
        if (p && p.linkId === linkId && p.sentAt === body.t) {
          pingSentAt = p.sentAt;
          this.pending.delete(body.seq);
          rtt = Math.max(0, this.c.clock.now() - p.sentAt);
          this.counters.pongs++;
          this.c.awareness.apply(-1);
          if (p.relay) this.c.send(p.relay.linkId, 'ping-ack', { seq: p.relay.seq, target: p.relay.target });
        }
        this.c.onHeard({ linkId, peerId, incarnation: body.inc, rttMs: rtt, pingSentAt });
        return;
      }
      case 'ping-req': {
        if (typeof body.target !== 'string' || !HEX16.test(body.target)) return this.c.onBadBody(type, linkId);
        const target = body.target;
        const via = this.c.links().find((l) => l.peerId === target);
        this.counters.relayed++;
        if (!via || !this.ping(via.linkId, { linkId, seq: body.seq, target })) this.c.send(linkId, 'ping-nack', { seq: body.seq, target });
        return;
      }
      case 'ping-ack':
      case 'ping-nack': {
        if (typeof body.target !== 'string' || !HEX16.test(body.target)) return this.c.onBadBody(type, linkId);
        const r = this.rounds.get(body.seq);
        if (!r || r.target !== body.target) return;
        if (type === 'ping-ack') {
          this.rounds.delete(body.seq);
          this.counters.indirectOk++;
          this.c.awareness.apply(-1);
          this.c.onIndirect({ target: r.target, ok: true, acks: r.acks + 1, nacks: r.nacks, requested: r.requested });
        } else r.nacks++;
        return;
      }
    }
  }

  stats(): Record<string, number> {
    return { ...this.counters, pending: this.pending.size, indirectPending: this.rounds.size, lastTimerLagMs: this.lastLagMs };
  }

  private addPending(seq: number, p: Pending): void {
    if (this.pending.size >= this.maxPending) {
      this.pending.delete(this.pending.keys().next().value as number);
      this.counters.pendingDropped++;
    }
    this.pending.set(seq, p);
  }

  /** Time out pings and indirect rounds older than the awareness-scaled ping timeout. */
  expire(): void {
    const now = this.c.clock.now();
    const timeout = this.c.awareness.scaleTimeout(this.pingTimeoutMs);
    for (const [seq, p] of this.pending) {
      if (now - p.sentAt < timeout) continue;
      this.pending.delete(seq);
      this.counters.timeouts++;
      if (p.relay) this.c.send(p.relay.linkId, 'ping-nack', { seq: p.relay.seq, target: p.relay.target });
    }
    for (const [seq, r] of this.rounds) {
      if (now - r.startedAt < timeout) continue;
      this.rounds.delete(seq);
      this.counters.indirectFailed++;
      // Lifeguard: missing nacks mean our own messages may not be getting through
      if (r.nacks < r.requested) this.c.awareness.apply(1);
      this.c.onIndirect({ target: r.target, ok: false, acks: 0, nacks: r.nacks, requested: r.requested });
    }
  }

  private arm(): void {
    this.dueAt = this.c.clock.now() + this.pingIntervalMs;
    this.timer = this.c.clock.setTimer(() => {
      const lag = this.c.clock.now() - this.dueAt;
      this.lastLagMs = lag;
      if (lag > this.maxTimerLagMs) {
        this.counters.lateTimers++;
        this.c.awareness.apply(1);
      }
      this.round();
      if (this.timer) this.arm();
    }, this.pingIntervalMs);
  }
}
