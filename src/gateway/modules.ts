/**
 * The modules a gateway runs, in start order (later modules may use earlier ones through
 * `ctx.module(name)`; `wrapLink` decorators apply in this order, so the last one is
 * outermost). Each capability adds one line here.
 */
import type { GatewayConfig } from './config.js';
import type { GatewayModule } from './module.js';
import { BleModule } from './modules/ble-module.js';
import { OverlayModule } from './modules/overlay-module.js';
import { HygieneModule } from './modules/hygiene-module.js';
import { DirectoryModule } from './modules/directory-module.js';
import { DiscoveryModule } from './modules/discovery-module.js';
import { RoutingModule } from './modules/routing-module.js';
import { DetectionModule } from './modules/detection-module.js';
import { LedgerModule } from './modules/ledger-module.js';
import { QosModule } from './modules/qos-module.js';

/** Build the configured modules (disabled ones are left out). */
export function createModules(config: Readonly<GatewayConfig>): GatewayModule[] {
  const modules: GatewayModule[] = [];
  // qos first, so its wrapLink is innermost: the decorators above it (failover retention,
  // receipts) see each frame when the engine sends it, and frames still queued for a link
  // that dies are retained and re-sent by failover instead of vanishing with the queue
  if (config.qos.enabled) modules.push(new QosModule());
  if (config.hygiene.enabled) modules.push(new HygieneModule());
  if (config.ble.peripheral.enabled || config.ble.central.enabled) modules.push(new BleModule());
  modules.push(new OverlayModule());
  if (config.directory.enabled) modules.push(new DirectoryModule());
  if (config.discovery.mdns && config.gateway.enabled) modules.push(new DiscoveryModule());
  if (config.routing.enabled) modules.push(new RoutingModule(config));
  if (config.detection.enabled) modules.push(new DetectionModule());
  // MESHGATE_TEST_FAULT is a test-only fault point (docs/ledger.md): never set it in production.
  if (config.ledger.enabled) modules.push(new LedgerModule({ faultPoint: process.env.MESHGATE_TEST_FAULT }, config.ledger));
  return modules;
}
