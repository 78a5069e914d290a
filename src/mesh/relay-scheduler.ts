/**
 * Jittered broadcast relays waiting for their delay (bitchat-spec.md §6), keyed by the
 * packet's duplicate key so that a duplicate arriving meanwhile can suppress them.
 * Upstream: iOS `BLEService` `scheduledRelays` (a work item per message ID, cancelled when
 * the message is seen again).
 *
 * Duplicate handling (`onDuplicate`):
 * - `prune` (default): the neighbour on the link the duplicate came from evidently has the
 *   packet, so that link is removed from the relay's targets; the relay is cancelled when no
 *   target is left. Never loses delivery on point-to-point links.
 * - `cancel` (iOS): when degree > 2, cancel the whole relay. Assumes neighbours overlap as
 *   on a shared radio; on point-to-point links (a triangle of gateways) it can starve a
 *   neighbour that only this node would have served.
 *
 * Bound: at most `maxScheduled` relays wait at once (default 4,096). When full, `schedule`
 * returns false and the caller sends immediately (no loss, only no jitter).
 */
import type { Clock, TimerHandle } from '../ports/clock.js';

export type DuplicateAction = 'prune' | 'cancel';

/** Sends a relay frame to the given link ids (called when the jitter delay elapses). */
export type RelaySender = (frame: Uint8Array, targetLinkIds: readonly string[]) => void;

interface Pending {
  timer: TimerHandle;
  frame: Uint8Array;
  targets: string[];
}

export const DEFAULT_MAX_SCHEDULED_RELAYS = 4_096;

export interface RelaySchedulerInit {
  maxScheduled?: number;
  duplicateAction?: DuplicateAction;
}

export class RelayScheduler {
  readonly maxScheduled: number;
  readonly duplicateAction: DuplicateAction;
  private readonly clock: Clock;
  private readonly send: RelaySender;
  private readonly pending = new Map<string, Pending>();
  private cancelledCount = 0;
  private prunedCount = 0;
  private overflowCount = 0;

  constructor(components: { clock: Clock; send: RelaySender }, init: RelaySchedulerInit = {}) {
    this.clock = components.clock;
    this.send = components.send;
    this.maxScheduled = Math.max(0, init.maxScheduled ?? DEFAULT_MAX_SCHEDULED_RELAYS);
    this.duplicateAction = init.duplicateAction ?? 'prune';
  }

  /**
   * Schedule `frame` to be sent to `targets` after `delayMs`.
   * @returns false (nothing scheduled) when the scheduler is full or `key` is already
   *   scheduled; the caller then sends immediately.
   */
  schedule(key: string, frame: Uint8Array, targets: string[], delayMs: number): boolean {
    if (this.pending.has(key)) return false;
    if (this.pending.size >= this.maxScheduled) {
      this.overflowCount++;
      return false;
    }
    const timer = this.clock.setTimer(() => {
      const p = this.pending.get(key);
      if (!p) return;
      this.pending.delete(key);
      if (p.targets.length > 0) this.send(p.frame, p.targets);
    }, delayMs);
    this.pending.set(key, { timer, frame, targets });
    return true;
  }

  /**
   * A duplicate of a scheduled packet arrived on `linkId` while `degree` links are open.
   * @returns what happened: `pruned` (link removed from targets), `cancelled`, or `none`.
   */
  onDuplicate(key: string, linkId: string, degree: number): 'pruned' | 'cancelled' | 'none' {
    const p = this.pending.get(key);
    if (!p) return 'none';
    if (this.duplicateAction === 'cancel') {
      if (degree <= 2) return 'none';
      this.cancel(key);
      return 'cancelled';
    }
    const i = p.targets.indexOf(linkId);
    if (i < 0) return 'none';
    p.targets.splice(i, 1);
    if (p.targets.length === 0) {
      this.cancel(key);
      return 'cancelled';
    }
    this.prunedCount++;
    return 'pruned';
  }

  /** Remove a closed link from every waiting relay's targets. */
  dropLink(linkId: string): void {
    for (const [key, p] of this.pending) {
      const i = p.targets.indexOf(linkId);
      if (i < 0) continue;
      p.targets.splice(i, 1);
      if (p.targets.length === 0) {
        this.clock.clearTimer(p.timer);
        this.pending.delete(key);
      }
    }
  }

  has(key: string): boolean {
    return this.pending.has(key);
  }

  /** Targets still waiting for `key` (a copy), or undefined. */
  targetsOf(key: string): string[] | undefined {
    const p = this.pending.get(key);
    return p ? [...p.targets] : undefined;
  }

  private cancel(key: string): void {
    const p = this.pending.get(key);
    if (!p) return;
    this.clock.clearTimer(p.timer);
    this.pending.delete(key);
    this.cancelledCount++;
  }

  /** Cancel every waiting relay (engine stop). */
  clear(): void {
    for (const p of this.pending.values()) this.clock.clearTimer(p.timer);
    this.pending.clear();
  }

  get size(): number {
    return this.pending.size;
  }

  /** Counters: relays cancelled by duplicates, links pruned, schedules refused because full. */
  counters(): { cancelled: number; pruned: number; overflow: number } {
    return { cancelled: this.cancelledCount, pruned: this.prunedCount, overflow: this.overflowCount };
  }
}
