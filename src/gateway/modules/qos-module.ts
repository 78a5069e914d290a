/**
 * The `qos` gateway module: wraps every link in a {@link QosLink} (token bucket per link,
 * optional group and per-peer buckets, control/realtime/bulk classes, DRR, CoDel, AIMD),
 * and runs backpressure every 250 ms:
 * - a link queue at or above `pauseFillPercent` is congested; the ingress link its fattest
 *   flow's origin was last heard on is throttled: local links pause reads
 *   (`setReadPaused`), gateway links stop getting credit (`credit` control messages,
 *   src/qos/credit.ts); both resume once every queue is under `resumeFillPercent`;
 * - a gateway that has itself sent `credit` (so speaks the protocol) and sends beyond our
 *   grant is reported to peer admission as `ignored-backpressure` (at most every 10 s).
 * Status: /api/status → modules.qos (docs/status-api.md).
 */
import { randomBytes } from 'node:crypto';
import type { Link } from '../../ports/link.js';
import type { TimerHandle } from '../../ports/clock.js';
import type { GatewayModule, GatewayModuleContext } from '../module.js';
import { classifyFrame, type TrustTier } from '../../qos/classes.js';
import { CreditLedger, parseCreditGrant } from '../../qos/credit.js';
import { TokenBucket } from '../../qos/token-bucket.js';
import type { LinkShaperInit } from '../../qos/link-shaper.js';
import { QosLink } from './qos-link.js';
import { fragmentForLink } from '../../links/ble/ble-fragmenter.js';

/** Smallest GATT value size worth pre-fragmenting for (below it the MTU is not settled yet). */
const MIN_BLE_UNIT_BYTES = 128;

/** BLE: split a bitchat packet into protocol fragments of at most `limit` bytes; undefined when it cannot. */
function fragmentForBle(frame: Uint8Array, limit: number): Uint8Array[] | undefined {
  if (limit < MIN_BLE_UNIT_BYTES) return undefined;
  try {
    return fragmentForLink(frame, { frameLimit: limit, fragmentId: randomBytes(8) });
  } catch {
    return undefined;
  }
}

/** Backpressure / credit period, ms. */
export const QOS_TICK_MS = 250;
/** Least time between two ignored-backpressure reports for one link, ms. */
export const BACKPRESSURE_REPORT_MS = 10_000;
/** Sender → ingress link entries remembered (oldest forgotten first). */
export const MAX_INGRESS_ENTRIES = 4_096;
/** Trust-tier cache entries (oldest forgotten first). */
export const MAX_TIER_ENTRIES = 4_096;
/** How long a cached trust tier is used before it is looked up again, ms. */
export const TIER_TTL_MS = 1_000;

interface Entry {
  link: QosLink;
  ledger: CreditLedger | undefined;
  speaksCredit: boolean;
  paused: boolean;
  lastReport: number;
  ignoredReports: number;
  peerId: string | undefined;
  group: 'ble' | 'uplink' | undefined;
  /** The link profile's bucket depth, bytes (also used for its peer bucket). */
  burstBytes: number;
}

export class QosModule implements GatewayModule {
  readonly name = 'qos';
  private ctx: GatewayModuleContext | undefined;
  private readonly entries = new Map<string, Entry>();
  private readonly ingressBySender = new Map<string, string>();
  private readonly tiers = new Map<string, { tier: TrustTier; at: number }>();
  private readonly groupBuckets: { ble?: TokenBucket; uplink?: TokenBucket } = {};
  private readonly peerBuckets = new Map<string, TokenBucket>();
  private timer: TimerHandle | undefined;
  private ticks = 0;
  private unsubscribe: (() => void) | undefined;
  private readonly counters = { creditSent: 0, creditReceived: 0, creditBadBody: 0, ignoredBackpressure: 0, pauses: 0 };

  start(ctx: GatewayModuleContext): void {
    this.ctx = ctx;
    const q = ctx.config.qos;
    const now = ctx.clock.now();
    if (q.groupBleRateBytesPerSec > 0) this.groupBuckets.ble = new TokenBucket({ rateBytesPerSec: q.groupBleRateBytesPerSec, burstBytes: q.ble.burstBytes, now });
    if (q.groupUplinkRateBytesPerSec > 0) this.groupBuckets.uplink = new TokenBucket({ rateBytesPerSec: q.groupUplinkRateBytesPerSec, burstBytes: q.gateway.burstBytes, now });
    const offCredit = ctx.control.on('credit', (m) => this.onCredit(m.linkId, m.body));
    // per-peer caps on phone links: the peer is known once its direct announce binds the link
    const onPeer = (e: { kind: string; peer: { peerId: string; directLinkId: string | null } }): void => this.onPeer(e.kind, e.peer.peerId, e.peer.directLinkId);
    ctx.engine.on('peer', onPeer);
    this.unsubscribe = () => {
      offCredit();
      ctx.engine.off('peer', onPeer);
    };
    this.timer = ctx.clock.setTimer(() => this.tick(), QOS_TICK_MS);
  }

  stop(): void {
    if (this.timer && this.ctx) this.ctx.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    for (const e of this.entries.values()) e.link.shaper.stop();
    this.entries.clear();
  }

  /** The wrapper of a link by ID (tests, other modules). */
  qosLink(linkId: string): QosLink | undefined {
    return this.entries.get(linkId)?.link;
  }

  wrapLink(link: Link): Link {
    const ctx = this.ctx;
    if (!ctx) return link;
    const q = ctx.config.qos;
    const ble = link.kind === 'ble-peripheral' || link.kind === 'ble-central';
    const profile = ble ? q.ble : link.isGatewayLink ? q.gateway : q.lan;
    const init: LinkShaperInit = {
      id: link.id,
      rateBytesPerSec: profile.rateBytesPerSec,
      burstBytes: profile.burstBytes,
      // BLE: bitchat fragments frames over 512 bytes (bitchat-spec.md §5), so units are at most 512
      mtuBytes: ble ? 512 : 1_500,
      capShares: [1 / q.controlCapDivisor, 1 / q.realtimeCapDivisor, 1],
      bulkMinShare: 1 / q.bulkMinDivisor,
      queueBytes: q.queueBytes,
      flowMaxBytes: q.flowMaxBytes,
      flowMaxUnits: q.flowMaxUnits,
      aimd: q.aimd,
      driverLimitBytes: q.driverQueueBytes,
    };
    const wrapped = new QosLink(
      link,
      { clock: ctx.clock, classify: (f) => classifyFrame(f, (s) => this.tierOf(s)), fragment: ble ? fragmentForBle : undefined },
      init,
    );
    const entry: Entry = {
      link: wrapped,
      ledger: link.isGatewayLink ? new CreditLedger({ windowBytes: q.creditWindowBytes, slackBytes: link.maxFrameBytes }) : undefined,
      speaksCredit: false,
      paused: false,
      lastReport: Number.NEGATIVE_INFINITY,
      ignoredReports: 0,
      peerId: link.remotePeerId,
      group: ble ? 'ble' : link.isGatewayLink ? 'uplink' : undefined,
      burstBytes: profile.burstBytes,
    };
    this.entries.set(link.id, entry);
    this.applyBuckets(entry);
    link.on('frame', (frame) => this.onInbound(entry, frame));
    link.on('close', () => this.forget(entry));
    return wrapped;
  }

  /** Trust tier of a sender (docs/qos.md): our own or an authenticated gateway, a pinned phone, or unknown. */
  tierOf(senderHex: string): TrustTier {
    const ctx = this.ctx;
    if (!ctx) return 'unknown';
    const now = ctx.clock.now();
    const hit = this.tiers.get(senderHex);
    if (hit && now - hit.at < TIER_TTL_MS) return hit.tier;
    let tier: TrustTier = 'unknown';
    if (senderHex === ctx.identity.peerId) tier = 'gateway';
    else if ([...this.entries.values()].some((e) => e.link.isGatewayLink && e.link.remotePeerId === senderHex)) tier = 'gateway';
    else if (ctx.engine.peer(senderHex)) tier = 'paired';
    if (this.tiers.size >= MAX_TIER_ENTRIES) this.tiers.delete(this.tiers.keys().next().value as string);
    this.tiers.delete(senderHex);
    this.tiers.set(senderHex, { tier, at: now });
    return tier;
  }

  private applyBuckets(e: Entry): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const buckets: TokenBucket[] = [];
    const g = e.group ? this.groupBuckets[e.group] : undefined;
    if (g) buckets.push(g);
    const rate = ctx.config.qos.peerRateBytesPerSec;
    if (rate > 0 && e.peerId) {
      let b = this.peerBuckets.get(e.peerId);
      if (!b) {
        b = new TokenBucket({ rateBytesPerSec: rate, burstBytes: e.burstBytes, now: ctx.clock.now() });
        this.peerBuckets.set(e.peerId, b);
      }
      buckets.push(b);
    }
    e.link.shaper.setSharedBuckets(buckets);
  }

  /** A link closed: drop its entry, and its peer bucket when no other link uses it (the map stays bounded by open links). */
  private forget(e: Entry): void {
    if (this.entries.get(e.link.id) === e) this.entries.delete(e.link.id);
    const peer = e.peerId;
    if (peer !== undefined && ![...this.entries.values()].some((x) => x.peerId === peer)) this.peerBuckets.delete(peer);
  }

  private onPeer(kind: string, peerId: string, directLinkId: string | null): void {
    if (kind === 'removed' || directLinkId === null || !this.ctx || this.ctx.config.qos.peerRateBytesPerSec === 0) return;
    const e = this.entries.get(directLinkId);
    if (!e || e.link.isGatewayLink || e.peerId === peerId) return;
    const old = e.peerId;
    e.peerId = peerId;
    // a link whose phone announced a new peer ID releases the old ID's bucket (bounded by open links)
    if (old !== undefined && ![...this.entries.values()].some((x) => x.peerId === old)) this.peerBuckets.delete(old);
    this.applyBuckets(e);
  }

  private onInbound(e: Entry, frame: Uint8Array): void {
    e.ledger?.onReceived(frame.length);
    if (frame.length < 22 || (frame[0] !== 1 && frame[0] !== 2)) return;
    const off = frame[0] === 2 ? 16 : 14;
    let sender = '';
    for (let i = off; i < off + 8; i++) sender += frame[i].toString(16).padStart(2, '0');
    if (this.ingressBySender.get(sender) !== e.link.id) {
      this.ingressBySender.delete(sender);
      if (this.ingressBySender.size >= MAX_INGRESS_ENTRIES) this.ingressBySender.delete(this.ingressBySender.keys().next().value as string);
      this.ingressBySender.set(sender, e.link.id);
    }
  }

  private onCredit(linkId: string, body: unknown): void {
    const e = this.entries.get(linkId);
    const grant = parseCreditGrant(body);
    if (!grant) {
      this.counters.creditBadBody++;
      return;
    }
    if (!e) return;
    this.counters.creditReceived++;
    e.speaksCredit = true;
    e.link.shaper.setCreditLimit(grant.grant);
  }

  private tick(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    this.ticks++;
    const q = ctx.config.qos;
    const now = ctx.clock.now();
    const toPause = new Set<string>();
    let anyAboveResume = false;
    for (const e of this.entries.values()) {
      const s = e.link.shaper.scheduler;
      const fill = (100 * s.queuedBytes) / s.queueLimitBytes;
      if (fill >= q.resumeFillPercent) anyAboveResume = true;
      if (fill < q.pauseFillPercent) continue;
      const fat = s.fattestFlow();
      const origin = fat?.key.split('>')[0];
      const ingress = origin ? this.ingressBySender.get(origin) : undefined;
      if (ingress && ingress !== e.link.id) toPause.add(ingress);
    }
    for (const e of this.entries.values()) {
      if (!e.link.isOpen) continue;
      const paused = toPause.has(e.link.id) || (e.paused && anyAboveResume);
      if (paused !== e.paused) {
        e.paused = paused;
        if (paused) this.counters.pauses++;
        if (!e.link.isGatewayLink) e.link.setReadPaused(paused);
        ctx.logger.debug({ link: e.link.id, paused }, 'backpressure');
      }
      if (e.ledger) {
        // judge the peer against the grant it had, before a new grant moves the line
        if (e.speaksCredit && e.ledger.overshootBytes() > 0 && now - e.lastReport >= BACKPRESSURE_REPORT_MS) {
          e.lastReport = now;
          e.ignoredReports++;
          this.counters.ignoredBackpressure++;
          ctx.admission.report({ peerId: e.link.remotePeerId, address: e.link.remoteAddress, offence: 'ignored-backpressure', detail: `${e.ledger.overshootBytes()} bytes over the credit grant` });
          ctx.logger.info({ link: e.link.id, peer: e.link.remotePeerId, code: 'MG_ERR_QOS_BACKPRESSURE_IGNORED' }, 'gateway ignored backpressure');
        }
        // one first grant to every gateway; more only to those that answer with credit (so a
        // gateway without QoS sees one unknown control type, not one per quarter window)
        if (e.speaksCredit || e.ledger.grantedBytes === undefined) {
          const g = e.ledger.nextGrant(e.paused);
          if (g && ctx.control.send(e.link.id, 'credit', g)) this.counters.creditSent++;
        }
      }
      if (this.ticks % 4 === 0) {
        // capacity for routing's ETT: the shaped (AIMD-adapted) rate; unshaped links have no
        // known capacity (measured throughput is demand, not capacity), so none is given
        const sh = e.link.shaper;
        const rate = sh.rateBytesPerSec;
        ctx.events.emit('link-quality', {
          linkId: e.link.id,
          ...(rate > 0 ? { bandwidthBytesPerSec: rate } : {}),
          queueLength: sh.scheduler.queuedUnits,
          sojournMs: Math.max(sh.scheduler.oldestSojournMs(), sh.driverSojournMs()),
          at: now,
        });
      }
    }
    this.timer = ctx.clock.setTimer(() => this.tick(), QOS_TICK_MS);
  }

  status(): unknown {
    const q = this.ctx?.config.qos;
    return {
      enabled: true,
      aimd: q?.aimd ?? false,
      counters: { ...this.counters },
      drops: { MG_ERR_CONTROL_BAD_BODY: this.counters.creditBadBody, MG_ERR_QOS_BACKPRESSURE_IGNORED: this.counters.ignoredBackpressure },
      groups: {
        ble: this.groupBuckets.ble ? { rateBytesPerSec: this.groupBuckets.ble.rateBytesPerSec } : null,
        uplink: this.groupBuckets.uplink ? { rateBytesPerSec: this.groupBuckets.uplink.rateBytesPerSec } : null,
      },
      peerCaps: this.peerBuckets.size,
      // the first 12 keys are what the status page's generic table shows; the rest is under `details`
      links: [...this.entries.values()].map((e) => {
        const snap = e.link.shaper.snapshot() as { classes: Record<string, { sojournP99Ms: number; drops: Record<string, number> }> } & Record<string, unknown>;
        const perClass = <T>(f: (c: { sojournP99Ms: number; drops: Record<string, number> }) => T) =>
          Object.fromEntries(Object.entries(snap.classes).map(([k, c]) => [k, f(c)])) as Record<string, T>;
        return {
          id: e.link.id,
          kind: e.link.kind,
          rateBytesPerSec: snap.rateBytesPerSec,
          configuredRateBytesPerSec: snap.configuredRateBytesPerSec,
          measuredBytesPerSec: snap.measuredBytesPerSec,
          queueBytes: snap.queueBytes,
          queueUnits: snap.queueUnits,
          sojournP99Ms: perClass((c) => c.sojournP99Ms),
          dropsByClass: perClass((c) => c.drops),
          driverSojournMs: snap.driverSojournMs,
          paused: e.paused,
          details: {
            granted: e.ledger ? { speaksCredit: e.speaksCredit, receivedBytes: e.ledger.receivedBytes, grantedBytes: e.ledger.grantedBytes ?? null, ignoredReports: e.ignoredReports } : null,
            drops: e.link.qosDrops(),
            ...snap,
          },
        };
      }),
    };
  }
}
