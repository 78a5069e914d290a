/**
 * The `ble` gateway module: runs the Bluetooth LE link adapters configured under `ble`
 * (docs/ble.md) and shows their radio state and links on /api/status → modules.ble.
 *
 * - `ble.peripheral.enabled`: the bleno GATT peripheral on `ble.peripheral.hciIndex` (or
 *   UART); `ble.central.enabled`: the noble central on its own controller.
 * - Start-up never fails for a missing radio: each role reports the library's state
 *   (`unsupported`, `poweredOff`, `unauthorized`, `poweredOn`, ...) and picks the radio
 *   up when it powers on.
 * - Link binding: the mesh engine binds a phone link to a peer ID on the peer's direct
 *   (TTL 7) announce (src/mesh/peer-directory.ts); this module mirrors that binding onto
 *   each BLE link (`peerId` in its telemetry) from the engine's `peer` events, and the
 *   central skips phones already directly linked.
 *
 * Status shape: `{ peripheral: BlePeripheralStatus | { enabled: false },
 * central: BleCentralStatus | { enabled: false } }`, each link's telemetry extended with
 * `meshDrops` (the engine's ingress drops on that link by code: garbage writes land here).
 */
import type { LinkAdapter } from '../../ports/link.js';
import {
  BleCentralAdapter,
  BlePeripheralAdapter,
  describeController,
  openBleno as openRealBleno,
  openNoble as openRealNoble,
  type BleController,
  type BleLink,
  type BlenoLike,
  type NobleLike,
} from '../../links/ble/index.js';
import type { GatewayModule, GatewayModuleContext } from '../module.js';

export interface BleModuleComponents {
  /** Opens bleno on a controller (default: the real library, src/links/ble/ble-radio.ts). */
  openBleno?: (controller: BleController) => BlenoLike;
  /** Opens noble on a controller (default: the real library). */
  openNoble?: (controller: BleController) => NobleLike;
  /** Fragment ID source (default node:crypto). */
  randomBytes?: (n: number) => Uint8Array;
  /** Back-off jitter source (default Math.random). */
  random?: () => number;
}

/** The `ble` module; see the file doc. */
export class BleModule implements GatewayModule {
  readonly name = 'ble';
  private readonly components: BleModuleComponents;
  private ctx: GatewayModuleContext | undefined;
  private peripheral: BlePeripheralAdapter | undefined;
  private central: BleCentralAdapter | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(components: BleModuleComponents = {}) {
    this.components = components;
  }

  /** The peripheral adapter, when enabled (for tests and the status page). */
  get peripheralAdapter(): BlePeripheralAdapter | undefined {
    return this.peripheral;
  }

  /** The central adapter, when enabled. */
  get centralAdapter(): BleCentralAdapter | undefined {
    return this.central;
  }

  start(ctx: GatewayModuleContext): void {
    this.ctx = ctx;
    const cfg = ctx.config.ble;
    const openBleno = this.components.openBleno ?? openRealBleno;
    const openNoble = this.components.openNoble ?? openRealNoble;
    if (cfg.peripheral.enabled) {
      const controller: BleController = { hciIndex: cfg.peripheral.hciIndex, uartPort: cfg.peripheral.uartPort, uartBaudRate: cfg.peripheral.uartBaudRate };
      this.peripheral = new BlePeripheralAdapter(
        { openBleno: () => openBleno(controller), clock: ctx.clock, logger: ctx.logger.child({ role: 'peripheral' }), randomBytes: this.components.randomBytes, admission: ctx.admission },
        {
          peerId: ctx.identity.peerId,
          serviceUuid: cfg.serviceUuid,
          characteristicUuid: cfg.characteristicUuid,
          maxCentrals: cfg.peripheral.maxCentrals,
          advertiseName: cfg.peripheral.advertiseName,
          queueFrames: cfg.peripheral.queueFrames,
          controller: describeController(controller),
        },
      );
    }
    if (cfg.central.enabled) {
      const controller: BleController = { hciIndex: cfg.central.hciIndex, uartPort: cfg.central.uartPort, uartBaudRate: cfg.central.uartBaudRate };
      this.central = new BleCentralAdapter(
        {
          openNoble: () => openNoble(controller),
          clock: ctx.clock,
          logger: ctx.logger.child({ role: 'central' }),
          random: this.components.random ?? Math.random,
          randomBytes: this.components.randomBytes,
          isPeerLinked: (peerId) => this.isPeerLinked(peerId),
          admission: ctx.admission,
        },
        {
          ownPeerId: ctx.identity.peerId,
          serviceUuid: cfg.serviceUuid,
          characteristicUuid: cfg.characteristicUuid,
          rssiFloorDbm: cfg.central.rssiFloorDbm,
          maxPeripherals: cfg.central.maxPeripherals,
          connectIntervalMs: cfg.central.connectIntervalMs,
          connectTimeoutMs: cfg.central.connectTimeoutMs,
          queueFrames: cfg.central.queueFrames,
          controller: describeController(controller),
        },
      );
    }
    const onPeer = (e: { kind: string; peer: { peerId: string; directLinkId: string | null } }): void => this.onPeer(e.kind, e.peer.peerId, e.peer.directLinkId);
    ctx.engine.on('peer', onPeer);
    this.unsubscribe = () => ctx.engine.off('peer', onPeer);
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  adapters(): readonly LinkAdapter[] {
    const out: LinkAdapter[] = [];
    if (this.peripheral) out.push(this.peripheral);
    if (this.central) out.push(this.central);
    return out;
  }

  status(): unknown {
    const perLink = this.ctx?.engine.stats().perLink ?? {};
    const withMesh = <T extends { links: Array<{ id: string }> }>(s: T): T => ({
      ...s,
      links: s.links.map((l) => ({ ...l, meshDrops: { ...(perLink[l.id]?.dropsByCode ?? {}) } })),
    });
    return {
      peripheral: this.peripheral ? withMesh(this.peripheral.status()) : { enabled: false },
      central: this.central ? withMesh(this.central.status()) : { enabled: false },
    };
  }

  private bleLinks(): BleLink[] {
    return [...(this.peripheral?.openLinks() ?? []), ...(this.central?.openLinks() ?? [])];
  }

  /** Mirror the engine's direct-link binding onto the BLE links. */
  private onPeer(kind: string, peerId: string, directLinkId: string | null): void {
    for (const link of this.bleLinks()) {
      if (kind !== 'removed' && link.id === directLinkId) link.setBoundPeer(peerId);
      else if (link.peerId === peerId) link.setBoundPeer(undefined);
    }
  }

  private isPeerLinked(peerId: string): boolean {
    const p = this.ctx?.engine.peer(peerId);
    return p !== undefined && p.directLinkId !== null;
  }
}
