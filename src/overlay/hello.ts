/**
 * The gateway-link hello: a versioned, signed greeting that two meshgates exchange as
 * WebSocket text messages before any bitchat frame crosses the link. Pure state machine:
 * no I/O, no clock, no randomness (the caller supplies the nonce; the adapter owns the
 * timeout). Wire format and transcript bytes: docs/gateway-link.md.
 *
 * Exchange (both sides run the same machine, one as dialler, one as listener):
 *   1. on connect, each side sends its hello (`localHello()`);
 *   2. on receiving the other's hello, each side checks it and sends its auth, an Ed25519
 *      signature over the transcript (see {@link authTranscript});
 *   3. on receiving the other's auth, each side verifies it: the peer is authenticated.
 *
 * What it proves: the peer holds the Ed25519 signing key it announced, and it is live in
 * this session (both nonces are signed). The claimed Noise static key is bound only by
 * hash (peer ID = SHA-256(noise key)[0..8]); proof of possession of the Noise key comes
 * with the Noise handshake, a later protocol version.
 */
import { createHash } from 'node:crypto';
import { MeshgateError } from '../errors.js';
import { bytesEqual, toHex } from '../protocol/hex.js';
import { ed25519PrivateKey, ed25519Sign, ed25519Verify, peerIdHexFromNoiseKey, type IdentityKeys } from '../protocol/keys.js';

/** The `protocol` field of every hello. */
export const GATEWAY_PROTOCOL = 'meshgate-gw';
/** This build's gateway-link protocol version (semver; peers must share the major). */
export const GATEWAY_PROTOCOL_VERSION = '1.0.0';
/** Domain-separation prefix of the auth transcript (ASCII, 19 bytes). */
export const AUTH_CONTEXT = 'meshgate-gw-auth-v1';
/** Nonce length in bytes. */
export const HELLO_NONCE_BYTES = 32;
/** Largest hello or auth text accepted, in UTF-8 bytes (room for future fields). */
export const MAX_HELLO_TEXT_BYTES = 16_384;
/** Largest nickname in UTF-8 bytes (bitchat's nickname TLV has a 1-byte length). */
export const MAX_NICKNAME_BYTES = 255;

/** Which end of the connection a side is; the role byte in the transcript. */
export type HelloRole = 'dialler' | 'listener';
/** Role byte values in the auth transcript. */
export const ROLE_BYTE: Readonly<Record<HelloRole, number>> = { dialler: 0, listener: 1 };

/** Why a hello failed: the `reason` detail of MG_ERR_HELLO_FAILED. */
export type HelloFailureReason = 'version' | 'peer-id-mismatch' | 'bad-signature' | 'self' | 'not-allowed' | 'malformed' | 'timeout';
/** Every {@link HelloFailureReason}, for counters. */
export const HELLO_FAILURE_REASONS: readonly HelloFailureReason[] = ['version', 'peer-id-mismatch', 'bad-signature', 'self', 'not-allowed', 'malformed', 'timeout'];

/** The hello message (JSON text). Unknown fields are ignored by receivers. */
export interface HelloMessage {
  type: 'hello';
  protocol: string;
  version: string;
  /** 16 lowercase hex = SHA-256(noisePublicKey)[0..8]. */
  peerId: string;
  /** 32-byte X25519 key, hex. */
  noisePublicKey: string;
  /** 32-byte Ed25519 key, hex. */
  signingPublicKey: string;
  /** 32 random bytes, hex. */
  nonce: string;
  nickname: string;
  /** Capability bitfield (0 in version 1.0.0). */
  capabilities: number;
}

/** The authenticated peer, returned once the handshake is done. */
export interface HelloResult {
  /** 16 lowercase hex. */
  peerId: string;
  nickname: string;
  noisePublicKey: Uint8Array;
  signingPublicKey: Uint8Array;
  /** The peer's full version string (same major as ours). */
  version: string;
  capabilities: number;
}

/** What the caller should do after {@link HelloHandshake.receive}. */
export interface HelloStep {
  /** Text to send to the peer, if any. */
  send?: string;
  /** Set when the peer is authenticated. */
  done?: HelloResult;
}

export interface HelloHandshakeInit {
  identity: IdentityKeys;
  role: HelloRole;
  /** 32 fresh random bytes (the caller's CSPRNG). */
  nonce: Uint8Array;
  nickname: string;
  /** Peer IDs (16 hex, any case) allowed to connect; undefined = anyone. */
  allowedPeers?: readonly string[] | undefined;
  /** Capability bitfield to announce (default 0). */
  capabilities?: number;
}

/** Build the MG_ERR_HELLO_FAILED error for a reason. */
export function helloFailed(reason: HelloFailureReason, message: string, details: Record<string, unknown> = {}): MeshgateError {
  return new MeshgateError('MG_ERR_HELLO_FAILED', `${reason}: ${message}`, { ...details, reason });
}

/** The failure reason of a MG_ERR_HELLO_FAILED error, or undefined for other errors. */
export function helloFailureReason(err: unknown): HelloFailureReason | undefined {
  if (!(err instanceof MeshgateError) || err.code !== 'MG_ERR_HELLO_FAILED') return undefined;
  const r = err.details?.reason;
  return typeof r === 'string' && (HELLO_FAILURE_REASONS as readonly string[]).includes(r) ? (r as HelloFailureReason) : undefined;
}

/** Major number of a semver string (`1.0.0`, `1.2.3-rc.1`), or undefined if not semver. */
export function majorVersion(version: string): number | undefined {
  const m = /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})(?:[-+][0-9A-Za-z.+-]{1,64})?$/.exec(version);
  return m ? Number(m[1]) : undefined;
}

function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

/**
 * The auth transcript, 156 bytes: ASCII `meshgate-gw-auth-v1` (19) | signer role byte
 * (1: 0 dialler, 1 listener) | dialler nonce (32) | listener nonce (32) |
 * SHA-256(dialler hello text, UTF-8) (32) | SHA-256(listener hello text, UTF-8) (32) |
 * signer peer ID (8). Domain separation and role binding follow the TLS 1.3
 * CertificateVerify construction (RFC 8446 §4.4.3).
 * @throws MG_ERR_BAD_KEY if a nonce is not 32 bytes or the peer ID is not 8 bytes.
 */
export function authTranscript(t: {
  signerRole: HelloRole;
  diallerNonce: Uint8Array;
  listenerNonce: Uint8Array;
  diallerHelloText: string;
  listenerHelloText: string;
  signerPeerId: Uint8Array;
}): Uint8Array {
  if (t.diallerNonce.length !== HELLO_NONCE_BYTES || t.listenerNonce.length !== HELLO_NONCE_BYTES) {
    throw new MeshgateError('MG_ERR_BAD_KEY', `hello nonces must be ${HELLO_NONCE_BYTES} bytes`);
  }
  if (t.signerPeerId.length !== 8) throw new MeshgateError('MG_ERR_BAD_KEY', 'peer ID must be 8 bytes');
  const ctx = Buffer.from(AUTH_CONTEXT, 'ascii');
  return new Uint8Array(
    Buffer.concat([
      ctx,
      Uint8Array.of(ROLE_BYTE[t.signerRole]),
      t.diallerNonce,
      t.listenerNonce,
      sha256(Buffer.from(t.diallerHelloText, 'utf8')),
      sha256(Buffer.from(t.listenerHelloText, 'utf8')),
      t.signerPeerId,
    ]),
  );
}

const HEX_RE = (bytes: number) => new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`);
const HEX8 = HEX_RE(8);
const HEX32 = HEX_RE(32);
const HEX64 = HEX_RE(64);

function parseObject(text: string, what: string): Record<string, unknown> {
  if (typeof text !== 'string') throw helloFailed('malformed', `${what} is not text`);
  if (Buffer.byteLength(text, 'utf8') > MAX_HELLO_TEXT_BYTES) throw helloFailed('malformed', `${what} exceeds ${MAX_HELLO_TEXT_BYTES} bytes`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw helloFailed('malformed', `${what} is not JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw helloFailed('malformed', `${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

function hexField(o: Record<string, unknown>, field: string, re: RegExp): Uint8Array {
  const v = o[field];
  if (typeof v !== 'string' || !re.test(v)) throw helloFailed('malformed', `hello field ${field} is not hex of the right length`, { field });
  return new Uint8Array(Buffer.from(v, 'hex'));
}

type State = 'await-hello' | 'await-auth' | 'done' | 'failed';

interface PeerHello {
  text: string;
  nonce: Uint8Array;
  peerIdBytes: Uint8Array;
  result: HelloResult;
}

/**
 * One side of one hello exchange. States: await-hello → await-auth → done; any failure
 * moves to failed and every later `receive` rethrows that failure.
 *
 * @throws MG_ERR_CONFIG_INVALID from the constructor on a nonce that is not 32 bytes or a
 *   nickname over 255 UTF-8 bytes.
 */
export class HelloHandshake {
  readonly role: HelloRole;
  /** Our peer ID, 16 lowercase hex. */
  readonly peerId: string;
  private readonly identity: IdentityKeys;
  private readonly nonce: Uint8Array;
  private readonly helloText: string;
  private readonly allowed: ReadonlySet<string> | undefined;
  private state: State = 'await-hello';
  private failure: MeshgateError | undefined;
  private peer: PeerHello | undefined;

  constructor(init: HelloHandshakeInit) {
    if (init.nonce.length !== HELLO_NONCE_BYTES) throw new MeshgateError('MG_ERR_CONFIG_INVALID', `hello nonce must be ${HELLO_NONCE_BYTES} bytes`);
    if (Buffer.byteLength(init.nickname, 'utf8') > MAX_NICKNAME_BYTES) throw new MeshgateError('MG_ERR_CONFIG_INVALID', `nickname exceeds ${MAX_NICKNAME_BYTES} bytes`);
    const capabilities = init.capabilities ?? 0;
    if (!Number.isSafeInteger(capabilities) || capabilities < 0) throw new MeshgateError('MG_ERR_CONFIG_INVALID', 'capabilities must be a non-negative integer');
    this.role = init.role;
    this.identity = init.identity;
    this.nonce = new Uint8Array(init.nonce);
    this.peerId = peerIdHexFromNoiseKey(init.identity.noisePublicKey);
    this.allowed = init.allowedPeers ? new Set(init.allowedPeers.map((p) => p.toLowerCase())) : undefined;
    const hello: HelloMessage = {
      type: 'hello',
      protocol: GATEWAY_PROTOCOL,
      version: GATEWAY_PROTOCOL_VERSION,
      peerId: this.peerId,
      noisePublicKey: toHex(init.identity.noisePublicKey),
      signingPublicKey: toHex(init.identity.signingPublicKey),
      nonce: toHex(this.nonce),
      nickname: init.nickname,
      capabilities,
    };
    this.helloText = JSON.stringify(hello);
  }

  /** Our hello, exactly the text to send (the transcript hashes these bytes). */
  localHello(): string {
    return this.helloText;
  }

  /** True once the peer is authenticated. */
  get isDone(): boolean {
    return this.state === 'done';
  }

  /**
   * Feed one text message from the peer.
   * @returns `{ send }` (our auth) after the peer's hello; `{ done }` after its auth.
   * @throws MG_ERR_HELLO_FAILED with `details.reason` (see {@link HelloFailureReason});
   *   MG_ERR_LINK_PROTOCOL if called after the handshake is done.
   */
  receive(text: string): HelloStep {
    if (this.state === 'failed') throw this.failure!;
    if (this.state === 'done') throw new MeshgateError('MG_ERR_LINK_PROTOCOL', 'hello already complete');
    try {
      if (this.state === 'await-hello') {
        this.peer = this.checkHello(text);
        this.state = 'await-auth';
        return { send: JSON.stringify({ type: 'auth', signature: toHex(this.sign()) }) };
      }
      this.checkAuth(text);
      this.state = 'done';
      return { done: this.peer!.result };
    } catch (err) {
      this.state = 'failed';
      this.failure = err instanceof MeshgateError && err.code === 'MG_ERR_HELLO_FAILED' ? err : helloFailed('malformed', String(err));
      throw this.failure;
    }
  }

  /** Record a failure decided outside the machine (e.g. the adapter's timeout). */
  fail(reason: HelloFailureReason, message: string): MeshgateError {
    if (this.state !== 'failed') {
      this.state = 'failed';
      this.failure = helloFailed(reason, message);
    }
    return this.failure!;
  }

  private checkHello(text: string): PeerHello {
    const o = parseObject(text, 'hello');
    if (o.type !== 'hello') throw helloFailed('malformed', `expected a hello, got type ${JSON.stringify(o.type)?.slice(0, 32)}`);
    // protocol and version first: a future major may reshape every other field
    if (o.protocol !== GATEWAY_PROTOCOL) throw helloFailed('version', 'not a meshgate-gw peer', { field: 'protocol' });
    if (typeof o.version !== 'string') throw helloFailed('malformed', 'hello has no version');
    const theirMajor = majorVersion(o.version);
    const ourMajor = majorVersion(GATEWAY_PROTOCOL_VERSION);
    if (theirMajor === undefined || theirMajor !== ourMajor) {
      throw helloFailed('version', `peer speaks ${o.version.slice(0, 32)}, we speak ${GATEWAY_PROTOCOL_VERSION}`, { peerVersion: o.version.slice(0, 32) });
    }
    if (typeof o.peerId !== 'string' || !HEX8.test(o.peerId)) throw helloFailed('malformed', 'hello field peerId is not 16 hex', { field: 'peerId' });
    const noisePublicKey = hexField(o, 'noisePublicKey', HEX32);
    const signingPublicKey = hexField(o, 'signingPublicKey', HEX32);
    const nonce = hexField(o, 'nonce', HEX32);
    if (typeof o.nickname !== 'string' || Buffer.byteLength(o.nickname, 'utf8') > MAX_NICKNAME_BYTES) {
      throw helloFailed('malformed', 'hello field nickname is not a string of at most 255 bytes', { field: 'nickname' });
    }
    if (typeof o.capabilities !== 'number' || !Number.isSafeInteger(o.capabilities) || o.capabilities < 0) {
      throw helloFailed('malformed', 'hello field capabilities is not a non-negative integer', { field: 'capabilities' });
    }
    const claimed = o.peerId.toLowerCase();
    const derived = peerIdHexFromNoiseKey(noisePublicKey);
    if (claimed !== derived) throw helloFailed('peer-id-mismatch', `peer ID ${claimed} is not SHA-256(noise key)[0..8] = ${derived}`, { peerId: claimed });
    if (derived === this.peerId || bytesEqual(signingPublicKey, this.identity.signingPublicKey)) {
      throw helloFailed('self', 'connected to ourselves', { peerId: derived });
    }
    if (this.allowed && !this.allowed.has(derived)) throw helloFailed('not-allowed', `peer ${derived} is not in the allow-list`, { peerId: derived });
    return {
      text,
      nonce,
      peerIdBytes: new Uint8Array(Buffer.from(derived, 'hex')),
      result: { peerId: derived, nickname: o.nickname, noisePublicKey, signingPublicKey, version: o.version, capabilities: o.capabilities },
    };
  }

  private transcript(signerRole: HelloRole, signerPeerId: Uint8Array): Uint8Array {
    const peer = this.peer!;
    const mine = { nonce: this.nonce, text: this.helloText };
    const theirs = { nonce: peer.nonce, text: peer.text };
    const [d, l] = this.role === 'dialler' ? [mine, theirs] : [theirs, mine];
    return authTranscript({
      signerRole,
      diallerNonce: d.nonce,
      listenerNonce: l.nonce,
      diallerHelloText: d.text,
      listenerHelloText: l.text,
      signerPeerId,
    });
  }

  private sign(): Uint8Array {
    const ownId = new Uint8Array(Buffer.from(this.peerId, 'hex'));
    return ed25519Sign(this.transcript(this.role, ownId), ed25519PrivateKey(this.identity.signingPrivateKey));
  }

  private checkAuth(text: string): void {
    const o = parseObject(text, 'auth');
    if (o.type !== 'auth') throw helloFailed('malformed', `expected an auth, got type ${JSON.stringify(o.type)?.slice(0, 32)}`);
    const sig = o.signature;
    if (typeof sig !== 'string' || !HEX64.test(sig)) throw helloFailed('malformed', 'auth field signature is not 64 bytes of hex', { field: 'signature' });
    const peer = this.peer!;
    const peerRole: HelloRole = this.role === 'dialler' ? 'listener' : 'dialler';
    const ok = ed25519Verify(this.transcript(peerRole, peer.peerIdBytes), new Uint8Array(Buffer.from(sig, 'hex')), peer.result.signingPublicKey);
    if (!ok) throw helloFailed('bad-signature', `auth signature of ${peer.result.peerId} does not verify`, { peerId: peer.result.peerId });
  }
}
