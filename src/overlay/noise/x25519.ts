/**
 * X25519 (RFC 7748) for Noise's DH functions (rev 34 §12.1, "25519"): GENERATE_KEYPAIR and
 * DH through node:crypto KeyObjects. DHLEN = 32.
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { MeshgateError } from '../../errors.js';
import { x25519PublicFromPrivate } from '../../protocol/keys.js';

/** DHLEN, bytes. */
export const DH_BYTES = 32;

/** A raw X25519 key pair (32 bytes each). The private key is a secret: never log it. */
export interface NoiseKeyPair {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
  /** The private key as a node:crypto KeyObject, when already made (saves an import per DH). */
  readonly keyObject?: KeyObject;
}

const b64u = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');

/**
 * The key pair with its private KeyObject (imported as a JWK, RFC 8037 OKP: an order of
 * magnitude cheaper in OpenSSL 3 than a PKCS#8 DER import). @throws MG_ERR_BAD_KEY
 */
export function withKeyObject(kp: NoiseKeyPair): NoiseKeyPair {
  if (kp.keyObject) return kp;
  if (kp.privateKey.length !== DH_BYTES || kp.publicKey.length !== DH_BYTES) throw new MeshgateError('MG_ERR_BAD_KEY', 'X25519 keys must be 32 bytes');
  try {
    return { ...kp, keyObject: createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64u(kp.privateKey), x: b64u(kp.publicKey) }, format: 'jwk' }) };
  } catch {
    throw new MeshgateError('MG_ERR_BAD_KEY', 'invalid X25519 private key');
  }
}

/** GENERATE_KEYPAIR(): a fresh X25519 key pair from the OS CSPRNG. */
export function generateNoiseKeyPair(): NoiseKeyPair {
  const kp = generateKeyPairSync('x25519');
  const jwk = kp.privateKey.export({ format: 'jwk' });
  return { privateKey: new Uint8Array(Buffer.from(jwk.d!, 'base64url')), publicKey: new Uint8Array(Buffer.from(jwk.x!, 'base64url')), keyObject: kp.privateKey };
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
  if (publicKey.length !== DH_BYTES) throw new MeshgateError('MG_ERR_BAD_KEY', `X25519 public key must be ${DH_BYTES} bytes`);
  const priv = withKeyObject(kp).keyObject!;
  try {
    const pub = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64u(publicKey) }, format: 'jwk' });
    return new Uint8Array(diffieHellman({ privateKey: priv, publicKey: pub }));
  } catch (err) {
    if (err instanceof MeshgateError) throw err;
    throw new MeshgateError('MG_ERR_BAD_KEY', 'X25519 rejected the public key (low-order point)');
  }
}
