/**
 * The per-link hierarchical scheduler (pure; time from the injected Clock):
 *
 * 1. **Shaping**: the link's token bucket (rate, burst) and any shared buckets (an
 *    interface group's, a peer's) must all hold a unit's bytes before it leaves (tc-htb(8)).
 * 2. **Classes**: control > realtime > bulk by strict priority, each within a cap share of
 *    the link's *output* (control 1/4, realtime 1/2, bulk 1): each class earns `share × S`
 *    credit whenever S bytes leave, pays S for its own units, and is eligible while its
 *    credit is positive. Bulk also earns a guarantee credit of S/16 and goes first while it
 *    is positive and others are backlogged. When every backlogged class is over its cap
 *    the least urgent borrows first (bulk, then realtime, then control), so control only
 *    exceeds its cap when it is alone (HTB borrowing; CAKE's diffserv tiers).
 * 3. **Fair queuing**: inside a class, DRR across flows with quantum = one MTU.
 * 4. **AQM**: CoDel per flow at dequeue (RFC 8289) with CAKE's slow-link target/interval;
 *    per-flow byte and unit caps (overflow drops that flow's head); a per-link byte limit
 *    (overflow drops the head of the fattest flow, found through an indexed heap).
 *
 * Drops are reported through `onDrop(payload, cls, code)`; codes MG_ERR_QOS_AQM_DROP,
 * MG_ERR_QOS_FLOW_OVERFLOW, MG_ERR_QOS_QUEUE_OVERFLOW, MG_ERR_QOS_ORPHAN_FRAGMENT.
 */
import type { Clock } from '../ports/clock.js';
import { CLASS_BULK, CLASS_CONTROL, type QosClass } from './classes.js';
import { cakeCodelParams, type CodelParams } from './codel.js';
import { DrrList } from './drr.js';
import { Flow, type QueuedUnit } from './flow.js';
import { FlowHeap } from './flow-heap.js';
import { TokenBucket } from './token-bucket.js';

export type QosDropCode = 'MG_ERR_QOS_AQM_DROP' | 'MG_ERR_QOS_FLOW_OVERFLOW' | 'MG_ERR_QOS_QUEUE_OVERFLOW' | 'MG_ERR_QOS_ORPHAN_FRAGMENT';

export interface QosSchedulerComponents {
  clock: Clock;
  /** Called for every unit the scheduler drops (never throws into the scheduler). */
  onDrop?: (payload: unknown, cls: QosClass, code: QosDropCode) => void;
  /**
   * True for a unit no longer worth sending (a fragment of a packet another fragment of
   * which was dropped: the receiver cannot reassemble it). Such units are dropped at the
   * head without using tokens (MG_ERR_QOS_ORPHAN_FRAGMENT).
   */
  isOrphan?: (payload: unknown) => boolean;
}

export interface QosSchedulerInit {
  /** The link ID (orders links waiting on a shared bucket; default ''). */
  id?: string;
  /** Link rate, bytes/s; 0 = unshaped (only class shares, DRR and AQM apply). */
  rateBytesPerSec: number;
  /** Link bucket depth, bytes (raised to mtuBytes if smaller). */
  burstBytes: number;
  /** Largest unit, bytes: DRR quantum and the CoDel MTU (default 1,500). */
  mtuBytes?: number;
  /** Cap shares of the link output per class [control, realtime, bulk] (default [1/4, 1/2, 1]). */
  capShares?: readonly [number, number, number];
  /** Share guaranteed to bulk while it is backlogged (default 1/16). */
  bulkMinShare?: number;
  /** Byte limit over all queued units (default 262,144). Overflow drops from the fattest flow. */
  queueBytes?: number;
  /** Per-flow caps (defaults 65,536 bytes, 256 units). Overflow drops that flow's head. */
  flowMaxBytes?: number;
  flowMaxUnits?: number;
  /** Most flows per link (default 4,096); further flows share one `overflow` flow per class. */
  maxFlows?: number;
  /** CoDel on (default true). */
  aqm?: boolean;
}

/** Defaults (docs/limits.md, docs/qos.md). */
export const QOS_DEFAULTS = {
  mtuBytes: 1_500,
  capShares: [1 / 4, 1 / 2, 1] as const,
  bulkMinShare: 1 / 16,
  queueBytes: 262_144,
  flowMaxBytes: 65_536,
  flowMaxUnits: 256,
  maxFlows: 4_096,
} as const;

/** What {@link QosScheduler.dequeue} hands out. */
export interface DequeuedUnit<P> {
  payload: P;
  bytes: number;
  cls: QosClass;
  flowKey: string;
  /** Time the unit waited in the scheduler, ms. */
  sojournMs: number;
}

/** Per-class counters (copies in `stats()`). */
export interface ClassStats {
  queuedUnits: number;
  queuedBytes: number;
  sentUnits: number;
  sentBytes: number;
  drops: Record<string, number>;
}

interface ClassState<P> {
  drr: DrrList<P>;
  units: number;
  bytes: number;
  credit: number;
  stats: ClassStats;
}

export class QosScheduler<P> {
  private readonly clock: Clock;
  private readonly onDrop: QosSchedulerComponents['onDrop'];
  private readonly isOrphan: QosSchedulerComponents['isOrphan'];
  private readonly bucket: TokenBucket;
  private sharedBuckets: readonly TokenBucket[] = [];
  /** When this link was first held back by a shared bucket (its place in their wait order). */
  private heldSince: number | undefined;
  /** The link ID (tie-break of the shared-bucket wait order). */
  readonly id: string;
  readonly mtuBytes: number;
  private readonly shares: readonly [number, number, number];
  private readonly bulkMin: number;
  private readonly queueLimit: number;
  private readonly flowMaxBytes: number;
  private readonly flowMaxUnits: number;
  private readonly maxFlows: number;
  private readonly aqm: boolean;
  private readonly creditCap: number;
  private bulkGuarantee: number;
  private codel: CodelParams;
  private readonly flows = new Map<string, Flow<P>>();
  private readonly heap = new FlowHeap<Flow<P>>();
  private readonly classes: [ClassState<P>, ClassState<P>, ClassState<P>];
  private totalBytes = 0;
  private totalUnits = 0;

  /** @throws never; bad numbers are clamped (config validation happens upstream). */
  constructor(components: QosSchedulerComponents, init: QosSchedulerInit) {
    this.clock = components.clock;
    this.onDrop = components.onDrop;
    this.isOrphan = components.isOrphan;
    this.id = init.id ?? '';
    this.mtuBytes = Math.max(64, init.mtuBytes ?? QOS_DEFAULTS.mtuBytes);
    this.bucket = new TokenBucket({ rateBytesPerSec: init.rateBytesPerSec, burstBytes: Math.max(init.burstBytes, this.mtuBytes), now: this.clock.now() });
    this.shares = init.capShares ?? QOS_DEFAULTS.capShares;
    this.bulkMin = init.bulkMinShare ?? QOS_DEFAULTS.bulkMinShare;
    this.queueLimit = init.queueBytes ?? QOS_DEFAULTS.queueBytes;
    this.flowMaxBytes = init.flowMaxBytes ?? QOS_DEFAULTS.flowMaxBytes;
    this.flowMaxUnits = init.flowMaxUnits ?? QOS_DEFAULTS.flowMaxUnits;
    this.maxFlows = init.maxFlows ?? QOS_DEFAULTS.maxFlows;
    this.aqm = init.aqm ?? true;
    this.creditCap = 2 * this.mtuBytes;
    this.bulkGuarantee = this.creditCap;
    this.codel = cakeCodelParams(this.mtuBytes, init.rateBytesPerSec);
    const mk = (): ClassState<P> => ({
      drr: new DrrList<P>(this.mtuBytes),
      units: 0,
      bytes: 0,
      credit: this.creditCap,
      stats: { queuedUnits: 0, queuedBytes: 0, sentUnits: 0, sentBytes: 0, drops: {} },
    });
    this.classes = [mk(), mk(), mk()];
  }

  /** Current link rate, bytes/s (0 = unshaped). */
  get rateBytesPerSec(): number {
    return this.bucket.rateBytesPerSec;
  }

  get burstBytes(): number {
    return this.bucket.burstBytes;
  }

  /** CoDel target/interval in force (CAKE-scaled for the current rate). */
  get codelParams(): CodelParams {
    return this.codel;
  }

  get queuedBytes(): number {
    return this.totalBytes;
  }

  get queuedUnits(): number {
    return this.totalUnits;
  }

  get queueLimitBytes(): number {
    return this.queueLimit;
  }

  /** Change the link rate (AIMD); CoDel's target and interval are rescaled (CAKE). */
  setRate(rateBytesPerSec: number): void {
    this.bucket.setRate(rateBytesPerSec, this.clock.now());
    this.rescaleCodel();
  }

  /** Buckets shared with other links (interface group, peer cap) that every unit must also pass. */
  setSharedBuckets(buckets: readonly TokenBucket[]): void {
    for (const b of this.sharedBuckets) if (!buckets.includes(b)) b.leave(this);
    this.sharedBuckets = buckets;
    this.rescaleCodel();
  }

  /** CAKE scaling for the slowest bucket a unit must pass (link, group or peer). */
  private rescaleCodel(): void {
    let rate = this.bucket.rateBytesPerSec;
    for (const b of this.sharedBuckets) if (b.rateBytesPerSec > 0 && (rate === 0 || b.rateBytesPerSec < rate)) rate = b.rateBytesPerSec;
    this.codel = cakeCodelParams(this.mtuBytes, rate);
  }

  /** The key of the flow with the most queued bytes, if any. */
  fattestFlow(): { key: string; cls: QosClass; bytes: number } | undefined {
    const f = this.heap.top();
    return f ? { key: f.key, cls: f.cls, bytes: f.bytes } : undefined;
  }

  /**
   * Queue one unit. Always accepts it; per-flow and per-link overflow is resolved by
   * dropping older units (the flow's head, or the fattest flow's head), reported via onDrop.
   * @param unit.bytes wire bytes (>= 1).
   * @param unit.aqm false exempts it from CoDel (control messages).
   */
  enqueue(payload: P, unit: { cls: QosClass; flowKey: string; bytes: number; aqm: boolean }): void {
    const cs = this.classes[unit.cls];
    let key = unit.flowKey;
    let f = this.flows.get(`${unit.cls}|${key}`);
    if (!f && this.flows.size >= this.maxFlows) {
      key = 'overflow';
      f = this.flows.get(`${unit.cls}|${key}`);
    }
    if (!f) {
      f = new Flow<P>(key, unit.cls);
      this.flows.set(`${unit.cls}|${key}`, f);
    }
    const u: QueuedUnit<P> = { payload, bytes: Math.max(1, unit.bytes), enqueuedAt: this.clock.now(), aqm: unit.aqm };
    f.push(u);
    cs.units++;
    cs.bytes += u.bytes;
    this.totalBytes += u.bytes;
    this.totalUnits++;
    if (!f.active) cs.drr.add(f);
    this.heap.update(f);
    while (f.length > 1 && (f.bytes > this.flowMaxBytes || f.length > this.flowMaxUnits)) this.dropHead(f, 'MG_ERR_QOS_FLOW_OVERFLOW');
    while (this.totalBytes > this.queueLimit && this.totalUnits > 1) {
      const fat = this.heap.top();
      if (!fat) break;
      this.dropHead(fat, 'MG_ERR_QOS_QUEUE_OVERFLOW');
    }
  }

  /**
   * ms until the next unit may leave (0 = now), or undefined when nothing is queued.
   * @param opts.exemptOnly consider only non-AQM control units (used while gateway credit is exhausted).
   */
  nextWaitMs(opts: { exemptOnly?: boolean } = {}): number | undefined {
    const pick = this.pick(opts.exemptOnly ?? false);
    if (!pick) return undefined;
    return this.waitFor(pick.unit.bytes);
  }

  /**
   * Hand out the next unit if the buckets allow it now, else undefined (see nextWaitMs).
   * Runs CoDel on the chosen flow's head first, dropping as RFC 8289 says.
   */
  dequeue(opts: { exemptOnly?: boolean } = {}): DequeuedUnit<P> | undefined {
    const exemptOnly = opts.exemptOnly ?? false;
    for (;;) {
      const pick = this.pick(exemptOnly);
      if (!pick) return undefined;
      const { flow, unit } = pick;
      if (this.isOrphan?.(unit.payload)) {
        this.dropHead(flow, 'MG_ERR_QOS_ORPHAN_FRAGMENT');
        continue;
      }
      if (this.waitFor(unit.bytes) > 0) return undefined;
      const now = this.clock.now();
      const sojournMs = now - unit.enqueuedAt;
      if (this.aqm && unit.aqm && flow.codel.shouldDrop(sojournMs, now, flow.bytes - unit.bytes, this.mtuBytes, this.codel)) {
        this.dropHead(flow, 'MG_ERR_QOS_AQM_DROP');
        continue;
      }
      if (!unit.aqm) flow.codel.reset();
      this.take(flow, unit);
      return { payload: unit.payload, bytes: unit.bytes, cls: flow.cls, flowKey: flow.key, sojournMs };
    }
  }

  /** Remove every queued unit (link closed); returns their payloads, oldest first per flow. */
  clear(): P[] {
    const out: P[] = [];
    for (const f of this.flows.values()) {
      for (const u of f.drain()) out.push(u.payload);
      this.heap.remove(f);
    }
    this.flows.clear();
    for (const b of this.sharedBuckets) b.leave(this);
    this.heldSince = undefined;
    for (const c of this.classes) {
      c.units = 0;
      c.bytes = 0;
    }
    this.totalBytes = 0;
    this.totalUnits = 0;
    return out;
  }

  /** Per-class counters and queue sizes (copies). */
  classStats(): [ClassStats, ClassStats, ClassStats] {
    return this.classes.map((c) => ({ ...c.stats, queuedUnits: c.units, queuedBytes: c.bytes, drops: { ...c.stats.drops } })) as [ClassStats, ClassStats, ClassStats];
  }

  /** Age of the oldest queued unit, ms (0 when empty). O(flows): for once-a-second telemetry. */
  oldestSojournMs(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const f of this.flows.values()) {
      const u = f.peek();
      if (u && u.enqueuedAt < oldest) oldest = u.enqueuedAt;
    }
    return oldest === Number.POSITIVE_INFINITY ? 0 : this.clock.now() - oldest;
  }

  /** Number of flows with queued units. */
  get flowCount(): number {
    return this.flows.size;
  }

  private waitFor(bytes: number): number {
    const now = this.clock.now();
    let w = this.bucket.waitMs(bytes, now);
    if (this.sharedBuckets.length > 0) {
      this.heldSince ??= now;
      const key = { since: this.heldSince, id: this.id };
      for (const b of this.sharedBuckets) w = Math.max(w, b.sharedWaitMs(this, key, bytes, now));
    }
    return w;
  }

  private selectClass(): QosClass | -1 {
    const [c0, c1, c2] = this.classes;
    const b0 = c0.units > 0;
    const b1 = c1.units > 0;
    const b2 = c2.units > 0;
    if (!b0 && !b1 && !b2) return -1;
    if (b2 && (b0 || b1) && this.bulkGuarantee > 0) return CLASS_BULK;
    if (b0 && c0.credit > 0) return 0;
    if (b1 && c1.credit > 0) return 1;
    if (b2 && c2.credit > 0) return 2;
    // every backlogged class is over its cap: the least urgent borrows first
    return b2 ? 2 : b1 ? 1 : 0;
  }

  private pick(exemptOnly: boolean): { flow: Flow<P>; unit: QueuedUnit<P> } | undefined {
    if (exemptOnly) {
      for (const f of this.classes[CLASS_CONTROL].drr.flows()) {
        const u = f.peek();
        if (u && !u.aqm) return { flow: f, unit: u };
      }
      return undefined;
    }
    const cls = this.selectClass();
    if (cls === -1) return undefined;
    const flow = this.classes[cls].drr.current();
    const unit = flow?.peek();
    return flow && unit ? { flow, unit } : undefined;
  }

  private take(flow: Flow<P>, unit: QueuedUnit<P>): void {
    const now = this.clock.now();
    this.bucket.tryTake(unit.bytes, now);
    for (const b of this.sharedBuckets) b.sharedTake(this, unit.bytes, now);
    this.heldSince = undefined;
    flow.shift();
    const cs = this.classes[flow.cls];
    cs.drr.charge(flow, unit.bytes);
    this.unlink(flow, unit);
    cs.stats.sentUnits++;
    cs.stats.sentBytes += unit.bytes;
    // class credits: earned by every byte that leaves, paid by the sender's class
    const s = unit.bytes;
    this.classes.forEach((c, i) => {
      c.credit = Math.min(this.creditCap, c.credit + (this.shares[i] ?? 1) * s);
    });
    cs.credit -= s;
    this.bulkGuarantee = Math.min(this.creditCap, this.bulkGuarantee + this.bulkMin * s);
    if (flow.cls === CLASS_BULK) this.bulkGuarantee -= s;
  }

  private dropHead(flow: Flow<P>, code: QosDropCode): void {
    const u = flow.shift();
    if (!u) return;
    this.unlink(flow, u);
    const cs = this.classes[flow.cls];
    cs.stats.drops[code] = (cs.stats.drops[code] ?? 0) + 1;
    try {
      this.onDrop?.(u.payload, flow.cls, code);
    } catch {
      // a drop listener must not break the scheduler
    }
  }

  /** Book-keeping after a unit left `flow` (sent or dropped). */
  private unlink(flow: Flow<P>, u: QueuedUnit<P>): void {
    const cs = this.classes[flow.cls];
    cs.units--;
    cs.bytes -= u.bytes;
    this.totalBytes -= u.bytes;
    this.totalUnits--;
    if (this.totalUnits === 0) {
      for (const b of this.sharedBuckets) b.leave(this);
      this.heldSince = undefined;
    }
    this.heap.update(flow);
    if (flow.length === 0) {
      const k = `${flow.cls}|${flow.key}`;
      if (this.flows.get(k) === flow) this.flows.delete(k);
    }
  }
}
