/**
 * The Noise XX handshake, `Noise_XX_25519_ChaChaPoly_SHA256` (Noise Protocol Framework
 * rev 34, §5.3 HandshakeState and §7.5 pattern XX), the suite bitchat uses between phones:
 *
 *   -> e
 *   <- e, ee, s, es
 *   -> s, se
 *
 * Message sizes (payload p bytes): 1: 32 + p; 2: 32 + 48 + p + 16; 3: 48 + p + 16.
 * Checked against the cacophony and snow test vectors (test/vectors/noise-xx.json).
 * After the third message both sides `split()` into transport CipherStates. Any failure
 * (a tag that does not verify, a short message, a call out of turn) fails the handshake
 * for good, as §5 requires.
 */
import { MeshgateError } from '../../errors.js';
import { TAG_BYTES, MAX_NOISE_MESSAGE_BYTES, type CipherState } from './cipher-state.js';
import { SymmetricState } from './symmetric-state.js';
import { DH_BYTES, generateNoiseKeyPair, withKeyObject, x25519Dh, type NoiseKeyPair } from './x25519.js';

/** The protocol name hashed into the initial handshake state. */
export const NOISE_PROTOCOL_NAME = 'Noise_XX_25519_ChaChaPoly_SHA256';
/** Messages in the XX pattern. */
export const XX_MESSAGES = 3;

export interface XxHandshakeInit {
  /** True for the side that sends the first message (the dialler). */
  initiator: boolean;
  /** The local static key pair (the gateway's identity Noise key). */
  staticKeyPair: NoiseKeyPair;
  /** Prologue both sides must agree on (rev 34 §6); mixed into h before the first message. */
  prologue?: Uint8Array;
  /** Fixed ephemeral key pair (test vectors only); default a fresh one. */
  ephemeralKeyPair?: NoiseKeyPair;
}

/** The two transport cipher states after the handshake. */
export interface TransportCiphers {
  /** Encrypts what this side sends. */
  send: CipherState;
  /** Decrypts what this side receives. */
  receive: CipherState;
}

/**
 * One side of one XX handshake. `writeMessage` / `readMessage` alternate, initiator first.
 * @throws MG_ERR_NOISE_DECRYPT when a tag does not verify (wrong keys, tampered message or
 *   different prologues); MG_ERR_NOISE_STATE for a call out of turn, a message of the wrong
 *   size, or any call after a failure; MG_ERR_BAD_KEY for a low-order DH public key.
 */
export class XxHandshake {
  readonly initiator: boolean;
  private readonly ss: SymmetricState;
  private readonly s: NoiseKeyPair;
  private e: NoiseKeyPair | undefined;
  private readonly fixedE: NoiseKeyPair | undefined;
  private re: Uint8Array | undefined;
  private rs: Uint8Array | undefined;
  private step = 0;
  private failed = false;
  private splitDone = false;

  constructor(init: XxHandshakeInit) {
    this.initiator = init.initiator;
    this.s = withKeyObject(init.staticKeyPair);
    this.fixedE = init.ephemeralKeyPair ? withKeyObject(init.ephemeralKeyPair) : undefined;
    this.ss = new SymmetricState(NOISE_PROTOCOL_NAME);
    this.ss.mixHash(init.prologue ?? new Uint8Array(0));
  }

  /** True once all three messages are processed. */
  get complete(): boolean {
    return this.step >= XX_MESSAGES && !this.failed;
  }

  /** True when it is this side's turn to write. */
  get isMyTurn(): boolean {
    return !this.failed && this.step < XX_MESSAGES && (this.step % 2 === 0) === this.initiator;
  }

  /** The remote static public key (known after message 2 for the initiator, 3 for the responder). */
  get remoteStaticKey(): Uint8Array | undefined {
    return this.rs ? new Uint8Array(this.rs) : undefined;
  }

  /** The handshake hash h, the session's channel binding. @throws MG_ERR_NOISE_STATE before completion */
  get handshakeHash(): Uint8Array {
    if (!this.complete) throw new MeshgateError('MG_ERR_NOISE_STATE', 'the handshake hash is only available after the handshake');
    return this.ss.handshakeHash();
  }

  /** WriteMessage(payload) for the next message of the pattern. */
  writeMessage(payload: Uint8Array = new Uint8Array(0)): Uint8Array {
    this.guard(true);
    return this.guarded(() => {
      const parts: Uint8Array[] = [];
      if (this.step === 0) {
        this.e = this.fixedE ?? generateNoiseKeyPair();
        parts.push(this.e.publicKey);
        this.ss.mixHash(this.e.publicKey);
      } else if (this.step === 1) {
        this.e = this.fixedE ?? generateNoiseKeyPair();
        parts.push(this.e.publicKey);
        this.ss.mixHash(this.e.publicKey);
        this.ss.mixKey(x25519Dh(this.e, this.re!)); // ee
        parts.push(this.ss.encryptAndHash(this.s.publicKey)); // s
        this.ss.mixKey(x25519Dh(this.s, this.re!)); // es (responder: DH(s, re))
      } else {
        parts.push(this.ss.encryptAndHash(this.s.publicKey)); // s
        this.ss.mixKey(x25519Dh(this.s, this.re!)); // se (initiator: DH(s, re))
      }
      parts.push(this.ss.encryptAndHash(payload));
      this.step++;
      const out = concat(parts);
      if (out.length > MAX_NOISE_MESSAGE_BYTES) throw new MeshgateError('MG_ERR_NOISE_STATE', `handshake message over ${MAX_NOISE_MESSAGE_BYTES} bytes`);
      return out;
    });
  }

  /** ReadMessage(message) → the payload of the peer's next message. */
  readMessage(message: Uint8Array): Uint8Array {
    this.guard(false);
    return this.guarded(() => {
      if (message.length > MAX_NOISE_MESSAGE_BYTES) throw new MeshgateError('MG_ERR_NOISE_STATE', `handshake message over ${MAX_NOISE_MESSAGE_BYTES} bytes`);
      let off = 0;
      const take = (n: number) => {
        if (message.length - off < n) throw new MeshgateError('MG_ERR_NOISE_STATE', `handshake message ${this.step + 1} truncated`);
        const part = message.subarray(off, off + n);
        off += n;
        return part;
      };
      if (this.step === 0) {
        this.re = new Uint8Array(take(DH_BYTES));
        this.ss.mixHash(this.re);
      } else if (this.step === 1) {
        const re = new Uint8Array(take(DH_BYTES));
        this.re = re;
        this.ss.mixHash(re);
        this.ss.mixKey(x25519Dh(this.e!, re)); // ee
        const rs = this.ss.decryptAndHash(take(DH_BYTES + TAG_BYTES));
        this.ss.mixKey(x25519Dh(this.e!, rs)); // es (initiator: DH(e, rs))
        this.rs = new Uint8Array(rs);
      } else {
        const rs = this.ss.decryptAndHash(take(DH_BYTES + TAG_BYTES));
        this.ss.mixKey(x25519Dh(this.e!, rs)); // se (responder: DH(e, rs))
        this.rs = new Uint8Array(rs);
      }
      const rest = message.subarray(off);
      if (this.ss.cipher.hasKey() && rest.length < TAG_BYTES) throw new MeshgateError('MG_ERR_NOISE_STATE', `handshake message ${this.step + 1} truncated`);
      const payload = this.ss.decryptAndHash(rest);
      this.step++;
      return new Uint8Array(payload);
    });
  }

  /** Split() into transport ciphers; once, after completion. @throws MG_ERR_NOISE_STATE */
  split(): TransportCiphers {
    if (!this.complete) throw new MeshgateError('MG_ERR_NOISE_STATE', 'split before the handshake completed');
    if (this.splitDone) throw new MeshgateError('MG_ERR_NOISE_STATE', 'split already called');
    this.splitDone = true;
    const [c1, c2] = this.ss.split();
    return this.initiator ? { send: c1, receive: c2 } : { send: c2, receive: c1 };
  }

  private guard(writing: boolean): void {
    if (this.failed) throw new MeshgateError('MG_ERR_NOISE_STATE', 'the handshake has failed');
    if (this.step >= XX_MESSAGES) throw new MeshgateError('MG_ERR_NOISE_STATE', 'the handshake is complete');
    if (this.isMyTurn !== writing) throw new MeshgateError('MG_ERR_NOISE_STATE', writing ? 'not our turn to write' : 'not our turn to read');
  }

  private guarded<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      this.failed = true;
      throw err;
    }
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
