/**
 * The Noise CipherState (Noise Protocol Framework rev 34, §5.1) for the cipher
 * ChaChaPoly (§12.3): ChaCha20-Poly1305 as in RFC 8439 through node:crypto, 32-byte key
 * `k`, 64-bit counter nonce `n` encoded as 4 zero bytes then n little-endian (12 bytes),
 * 16-byte tag. A failed decryption leaves `n` unchanged (§5.1), so a tampered, replayed or
 * reordered message never advances the state. Rekey per §11.3:
 * k = first 32 bytes of ENCRYPT(k, 2^64−1, empty, 32 zero bytes).
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { MeshgateError } from '../../errors.js';

/** ChaCha20-Poly1305 tag length, bytes. */
export const TAG_BYTES = 16;
/** Cipher key length, bytes. */
export const KEY_BYTES = 32;
/** Largest Noise message, bytes (rev 34 §3). */
export const MAX_NOISE_MESSAGE_BYTES = 65_535;
/**
 * Largest counter value this implementation uses: 2^53 − 1 (JavaScript safe integer);
 * the spec's limit is 2^64 − 2. Reaching it throws MG_ERR_NOISE_STATE (a session would
 * have to carry 9 × 10^15 messages first).
 */
export const MAX_NONCE = Number.MAX_SAFE_INTEGER;

const EMPTY = new Uint8Array(0);

function nonceBytes(n: number | 'max'): Buffer {
  const b = Buffer.alloc(12);
  if (n === 'max') b.fill(0xff, 4);
  else b.writeBigUInt64LE(BigInt(n), 4);
  return b;
}

/** ENCRYPT(k, n, ad, plaintext) → `reserve` bytes left for the caller ‖ ciphertext ‖ 16-byte tag. */
function aeadEncrypt(k: Uint8Array, n: number | 'max', ad: Uint8Array, plaintext: Uint8Array, reserve = 0): Uint8Array {
  const c = createCipheriv('chacha20-poly1305', k, nonceBytes(n), { authTagLength: TAG_BYTES });
  c.setAAD(ad, { plaintextLength: plaintext.length });
  const head = c.update(plaintext);
  const tail = c.final();
  const tag = c.getAuthTag();
  const out = new Uint8Array(reserve + head.length + tail.length + TAG_BYTES);
  out.set(head, reserve);
  if (tail.length) out.set(tail, reserve + head.length);
  out.set(tag, reserve + head.length + tail.length);
  return out;
}

/** DECRYPT(k, n, ad, ciphertext); undefined when authentication fails. */
function aeadDecrypt(k: Uint8Array, n: number, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined {
  if (ciphertext.length < TAG_BYTES) return undefined;
  const body = ciphertext.subarray(0, ciphertext.length - TAG_BYTES);
  const d = createDecipheriv('chacha20-poly1305', k, nonceBytes(n), { authTagLength: TAG_BYTES });
  d.setAAD(ad, { plaintextLength: body.length });
  d.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_BYTES));
  try {
    const head = d.update(body);
    const tail = d.final();
    return tail.length === 0 ? new Uint8Array(head.buffer, head.byteOffset, head.byteLength) : new Uint8Array(Buffer.concat([head, tail]));
  } catch {
    return undefined;
  }
}

/**
 * One direction's cipher: key (or none) and counter nonce.
 * @throws MG_ERR_NOISE_DECRYPT from {@link decryptWithAd} when the tag does not verify;
 *   MG_ERR_NOISE_STATE when the nonce space is exhausted or a key has the wrong length.
 */
export class CipherState {
  private k: Uint8Array | undefined;
  private n = 0;

  constructor(key?: Uint8Array) {
    if (key) this.initializeKey(key);
  }

  /** InitializeKey(key): set k (32 bytes) and n = 0. */
  initializeKey(key: Uint8Array | undefined): void {
    if (key !== undefined && key.length !== KEY_BYTES) throw new MeshgateError('MG_ERR_NOISE_STATE', `cipher key must be ${KEY_BYTES} bytes`);
    this.k = key ? new Uint8Array(key) : undefined;
    this.n = 0;
  }

  hasKey(): boolean {
    return this.k !== undefined;
  }

  /** The next nonce this state will use (messages processed so far since the last key). */
  get nonce(): number {
    return this.n;
  }

  /** EncryptWithAd: plaintext unchanged without a key; else ciphertext ‖ tag and n += 1. */
  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (!this.k) return plaintext;
    return this.encryptWithAdReserving(ad, plaintext, 0);
  }

  /**
   * EncryptWithAd into a buffer with `reserve` leading bytes left for the caller (a record
   * header), saving a copy. @throws MG_ERR_NOISE_STATE without a key or when the nonce space is exhausted
   */
  encryptWithAdReserving(ad: Uint8Array, plaintext: Uint8Array, reserve: number): Uint8Array {
    if (!this.k) throw new MeshgateError('MG_ERR_NOISE_STATE', 'no cipher key');
    if (this.n >= MAX_NONCE) throw new MeshgateError('MG_ERR_NOISE_STATE', 'nonce space exhausted');
    const out = aeadEncrypt(this.k, this.n, ad, plaintext, reserve);
    this.n++;
    return out;
  }

  /** DecryptWithAd: ciphertext unchanged without a key; else plaintext and n += 1. @throws MG_ERR_NOISE_DECRYPT (n unchanged) */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (!this.k) return ciphertext;
    if (this.n >= MAX_NONCE) throw new MeshgateError('MG_ERR_NOISE_STATE', 'nonce space exhausted');
    const out = aeadDecrypt(this.k, this.n, ad, ciphertext);
    if (!out) throw new MeshgateError('MG_ERR_NOISE_DECRYPT', 'authentication tag does not verify', { nonce: this.n });
    this.n++;
    return out;
  }

  /** Rekey() (§11.3): k = ENCRYPT(k, 2^64−1, empty, zeros(32))[0..32]; n unchanged. */
  rekey(): void {
    if (!this.k) return;
    this.k = aeadEncrypt(this.k, 'max', EMPTY, new Uint8Array(KEY_BYTES)).subarray(0, KEY_BYTES);
  }
}
