/**
 * MemoryLink: one end of a simulated link made by {@link MemoryMedium.connect}. Frames are
 * copied on send, travel through a {@link MemoryChannel} (latency, jitter, loss, bounded
 * in-flight queue) and are delivered whole, in order, at most once.
 */
import type { Logger } from '../../ports/logger.js';
import { BaseLink } from '../base-link.js';
import type { ControlMessage } from '../../ports/link.js';
import type { MemoryChannel } from './memory-channel.js';

export interface MemoryLinkInit {
  id: string;
  isGatewayLink?: boolean;
  remoteAddress?: string;
  /** Frame-size cap in bytes (default DEFAULT_MAX_FRAME_BYTES from base-link.ts). */
  maxFrameBytes?: number;
  /** ms since epoch (the medium's clock). */
  now: () => number;
  logger?: Logger;
  /** Channel carrying this end's frames to the peer. */
  outbound: MemoryChannel;
  /** Channel carrying the peer's frames to this end. */
  inbound: MemoryChannel;
}

/** One end of a simulated link (kind `'memory'`). Create pairs with `MemoryMedium.connect`. */
export class MemoryLink extends BaseLink {
  private readonly outbound: MemoryChannel;
  private readonly inbound: MemoryChannel;

  constructor(init: MemoryLinkInit) {
    super({ ...init, kind: 'memory' });
    this.outbound = init.outbound;
    this.inbound = init.inbound;
  }

  /** Frames this end has in flight towards its peer. */
  get inFlight(): number {
    return this.outbound.inFlight;
  }

  /**
   * Cut the link abruptly (a radio drop): both ends close at once with `reason`, frames in
   * flight in either direction are discarded. No-op on a closed link.
   */
  sever(reason = 'link severed'): void {
    if (!this.isOpen) return;
    this.inbound.discard();
    this.outbound.closeNow(reason);
    this.remoteClosed(reason);
  }

  /** @internal Called by the medium when a frame from the peer is due. */
  acceptFromMedium(frame: Uint8Array): void {
    this.deliver(frame);
  }

  /** @internal Called by the medium when a control message from the peer is due. */
  acceptControlFromMedium(msg: ControlMessage): void {
    this.deliverControl(msg);
  }

  /** @internal Called by the medium when the peer closed or severed the link. */
  closedByPeer(reason: string): void {
    this.outbound.discard();
    this.remoteClosed(reason);
  }

  protected transmit(frame: Uint8Array): boolean {
    // A lost frame still counts as sent: the sender cannot know it was lost.
    return this.outbound.push(frame.slice()) !== 'full';
  }

  /** Gateway memory links (`isGatewayLink: true`) carry control messages; phone links do not. */
  protected override transmitControl(msg: ControlMessage): 'unsupported' | 'full' | 'sent' {
    if (!this.isGatewayLink) return 'unsupported';
    return this.outbound.pushControl(msg) === 'full' ? 'full' : 'sent';
  }

  protected teardown(reason: string): Promise<void> {
    this.inbound.discard();
    this.outbound.pushClose(reason);
    return Promise.resolve();
  }
}
