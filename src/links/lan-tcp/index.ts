/** Public surface of the LAN / Wi-Fi Direct TCP link (length-prefixed framing, SyncedSocket.kt). */
export { LanTcpLinkAdapter } from './lan-tcp-link-adapter.js';
export type { LanTcpEndpoint, LanTcpLinkAdapterComponents, LanTcpLinkAdapterInit, LanTcpAdapterStats } from './lan-tcp-link-adapter.js';
export { LanTcpLink, formatAddress, DEFAULT_LAN_KEEPALIVE_MS, DEFAULT_LAN_IDLE_TIMEOUT_MS, DEFAULT_LAN_MAX_WRITE_BUFFER_BYTES } from './lan-tcp-link.js';
export type { LanTcpLinkComponents, LanTcpLinkInit } from './lan-tcp-link.js';
export { LengthPrefixDecoder, encodeLengthPrefixed, keepAliveBytes, LENGTH_PREFIX_BYTES } from './length-prefix-decoder.js';
export type { DecodeResult, LengthPrefixDecoderInit } from './length-prefix-decoder.js';
