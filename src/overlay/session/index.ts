/** Gateway sessions: hello, Noise XX establishment with negotiation, and the encrypted record layer. */
export { SessionHandshake, type SessionHandshakeInit, type SessionHandshakeResult, type SessionPeer, type SessionRole, type SessionStep } from './session-handshake.js';
export { SecureSession, MAX_CHUNK_BYTES, MAX_INNER_BYTES, ITEM_HEADER_BYTES, DEFAULT_REKEY_INTERVAL, KIND_FRAME, KIND_CONTROL, KIND_CONFIRM, type OpenedMessage, type OutgoingMessage, type SecureSessionStats } from './secure-session.js';
export { SESSION_FAILURE_REASONS, failureCode, failureOffence, sessionFailed, sessionFailureReason, type SessionFailureReason } from './session-failure.js';
export { encodeHello, parseHello, prologue, GATEWAY_PROTOCOL, MAX_HELLO_BYTES, PROLOGUE_LABEL, type SessionHello } from './session-hello.js';
export { RECORD_HELLO, RECORD_HANDSHAKE, RECORD_TRANSPORT, MAX_RECORD_BYTES, record } from './records.js';
export { createSessionAuthority, memorySessionAuthority, defaultNegotiationPolicy, GATEWAY_PROTOCOL_VERSION, DEFAULT_PINNED_FEATURES, type SessionAuthority, type AuthorityDecision, type SessionAuthorityInit } from './session-authority.js';
