/**
 * Shared listener machinery for LinkAdapter implementations: typed `link` / `error`
 * listeners; a throwing listener is logged at warn, never fatal (DESIGN.md §3).
 */
import type { LinkAdapter, LinkAdapterEvents, LinkKind } from '../ports/link.js';
import type { Logger } from '../ports/logger.js';

export abstract class BaseLinkAdapter implements LinkAdapter {
  abstract readonly kind: LinkKind;
  private readonly adapterListeners: { [E in keyof LinkAdapterEvents]: Set<LinkAdapterEvents[E]> } = { link: new Set(), error: new Set() };
  private readonly listenerLogger: Logger;

  protected constructor(logger: Logger) {
    this.listenerLogger = logger;
  }

  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;

  on<E extends keyof LinkAdapterEvents>(event: E, listener: LinkAdapterEvents[E]): void {
    (this.adapterListeners[event] as Set<LinkAdapterEvents[E]>).add(listener);
  }

  off<E extends keyof LinkAdapterEvents>(event: E, listener: LinkAdapterEvents[E]): void {
    (this.adapterListeners[event] as Set<LinkAdapterEvents[E]>).delete(listener);
  }

  /** Call every listener of `event` with `arg`, in registration order. */
  protected emit<E extends keyof LinkAdapterEvents>(event: E, arg: Parameters<LinkAdapterEvents[E]>[0]): void {
    for (const l of [...this.adapterListeners[event]]) {
      try {
        (l as (a: typeof arg) => void)(arg);
      } catch (err) {
        this.listenerLogger.warn({ err: String(err), event }, 'adapter listener threw');
      }
    }
  }

  /** Forget every listener (on stop). */
  protected clearListeners(): void {
    this.adapterListeners.link.clear();
    this.adapterListeners.error.clear();
  }
}
