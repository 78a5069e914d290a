/**
 * A {@link Link} decorator that reports every frame the engine hands to a gateway link
 * (after the inner link accepted it), so the ledger can record which origin-signed packets
 * it handed to which gateway. Everything else is delegated unchanged, including the
 * control channel, the WebSocket link's authenticated `peer` (hello) and a negotiated
 * feature list (`features`, `negotiated`) when present.
 */
import type { Link } from '../../ports/link.js';
import { DelegatingLink } from '../../links/delegating-link.js';

export class SendObservedLink extends DelegatingLink {
  private readonly onSent: (frame: Uint8Array) => void;

  /** @param onSent called after each accepted `send`; it must not throw (a throw is swallowed). */
  constructor(inner: Link, onSent: (frame: Uint8Array) => void) {
    super(inner);
    this.onSent = onSent;
  }

  /** The inner link's negotiated feature list (version negotiation), if it has one. */
  get features(): unknown {
    return (this.inner as { features?: unknown }).features;
  }
  get negotiated(): unknown {
    return (this.inner as { negotiated?: unknown }).negotiated;
  }

  override send(frame: Uint8Array): boolean {
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
