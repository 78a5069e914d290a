/**
 * QosLink: a full {@link Link} wrapper that puts a {@link LinkShaper} in front of a link's
 * `send` and `sendControl` (installed by the qos module's `wrapLink`). Frames are classified
 * by header and sender trust tier; control messages are the control class (bulk when large).
 * Everything else (events, close, stats) is the inner link's, with the scheduler's drops
 * added to `stats().drops`.
 */
import { MeshgateError } from '../../errors.js';
import { encodeControl } from '../../links/base-link.js';
import type { Clock } from '../../ports/clock.js';
import type { ControlMessage, Link, LinkStats } from '../../ports/link.js';
import { DelegatingLink } from '../../links/delegating-link.js';
import { classifyControl, type FrameClassification } from '../../qos/classes.js';
import { LinkShaper, type LinkShaperInit } from '../../qos/link-shaper.js';

/** What the shaper queues for one link. */
export type QosPayload =
  | { readonly kind: 'frame'; readonly frame: Uint8Array; readonly packet?: FragmentGroup }
  | { readonly kind: 'control'; readonly msg: ControlMessage };

/** The fragments of one packet: once one is dropped, the rest are orphans. */
interface FragmentGroup {
  broken: boolean;
}

export interface QosLinkComponents {
  clock: Clock;
  /** Class and flow of one outbound frame (the module's classifier with trust tiers). */
  classify: (frame: Uint8Array) => FrameClassification;
  /**
   * BLE links: split a frame larger than one GATT value into bitchat protocol fragments of
   * at most `limit` bytes, so the scheduler handles MTU-sized units; undefined = cannot (the
   * inner link then takes the frame whole, fragmenting or refusing it itself).
   */
  fragment?: (frame: Uint8Array, limit: number) => Uint8Array[] | undefined;
}

export class QosLink extends DelegatingLink {
  readonly shaper: LinkShaper<QosPayload>;
  private readonly drops: Record<string, number> = {};
  private readonly classify: QosLinkComponents['classify'];
  private readonly fragment: QosLinkComponents['fragment'];

  /** @param init the link's shaping profile (rate, burst, caps; docs/qos.md). */
  constructor(inner: Link, components: QosLinkComponents, init: LinkShaperInit) {
    super(inner);
    this.classify = components.classify;
    this.fragment = components.fragment;
    this.shaper = new LinkShaper<QosPayload>(
      {
        clock: components.clock,
        transmit: (p) => this.transmit(p),
        driverQueueBytes: () => inner.driverQueueBytes?.() ?? 0,
        // a driver refusal (MG_ERR_LINK_QUEUE_FULL) is already counted by the inner link
        onDrop: (p, _cls, code) => {
          if (p.kind === 'frame' && p.packet) p.packet.broken = true;
          if (code !== 'MG_ERR_LINK_QUEUE_FULL') this.countDrop(code);
        },
        isOrphan: (p) => p.kind === 'frame' && p.packet !== undefined && p.packet.broken,
      },
      init,
    );
    inner.on('close', () => this.discard());
  }

  /**
   * Queue one frame in the scheduler (it leaves when the shaper allows). A frame over the
   * inner link's `maxFrameBytes` is split into protocol fragments when `fragment` can (BLE),
   * each its own unit; otherwise it goes to the inner link, which throws as its contract says.
   * @throws MeshgateError MG_ERR_LINK_CLOSED after close; the inner link's errors for oversized frames.
   */
  override send(frame: Uint8Array): boolean {
    if (!this.inner.isOpen) throw new MeshgateError('MG_ERR_LINK_CLOSED', `link ${this.id} is closed`);
    const limit = this.inner.maxFrameBytes;
    if (frame.length > limit) {
      const parts = this.fragment?.(frame, limit);
      if (!parts) return this.inner.send(frame); // the inner link fragments it, or throws and counts
      const c = this.classify(frame);
      const packet: FragmentGroup = { broken: false };
      for (const part of parts) this.shaper.enqueue({ kind: 'frame', frame: part, packet }, { cls: c.cls, flowKey: c.flowKey, bytes: part.length, aqm: true });
      return true;
    }
    const c = this.classify(frame);
    this.shaper.enqueue({ kind: 'frame', frame }, { cls: c.cls, flowKey: c.flowKey, bytes: frame.length, aqm: true });
    return true;
  }

  /**
   * Queue one control message (gateway links); links without a control channel and invalid
   * messages go straight to the inner link, which refuses and counts them.
   * @throws MeshgateError MG_ERR_LINK_CLOSED after close.
   */
  override sendControl(msg: ControlMessage): boolean {
    if (!this.inner.isOpen) throw new MeshgateError('MG_ERR_LINK_CLOSED', `link ${this.id} is closed`);
    if (!this.inner.isGatewayLink) return this.inner.sendControl(msg);
    const encoded = encodeControl(msg);
    if (encoded === undefined) return this.inner.sendControl(msg); // refused and counted MG_ERR_CONTROL_MALFORMED there
    const bytes = Buffer.byteLength(encoded, 'utf8');
    const c = classifyControl(msg.type, bytes);
    this.shaper.enqueue({ kind: 'control', msg }, { cls: c.cls, flowKey: c.flowKey, bytes: Math.max(1, bytes), aqm: false });
    return true;
  }

  override close(reason?: string): Promise<void> {
    this.discard();
    return this.inner.close(reason);
  }

  override stats(): LinkStats {
    const s = this.inner.stats();
    const drops = { ...s.drops };
    for (const [k, v] of Object.entries(this.drops)) drops[k] = (drops[k] ?? 0) + v;
    return { ...s, drops };
  }

  /** Drops counted by the QoS layer (by code). */
  qosDrops(): Record<string, number> {
    return { ...this.drops };
  }

  private transmit(p: QosPayload): boolean {
    if (!this.inner.isOpen) return false;
    try {
      return p.kind === 'frame' ? this.inner.send(p.frame) : this.inner.sendControl(p.msg);
    } catch {
      return false;
    }
  }

  private discard(): void {
    const left = this.shaper.stop();
    if (left.length > 0) this.drops.MG_ERR_QOS_LINK_CLOSED = (this.drops.MG_ERR_QOS_LINK_CLOSED ?? 0) + left.length;
  }

  private countDrop(code: string): void {
    this.drops[code] = (this.drops[code] ?? 0) + 1;
  }
}
