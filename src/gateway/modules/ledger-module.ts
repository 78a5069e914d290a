/**
 * Gateway module `ledger`: proof-of-relay accounting wired into the daemon.
 *
 * Relayer side — when this gateway hands an origin-signed, billable bitchat packet to
 * another gateway (observed by wrapping gateway links, {@link SendObservedLink}), it records
 * the hand-over (`ledger_sent`). Receipt batches that come back (control type
 * `receipt-batch`) are checked (signature → MG_ERR_LEDGER_FORGED, root →
 * MG_ERR_LEDGER_BATCH_TAMPERED, shape → MG_ERR_LEDGER_RECEIPT_INVALID), stored in one
 * transaction, acknowledged (`receipt-ack`), then credited by the reward rules
 * (src/ledger/rewards.ts) in a second transaction, and sealed into signed, chained ledger
 * batches every `ledgerBatchIntervalMs`, at each epoch end and on stop.
 *
 * Signer side — {@link ReceiptSigner} (ledger-signer.ts); unacknowledged batches are
 * re-sent when the relayer says hello again.
 *
 * Negotiation: each side sends `ledger-hello` `{ v: 1, features: ['proof-of-relay'],
 * signingPublicKey }` on every gateway link; receipts are only issued to, and hand-overs
 * only recorded for, peers whose hello arrived. The overlay module's negotiated session
 * decides first: a session without ProofOfRelay turns the ledger off for that link; a link
 * without a session falls back to a feature list on the link object.
 *
 * Test-only fault point: with components.faultPoint `ledger-after-receipt` (set from the
 * environment variable MESHGATE_TEST_FAULT by src/gateway/modules.ts) the process kills
 * itself right after a receipt batch is stored and before it is credited.
 *
 * Why over 400 lines in one file: this is the wiring of both sides of the protocol (link
 * events, the three control messages, epochs, status); storage (ledger-store.ts), sealing,
 * export, the signer and the link decorator are in files of their own, and every rule is in
 * src/ledger.
 */
import type { KeyObject } from 'node:crypto';
import type { GatewayModule, GatewayModuleContext } from '../module.js';
import type { GatewayConfig } from '../config.js';
import type { Link } from '../../ports/link.js';
import type { TimerHandle } from '../../ports/clock.js';
import type { PacketEvent, PeerEvent } from '../../mesh/index.js';
import type { ControlEnvelope } from '../../overlay/control-bus.js';
import { MeshgateError, errorCodeOf, type ErrorCode } from '../../errors.js';
import { toHex } from '../../protocol/hex.js';
import { ed25519PrivateKey } from '../../protocol/keys.js';
import { decodePacket } from '../../protocol/codec.js';
import { packetIdHex } from '../../protocol/packet-id.js';
import { Flags, type BitchatPacket } from '../../protocol/packet.js';
import {
  BILLABLE_TYPES,
  RECEIPT_BATCH_TYPE,
  assessReceipt,
  auditExport,
  decodeReceiptEntry,
  epochEnd,
  epochOf,
  mulberry32,
  parseReceiptBatchBody,
  verifyReceiptBatch,
  type RewardRules,
} from '../../ledger/index.js';
import { LedgerStore, migrateLedger } from './ledger-store.js';
import { SendObservedLink, negotiatedFeature } from './ledger-link.js';
import type { OverlayModule } from './overlay-module.js';
import { ReceiptSigner, billable, recipientOf } from './ledger-signer.js';
import { buildLedgerExport } from './ledger-exporter.js';
import { sealLedger } from './ledger-sealer.js';

/** Shortest interval between two re-sends of unacknowledged receipt batches on one link, ms. */
export const RESEND_MIN_INTERVAL_MS = 10_000;

/** Control type of the feature hello. */
export const LEDGER_HELLO_TYPE = 'ledger-hello';
/** Control type of a receipt-batch acknowledgement `{ v: 1, root }`. */
export const RECEIPT_ACK_TYPE = 'receipt-ack';
/** The feature name exchanged in `ledger-hello` (issue 8 "ProofOfRelay"). */
export const PROOF_OF_RELAY = 'proof-of-relay';
/** Pending receipts credited per transaction. */
export const CREDIT_CHUNK = 1_000;
/** Test-only fault point name. */
export const FAULT_AFTER_RECEIPT = 'ledger-after-receipt';

export type LedgerSettings = GatewayConfig['ledger'];

export interface LedgerModuleComponents {
  /** Test-only fault point (see the file comment). */
  faultPoint?: string | undefined;
  /** What the fault point does (default: SIGKILL this process, like `kill -9`). */
  crash?: () => void;
}

interface PeerLink {
  link: Link;
  peerId: string;
  proofOfRelay: boolean;
}

/** The `ledger` gateway module (see the file comment). */
export class LedgerModule implements GatewayModule {
  readonly name = 'ledger';
  private readonly settings: LedgerSettings;
  private readonly faultPoint: string | undefined;
  private readonly crash: () => void;
  private ctx: GatewayModuleContext | undefined;
  private store: LedgerStore | undefined;
  private key: KeyObject | undefined;
  private self = '';
  private selfKey = '';
  private epoch = 0;
  private signer: ReceiptSigner | undefined;
  private readonly peers = new Map<string, PeerLink>();
  private readonly unsubscribe: Array<() => void> = [];
  private epochTimer: TimerHandle | undefined;
  private sealTimer: TimerHandle | undefined;
  /** When unacknowledged batches were last re-sent on each link (ms), for the resend rate limit. */
  private readonly lastResendAt = new Map<string, number>();
  private readonly counters = { sentRecorded: 0, batchesReceived: 0, receiptsStored: 0, redelivered: 0, resent: 0, storageErrors: 0, notNegotiated: 0 };
  private readonly rejectedSession: Record<string, number> = {};

  constructor(components: LedgerModuleComponents, settings: LedgerSettings) {
    this.settings = settings;
    this.faultPoint = components.faultPoint;
    this.crash = components.crash ?? (() => process.kill(process.pid, 'SIGKILL'));
  }

  get rules(): RewardRules {
    const s = this.settings;
    return { latencyGoodMs: s.latencyGoodMs, latencyBadMs: s.latencyBadMs, capPerPair: s.capPerPair, capPerEpoch: s.capPerEpoch, newIdentityAgeMs: s.newIdentityAgeMs };
  }

  /** The store (after start), for tests and the CLI-equivalent paths. */
  get ledgerStore(): LedgerStore {
    if (!this.store) throw new MeshgateError('MG_ERR_UNKNOWN', 'ledger module not started');
    return this.store;
  }

  start(ctx: GatewayModuleContext): void {
    this.ctx = ctx;
    const now = ctx.clock.now();
    migrateLedger({ logger: ctx.logger, now: () => ctx.clock.now() }, ctx.db);
    const store = (this.store = new LedgerStore({ db: ctx.db }));
    this.self = ctx.identity.peerId;
    this.selfKey = toHex(ctx.identity.keys.signingPublicKey);
    this.key = ed25519PrivateKey(ctx.identity.keys.signingPrivateKey);
    store.noteIdentity(this.self, this.selfKey, now);
    this.epoch = epochOf(now, this.settings.epochMs);
    this.signer = new ReceiptSigner(
      {
        clock: ctx.clock,
        store,
        control: ctx.control,
        key: this.key,
        self: this.self,
        rules: () => this.rules,
        relayerOn: (linkId) => {
          const p = this.peers.get(linkId);
          return p?.proofOfRelay ? p.peerId : undefined;
        },
        linksTo: (peerId) => [...this.peers.values()].filter((p) => p.peerId === peerId && p.proofOfRelay).map((p) => p.link.id),
        guard: (fn) => this.guard(fn),
      },
      this.settings,
    );
    const signer = this.signer;
    this.unsubscribe.push(
      ctx.control.on(RECEIPT_BATCH_TYPE, (env) => this.onReceiptBatch(env)),
      ctx.control.on(RECEIPT_ACK_TYPE, (env) => {
        if (!signer.onAck(env)) this.reject('MG_ERR_CONTROL_BAD_BODY', 1);
      }),
      ctx.control.on(LEDGER_HELLO_TYPE, (env) => this.onHello(env)),
    );
    const onUp = (e: { link: Link }) => this.onLinkUp(e.link);
    const onDown = (e: { link: Link }) => this.onLinkDown(e.link);
    const onPacket = (e: PacketEvent) => signer.onPacket(e);
    const onPeer = (e: PeerEvent) => {
      if (e.kind !== 'removed') this.guard(() => store.noteIdentity(e.peer.peerId, e.peer.signingPublicKey, ctx.clock.now()));
    };
    ctx.events.on('link-up', onUp);
    ctx.events.on('link-down', onDown);
    ctx.engine.on('packet', onPacket);
    ctx.engine.on('peer', onPeer);
    this.unsubscribe.push(
      () => ctx.events.off('link-up', onUp),
      () => ctx.events.off('link-down', onDown),
      () => ctx.engine.off('packet', onPacket),
      () => ctx.engine.off('peer', onPeer),
    );
    // Recovery after a crash: credit receipts stored but not credited, seal what is unsealed.
    const pending = store.pendingCount();
    if (pending > 0) ctx.logger.info({ pending }, 'crediting receipts stored before the last shutdown');
    this.credit();
    this.seal();
    this.armEpochTimer();
    this.armSealTimer();
  }

  stop(): void {
    this.signer?.issuer.flushAll();
    this.credit();
    this.seal();
    if (this.epochTimer && this.ctx) this.ctx.clock.clearTimer(this.epochTimer);
    if (this.sealTimer && this.ctx) this.ctx.clock.clearTimer(this.sealTimer);
    this.epochTimer = this.sealTimer = undefined;
    for (const u of this.unsubscribe.splice(0)) u();
    this.signer?.issuer.clear();
    this.peers.clear();
  }

  wrapLink(link: Link): Link {
    if (!link.isGatewayLink || negotiatedFeature(link) === false) return link;
    return new SendObservedLink(link, (frame) => this.onSent(link.id, frame));
  }

  // ---- links and negotiation -----------------------------------------------------------

  private onLinkUp(link: Link): void {
    const ctx = this.ctx;
    if (!ctx || !link.isGatewayLink || !link.remotePeerId || this.peers.has(link.id)) return;
    // Version negotiation (the overlay module's session on this link) decides first; a link
    // object carrying its own feature list is the fallback (tests, other transports).
    const session = ctx.module<OverlayModule>('overlay')?.sessionFor(link.id);
    if (session ? !session.features.includes('ProofOfRelay') : negotiatedFeature(link) === false) {
      this.counters.notNegotiated++;
      return;
    }
    const peerId = link.remotePeerId;
    this.peers.set(link.id, { link, peerId, proofOfRelay: false });
    const helloKey = (link as { peer?: { signingPublicKey?: unknown } }).peer?.signingPublicKey;
    this.guard(() => this.store?.noteIdentity(peerId, typeof helloKey === 'string' ? helloKey : undefined, ctx.clock.now()));
    this.signer?.availability.linkUp(peerId, ctx.clock.now());
    ctx.control.send(link.id, LEDGER_HELLO_TYPE, { v: 1, features: [PROOF_OF_RELAY], signingPublicKey: this.selfKey });
  }

  private onLinkDown(link: Link): void {
    const p = this.peers.get(link.id);
    if (!p || !this.ctx) return;
    this.peers.delete(link.id);
    this.lastResendAt.delete(link.id);
    this.signer?.availability.linkDown(p.peerId, this.ctx.clock.now());
  }

  private onHello(env: ControlEnvelope): void {
    // The hello may overtake our own link-up handling: adopt the link first.
    if (!this.peers.has(env.linkId)) {
      const link = this.ctx?.links().find((l) => l.id === env.linkId);
      if (link) this.onLinkUp(link);
    }
    const p = this.peers.get(env.linkId);
    const b = env.body as { v?: unknown; features?: unknown; signingPublicKey?: unknown } | null;
    if (!p || !b || typeof b !== 'object' || !Array.isArray(b.features)) return this.reject('MG_ERR_CONTROL_BAD_BODY', 1);
    p.proofOfRelay = b.features.includes(PROOF_OF_RELAY);
    if (!p.proofOfRelay || !this.store || !this.ctx) return;
    const key = typeof b.signingPublicKey === 'string' && /^[0-9a-f]{64}$/.test(b.signingPublicKey) ? b.signingPublicKey : undefined;
    this.guard(() => this.store?.noteIdentity(p.peerId, key, this.ctx!.clock.now()));
    // Re-send batches the peer never acknowledged (e.g. it crashed before storing them), at
    // most once per RESEND_MIN_INTERVAL_MS per link: a peer repeating its hello gets no amplification.
    const now = this.ctx.clock.now();
    const last = this.lastResendAt.get(env.linkId);
    if (last !== undefined && now - last < RESEND_MIN_INTERVAL_MS) return;
    this.lastResendAt.set(env.linkId, now);
    this.counters.resent += this.signer?.resend(p.peerId, env.linkId) ?? 0;
  }

  // ---- relayer side -------------------------------------------------------------------

  private onSent(linkId: string, frame: Uint8Array): void {
    const p = this.peers.get(linkId);
    if (!p?.proofOfRelay || !this.store || !this.ctx) return;
    // Cheap header peek (type byte 1, flags byte 11) before a full decode: most frames are not billable.
    if (frame.length < 14 || !BILLABLE_TYPES.has(frame[1] as number) || ((frame[11] as number) & Flags.HAS_SIGNATURE) === 0) return;
    let packet: BitchatPacket;
    try {
      packet = decodePacket(frame).packet;
    } catch {
      return;
    }
    if (!billable(packet)) return;
    const origin = toHex(packet.senderID);
    if (origin === this.self || origin === p.peerId) return; // own packets never earn; nor do packets handed back to their origin
    const now = this.ctx.clock.now();
    this.guard(() => {
      this.store!.recordSent({ packetId: packetIdHex(packet.type, packet.senderID, packet.timestamp, packet.payload), peerId: p.peerId, origin, recipient: recipientOf(packet), type: packet.type, at: now });
      this.store!.noteIdentity(origin, undefined, now);
      this.counters.sentRecorded++;
    });
  }

  private onReceiptBatch(env: ControlEnvelope): void {
    const store = this.store;
    const ctx = this.ctx;
    if (!store || !ctx) return;
    let batch;
    try {
      batch = parseReceiptBatchBody(env.body);
    } catch (err) {
      return this.reject(errorCodeOf(err), 1);
    }
    const n = batch.entries.length;
    if (!env.peerId || batch.signer !== env.peerId || batch.relayer !== this.self) return this.reject('MG_ERR_LEDGER_RECEIPT_INVALID', n);
    const key = store.identity(batch.signer)?.signingKey;
    if (!key) return this.reject('MG_ERR_LEDGER_UNKNOWN_KEY', n);
    this.counters.batchesReceived++;
    // Verify before anything else, redeliveries included: a known root with a bad signature is a forgery, not a redelivery.
    const verdict = verifyReceiptBatch(batch, Buffer.from(key, 'hex'));
    if (!verdict.ok) {
      ctx.logger.warn({ code: verdict.code, signer: batch.signer, reason: verdict.reason }, 'receipt batch rejected');
      // A gateway that sends forged or tampered receipts misbehaves: tell the peer admission (hygiene).
      ctx.admission.report({ peerId: batch.signer, offence: verdict.code === 'MG_ERR_LEDGER_FORGED' ? 'bad-signature' : 'invalid-frame', detail: verdict.code });
      this.guard(() => store.countRejection(verdict.code, n));
      return this.reject(verdict.code, n, { persist: false });
    }
    if (store.hasSignerBatch(batch.signer, batch.root)) {
      this.counters.redelivered++;
      ctx.control.send(env.linkId, RECEIPT_ACK_TYPE, { v: 1, root: toHex(batch.root) });
      return;
    }
    const now = ctx.clock.now();
    const ok = this.guard(() => {
      const r = store.storeReceiptBatch(batch, verdict.entries, now, epochOf(now, this.settings.epochMs));
      this.counters.receiptsStored += r.stored;
      if (r.replayed > 0) this.reject('MG_ERR_LEDGER_REPLAYED', r.replayed, { persist: false });
    });
    if (!ok) return;
    if (this.faultPoint === FAULT_AFTER_RECEIPT) this.crash();
    ctx.control.send(env.linkId, RECEIPT_ACK_TYPE, { v: 1, root: toHex(batch.root) });
    this.credit();
    if (store.unsealedCount() >= this.settings.ledgerBatchMax) this.seal();
  }

  /** Credit every pending receipt (idempotent). */
  private credit(): void {
    const store = this.store;
    const ctx = this.ctx;
    if (!store || !ctx) return;
    for (;;) {
      const now = ctx.clock.now();
      let r: ReturnType<LedgerStore['creditPending']> | undefined;
      this.guard(() => {
        r = store.creditPending({ self: this.self, now, epoch: epochOf(now, this.settings.epochMs), rules: this.rules, limit: CREDIT_CHUNK }, assessReceipt, decodeReceiptEntry);
      });
      if (!r) return;
      for (const [code, k] of Object.entries(r.rejected)) this.reject(code as ErrorCode, k, { persist: false });
      if (r.credited < CREDIT_CHUNK) return;
    }
  }

  /** Seal credited receipts into ledger batches. */
  private seal(): void {
    if (!this.store || !this.ctx || !this.key) return;
    const store = this.store;
    const key = this.key;
    this.guard(() => sealLedger(store, { gateway: this.self, key, now: this.ctx!.clock.now(), maxLeaves: this.settings.ledgerBatchMax }));
  }

  // ---- epochs ---------------------------------------------------------------------------

  private armEpochTimer(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const wait = Math.max(1, epochEnd(this.epoch, this.settings.epochMs) - ctx.clock.now());
    this.epochTimer = ctx.clock.setTimer(() => this.onEpochEnd(), wait);
  }

  private armSealTimer(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    this.sealTimer = ctx.clock.setTimer(() => {
      this.seal();
      this.guard(() => this.store?.pruneSent(ctx.clock.now() - 2 * this.settings.epochMs, this.settings.maxSentRecords));
      this.armSealTimer();
    }, this.settings.ledgerBatchIntervalMs);
  }

  /** Epoch roll: issue and credit what is pending, seal, audit the finished epoch, prune. */
  private onEpochEnd(): void {
    const ctx = this.ctx;
    const store = this.store;
    if (!ctx || !store) return;
    const finished = this.epoch;
    const now = ctx.clock.now();
    this.epoch = epochOf(now, this.settings.epochMs);
    this.signer?.issuer.flushAll();
    this.credit();
    this.seal();
    this.selfAudit(finished);
    this.signer?.availability.resetWindow(now);
    this.guard(() => {
      store.pruneBefore(this.epoch - this.settings.retainEpochs + 1);
      store.pruneIdentities();
    });
    this.armEpochTimer();
  }

  /** Audit this gateway's own export of `epoch` and record the result (skipped for an empty epoch). */
  selfAudit(epoch: number): void {
    const store = this.store;
    const ctx = this.ctx;
    if (!store || !ctx) return;
    this.guard(() => {
      const exp = buildLedgerExport(store, { gateway: { peerId: this.self, signingPublicKey: this.selfKey }, epoch, epochMs: this.settings.epochMs, now: ctx.clock.now(), rules: this.rules });
      if (exp.ledgerBatches.length === 0) return;
      const report = auditExport(exp, { sample: this.settings.auditSample, random: mulberry32(epoch ^ ctx.clock.now()) });
      store.recordAudit({ at: ctx.clock.now(), epoch, source: 'self', ok: report.ok, report });
      if (!report.ok) ctx.logger.warn({ epoch, errorCounts: report.errorCounts }, 'self-audit of the ledger failed');
    });
  }

  // ---- helpers ----------------------------------------------------------------------------

  /** Count `n` receipts (or messages) refused with `code`; persisted unless the store counted them already. */
  private reject(code: ErrorCode, n: number, opts: { persist: boolean } = { persist: true }): void {
    this.rejectedSession[code] = (this.rejectedSession[code] ?? 0) + n;
    if (opts.persist && /^MG_ERR_LEDGER_/.test(code)) this.guard(() => this.store?.countRejection(code, n));
  }

  /** Run a storage step; a failure is counted and logged, never thrown into the mesh. Returns the step's result, or undefined on failure. */
  private guard<T>(fn: () => T): T | undefined {
    try {
      return fn() ?? (true as T);
    } catch (err) {
      this.counters.storageErrors++;
      this.ctx?.logger.warn({ err: String(err), code: errorCodeOf(err) }, 'ledger storage step failed');
      return undefined;
    }
  }

  status(): unknown {
    const store = this.store;
    const ctx = this.ctx;
    if (!store || !ctx) return { enabled: true, started: false };
    const since = this.epoch - 2;
    const head = store.lastBatch();
    return {
      epoch: this.epoch,
      epochMs: this.settings.epochMs,
      epochEndsAt: epochEnd(this.epoch, this.settings.epochMs),
      unit: 'milli-units (1 unit = 1000)',
      earned: store.earned(since, 50),
      owed: store.owed(since, 50),
      rejected: store.rejections(),
      receipts: { pending: store.pendingCount(), unsealed: store.unsealedCount(), waitingToSign: this.signer?.issuer.pendingCount ?? 0 },
      batches: {
        ...store.issuedStats(),
        received: store.signerBatchCount(),
        ledger: store.batchCount(),
        head: head ? { seq: head.seq, epoch: head.epoch, count: head.count, hash: toHex(head.hash), createdAt: head.created_at } : null,
      },
      counters: { ...this.counters, ...this.signer?.counters, sentStored: store.sentCount(), rejectedThisRun: { ...this.rejectedSession } },
      peers: [...this.peers.values()].map((p) => ({ peerId: p.peerId, linkId: p.link.id, proofOfRelay: p.proofOfRelay, availabilityPermille: this.signer?.availability.permille(p.peerId, ctx.clock.now()) ?? 0 })),
      lastAudit: store.lastAuditSummary(),
      disputes: store.disputes(),
    };
  }
}
