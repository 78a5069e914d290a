/**
 * The signer side of the ledger module: for each billable packet that arrives verified
 * (the engine checked the origin's signature) from a gateway that speaks ProofOfRelay, it
 * queues a receipt carrying the latency and availability this gateway measured; the
 * {@link ReceiptIssuer} groups them per relayer; each batch gets its counters, its
 * signature and its row in `ledger_issued` in one transaction (so counters never repeat
 * after a crash and unacknowledged batches can be re-sent), then goes out as a
 * `receipt-batch` control message. Acknowledgements (`receipt-ack`) mark batches done.
 */
import type { KeyObject } from 'node:crypto';
import type { Clock } from '../../ports/clock.js';
import type { PacketEvent } from '../../mesh/index.js';
import type { ControlBus, ControlEnvelope } from '../../overlay/control-bus.js';
import { toHex } from '../../protocol/hex.js';
import { packetIdHex } from '../../protocol/packet-id.js';
import { Flags, isBroadcast, type BitchatPacket } from '../../protocol/packet.js';
import {
  AvailabilityTracker,
  BASE_FEE,
  BILLABLE_TYPES,
  BROADCAST_PEER_ID,
  RECEIPT_BATCH_TYPE,
  ReceiptIssuer,
  epochOf,
  performanceBonus,
  receiptBatchToBody,
  signReceiptBatch,
  type PendingReceipt,
  type RewardRules,
} from '../../ledger/index.js';
import type { LedgerStore } from './ledger-store.js';
import type { LedgerSettings } from './ledger-module.js';

/** An origin-signed, billable (message, file transfer, voice), non-sync-response packet. */
export function billable(p: BitchatPacket): boolean {
  return BILLABLE_TYPES.has(p.type) && p.signature !== undefined && (p.flags & Flags.IS_RSR) === 0;
}

/** The receipt's recipient field: the packet's recipient, or all-FF for a broadcast. */
export function recipientOf(p: BitchatPacket): string {
  return isBroadcast(p) ? BROADCAST_PEER_ID : toHex(p.recipientID as Uint8Array);
}

export interface ReceiptSignerComponents {
  clock: Clock;
  store: LedgerStore;
  control: ControlBus;
  /** This gateway's Ed25519 signing key. */
  key: KeyObject;
  /** This gateway's peer ID. */
  self: string;
  rules: () => RewardRules;
  /** The relayer's peer ID when `linkId` is a gateway link that speaks ProofOfRelay. */
  relayerOn: (linkId: string) => string | undefined;
  /** Open ProofOfRelay link IDs to `peerId`. */
  linksTo: (peerId: string) => string[];
  /** Run a storage step: failures counted and logged by the module, undefined returned. */
  guard: <T>(fn: () => T) => T | undefined;
}

export class ReceiptSigner {
  private readonly c: ReceiptSignerComponents;
  private readonly settings: LedgerSettings;
  readonly availability: AvailabilityTracker;
  readonly issuer: ReceiptIssuer;
  readonly counters = { receiptsSigned: 0, acksReceived: 0, abandoned: 0 };

  constructor(components: ReceiptSignerComponents, settings: LedgerSettings) {
    this.c = components;
    this.settings = settings;
    this.availability = new AvailabilityTracker({ windowStart: components.clock.now() });
    this.issuer = new ReceiptIssuer({ clock: components.clock, issue: (relayer, entries) => this.issue(relayer, entries) }, { maxEntries: settings.receiptBatchMax, delayMs: settings.receiptBatchDelayMs });
  }

  /** An accepted packet from the engine: queue a receipt when it qualifies. */
  onPacket(e: PacketEvent): void {
    const relayer = this.c.relayerOn(e.linkId);
    if (!relayer || e.reassembled || e.verified !== true) return;
    const packet = e.frame.packet;
    if (!billable(packet)) return;
    const origin = toHex(packet.senderID);
    if (origin === relayer || origin === this.c.self) return;
    const now = this.c.clock.now();
    this.issuer.add({
      type: packet.type,
      epoch: epochOf(now, this.settings.epochMs),
      packetId: packetIdHex(packet.type, packet.senderID, packet.timestamp, packet.payload),
      origin,
      recipient: recipientOf(packet),
      relayer,
      signer: this.c.self,
      receivedAt: now,
      latencyMs: Math.min(0xffff_ffff, Math.max(0, Math.round(now - packet.timestamp))),
      availabilityPermille: this.availability.permille(relayer, now),
    });
  }

  /** A `receipt-ack` from a relayer. Returns false for a malformed body. */
  onAck(env: ControlEnvelope): boolean {
    const b = env.body as { root?: unknown } | null;
    if (!env.peerId || !b || typeof b !== 'object' || typeof b.root !== 'string' || !/^[0-9a-f]{64}$/.test(b.root)) return false;
    const root = b.root;
    if (this.c.guard(() => this.c.store.ack(env.peerId as string, root))) this.counters.acksReceived++;
    return true;
  }

  /** Re-send the relayer's unacknowledged batches on `linkId`; returns how many went out. */
  resend(peerId: string, linkId: string): number {
    let n = 0;
    for (const r of this.c.store.unacked(peerId, this.settings.maxUnackedBatches)) {
      if (this.c.control.send(linkId, RECEIPT_BATCH_TYPE, JSON.parse(r.body))) n++;
    }
    return n;
  }

  private issue(relayer: string, pending: readonly PendingReceipt[]): void {
    const { store, key } = this.c;
    let body: ReturnType<typeof receiptBatchToBody> | undefined;
    this.c.guard(() => {
      store.issue(relayer, pending.length, this.c.clock.now(), (first) => {
        const entries = pending.map((e, i) => ({ ...e, counter: first + i }));
        body = receiptBatchToBody(signReceiptBatch(entries, key));
        const rules = this.c.rules();
        const units = entries.reduce((s, e) => s + BASE_FEE + performanceBonus(e, rules), 0);
        return { root: body.root, body: JSON.stringify(body), units, epoch: (entries[0] as PendingReceipt).epoch, count: entries.length };
      });
      this.counters.abandoned += store.abandonBeyond(relayer, this.settings.maxUnackedBatches);
    });
    if (!body) return;
    this.counters.receiptsSigned += pending.length;
    for (const linkId of this.c.linksTo(relayer)) if (this.c.control.send(linkId, RECEIPT_BATCH_TYPE, body)) return;
  }
}
