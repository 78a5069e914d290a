/**
 * Whether the gateway's wall clock is known to be synchronised (NTP, GPS or RTC).
 * iOS drops every non-RSR packet more than ±120 s from its own clock (bitchat-spec.md §6,
 * iOS `BLEIngressPacketGuard.swift`), so the mesh engine originates nothing while the clock
 * is unsynchronised and only applies its own freshness check when it is.
 *
 * Pure state: the I/O that asks timedatectl/chrony lives in `src/gateway/clock-sync.ts`
 * and calls {@link ClockState.set}.
 */

/** A status snapshot of the clock state (for /api/status). */
export interface ClockStateSnapshot {
  synchronized: boolean;
  /** Who said so: `timedatectl`, `chronyc`, `config`, `none`, `test`, ... (`unknown` before the first check). */
  source: string;
  /** Free text from the source, e.g. `NTPSynchronized=yes`. */
  detail: string;
  /** ms since the epoch of the last `set`, or null before the first check. */
  checkedAt: number | null;
}

/** Called when `synchronized` flips. */
export type ClockStateListener = (synchronized: boolean) => void;

/**
 * Holder of the clock-synchronisation flag. Starts unsynchronised (source `unknown`).
 * Listeners are told when the flag flips; a throwing listener is ignored (the owner logs).
 */
export class ClockState {
  private state: ClockStateSnapshot = { synchronized: false, source: 'unknown', detail: '', checkedAt: null };
  private readonly listeners = new Set<ClockStateListener>();

  /** @param initial optional starting state (e.g. `{ synchronized: true, source: 'test' }`). */
  constructor(initial?: { synchronized: boolean; source?: string; detail?: string; checkedAt?: number }) {
    if (initial) {
      this.state = {
        synchronized: initial.synchronized,
        source: initial.source ?? 'config',
        detail: initial.detail ?? '',
        checkedAt: initial.checkedAt ?? null,
      };
    }
  }

  /** True when the clock is known to be synchronised. */
  isSynchronized(): boolean {
    return this.state.synchronized;
  }

  /**
   * Record the result of a clock check.
   * @param synchronized the clock is within NTP/GPS/RTC accuracy
   * @param source who said so
   * @param detail free text for the status page
   * @param checkedAt ms since the epoch of the check (from the caller's Clock)
   */
  set(synchronized: boolean, source: string, detail = '', checkedAt?: number): void {
    const flipped = synchronized !== this.state.synchronized;
    this.state = { synchronized, source, detail, checkedAt: checkedAt ?? this.state.checkedAt };
    if (!flipped) return;
    for (const l of [...this.listeners]) {
      try {
        l(synchronized);
      } catch {
        // listeners own their error handling; a throwing listener never breaks the setter
      }
    }
  }

  /** A copy of the current state. */
  snapshot(): ClockStateSnapshot {
    return { ...this.state };
  }

  /**
   * Subscribe to flips of the flag (registration, not data: one per subscriber, removed by
   * the returned unsubscribe function; the mesh engine unsubscribes on `stop()`).
   */
  onChange(listener: ClockStateListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
