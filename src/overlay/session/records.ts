/**
 * Channel records: every message on a gateway session channel (one WebSocket binary message,
 * or one length-prefixed record on a WebTransport stream) starts with a record type byte.
 */

/** Record type bytes. */
export const RECORD_HELLO = 0x01;
export const RECORD_HANDSHAKE = 0x02;
export const RECORD_TRANSPORT = 0x03;

/** Largest record on a channel, bytes: type byte + a Noise message of at most 65,535 bytes. */
export const MAX_RECORD_BYTES = 1 + 65_535;

/** Prefix a body with its record type. */
export function record(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 1);
  out[0] = type;
  out.set(body, 1);
  return out;
}
