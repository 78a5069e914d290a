/**
 * The receive side of the gateway-link credit window (backpressure). Mesh senders do not
 * slow down when packets are dropped, so a gateway tells its upstream gateway how many
 * data bytes it will take: a `credit` control message `{ grant, window, paused }`, where
 * `grant` is the cumulative count of data bytes (frames, not control messages) the sender
 * may have sent on this link in total. Grants never decrease (as HTTP/2 WINDOW_UPDATE,
 * RFC 9113 §6.9, but cumulative, so a lost or reordered update cannot shrink a window).
 * While the gateway is congested it stops advancing the grant (`paused`); a sender that
 * speaks the protocol and still sends beyond its last grant ignores backpressure.
 */
export interface CreditLedgerInit {
  /** Bytes granted beyond what has been received while not congested. */
  windowBytes: number;
  /** Tolerated overshoot, bytes (one largest frame: accounting differences). */
  slackBytes: number;
}

/** One credit message body (wire: control type `credit`). */
export interface CreditGrant {
  /** Cumulative data bytes the peer may have sent on this link, in total. */
  grant: number;
  /** The window in force, bytes (informational). */
  window: number;
  /** True while we are congested and the grant does not advance. */
  paused: boolean;
}

export class CreditLedger {
  private received = 0;
  private lastGrant: number | undefined;
  private lastPaused = false;

  constructor(private readonly init: CreditLedgerInit) {}

  /** Count data bytes received from the peer. */
  onReceived(bytes: number): void {
    this.received += bytes;
  }

  get receivedBytes(): number {
    return this.received;
  }

  get grantedBytes(): number | undefined {
    return this.lastGrant;
  }

  /**
   * The grant to send now, or undefined when the last one still stands (it is re-sent once
   * a quarter of the window has been used, or when the paused state changes).
   */
  nextGrant(paused: boolean): CreditGrant | undefined {
    const w = this.init.windowBytes;
    const target = paused ? Math.max(this.lastGrant ?? 0, this.received) : this.received + w;
    const grant = Math.max(this.lastGrant ?? 0, target);
    const due = this.lastGrant === undefined || paused !== this.lastPaused || grant - this.lastGrant >= w / 4;
    if (!due) return undefined;
    this.lastGrant = grant;
    this.lastPaused = paused;
    return { grant, window: w, paused };
  }

  /** Bytes received beyond the last grant plus slack (0 = within the window, or no grant sent yet). */
  overshootBytes(): number {
    if (this.lastGrant === undefined) return 0;
    return Math.max(0, this.received - this.lastGrant - this.init.slackBytes);
  }
}

/** Validate a received `credit` body (it comes from another machine); undefined when invalid. */
export function parseCreditGrant(body: unknown): CreditGrant | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  const ok = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!ok(b.grant) || !ok(b.window) || typeof b.paused !== 'boolean') return undefined;
  return { grant: b.grant, window: b.window, paused: b.paused };
}
