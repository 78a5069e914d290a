/**
 * LinkShaper: drives one link's {@link QosScheduler}: hands units to the link's driver
 * (`transmit`) when the token buckets allow and the driver queue has room, keeps the
 * telemetry, runs AIMD from the measured driver queue, and honours the gateway-link credit
 * window (backpressure from the remote gateway). Pure: all time through the Clock.
 *
 * Driver queue: `driverQueueBytes()` (socket `writableLength`, ws `bufferedAmount`, BLE
 * notification backlog). The shaper keeps at most max(one MTU, rate × CoDel target) bytes
 * in it (`driverLimitBytes` for unshaped links), so the priority decision is taken here,
 * not in a FIFO below. The driver sojourn is the age of the oldest byte still in the
 * driver, from a ring of (cumulative bytes handed, time) marks.
 */
import type { Clock, TimerHandle } from '../ports/clock.js';
import { AimdRate } from './aimd.js';
import { QOS_CLASSES, type QosClass } from './classes.js';
import { QosScheduler, type QosDropCode, type QosSchedulerInit } from './scheduler.js';
import { RateMeter, WindowedLatency } from './telemetry.js';
import type { TokenBucket } from './token-bucket.js';

export interface LinkShaperComponents<P> {
  clock: Clock;
  /** Hand one unit to the driver; false when the driver refused it (counted as a drop). */
  transmit: (payload: P, bytes: number) => boolean;
  /** Bytes the driver still holds (0 when unknown). */
  driverQueueBytes?: () => number;
  onDrop?: (payload: P, cls: QosClass, code: QosDropCode | 'MG_ERR_LINK_QUEUE_FULL') => void;
  /** See QosSchedulerComponents.isOrphan. */
  isOrphan?: (payload: P) => boolean;
}

export interface LinkShaperInit extends QosSchedulerInit {
  /** AIMD on (only for shaped links, rate > 0). */
  aimd?: boolean;
  /** Driver-queue cap for unshaped links, bytes (default 65,536). */
  driverLimitBytes?: number;
}

/** Most driver marks kept for the sojourn estimate (older ones are merged away). */
export const DRIVER_MARKS = 1_024;
/** Driver poll period while the driver is full and no other event will wake the pump, ms. */
export const DRIVER_POLL_MS = 5;

export class LinkShaper<P> {
  readonly scheduler: QosScheduler<P>;
  private readonly clock: Clock;
  private readonly transmitFn: LinkShaperComponents<P>['transmit'];
  private readonly driverQueue: () => number;
  private readonly onDrop: LinkShaperComponents<P>['onDrop'];
  private readonly configuredRate: number;
  private readonly unshapedDriverLimit: number;
  private readonly aimd: AimdRate | undefined;
  private timer: TimerHandle | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private tickTimer: TimerHandle | undefined;
  private stopped = false;
  private pumping = false;
  // driver sojourn marks
  private handed = 0;
  private marks: { cum: number; t: number }[] = [];
  private intervalMin = Number.POSITIVE_INFINITY;
  private intervalMax = 0;
  private intervalDrained0 = 0;
  private intervalStart: number;
  // credit window (gateway links): data bytes we may send in total; undefined = no window
  private creditLimit: number | undefined;
  private dataBytesSent = 0;
  creditBlockedMs = 0;
  private blockedSince: number | undefined;
  // telemetry
  readonly sent: RateMeter;
  private readonly sojourn: [WindowedLatency, WindowedLatency, WindowedLatency];
  private readonly driverSojourn: WindowedLatency;
  private driverRefused = 0;

  constructor(components: LinkShaperComponents<P>, init: LinkShaperInit) {
    this.clock = components.clock;
    this.transmitFn = components.transmit;
    this.driverQueue = components.driverQueueBytes ?? (() => 0);
    this.onDrop = components.onDrop;
    this.configuredRate = init.rateBytesPerSec;
    this.unshapedDriverLimit = init.driverLimitBytes ?? 65_536;
    this.scheduler = new QosScheduler<P>(
      { clock: this.clock, onDrop: (p, cls, code) => this.onDrop?.(p as P, cls, code), isOrphan: components.isOrphan ? (p) => (components.isOrphan as (x: P) => boolean)(p as P) : undefined },
      init,
    );
    const now = this.clock.now();
    this.intervalStart = now;
    this.sent = new RateMeter(now);
    this.sojourn = [new WindowedLatency(now), new WindowedLatency(now), new WindowedLatency(now)];
    this.driverSojourn = new WindowedLatency(now);
    if (init.aimd && init.rateBytesPerSec > 0) {
      this.aimd = new AimdRate({ maxRateBytesPerSec: init.rateBytesPerSec });
      this.armTick();
    }
  }

  /** Queue one unit and try to send. */
  enqueue(payload: P, unit: { cls: QosClass; flowKey: string; bytes: number; aqm: boolean }): void {
    if (this.stopped) return;
    this.scheduler.enqueue(payload, unit);
    this.pump();
  }

  /** Shared buckets (interface group, peer cap) every unit must also pass. */
  setSharedBuckets(buckets: readonly TokenBucket[]): void {
    this.scheduler.setSharedBuckets(buckets);
    this.pump();
  }

  /**
   * The remote gateway's credit: the total data bytes it accepts from us (cumulative, never
   * decreasing); undefined removes the window. Control messages are exempt.
   */
  setCreditLimit(totalBytes: number | undefined): void {
    if (totalBytes !== undefined && this.creditLimit !== undefined && totalBytes < this.creditLimit) return;
    this.creditLimit = totalBytes;
    this.pump();
  }

  /** Data bytes sent so far (what credit windows count). */
  get dataBytes(): number {
    return this.dataBytesSent;
  }

  /** Current shaped rate, bytes/s (AIMD-adapted; 0 = unshaped). */
  get rateBytesPerSec(): number {
    return this.scheduler.rateBytesPerSec;
  }

  /** Age of the oldest byte in the driver queue, ms. */
  driverSojournMs(): number {
    const now = this.clock.now();
    const drained = this.handed - this.driverQueue();
    while (this.marks.length > 0 && this.marks[0].cum <= drained) this.marks.shift();
    return this.marks.length === 0 ? 0 : now - this.marks[0].t;
  }

  /** Stop timers and drop every queued unit (returned). */
  stop(): P[] {
    this.stopped = true;
    if (this.timer) this.clock.clearTimer(this.timer);
    if (this.tickTimer) this.clock.clearTimer(this.tickTimer);
    this.timer = undefined;
    this.tickTimer = undefined;
    return this.scheduler.clear();
  }

  /** Send what may be sent now; arm a timer for the rest. */
  pump(): void {
    if (this.stopped || this.pumping) return;
    this.pumping = true;
    try {
      this.pumpLoop();
    } finally {
      this.pumping = false;
    }
  }

  private driverLimit(): number {
    const rate = this.scheduler.rateBytesPerSec;
    if (rate <= 0) return this.unshapedDriverLimit;
    return Math.max(this.scheduler.mtuBytes, (rate * this.scheduler.codelParams.targetMs) / 1000);
  }

  private pumpLoop(): void {
    for (;;) {
      const now = this.clock.now();
      this.sampleDriver();
      if (this.scheduler.queuedUnits === 0) return;
      if (this.driverQueue() >= this.driverLimit()) {
        this.arm(DRIVER_POLL_MS);
        return;
      }
      const blocked = this.creditLimit !== undefined && this.dataBytesSent >= this.creditLimit;
      if (blocked && this.blockedSince === undefined) this.blockedSince = now;
      if (!blocked && this.blockedSince !== undefined) {
        this.creditBlockedMs += now - this.blockedSince;
        this.blockedSince = undefined;
      }
      const u = this.scheduler.dequeue({ exemptOnly: blocked });
      if (!u) {
        const wait = this.scheduler.nextWaitMs({ exemptOnly: blocked });
        if (wait !== undefined) this.arm(Math.max(wait, 0.001));
        return;
      }
      const isData = !u.flowKey.startsWith('ctl:');
      if (!this.transmitFn(u.payload, u.bytes)) {
        this.driverRefused++;
        this.onDrop?.(u.payload, u.cls, 'MG_ERR_LINK_QUEUE_FULL');
        continue;
      }
      if (isData) this.dataBytesSent += u.bytes;
      this.handed += u.bytes;
      this.marks.push({ cum: this.handed, t: now });
      if (this.marks.length > DRIVER_MARKS) this.marks.splice(0, this.marks.length - DRIVER_MARKS);
      this.sent.add(u.bytes, now);
      this.sojourn[u.cls].record(u.sojournMs, now);
    }
  }

  private sampleDriver(): void {
    const s = this.driverSojournMs();
    if (s < this.intervalMin) this.intervalMin = s;
    if (s > this.intervalMax) this.intervalMax = s;
  }

  private arm(ms: number): void {
    const at = this.clock.now() + ms;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timerAt = at;
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      this.pump();
    }, ms);
  }

  private armTick(): void {
    if (this.stopped) return;
    this.tickTimer = this.clock.setTimer(() => this.onTick(), this.scheduler.codelParams.intervalMs);
  }

  /** Once per CoDel interval: AIMD from the driver queue. */
  private onTick(): void {
    const now = this.clock.now();
    this.sampleDriver();
    const s = this.driverSojournMs();
    this.driverSojourn.record(s, now);
    const drained = this.handed - this.driverQueue();
    const dt = Math.max(1, now - this.intervalStart);
    if (this.aimd) {
      const before = this.aimd.rateBytesPerSec;
      const r = this.aimd.onInterval({
        minSojournMs: this.intervalMin,
        maxSojournMs: this.intervalMax,
        targetMs: this.scheduler.codelParams.targetMs,
        drainedBytesPerSec: ((drained - this.intervalDrained0) * 1000) / dt,
      });
      if (r !== before) this.scheduler.setRate(r);
    }
    this.intervalStart = now;
    this.intervalDrained0 = drained;
    this.intervalMin = s;
    this.intervalMax = s;
    this.armTick();
    this.pump();
  }

  /** Status snapshot (see docs/status-api.md, modules.qos.links[]). */
  snapshot(): Record<string, unknown> {
    const now = this.clock.now();
    const cs = this.scheduler.classStats();
    const classes: Record<string, unknown> = {};
    QOS_CLASSES.forEach((name, i) => {
      const c = cs[i];
      classes[name] = {
        queuedUnits: c.queuedUnits,
        queuedBytes: c.queuedBytes,
        sentUnits: c.sentUnits,
        sentBytes: c.sentBytes,
        sojournP99Ms: round(this.sojourn[i].quantile(0.99, now)),
        drops: c.drops,
      };
    });
    return {
      configuredRateBytesPerSec: this.configuredRate,
      rateBytesPerSec: round(this.scheduler.rateBytesPerSec),
      burstBytes: this.scheduler.burstBytes,
      measuredBytesPerSec: { last1s: round(this.sent.bytesPerSec(now, 1)), last10s: round(this.sent.bytesPerSec(now, 10)), last60s: round(this.sent.bytesPerSec(now, 60)) },
      sentBytes: this.sent.totalBytes,
      queueUnits: this.scheduler.queuedUnits,
      queueBytes: this.scheduler.queuedBytes,
      queueLimitBytes: this.scheduler.queueLimitBytes,
      flows: this.scheduler.flowCount,
      driverQueueBytes: this.driverQueue(),
      driverSojournMs: round(this.driverSojournMs()),
      driverSojournP99Ms: round(this.driverSojourn.quantile(0.99, now)),
      driverRefused: this.driverRefused,
      codel: { targetMs: round(this.scheduler.codelParams.targetMs), intervalMs: round(this.scheduler.codelParams.intervalMs) },
      aimd: this.aimd ? { decreases: this.aimd.decreases, increases: this.aimd.increases, minRateBytesPerSec: round(this.aimd.minRate) } : null,
      credit: { limitBytes: this.creditLimit ?? null, dataBytesSent: this.dataBytesSent, blockedMs: this.creditBlockedMs + (this.blockedSince !== undefined ? now - this.blockedSince : 0) },
      classes,
    };
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
