/**
 * A small typed event emitter for core components (DESIGN.md §3: events are typed, owned
 * by a component, removed on stop; a throwing listener is logged, never fatal).
 */
import type { Logger } from '../ports/logger.js';

/** An event map: event name → listener taking one argument. */
export type EventMap<E> = { [K in keyof E]: (arg: any) => void };

export class TypedEmitter<E extends EventMap<E>> {
  private readonly listeners = new Map<keyof E, Set<E[keyof E]>>();
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger;
  }

  on<K extends keyof E>(event: K, listener: E[K]): void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
  }

  off<K extends keyof E>(event: K, listener: E[K]): void {
    this.listeners.get(event)?.delete(listener);
  }

  /** True when `event` has at least one listener (lets callers skip building the argument). */
  has<K extends keyof E>(event: K): boolean {
    return (this.listeners.get(event)?.size ?? 0) > 0;
  }

  /** Call every listener of `event`; a throwing listener is logged at warn and skipped. */
  emit<K extends keyof E>(event: K, arg: Parameters<E[K]>[0]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const l of set) {
      try {
        l(arg);
      } catch (err) {
        this.logger.warn({ event: String(event), err: String(err) }, 'event listener threw');
      }
    }
  }

  /** Remove every listener. */
  clear(): void {
    this.listeners.clear();
  }
}
