/** Overlay transports (adapters, may do I/O): the WebSocket gateway link and its adapter. */
export { DEFAULT_RECONNECT_POLICY, reconnectDelayMs, reconnectPolicy, type ReconnectPolicy } from '../../links/backoff.js';
export {
  CLOSE_GRACE_MS,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_PING_INTERVAL_MS,
  MAX_MISSED_PONGS,
  WsGatewayLink,
  closeReason,
  type WsGatewayLinkComponents,
  type WsGatewayLinkInit,
} from './ws-link.js';
export {
  DEFAULT_GATEWAY_PATH,
  DEFAULT_HELLO_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  HELLO_FAILED_CLOSE_CODE,
  WsGatewayLinkAdapter,
  type WsGatewayAdapterStats,
  type WsGatewayLinkAdapterComponents,
  type WsGatewayLinkAdapterInit,
} from './ws-adapter.js';
