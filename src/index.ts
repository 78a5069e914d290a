/**
 * `meshgate`: run a gateway from code.
 *
 * ```ts
 * import { createGateway, loadConfig } from 'meshgate';
 * const gw = createGateway({ logger }, loadConfig({ env: process.env }));
 * await gw.start();
 * ```
 * The parts have their own entry points: `meshgate/protocol`, `meshgate/mesh`.
 */
export { createGateway, Gateway, MESHGATE_VERSION, type GatewayComponents, type ListenPorts } from './gateway/gateway.js';
export { loadConfig, defaultConfig, SETTINGS, type GatewayConfig } from './gateway/config.js';
export { PhoneSimulator, type PhoneSimulatorInit, type ReceivedPacket } from './phone/phone-simulator.js';
export { MeshgateError, ERROR_CODES, isMeshgateError, type ErrorCode } from './errors.js';
export type { Clock, Logger, Link, LinkAdapter, LinkStats, PeerStore, CounterStore } from './ports/index.js';
