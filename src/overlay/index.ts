/**
 * The overlay's public surface (core, no I/O): the gateway-link hello state machine.
 * The WebSocket link and adapter are adapters and live behind `./transports/index.js`,
 * so importing the overlay core never loads `ws`. Wire format: docs/gateway-link.md.
 */
export {
  AUTH_CONTEXT,
  GATEWAY_PROTOCOL,
  GATEWAY_PROTOCOL_VERSION,
  HELLO_FAILURE_REASONS,
  HELLO_NONCE_BYTES,
  MAX_HELLO_TEXT_BYTES,
  MAX_NICKNAME_BYTES,
  ROLE_BYTE,
  HelloHandshake,
  authTranscript,
  helloFailed,
  helloFailureReason,
  majorVersion,
  type HelloFailureReason,
  type HelloHandshakeInit,
  type HelloMessage,
  type HelloResult,
  type HelloRole,
  type HelloStep,
} from './hello.js';
export { ControlBus, MAX_COUNTED_CONTROL_TYPES, type ControlBusStats, type ControlEnvelope, type ControlHandler } from './control-bus.js';
