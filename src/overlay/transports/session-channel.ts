/**
 * A message channel a gateway session runs over: an ordered, reliable pipe of records
 * (one WebSocket binary message each, or length-prefixed records on a WebTransport
 * bidirectional stream). The session runner and {@link SecureLink} depend on this only.
 */

/** Close code: the session could not be established (reason text `session failed: <reason>`). */
export const SESSION_FAILED_CLOSE_CODE = 4001;
/** Close code: an established session received a record that failed authentication or was malformed. */
export const SESSION_RECORD_CLOSE_CODE = 4002;
/** Close code: the link was closed normally. */
export const NORMAL_CLOSE_CODE = 1000;

export interface SessionChannel {
  /** ip:port (or URL) of the peer, for logs and admission. */
  readonly remoteAddress: string | undefined;
  /** Remote IP only (admission and IP-prefix diversity). */
  readonly remoteIp: string | undefined;
  /** Queue one record. Ignored after close. */
  send(rec: Uint8Array): void;
  /** Bytes queued and not yet written. */
  bufferedBytes(): number;
  /** True until the channel closed. */
  readonly isOpen: boolean;
  /** Close with a code and reason (best effort; the peer may see them). Resolves once closed. */
  close(code: number, reason: string): Promise<void>;
  /** Set the record listener (one; replaces the previous). */
  onRecord(fn: (rec: Uint8Array) => void): void;
  /** Set the close listener: the channel closed, with the peer's code and reason if known. */
  onClose(fn: (code: number, reason: string) => void): void;
}
