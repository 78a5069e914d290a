/**
 * The session hello: the plaintext greeting each side sends first (record type HELLO,
 * docs/gateway-link.md §2). Both hellos are bound into the Noise prologue, so a man in the
 * middle who edits either one (strips a capability, lowers a version) breaks the handshake.
 */
import { MeshgateError } from '../../errors.js';
import { NOISE_PROTOCOL_NAME } from '../noise/index.js';

/** The `protocol` field. */
export const GATEWAY_PROTOCOL = 'meshgate-gw';
/** Largest hello, UTF-8 bytes. */
export const MAX_HELLO_BYTES = 4_096;
/** Largest nickname, UTF-8 bytes (bitchat's nickname TLV has a 1-byte length). */
export const MAX_NICKNAME_BYTES = 255;
/** Domain-separation label at the start of the prologue (ASCII). */
export const PROLOGUE_LABEL = 'meshgate-gw noise prologue v1';

/** The hello as sent (JSON). Unknown fields are ignored (and still bound by the prologue). */
export interface SessionHello {
  type: 'hello';
  protocol: string;
  /** `MAJOR.MINOR.PATCH`. */
  version: string;
  /** The Noise suite; only `Noise_XX_25519_ChaChaPoly_SHA256`. */
  suite: string;
  /** Claimed peer ID: 16 lowercase hex = SHA-256(Noise static key)[0..8], checked after the handshake. */
  peerId: string;
  nickname: string;
  /** Capability bitfield; absent = infer from `version`. */
  capabilities?: number;
}

/** Encode our hello to the exact bytes sent (and bound into the prologue). */
export function encodeHello(h: Omit<SessionHello, 'type' | 'protocol' | 'suite'>): Uint8Array {
  const msg: SessionHello = { type: 'hello', protocol: GATEWAY_PROTOCOL, version: h.version, suite: NOISE_PROTOCOL_NAME, peerId: h.peerId, nickname: h.nickname };
  if (h.capabilities !== undefined) msg.capabilities = h.capabilities;
  if (Buffer.byteLength(h.nickname, 'utf8') > MAX_NICKNAME_BYTES) throw new MeshgateError('MG_ERR_CONFIG_INVALID', `nickname exceeds ${MAX_NICKNAME_BYTES} bytes`);
  return new Uint8Array(Buffer.from(JSON.stringify(msg), 'utf8'));
}

/** Result of parsing a peer's hello: the hello, or why it is refused. */
export type HelloParse = { ok: true; hello: SessionHello } | { ok: false; reason: 'malformed' | 'version'; message: string };

/** Parse and check a peer's hello bytes (size, JSON shape, protocol and suite first, then fields). */
export function parseHello(bytes: Uint8Array): HelloParse {
  if (bytes.length > MAX_HELLO_BYTES) return { ok: false, reason: 'malformed', message: `hello exceeds ${MAX_HELLO_BYTES} bytes` };
  let o: unknown;
  try {
    o = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed', message: 'hello is not JSON' };
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return { ok: false, reason: 'malformed', message: 'hello is not a JSON object' };
  const h = o as Record<string, unknown>;
  if (h.type !== 'hello') return { ok: false, reason: 'malformed', message: 'not a hello' };
  if (h.protocol !== GATEWAY_PROTOCOL) return { ok: false, reason: 'version', message: 'not a meshgate-gw peer' };
  if (h.suite !== NOISE_PROTOCOL_NAME) {
    return { ok: false, reason: 'version', message: `peer does not speak ${NOISE_PROTOCOL_NAME} (version ${String(h.version).slice(0, 32)}; 1.0.0 gateways used a signed hello without Noise)` };
  }
  if (typeof h.version !== 'string' || h.version.length > 32) return { ok: false, reason: 'malformed', message: 'hello has no version' };
  if (typeof h.peerId !== 'string' || !/^[0-9a-f]{16}$/.test(h.peerId)) return { ok: false, reason: 'malformed', message: 'hello peerId is not 16 lowercase hex' };
  if (typeof h.nickname !== 'string' || Buffer.byteLength(h.nickname, 'utf8') > MAX_NICKNAME_BYTES) return { ok: false, reason: 'malformed', message: 'hello nickname is not a string of at most 255 bytes' };
  if (h.capabilities !== undefined && (typeof h.capabilities !== 'number' || !Number.isSafeInteger(h.capabilities) || h.capabilities < 0 || h.capabilities > 0x7fffffff)) {
    return { ok: false, reason: 'malformed', message: 'hello capabilities is not a 31-bit non-negative integer' };
  }
  return { ok: true, hello: h as unknown as SessionHello };
}

/**
 * The Noise prologue: ASCII {@link PROLOGUE_LABEL} ‖ u16 BE length ‖ dialler hello bytes ‖
 * u16 BE length ‖ listener hello bytes (rev 34 §6: both parties must agree on it).
 */
export function prologue(diallerHello: Uint8Array, listenerHello: Uint8Array): Uint8Array {
  const label = Buffer.from(PROLOGUE_LABEL, 'ascii');
  const out = Buffer.alloc(label.length + 4 + diallerHello.length + listenerHello.length);
  label.copy(out, 0);
  let off = label.length;
  out.writeUInt16BE(diallerHello.length, off);
  out.set(diallerHello, off + 2);
  off += 2 + diallerHello.length;
  out.writeUInt16BE(listenerHello.length, off);
  out.set(listenerHello, off + 2);
  return new Uint8Array(out);
}
