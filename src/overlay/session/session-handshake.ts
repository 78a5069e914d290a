/**
 * Establishing a gateway session (docs/gateway-link.md §1-§4). Pure state machine: the
 * transport feeds it records and sends what it returns; it owns no socket, clock or timer.
 *
 *  dialler (Noise initiator)                    listener (Noise responder)
 *    HELLO(d)  ------------------------------>      both send their hello at once
 *              <------------------------------  HELLO(l)
 *    HANDSHAKE -> e                         -->     (after both hellos: prologue = both)
 *              <-- e, ee, s, es, {payload}      HANDSHAKE
 *    HANDSHAKE -> s, se, {payload}          -->
 *    TRANSPORT records both ways (session keys from Split)
 *
 * Checks: the peer's hello (shape, protocol, suite), negotiation (Incompatible ends it
 * before Noise starts), the Noise handshake (a different prologue, i.e. an edited hello, or
 * a peer without the static private key fails authentication: `transcript`), the peer's
 * static key must hash to the peer ID its hello claims (`peer-id-mismatch`), not ourselves
 * (`self`), in the allow-list if one is set (`not-allowed`).
 */
import { MeshgateError } from '../../errors.js';
import { toHex } from '../../protocol/hex.js';
import { peerIdHexFromNoiseKey, type IdentityKeys } from '../../protocol/keys.js';
import { XxHandshake, type TransportCiphers } from '../noise/index.js';
import { formatVersion, negotiate, type NegotiationPolicy, type NegotiationResult } from '../negotiation/index.js';
import { encodeHello, parseHello, prologue, type SessionHello } from './session-hello.js';
import { RECORD_HANDSHAKE, RECORD_HELLO, record } from './records.js';
import { sessionFailed, type SessionFailureReason } from './session-failure.js';

/** Which end of the channel: the dialler is the Noise initiator. */
export type SessionRole = 'dialler' | 'listener';

/** Largest handshake payload we accept, bytes. */
const MAX_PAYLOAD_BYTES = 1_024;

export interface SessionHandshakeInit {
  role: SessionRole;
  identity: IdentityKeys;
  nickname: string;
  policy: NegotiationPolicy;
  /** Peer IDs allowed (16 hex); undefined = any. */
  allowedPeers?: readonly string[] | undefined;
  /** Send no capability bitfield (the peer infers ours from our version). Default false. */
  omitCapabilities?: boolean;
}

/** The authenticated peer. */
export interface SessionPeer {
  peerId: string;
  nickname: string;
  version: string;
  /** The bitfield the peer sent, undefined if none. */
  capabilities: number | undefined;
  noisePublicKey: Uint8Array;
  signingPublicKey: Uint8Array | undefined;
}

export interface SessionHandshakeResult {
  role: SessionRole;
  peer: SessionPeer;
  negotiated: NegotiationResult;
  ciphers: TransportCiphers;
  /** Noise handshake hash (channel binding), 32 bytes. */
  handshakeHash: Uint8Array;
}

export interface SessionStep {
  /** Records to send, in order. */
  send: Uint8Array[];
  /** Set once the session is established on this side. */
  done?: SessionHandshakeResult;
}

type State = 'await-hello' | 'await-noise' | 'done' | 'failed';

/**
 * One side of one session establishment.
 * @throws (from `receive`) MeshgateError MG_ERR_HELLO_FAILED / MG_ERR_SESSION_INCOMPATIBLE
 *   with `details.reason` a {@link SessionFailureReason}; after a failure every call rethrows it.
 */
export class SessionHandshake {
  readonly role: SessionRole;
  readonly peerId: string;
  private readonly init: SessionHandshakeInit;
  private readonly ourHello: Uint8Array;
  private readonly allowed: ReadonlySet<string> | undefined;
  private state: State = 'await-hello';
  private failure: MeshgateError | undefined;
  private noise: XxHandshake | undefined;
  private theirHello: SessionHello | undefined;
  private negotiated: NegotiationResult | undefined;

  constructor(init: SessionHandshakeInit) {
    this.init = init;
    this.role = init.role;
    this.peerId = peerIdHexFromNoiseKey(init.identity.noisePublicKey);
    this.allowed = init.allowedPeers ? new Set(init.allowedPeers.map((p) => p.toLowerCase())) : undefined;
    this.ourHello = encodeHello({
      version: formatVersion(init.policy.version),
      peerId: this.peerId,
      nickname: init.nickname,
      capabilities: init.omitCapabilities ? undefined : init.policy.wanted,
    });
  }

  /** The first record to send: our hello. */
  start(): Uint8Array[] {
    return [record(RECORD_HELLO, this.ourHello)];
  }

  get isDone(): boolean {
    return this.state === 'done';
  }

  /** The peer's hello once received (for logs and refusals). */
  get peerHello(): SessionHello | undefined {
    return this.theirHello;
  }

  /** Record a failure decided outside (timeout, transport close). */
  fail(reason: SessionFailureReason, message: string): MeshgateError {
    if (this.state !== 'failed') {
      this.state = 'failed';
      this.failure = sessionFailed(reason, message, this.theirHello ? { peerId: this.theirHello.peerId } : {});
    }
    return this.failure!;
  }

  /** Feed one record from the peer. */
  receive(rec: Uint8Array): SessionStep {
    if (this.state === 'failed') throw this.failure!;
    if (this.state === 'done') throw new MeshgateError('MG_ERR_LINK_PROTOCOL', 'session already established');
    try {
      return this.step(rec);
    } catch (err) {
      if (err instanceof MeshgateError && typeof err.details?.reason === 'string') {
        this.state = 'failed';
        this.failure = err;
        throw err;
      }
      const code = err instanceof MeshgateError ? err.code : 'MG_ERR_UNKNOWN';
      const reason: SessionFailureReason = code === 'MG_ERR_NOISE_DECRYPT' ? 'transcript' : 'malformed';
      throw this.fail(reason, err instanceof Error ? err.message : String(err));
    }
  }

  private step(rec: Uint8Array): SessionStep {
    if (rec.length < 1) throw sessionFailed('malformed', 'empty record');
    const type = rec[0];
    const body = rec.subarray(1);
    if (this.state === 'await-hello') {
      if (type !== RECORD_HELLO) throw sessionFailed('malformed', `expected a hello record, got type ${type}`);
      const parsed = parseHello(body);
      if (!parsed.ok) throw sessionFailed(parsed.reason, parsed.message);
      this.theirHello = parsed.hello;
      const n = negotiate(this.init.policy, { version: parsed.hello.version, capabilities: parsed.hello.capabilities });
      if (n.mode === 'incompatible') throw sessionFailed('incompatible', n.reason ?? 'incompatible', { peerId: parsed.hello.peerId, peerVersion: n.peerVersion, missing: n.missing });
      this.negotiated = n;
      const theirs = new Uint8Array(body);
      const [d, l] = this.role === 'dialler' ? [this.ourHello, theirs] : [theirs, this.ourHello];
      this.noise = new XxHandshake({
        initiator: this.role === 'dialler',
        staticKeyPair: { privateKey: this.init.identity.noisePrivateKey, publicKey: this.init.identity.noisePublicKey },
        prologue: prologue(d, l),
      });
      this.state = 'await-noise';
      return { send: this.role === 'dialler' ? [record(RECORD_HANDSHAKE, this.noise.writeMessage())] : [] };
    }
    // await-noise
    if (type !== RECORD_HANDSHAKE) throw sessionFailed('malformed', `expected a handshake record, got type ${type}`);
    const noise = this.noise!;
    const payload = noise.readMessage(body);
    if (!noise.remoteStaticKey) {
      // listener after message 1: answer with message 2
      return { send: [record(RECORD_HANDSHAKE, noise.writeMessage(this.payload()))] };
    }
    const peer = this.checkPeer(noise.remoteStaticKey, payload);
    const send: Uint8Array[] = [];
    if (this.role === 'dialler') send.push(record(RECORD_HANDSHAKE, noise.writeMessage(this.payload())));
    this.state = 'done';
    return { send, done: { role: this.role, peer, negotiated: this.negotiated!, ciphers: noise.split(), handshakeHash: noise.handshakeHash } };
  }

  /** Our handshake payload (inside Noise messages 2 and 3): JSON `{"signingPublicKey": hex}`. */
  private payload(): Uint8Array {
    return new Uint8Array(Buffer.from(JSON.stringify({ signingPublicKey: toHex(this.init.identity.signingPublicKey) }), 'utf8'));
  }

  private checkPeer(rs: Uint8Array, payload: Uint8Array): SessionPeer {
    const hello = this.theirHello!;
    const derived = peerIdHexFromNoiseKey(rs);
    if (derived !== hello.peerId) {
      throw sessionFailed('peer-id-mismatch', `claimed peer ID ${hello.peerId} but its static key hashes to ${derived}`, { peerId: hello.peerId, derived });
    }
    if (derived === this.peerId) throw sessionFailed('self', 'connected to ourselves', { peerId: derived });
    if (this.allowed && !this.allowed.has(derived)) throw sessionFailed('not-allowed', `peer ${derived} is not in the allow-list`, { peerId: derived });
    let signingPublicKey: Uint8Array | undefined;
    if (payload.length > MAX_PAYLOAD_BYTES) throw sessionFailed('malformed', 'handshake payload too large');
    if (payload.length > 0) {
      try {
        const o = JSON.parse(Buffer.from(payload).toString('utf8')) as { signingPublicKey?: unknown };
        if (typeof o.signingPublicKey === 'string' && /^[0-9a-f]{64}$/.test(o.signingPublicKey)) signingPublicKey = new Uint8Array(Buffer.from(o.signingPublicKey, 'hex'));
      } catch {
        throw sessionFailed('malformed', 'handshake payload is not JSON');
      }
    }
    return { peerId: derived, nickname: hello.nickname, version: hello.version, capabilities: hello.capabilities, noisePublicKey: new Uint8Array(rs), signingPublicKey };
  }
}
