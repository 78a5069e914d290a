/**
 * DelegatingLink: the base of every link decorator a gateway module installs with
 * `wrapLink` (QoS shaping, failover retention, ledger observation). It forwards the whole
 * {@link Link} contract to the wrapped link — identity, state, frames, control messages,
 * events, close, stats, and the optional `setReadPaused` / `driverQueueBytes` — and the
 * transport's authenticated `peer` (gateway links), so a chain of decorators stays
 * transparent. Subclasses override only what they change (usually `send`).
 */
import type { ControlMessage, Link, LinkEvents, LinkKind, LinkStats } from '../ports/link.js';

export class DelegatingLink implements Link {
  /** The wrapped link (itself possibly a decorator). */
  readonly inner: Link;

  constructor(inner: Link) {
    this.inner = inner;
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
  /** The transport's authenticated peer (gateway links' hello / session), if it has one. */
  get peer(): unknown {
    return (this.inner as { peer?: unknown }).peer;
  }

  send(frame: Uint8Array): boolean {
    return this.inner.send(frame);
  }
  sendControl(msg: ControlMessage): boolean {
    return this.inner.sendControl(msg);
  }
  setReadPaused(paused: boolean): void {
    this.inner.setReadPaused?.(paused);
  }
  /** Bytes the transport still holds (0 when the wrapped link cannot tell). */
  driverQueueBytes(): number {
    return this.inner.driverQueueBytes?.() ?? 0;
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
