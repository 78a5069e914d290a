/**
 * Shared machinery for Link implementations: typed listeners that never throw into the
 * link, stats counters, and idempotent close. Adapters extend it and implement
 * `transmit()` and `teardown()`.
 */
import { MeshgateError, type ErrorCode } from '../errors.js';
import { MAX_CONTROL_BYTES, type ControlMessage, type Link, type LinkEvents, type LinkKind, type LinkStats } from '../ports/link.js';
import { silentLogger, type Logger } from '../ports/logger.js';

export interface BaseLinkInit {
  id: string;
  kind: LinkKind;
  isGatewayLink?: boolean;
  remoteAddress?: string | undefined;
  remotePeerId?: string | undefined;
  /** Frame-size cap in bytes (default 65,535 + 512). */
  maxFrameBytes?: number;
  /** ms since epoch source for stats timestamps (default Date.now via caller's clock). */
  now: () => number;
  logger?: Logger;
}

/** Default frame cap: a v1 frame's largest payload (65,535) plus header, IDs, signature and padding. */
export const DEFAULT_MAX_FRAME_BYTES = 65_535 + 512;

export abstract class BaseLink implements Link {
  readonly id: string;
  readonly kind: LinkKind;
  readonly isGatewayLink: boolean;
  readonly remoteAddress: string | undefined;
  remotePeerId: string | undefined;
  readonly maxFrameBytes: number;
  protected readonly logger: Logger;
  protected readonly now: () => number;
  private open = true;
  private closing: Promise<void> | undefined;
  private listeners: { [E in keyof LinkEvents]: Set<LinkEvents[E]> } = { frame: new Set(), close: new Set(), control: new Set() };
  private readonly counters: LinkStats;

  constructor(init: BaseLinkInit) {
    this.id = init.id;
    this.kind = init.kind;
    this.isGatewayLink = init.isGatewayLink ?? false;
    this.remoteAddress = init.remoteAddress;
    this.remotePeerId = init.remotePeerId;
    this.maxFrameBytes = init.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.now = init.now;
    this.logger = (init.logger ?? silentLogger).child({ link: init.id });
    const t = this.now();
    this.counters = { framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, controlIn: 0, controlOut: 0, drops: {}, openedAt: t, lastActivity: t };
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Hand one frame to the transport. Return false if the egress queue is full. */
  protected abstract transmit(frame: Uint8Array): boolean;
  /** Release the transport (socket close etc.). Called once. */
  protected abstract teardown(reason: string): Promise<void>;

  send(frame: Uint8Array): boolean {
    if (!this.open) throw new MeshgateError('MG_ERR_LINK_CLOSED', `link ${this.id} is closed`);
    if (frame.length > this.maxFrameBytes) {
      this.countDrop('MG_ERR_LINK_FRAME_TOO_LARGE');
      throw new MeshgateError('MG_ERR_LINK_FRAME_TOO_LARGE', `frame of ${frame.length} bytes exceeds cap ${this.maxFrameBytes}`);
    }
    if (!this.transmit(frame)) {
      this.countDrop('MG_ERR_LINK_QUEUE_FULL');
      return false;
    }
    this.counters.framesOut++;
    this.counters.bytesOut += frame.length;
    this.counters.lastActivity = this.now();
    return true;
  }

  /**
   * Hand one control message to the transport. The default (links without a control
   * channel, e.g. phone links) refuses it. Return 'unsupported', 'full' or 'sent'.
   */
  protected transmitControl(_msg: ControlMessage, _encoded: string): 'unsupported' | 'full' | 'sent' {
    return 'unsupported';
  }

  sendControl(msg: ControlMessage): boolean {
    if (!this.open) throw new MeshgateError('MG_ERR_LINK_CLOSED', `link ${this.id} is closed`);
    const encoded = encodeControl(msg);
    if (encoded === undefined) {
      this.countDrop('MG_ERR_CONTROL_MALFORMED');
      return false;
    }
    const r = this.transmitControl(msg, encoded);
    if (r === 'unsupported') {
      this.countDrop('MG_ERR_LINK_CONTROL_UNSUPPORTED');
      return false;
    }
    if (r === 'full') {
      this.countDrop('MG_ERR_LINK_QUEUE_FULL');
      return false;
    }
    this.counters.controlOut++;
    this.counters.lastActivity = this.now();
    return true;
  }

  /** Called by subclasses for each inbound control message (already decoded and checked). */
  protected deliverControl(msg: ControlMessage): void {
    if (!this.open) return;
    this.counters.controlIn++;
    this.counters.lastActivity = this.now();
    for (const l of this.listeners.control) {
      try {
        l(msg);
      } catch (err) {
        this.logger.warn({ err, type: msg.type }, 'control listener threw');
      }
    }
  }

  /** Decode one inbound encoded control message (`{"t":type,"b":body}`) and deliver it; malformed ones are counted MG_ERR_CONTROL_MALFORMED. */
  protected deliverEncodedControl(text: string): void {
    const msg = decodeControl(text);
    if (msg === undefined) {
      this.countDrop('MG_ERR_CONTROL_MALFORMED');
      return;
    }
    this.deliverControl(msg);
  }

  /** Pause or resume inbound reads (QoS backpressure). Default: no-op; socket links override it. */
  setReadPaused(_paused: boolean): void {}

  /** Bytes accepted by `send` that the driver has not sent yet. Default 0 (unknown); socket links override it. */
  driverQueueBytes(): number {
    return 0;
  }

  close(reason = 'closed locally'): Promise<void> {
    if (!this.closing) {
      this.open = false;
      this.closing = this.teardown(reason).finally(() => this.emitClose(reason));
    }
    return this.closing;
  }

  /** Called by subclasses when the remote side or the transport closed the link. */
  protected remoteClosed(reason: string): void {
    if (this.closing) return;
    this.open = false;
    this.closing = Promise.resolve();
    this.emitClose(reason);
  }

  /** Called by subclasses for each inbound frame; counts and dispatches it. */
  protected deliver(frame: Uint8Array): void {
    if (!this.open) return;
    if (frame.length > this.maxFrameBytes) {
      this.countDrop('MG_ERR_LINK_FRAME_TOO_LARGE');
      return;
    }
    this.counters.framesIn++;
    this.counters.bytesIn += frame.length;
    this.counters.lastActivity = this.now();
    for (const l of this.listeners.frame) {
      try {
        l(frame);
      } catch (err) {
        this.logger.warn({ err }, 'frame listener threw');
      }
    }
  }

  /** Count one dropped frame under an error code. */
  countDrop(code: ErrorCode | string): void {
    this.counters.drops[code] = (this.counters.drops[code] ?? 0) + 1;
  }

  private emitClose(reason: string): void {
    const ls = [...this.listeners.close];
    this.listeners.frame.clear();
    this.listeners.close.clear();
    this.listeners.control.clear();
    for (const l of ls) {
      try {
        l(reason);
      } catch (err) {
        this.logger.warn({ err }, 'close listener threw');
      }
    }
  }

  on<E extends keyof LinkEvents>(event: E, listener: LinkEvents[E]): void {
    (this.listeners[event] as Set<LinkEvents[E]>).add(listener);
  }

  off<E extends keyof LinkEvents>(event: E, listener: LinkEvents[E]): void {
    (this.listeners[event] as Set<LinkEvents[E]>).delete(listener);
  }

  stats(): LinkStats {
    return { ...this.counters, drops: { ...this.counters.drops } };
  }
}

/** Largest control `type` string, characters. */
export const MAX_CONTROL_TYPE_LENGTH = 64;

/**
 * Encode a control message as the gateway-link wire text `{"t":type,"b":body}` (UTF-8
 * JSON, at most MAX_CONTROL_BYTES). Returns undefined for an invalid type, a body that is
 * not JSON-serialisable, or an oversized result.
 */
export function encodeControl(msg: ControlMessage): string | undefined {
  if (typeof msg.type !== 'string' || msg.type.length === 0 || msg.type.length > MAX_CONTROL_TYPE_LENGTH) return undefined;
  let text: string;
  try {
    text = JSON.stringify({ t: msg.type, b: msg.body ?? null });
  } catch {
    return undefined;
  }
  if (text === undefined || Buffer.byteLength(text, 'utf8') > MAX_CONTROL_BYTES) return undefined;
  return text;
}

/** Decode the wire text of {@link encodeControl}; undefined when malformed or oversized. */
export function decodeControl(text: string): ControlMessage | undefined {
  if (text.length > MAX_CONTROL_BYTES) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const t = (v as { t?: unknown }).t;
  if (typeof t !== 'string' || t.length === 0 || t.length > MAX_CONTROL_TYPE_LENGTH) return undefined;
  return { type: t, body: (v as { b?: unknown }).b ?? null };
}
