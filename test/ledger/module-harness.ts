/**
 * An in-process harness for the ledger module: two gateways' LedgerModules on fake
 * contexts (ManualClock, real SQLite, real ControlBus) joined by a pair of fake gateway
 * links whose control messages are delivered synchronously as JSON. The mesh engine is a
 * typed emitter the test drives ('packet' events), so every step is deterministic.
 */
import type { ControlMessage, Link, LinkEvents, LinkStats } from '../../src/ports/link.js';
import { ManualClock } from '../../src/ports/clock.js';
import { silentLogger } from '../../src/ports/logger.js';
import { TypedEmitter, type MeshEngine, type MeshEngineEvents } from '../../src/mesh/index.js';
import { ControlBus } from '../../src/overlay/control-bus.js';
import { OPEN_ADMISSION } from '../../src/ports/admission.js';
import { loadConfig } from '../../src/gateway/config.js';
import type { GatewayEvents, GatewayModuleContext } from '../../src/gateway/module.js';
import { LedgerModule, type LedgerSettings } from '../../src/gateway/modules/ledger-module.js';
import { decodePacket, encodePacket } from '../../src/protocol/codec.js';
import { signPacket } from '../../src/protocol/signing.js';
import { fromHex } from '../../src/protocol/hex.js';
import { MessageType } from '../../src/protocol/packet.js';
import { identity, tempLedger, type TempLedger, type TestIdentity } from './ledger-fixtures.js';

/** A gateway link whose far end is another harness node. */
export class FakeGatewayLink implements Link {
  readonly kind = 'memory' as const;
  readonly isGatewayLink = true;
  readonly remoteAddress = 'fake';
  readonly maxFrameBytes = 70_000;
  isOpen = true;
  readonly sent: Uint8Array[] = [];
  private readonly listeners = new Map<string, Set<(...a: unknown[]) => void>>();
  deliverControl: ((msg: ControlMessage) => void) | undefined;
  constructor(
    readonly id: string,
    readonly remotePeerId: string,
  ) {}
  send(frame: Uint8Array): boolean {
    this.sent.push(frame);
    return true;
  }
  sendControl(msg: ControlMessage): boolean {
    this.deliverControl?.(JSON.parse(JSON.stringify(msg)) as ControlMessage);
    return true;
  }
  async close(): Promise<void> {
    this.isOpen = false;
  }
  on<E extends keyof LinkEvents>(event: E, listener: LinkEvents[E]): void {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event)!.add(listener as (...a: unknown[]) => void);
  }
  off<E extends keyof LinkEvents>(event: E, listener: LinkEvents[E]): void {
    this.listeners.get(event)?.delete(listener as (...a: unknown[]) => void);
  }
  stats(): LinkStats {
    return { framesIn: 0, framesOut: this.sent.length, bytesIn: 0, bytesOut: 0, controlIn: 0, controlOut: 0, drops: {}, openedAt: 0, lastActivity: 0 };
  }
}

export interface Node {
  id: TestIdentity;
  ledger: TempLedger;
  module: LedgerModule;
  ctx: GatewayModuleContext;
  engine: TypedEmitter<MeshEngineEvents>;
  events: TypedEmitter<GatewayEvents>;
  control: ControlBus;
  links: Link[];
  /** Offences the module reported to the peer admission. */
  reports: Array<{ peerId?: string; offence: string }>;
}

export const TEST_LEDGER_SETTINGS: Partial<LedgerSettings> = { newIdentityAgeMs: 0, receiptBatchDelayMs: 100, ledgerBatchIntervalMs: 1_000, auditSample: 0 };

export function settings(over: Partial<LedgerSettings> = {}): LedgerSettings {
  return { ...loadConfig({}).ledger, ...TEST_LEDGER_SETTINGS, ...over };
}

/** Start a node (or restart one on an existing database / identity). */
export function startNode(clock: ManualClock, opts: { id?: TestIdentity; ledger?: TempLedger; settings?: Partial<LedgerSettings>; faultPoint?: string; crash?: () => void } = {}): Node {
  const reports: Array<{ peerId?: string; offence: string }> = [];
  const id = opts.id ?? identity();
  const ledger = opts.ledger ?? tempLedger();
  const engine = new TypedEmitter<MeshEngineEvents>(silentLogger);
  const events = new TypedEmitter<GatewayEvents>(silentLogger);
  const links: Link[] = [];
  const control = new ControlBus({ logger: silentLogger, links: () => links });
  const module = new LedgerModule({ faultPoint: opts.faultPoint, crash: opts.crash }, settings(opts.settings));
  const ctx = {
    config: loadConfig({}),
    clock,
    logger: silentLogger,
    db: ledger.db,
    identity: { keys: id.keys, peerId: id.peerId },
    engine: engine as unknown as MeshEngine,
    control,
    events,
    dialer: { dial: () => false, hangup: () => {}, dialled: () => [], registerScheme: () => {} },
    admission: { ...OPEN_ADMISSION, report: (e: { peerId?: string; offence: string }) => void reports.push(e) },
    links: () => links,
    module: () => undefined,
  } as GatewayModuleContext;
  module.start(ctx);
  return { id, ledger, module, ctx, engine, events, control, links, reports };
}

/** Join two nodes with a gateway link pair (each side wrapped by its module) and exchange ledger hellos. */
export function connect(a: Node, b: Node): { ab: Link; ba: Link } {
  const rawAB = new FakeGatewayLink(`to-${b.id.peerId}`, b.id.peerId);
  const rawBA = new FakeGatewayLink(`to-${a.id.peerId}`, a.id.peerId);
  const ab = a.module.wrapLink(rawAB);
  const ba = b.module.wrapLink(rawBA);
  rawAB.deliverControl = (msg) => b.control.dispatch(ba, msg);
  rawBA.deliverControl = (msg) => a.control.dispatch(ab, msg);
  a.links.push(ab);
  b.links.push(ba);
  a.events.emit('link-up', { link: ab });
  b.events.emit('link-up', { link: ba });
  return { ab, ba };
}

/** Disconnect a link pair (link-down on both sides). */
export function disconnect(a: Node, b: Node, pair: { ab: Link; ba: Link }): void {
  a.links.splice(a.links.indexOf(pair.ab), 1);
  b.links.splice(b.links.indexOf(pair.ba), 1);
  a.events.emit('link-down', { link: pair.ab, reason: 'test' });
  b.events.emit('link-down', { link: pair.ba, reason: 'test' });
}

/** A signed public message (or directed, with `recipient`) from phone `origin`. */
export function signedMessage(origin: TestIdentity, text: string, at: number, opts: { recipient?: string; type?: number } = {}): Uint8Array {
  const packet = signPacket(
    {
      version: 1,
      type: opts.type ?? MessageType.MESSAGE,
      ttl: 7,
      timestamp: at,
      flags: 0,
      senderID: fromHex(origin.peerId, 8),
      recipientID: opts.recipient ? fromHex(opts.recipient, 8) : undefined,
      payload: new TextEncoder().encode(text),
    },
    origin.key,
  );
  return encodePacket(packet);
}

/** Relayer `a` hands `frame` to `b` over `pair`, and `b`'s engine accepts it (verified). */
export function relay(a: Node, b: Node, pair: { ab: Link; ba: Link }, frame: Uint8Array): void {
  pair.ab.send(frame);
  b.engine.emit('packet', { frame: decodePacket(frame), linkId: pair.ba.id, relayed: false, verified: true, reassembled: false });
}

/** The ledger status object of a node. */
export function status(n: Node): any {
  return n.module.status();
}
