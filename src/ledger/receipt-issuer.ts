/**
 * Signer-side batching of receipts: entries for each relayer wait until `maxEntries` are
 * pending or `delayMs` has passed since the first one, then go out as one signed batch
 * (one Ed25519 signature per batch; receipt-batch.ts). Pure: time comes from the Clock,
 * and `issue` (the module's port) allocates counters, signs, stores and sends.
 */
import type { Clock, TimerHandle } from '../ports/clock.js';
import type { ReceiptEntry } from './receipt.js';

/** A receipt entry before its counter is allocated. */
export type PendingReceipt = Omit<ReceiptEntry, 'counter'>;

export interface ReceiptIssuerComponents {
  clock: Clock;
  /** Allocate counters, sign, persist and send one batch for `relayer`. Must not throw (errors are the port's to count). */
  issue(relayer: string, entries: readonly PendingReceipt[]): void;
}

export interface ReceiptIssuerInit {
  /** Entries per batch (1..512); a full buffer is issued at once. */
  maxEntries: number;
  /** Longest wait before a partial batch is issued, ms (0 = issue at once). */
  delayMs: number;
}

export class ReceiptIssuer {
  private readonly clock: Clock;
  private readonly issuePort: ReceiptIssuerComponents['issue'];
  private readonly init: ReceiptIssuerInit;
  private readonly pending = new Map<string, PendingReceipt[]>();
  private timer: TimerHandle | undefined;
  private issuedBatches = 0;
  private issuedEntries = 0;

  constructor(components: ReceiptIssuerComponents, init: ReceiptIssuerInit) {
    this.clock = components.clock;
    this.issuePort = components.issue;
    this.init = init;
  }

  /** Queue one receipt for its relayer. */
  add(entry: PendingReceipt): void {
    let list = this.pending.get(entry.relayer);
    if (!list) this.pending.set(entry.relayer, (list = []));
    list.push(entry);
    if (list.length >= this.init.maxEntries) {
      this.flushRelayer(entry.relayer);
      return;
    }
    if (this.init.delayMs <= 0) this.flushRelayer(entry.relayer);
    else if (this.timer === undefined) this.timer = this.clock.setTimer(() => this.onTimer(), this.init.delayMs);
  }

  /** Issue everything pending now (epoch roll, stop). */
  flushAll(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    for (const relayer of [...this.pending.keys()]) this.flushRelayer(relayer);
  }

  /** Entries waiting, in total. */
  get pendingCount(): number {
    let n = 0;
    for (const l of this.pending.values()) n += l.length;
    return n;
  }

  stats(): { pending: number; issuedBatches: number; issuedEntries: number } {
    return { pending: this.pendingCount, issuedBatches: this.issuedBatches, issuedEntries: this.issuedEntries };
  }

  /** Drop pending entries and the timer (stop without issuing). */
  clear(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  private onTimer(): void {
    this.timer = undefined;
    this.flushAll();
  }

  private flushRelayer(relayer: string): void {
    const list = this.pending.get(relayer);
    this.pending.delete(relayer);
    if (!list || list.length === 0) return;
    this.issuedBatches++;
    this.issuedEntries += list.length;
    this.issuePort(relayer, list);
  }
}
