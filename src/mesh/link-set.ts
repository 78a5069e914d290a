/**
 * The links attached to the mesh engine, with per-link engine counters and a send that
 * never throws (bitchat-spec.md §6 egress; DESIGN.md §4: failures are counted per link
 * and code). Bounded by the link adapters (each link is one neighbour).
 */
import { errorCodeOf } from '../errors.js';
import type { Link } from '../ports/link.js';
import type { LinkMeshStats } from './mesh-types.js';

/** One attached link and its engine-side counters. */
export interface LinkState {
  readonly link: Link;
  readonly stats: LinkMeshStats;
  readonly onFrame: (frame: Uint8Array) => void;
  readonly onClose: () => void;
}

function bump(rec: Record<string, number>, code: string): void {
  rec[code] = (rec[code] ?? 0) + 1;
}

export class LinkSet {
  private readonly links = new Map<string, LinkState>();
  private readonly onFrame: (ls: LinkState, frame: Uint8Array) => void;
  private readonly onClose: (link: Link) => void;

  constructor(handlers: { onFrame: (ls: LinkState, frame: Uint8Array) => void; onClose: (link: Link) => void }) {
    this.onFrame = handlers.onFrame;
    this.onClose = handlers.onClose;
  }

  /** Attach an open link (listens to `frame` and `close`). Returns undefined if already attached or closed. */
  attach(link: Link): LinkState | undefined {
    if (this.links.has(link.id) || !link.isOpen) return undefined;
    const ls: LinkState = {
      link,
      stats: { received: 0, accepted: 0, relayedOut: 0, dropsByCode: {}, sendErrorsByCode: {} },
      onFrame: (frame) => this.onFrame(ls, frame),
      onClose: () => this.onClose(link),
    };
    this.links.set(link.id, ls);
    link.on('frame', ls.onFrame);
    link.on('close', ls.onClose);
    return ls;
  }

  /** Detach `link` if it is the attached one with that id. Returns true if it was. */
  detach(link: Link): boolean {
    const ls = this.links.get(link.id);
    if (!ls || ls.link !== link) return false;
    link.off('frame', ls.onFrame);
    link.off('close', ls.onClose);
    this.links.delete(link.id);
    return true;
  }

  get(id: string): LinkState | undefined {
    return this.links.get(id);
  }

  isOpen(id: string): boolean {
    return this.links.get(id)?.link.isOpen === true;
  }

  /** Number of attached links (the node's degree). */
  get size(): number {
    return this.links.size;
  }

  ids(): IterableIterator<string> {
    return this.links.keys();
  }

  values(): IterableIterator<LinkState> {
    return this.links.values();
  }

  /** Ids of open links other than `except`. */
  openIdsExcept(except: LinkState | undefined): string[] {
    const ids: string[] = [];
    for (const [id, ls] of this.links) if (ls !== except && ls.link.isOpen) ids.push(id);
    return ids;
  }

  /**
   * Send one frame on a link; never throws. A thrown MeshgateError (closed, too large) or a
   * `false` return (queue full: MG_ERR_LINK_QUEUE_FULL) is counted in `sendErrorsByCode`.
   * @returns true when the link accepted the frame.
   */
  sendOn(ls: LinkState, frame: Uint8Array): boolean {
    if (!ls.link.isOpen) {
      bump(ls.stats.sendErrorsByCode, 'MG_ERR_LINK_CLOSED');
      return false;
    }
    try {
      if (ls.link.send(frame)) {
        ls.stats.relayedOut++;
        return true;
      }
      bump(ls.stats.sendErrorsByCode, 'MG_ERR_LINK_QUEUE_FULL');
    } catch (err) {
      bump(ls.stats.sendErrorsByCode, errorCodeOf(err));
    }
    return false;
  }

  /** Send one frame to each listed link id (unknown ids are skipped). Returns how many accepted it. */
  sendTo(ids: readonly string[], frame: Uint8Array): number {
    let n = 0;
    for (const id of ids) {
      const ls = this.links.get(id);
      if (ls && this.sendOn(ls, frame)) n++;
    }
    return n;
  }

  /** Count an ingress drop on a link. */
  countDrop(ls: LinkState, code: string): void {
    bump(ls.stats.dropsByCode, code);
  }

  /** Copies of every attached link's counters, by link id. */
  stats(): Record<string, LinkMeshStats> {
    const out: Record<string, LinkMeshStats> = {};
    for (const [id, ls] of this.links) {
      out[id] = { ...ls.stats, dropsByCode: { ...ls.stats.dropsByCode }, sendErrorsByCode: { ...ls.stats.sendErrorsByCode } };
    }
    return out;
  }
}
