/** Overlay transports (adapters, may do I/O): WebSocket (ws/wss) and WebTransport gateway links over encrypted sessions. */
export { DEFAULT_RECONNECT_POLICY, reconnectDelayMs, reconnectPolicy, type ReconnectPolicy } from '../../links/backoff.js';
export { SESSION_FAILED_CLOSE_CODE, SESSION_RECORD_CLOSE_CODE, NORMAL_CLOSE_CODE, type SessionChannel } from './session-channel.js';
export { SecureLink, DEFAULT_MAX_BUFFERED_BYTES, type SessionInfo, type SecureLinkComponents, type SecureLinkInit } from './secure-link.js';
export { runSession, newSessionCounters, closeReason, DEFAULT_HANDSHAKE_TIMEOUT_MS, type SessionCounters, type SessionRunInit, type SessionRunnerComponents } from './session-runner.js';
export { WsChannel, CLOSE_GRACE_MS, DEFAULT_PING_INTERVAL_MS, MAX_MISSED_PONGS, type WsChannelInit } from './ws-channel.js';
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
export { WebTransportLinkAdapter, parseWtUrl, DEFAULT_WT_PATH, type WtAdapterComponents, type WtAdapterInit, type WtAdapterStats } from './wt-adapter.js';
export { WtChannel, DEFAULT_WT_BYTE_BUDGET } from './wt-channel.js';
export { detectHttp3, loadWebTransport, HTTP3_PACKAGE } from './wt-library.js';
export { loadOrCreateCertificate, makeSelfSignedCertificate, MAX_WEBTRANSPORT_CERT_MS, type GatewayCertificate, type CertificateOptions } from './certificates.js';
