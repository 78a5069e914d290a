/**
 * Failover of directed traffic between gateway links (docs/detection.md §Reactions): the
 * frames retained for a gateway link that closed are re-sent toward their recipients'
 * gateways on the held route (or on every other open gateway link when no route is held),
 * and a directed frame a gateway link refuses (socket closing, queue full) is diverted the
 * same way at once. Re-sent frames are retained again on the link that took them.
 */
import type { Link } from '../../ports/link.js';
import type { RetentionBuffer } from '../../detection/index.js';
import { FailoverLink } from './failover-link.js';

export interface FailoverComponents {
  retention: RetentionBuffer;
  /** Open gateway links (as the engine sees them, i.e. wrapped). */
  gatewayLinks: () => Link[];
  /** The held first-hop link ID toward the gateway of `recipient`, if any. */
  routeToward: (recipient: string) => string | undefined;
}

export class FailoverController {
  private readonly c: FailoverComponents;
  private readonly counters = { resent: 0, diverted: 0, noRoute: 0 };

  constructor(components: FailoverComponents) {
    this.c = components;
  }

  /** Re-send every frame retained for `linkId` (which closed). Counts MG_ERR_FAILOVER_NO_ROUTE for frames no link took. */
  failover(linkId: string): { resent: number; noRoute: number } {
    const frames = this.c.retention.take(linkId);
    let resent = 0;
    for (const f of frames) if (this.resend(f.frame, f.recipient, linkId)) resent++;
    const noRoute = frames.length - resent;
    this.counters.resent += resent;
    this.counters.noRoute += noRoute;
    return { resent, noRoute };
  }

  /** A gateway link refused a directed frame: send it another way. True when some link took it. */
  divert(frame: Uint8Array, recipient: string, fromLinkId: string): boolean {
    const ok = this.resend(frame, recipient, fromLinkId);
    if (ok) this.counters.diverted++;
    else this.counters.noRoute++;
    return ok;
  }

  /** resent / diverted frames, and frames no other link took (MG_ERR_FAILOVER_NO_ROUTE). */
  stats(): { resent: number; diverted: number; noRoute: number } {
    return { ...this.counters };
  }

  private resend(frame: Uint8Array, recipient: string, excludeLinkId: string): boolean {
    const links = this.c.gatewayLinks().filter((l) => l.id !== excludeLinkId);
    const routed = this.c.routeToward(recipient);
    const viaRoute = routed === undefined ? undefined : links.find((l) => l.id === routed);
    let sent = false;
    for (const l of viaRoute ? [viaRoute] : links) {
      try {
        // the inner link: a refusal here must not divert again
        const raw = l instanceof FailoverLink ? l.inner : l;
        if (raw.send(frame)) {
          sent = true;
          if (l instanceof FailoverLink) this.c.retention.push(l.id, frame, recipient);
        }
      } catch {
        // closed meanwhile: try the next one
      }
    }
    return sent;
  }
}
