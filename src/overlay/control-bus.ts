/**
 * The gateway's control bus: one per gateway, it dispatches control messages arriving on
 * gateway links (src/ports/link.ts `control` event) to the module that registered their
 * `type`, and sends or broadcasts control messages over gateway links. Modules validate
 * the bodies they receive (they come from another machine).
 *
 * Counters (on /api/status → control): received/sent per type, and drops by code —
 * MG_ERR_CONTROL_UNKNOWN_TYPE (no handler), MG_ERR_UNKNOWN (a handler threw).
 */
import type { Link, ControlMessage } from '../ports/link.js';
import type { Logger } from '../ports/logger.js';

/** One received control message, with the link it came from. */
export interface ControlEnvelope {
  readonly linkId: string;
  /** The authenticated remote gateway's peer ID (16 lowercase hex), when known. */
  readonly peerId: string | undefined;
  readonly type: string;
  readonly body: unknown;
}

export type ControlHandler = (msg: ControlEnvelope) => void;

/** Most distinct types tracked in the per-type counters (the rest count under `other`). */
export const MAX_COUNTED_CONTROL_TYPES = 64;

export interface ControlBusStats {
  received: Record<string, number>;
  sent: Record<string, number>;
  drops: Record<string, number>;
}

export class ControlBus {
  private readonly logger: Logger;
  private readonly links: () => readonly Link[];
  private readonly handlers = new Map<string, Set<ControlHandler>>();
  // null-prototype maps: types come from remote peers (`constructor`, `__proto__` are plain keys here)
  private readonly counters: ControlBusStats = { received: Object.create(null), sent: Object.create(null), drops: Object.create(null) };

  /** @param components `links()` returns the gateway's open links (gateway links are used). */
  constructor(components: { logger: Logger; links: () => readonly Link[] }) {
    this.logger = components.logger;
    this.links = components.links;
  }

  /** Register a handler for `type`; returns the function that removes it. */
  on(type: string, handler: ControlHandler): () => void {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0 && this.handlers.get(type) === set) this.handlers.delete(type);
    };
  }

  /** Send one message on one link. False when the link is unknown, closed, not a gateway link, or refused it. */
  send(linkId: string, type: string, body: unknown): boolean {
    const link = this.links().find((l) => l.id === linkId);
    if (!link || !link.isOpen || !link.isGatewayLink) return false;
    return this.sendOn(link, type, body);
  }

  /** Send one message on every open gateway link (but `exceptLinkId`); returns how many took it. */
  broadcast(type: string, body: unknown, opts: { exceptLinkId?: string } = {}): number {
    let n = 0;
    for (const link of this.links()) {
      if (!link.isOpen || !link.isGatewayLink || link.id === opts.exceptLinkId) continue;
      if (this.sendOn(link, type, body)) n++;
    }
    return n;
  }

  /** Called by the gateway for each control message a link emits. */
  dispatch(link: Link, msg: ControlMessage): void {
    this.bump(this.counters.received, msg.type);
    const set = this.handlers.get(msg.type);
    if (!set || set.size === 0) {
      this.bump(this.counters.drops, 'MG_ERR_CONTROL_UNKNOWN_TYPE');
      return;
    }
    const env: ControlEnvelope = { linkId: link.id, peerId: link.remotePeerId, type: msg.type, body: msg.body };
    for (const h of set) {
      try {
        h(env);
      } catch (err) {
        this.bump(this.counters.drops, 'MG_ERR_UNKNOWN');
        this.logger.warn({ err: String(err), type: msg.type, link: link.id }, 'control handler threw');
      }
    }
  }

  stats(): ControlBusStats {
    return { received: { ...this.counters.received }, sent: { ...this.counters.sent }, drops: { ...this.counters.drops } };
  }

  private sendOn(link: Link, type: string, body: unknown): boolean {
    let ok: boolean;
    try {
      ok = link.sendControl({ type, body });
    } catch {
      ok = false; // closed between the check and the send
    }
    if (ok) this.bump(this.counters.sent, type);
    return ok;
  }

  private bump(map: Record<string, number>, key: string): void {
    const k = Object.hasOwn(map, key) || Object.keys(map).length < MAX_COUNTED_CONTROL_TYPES ? key : 'other';
    map[k] = (map[k] ?? 0) + 1;
  }
}
