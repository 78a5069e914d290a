/**
 * MemoryLinkAdapter: a LinkAdapter (kind `'memory'`) that hands over links it is given, so
 * memory links (from {@link MemoryMedium.connect}) can be plugged into a gateway the same
 * way as LAN or BLE links. Modelled on libp2p's `packages/transport-memory`.
 */
import type { Link } from '../../ports/link.js';
import { BaseLinkAdapter } from '../base-link-adapter.js';
import { silentLogger, type Logger } from '../../ports/logger.js';

export interface MemoryLinkAdapterComponents {
  logger?: Logger;
}

export interface MemoryLinkAdapterInit {
  /** Most links held open at once; further `attach` calls close the link (default 1,024). */
  maxLinks?: number;
}

/** Emits `link` for each link passed to {@link attach}; closes them all on `stop()`. */
export class MemoryLinkAdapter extends BaseLinkAdapter {
  readonly kind = 'memory' as const;
  private readonly logger: Logger;
  private readonly maxLinks: number;
  private readonly links = new Set<Link>();
  private pending: Link[] = [];
  private state: 'idle' | 'started' | 'stopped' = 'idle';
  private refusedCount = 0;

  constructor(components: MemoryLinkAdapterComponents = {}, init: MemoryLinkAdapterInit = {}) {
    const logger = (components.logger ?? silentLogger).child({ component: 'memory-adapter' });
    super(logger);
    this.logger = logger;
    this.maxLinks = init.maxLinks ?? 1_024;
  }

  /** Links refused because `maxLinks` were open or the adapter was stopped. */
  get refused(): number {
    return this.refusedCount;
  }

  /** Open links handed over and not yet closed. */
  get size(): number {
    return this.links.size;
  }

  /**
   * Hand a link to the adapter. Before `start()` it is held and emitted on start; after
   * `stop()`, or when `maxLinks` are open, the link is closed and counted as refused.
   * Returns whether the link was accepted.
   */
  attach(link: Link): boolean {
    if (this.state === 'stopped' || this.links.size + this.pending.length >= this.maxLinks) {
      this.refusedCount++;
      this.logger.debug({ link: link.id }, 'memory link refused');
      void link.close(this.state === 'stopped' ? 'adapter stopped' : 'too many links');
      return false;
    }
    if (!link.isOpen) return false;
    if (this.state === 'idle') {
      this.pending.push(link);
      return true;
    }
    this.accept(link);
    return true;
  }

  async start(): Promise<void> {
    if (this.state !== 'idle') return;
    this.state = 'started';
    const held = this.pending;
    this.pending = [];
    for (const l of held) if (l.isOpen) this.accept(l);
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    const all = [...this.links, ...this.pending];
    this.pending = [];
    await Promise.all(all.map((l) => l.close('adapter stopped')));
    this.links.clear();
    this.clearListeners();
  }

  private accept(link: Link): void {
    this.links.add(link);
    link.on('close', () => this.links.delete(link));
    this.emit('link', link);
  }
}
