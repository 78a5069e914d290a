/**
 * The overlay's public surface (core, no I/O): Noise XX (`./noise`), version negotiation
 * and capability pins (`./negotiation`), session establishment and the encrypted record
 * layer (`./session`), and the control bus. The WebSocket and WebTransport adapters are
 * behind `./transports/index.js`, so importing the overlay core never loads `ws`.
 * Wire format: docs/gateway-link.md.
 */
export * from './noise/index.js';
export * from './negotiation/index.js';
export * from './session/index.js';
export { ControlBus, MAX_COUNTED_CONTROL_TYPES, type ControlBusStats, type ControlEnvelope, type ControlHandler } from './control-bus.js';
