/** Test doubles for the qos module: a controllable link and a module context on a ManualClock. */
import { BaseLink } from '../../src/links/base-link.js';
import type { ControlMessage, Link, LinkKind } from '../../src/ports/link.js';
import { ManualClock } from '../../src/ports/clock.js';
import { silentLogger } from '../../src/ports/logger.js';
import { TypedEmitter } from '../../src/mesh/index.js';
import { ControlBus } from '../../src/overlay/control-bus.js';
import { loadConfig } from '../../src/gateway/config.js';
import type { GatewayEvents, GatewayModuleContext } from '../../src/gateway/module.js';
import type { OffenceReport } from '../../src/ports/admission.js';
import { QosModule } from '../../src/gateway/modules/qos-module.js';

/** A link whose driver queue the test controls; records what it sends and whether reads are paused. */
export class FakeLink extends BaseLink {
  readonly frames: Uint8Array[] = [];
  readonly controls: ControlMessage[] = [];
  driverBytes = 0;
  paused: boolean[] = [];
  peer: FakeLink | undefined;
  constructor(id: string, clock: ManualClock, opts: { kind?: LinkKind; isGatewayLink?: boolean; maxFrameBytes?: number; remotePeerId?: string } = {}) {
    super({ id, kind: opts.kind ?? 'memory', isGatewayLink: opts.isGatewayLink, maxFrameBytes: opts.maxFrameBytes, remotePeerId: opts.remotePeerId, now: () => clock.now() });
  }
  protected transmit(frame: Uint8Array): boolean {
    this.frames.push(frame);
    this.peer?.inject(frame);
    return true;
  }
  protected override transmitControl(msg: ControlMessage): 'unsupported' | 'full' | 'sent' {
    if (!this.isGatewayLink) return 'unsupported';
    this.controls.push(msg);
    this.peer?.injectControl(msg);
    return 'sent';
  }
  protected async teardown(): Promise<void> {}
  inject(frame: Uint8Array): void {
    this.deliver(frame);
  }
  injectControl(msg: ControlMessage): void {
    this.deliverControl(JSON.parse(JSON.stringify(msg)) as ControlMessage);
  }
  override setReadPaused(paused: boolean): void {
    this.paused.push(paused);
  }
  override driverQueueBytes(): number {
    return this.driverBytes;
  }
}

export interface TestGateway {
  module: QosModule;
  ctx: GatewayModuleContext;
  reports: OffenceReport[];
  /** Emit an engine `peer` event binding `peerId` to a link by a direct announce. */
  emitPeer(peerId: string, directLinkId: string): void;
  /** Wrap a link the way the gateway does (wrapLink, control dispatch). */
  attach(link: Link): Link;
}

/** A qos module started on a hand-built context (flags as on the command line). */
export function startQos(clock: ManualClock, flags: Record<string, string>, peerId = '00000000000000aa'): TestGateway {
  const config = loadConfig({ flags: { 'clock-source': 'synced', ...flags } });
  const links: Link[] = [];
  const control = new ControlBus({ logger: silentLogger, links: () => links });
  const reports: OffenceReport[] = [];
  const peerListeners = new Set<(e: unknown) => void>();
  const engine = {
    peer: () => undefined,
    on: (_ev: 'peer', fn: (e: unknown) => void) => void peerListeners.add(fn),
    off: (_ev: 'peer', fn: (e: unknown) => void) => void peerListeners.delete(fn),
  };
  const ctx = {
    config,
    clock,
    logger: silentLogger,
    db: undefined as never,
    identity: { keys: undefined as never, peerId },
    engine: engine as never,
    control,
    events: new TypedEmitter<GatewayEvents>(silentLogger),
    dialer: undefined as never,
    admission: { allowAddress: () => ({ ok: true as const }), allowPeer: () => ({ ok: true as const }), report: (e: OffenceReport) => void reports.push(e) },
    links: () => links,
    module: () => undefined,
  } satisfies GatewayModuleContext;
  const module = new QosModule();
  module.start(ctx);
  return {
    module,
    ctx,
    reports,
    emitPeer: (peerId: string, directLinkId: string) => peerListeners.forEach((l) => l({ kind: 'updated', peer: { peerId, directLinkId } })),
    attach(link: Link): Link {
      const w = module.wrapLink(link);
      links.push(w);
      w.on('control', (msg) => control.dispatch(w, msg));
      return w;
    },
  };
}

/** A minimal v1 bitchat frame of `size` bytes: type, sender (8 bytes from `sender`), no recipient. */
export function frameOf(size: number, type: number, sender: number, flags = 0): Uint8Array {
  const f = new Uint8Array(size);
  f[0] = 1;
  f[1] = type;
  f[2] = 7;
  f[11] = flags;
  f[21] = sender;
  return f;
}
