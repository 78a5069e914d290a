/**
 * The Noise SymmetricState (Noise Protocol Framework rev 34, §5.2) with HASH = SHA-256
 * (HASHLEN 32, BLOCKLEN 64) and HKDF built from HMAC-SHA256 as §4.3 defines it
 * (RFC 5869 with the chaining key as salt and an empty info).
 */
import { createHash, createHmac } from 'node:crypto';
import { CipherState } from './cipher-state.js';

/** SHA-256 output length, bytes. */
export const HASH_BYTES = 32;

function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

function hmac(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/**
 * HKDF(chaining_key, input_key_material, num_outputs) of rev 34 §4.3: temp = HMAC(ck, ikm);
 * out1 = HMAC(temp, 0x01); out2 = HMAC(temp, out1 ‖ 0x02); out3 = HMAC(temp, out2 ‖ 0x03).
 */
export function noiseHkdf(ck: Uint8Array, ikm: Uint8Array, outputs: 2 | 3): Uint8Array[] {
  const temp = hmac(ck, ikm);
  const o1 = hmac(temp, Uint8Array.of(1));
  const o2 = hmac(temp, o1, Uint8Array.of(2));
  if (outputs === 2) return [o1, o2];
  return [o1, o2, hmac(temp, o2, Uint8Array.of(3))];
}

/** Chaining key `ck`, handshake hash `h` and the handshake CipherState. */
export class SymmetricState {
  private ck: Uint8Array;
  private h: Uint8Array;
  readonly cipher = new CipherState();

  /** InitializeSymmetric(protocol_name): h = name padded to 32 bytes, or SHA-256(name) if longer; ck = h. */
  constructor(protocolName: string) {
    const name = new Uint8Array(Buffer.from(protocolName, 'ascii'));
    if (name.length <= HASH_BYTES) {
      this.h = new Uint8Array(HASH_BYTES);
      this.h.set(name);
    } else {
      this.h = sha256(name);
    }
    this.ck = this.h;
  }

  /** MixKey(ikm): ck, temp_k = HKDF(ck, ikm, 2); InitializeKey(temp_k). */
  mixKey(ikm: Uint8Array): void {
    const [ck, k] = noiseHkdf(this.ck, ikm, 2);
    this.ck = ck;
    this.cipher.initializeKey(k);
  }

  /** MixHash(data): h = SHA-256(h ‖ data). */
  mixHash(data: Uint8Array): void {
    this.h = sha256(this.h, data);
  }

  /** The handshake hash h (channel binding once the handshake is complete). */
  handshakeHash(): Uint8Array {
    return new Uint8Array(this.h);
  }

  /** EncryptAndHash(plaintext): c = EncryptWithAd(h, plaintext); MixHash(c). */
  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const c = this.cipher.encryptWithAd(this.h, plaintext);
    this.mixHash(c);
    return c;
  }

  /** DecryptAndHash(ciphertext). @throws MG_ERR_NOISE_DECRYPT */
  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const p = this.cipher.decryptWithAd(this.h, ciphertext);
    this.mixHash(ciphertext);
    return p;
  }

  /** Split(): two CipherStates keyed from HKDF(ck, empty, 2): (initiator→responder, responder→initiator). */
  split(): [CipherState, CipherState] {
    const [k1, k2] = noiseHkdf(this.ck, new Uint8Array(0), 2);
    return [new CipherState(k1), new CipherState(k2)];
  }
}
