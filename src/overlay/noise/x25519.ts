/**
 * X25519 (RFC 7748) for Noise's DH functions (rev 34 §12.1, "25519"): GENERATE_KEYPAIR and
 * DH through node:crypto KeyObjects. DHLEN = 32.
 */
import { diffieHellman, generateKeyPairSync } from 'node:crypto';
import { MeshgateError } from '../../errors.js';
import { x25519PrivateKey, x25519PublicFromPrivate, x25519PublicKey } from '../../protocol/keys.js';

/** DHLEN, bytes. */
export const DH_BYTES = 32;

/** A raw X25519 key pair (32 bytes each). The private key is a secret: never log it. */
export interface NoiseKeyPair {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** GENERATE_KEYPAIR(): a fresh X25519 key pair from the OS CSPRNG. */
export function generateNoiseKeyPair(): NoiseKeyPair {
  const kp = generateKeyPairSync('x25519');
  const priv = kp.privateKey.export({ format: 'der', type: 'pkcs8' });
  const pub = kp.publicKey.export({ format: 'der', type: 'spki' });
  return { privateKey: new Uint8Array(priv.subarray(priv.length - 32)), publicKey: new Uint8Array(pub.subarray(pub.length - 32)) };
}

/** The key pair of a raw 32-byte X25519 private key. @throws MG_ERR_BAD_KEY */
export function noiseKeyPairFromPrivate(privateKey: Uint8Array): NoiseKeyPair {
  return { privateKey: new Uint8Array(privateKey), publicKey: x25519PublicFromPrivate(privateKey) };
}

/**
 * DH(key_pair, public_key): the 32-byte X25519 shared secret.
 * @throws MG_ERR_BAD_KEY for a public key of the wrong length, or a low-order point whose
 *   shared secret is all zeros (OpenSSL refuses those, as RFC 7748 §6.1 permits).
 */
export function x25519Dh(kp: NoiseKeyPair, publicKey: Uint8Array): Uint8Array {
  try {
    return new Uint8Array(diffieHellman({ privateKey: x25519PrivateKey(kp.privateKey), publicKey: x25519PublicKey(publicKey) }));
  } catch (err) {
    if (err instanceof MeshgateError) throw err;
    throw new MeshgateError('MG_ERR_BAD_KEY', 'X25519 rejected the public key (low-order point)');
  }
}
