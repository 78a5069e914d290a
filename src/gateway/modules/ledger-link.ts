/**
 * A {@link Link} decorator that reports every frame the engine hands to a gateway link
 * (after the inner link accepted it), so the ledger can record which origin-signed packets
 * it handed to which gateway. Everything else is delegated unchanged, including the
 * control channel, the WebSocket link's authenticated `peer` (hello) and a negotiated
 * feature list (`features`, `negotiated`) when present.
 */
import type { ControlMessage, Link, LinkEvents, LinkKind, LinkStats } from '../../ports/link.js';

export class SendObservedLink implements Link {
  private readonly inner: Link;
  private readonly onSent: (frame: Uint8Array) => void;

  /** @param onSent called after each accepted `send`; it must not throw (a throw is swallowed). */
  constructor(inner: Link, onSent: (frame: Uint8Array) => void) {
    this.inner = inner;
    this.onSent = onSent;
  }

  get id(): string {
    return this.inner.id;
  }
  get kind(): LinkKind {
    return this.inner.kind;
  }
  get isGatewayLink(): boolean {
    return this.inner.isGatewayLink;
  }
  get remoteAddress(): string | undefined {
    return this.inner.remoteAddress;
  }
  get remotePeerId(): string | undefined {
    return this.inner.remotePeerId;
  }
  get maxFrameBytes(): number {
    return this.inner.maxFrameBytes;
  }
  get isOpen(): boolean {
    return this.inner.isOpen;
  }
  /** The inner link's authenticated hello (WebSocket gateway links), if it has one. */
  get peer(): unknown {
    return (this.inner as { peer?: unknown }).peer;
  }

  /** The inner link's negotiated feature list (version negotiation), if it has one. */
  get features(): unknown {
    return (this.inner as { features?: unknown }).features;
  }
  get negotiated(): unknown {
    return (this.inner as { negotiated?: unknown }).negotiated;
  }

  send(frame: Uint8Array): boolean {
    const ok = this.inner.send(frame);
    if (ok) {
      try {
        this.onSent(frame);
      } catch {
        /* observation never breaks the link */
      }
    }
    return ok;
  }

  sendControl(msg: ControlMessage): boolean {
    return this.inner.sendControl(msg);
  }

  close(reason?: string): Promise<void> {
    return this.inner.close(reason);
  }

  on<E extends keyof LinkEvents>(event: E, listener: LinkEvents[E]): void {
    this.inner.on(event, listener);
  }

  off<E extends keyof LinkEvents>(event: E, listener: LinkEvents[E]): void {
    this.inner.off(event, listener);
  }

  stats(): LinkStats {
    return this.inner.stats();
  }
}

/**
 * The link's negotiated ProofOfRelay feature: true/false when version negotiation (issue 6) put a
 * feature list on the link (`features` or `negotiated.features`), undefined when it did not.
 */
export function negotiatedFeature(link: Link): boolean | undefined {
  const l = link as { features?: unknown; negotiated?: { features?: unknown } };
  const list = Array.isArray(l.features) ? l.features : Array.isArray(l.negotiated?.features) ? l.negotiated.features : undefined;
  if (!list) return undefined;
  return list.some((f) => typeof f === 'string' && f.toLowerCase().replace(/[-_]/g, '') === 'proofofrelay');
}
