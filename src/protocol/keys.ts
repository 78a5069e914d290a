/**
 * Identity keys (bitchat-spec.md §3): an X25519 "Noise static" key pair and a separate
 * Ed25519 signing key pair, both as raw 32-byte keys, through node:crypto.
 * peerID = SHA-256(Noise static public key)[0..8] (iOS `BitFoundation/PeerID.swift`,
 * Android `noise/NoisePeerIdentity.kt`).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { MeshgateError } from '../errors.js';
import { toHex } from './hex.js';

/** Raw key material of one identity. All keys are 32 bytes. Private keys are secrets: never log. */
export interface IdentityKeys {
  noisePrivateKey: Uint8Array;
  noisePublicKey: Uint8Array;
  signingPrivateKey: Uint8Array;
  signingPublicKey: Uint8Array;
}

// DER prefixes for raw 32-byte keys (RFC 8410): PKCS#8 private and SPKI public.
const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');

function check32(key: Uint8Array, what: string): void {
  if (key.length !== 32) throw new MeshgateError('MG_ERR_BAD_KEY', `${what} must be 32 bytes, got ${key.length}`);
}

/** Ed25519 private KeyObject from a raw 32-byte seed. @throws MG_ERR_BAD_KEY */
export function ed25519PrivateKey(seed: Uint8Array): KeyObject {
  check32(seed, 'Ed25519 private key');
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8, seed]), format: 'der', type: 'pkcs8' });
}

/** Ed25519 public KeyObject from a raw 32-byte key. @throws MG_ERR_BAD_KEY */
export function ed25519PublicKey(raw: Uint8Array): KeyObject {
  check32(raw, 'Ed25519 public key');
  try {
    return createPublicKey({ key: Buffer.concat([ED25519_SPKI, raw]), format: 'der', type: 'spki' });
  } catch {
    throw new MeshgateError('MG_ERR_BAD_KEY', 'Ed25519 public key is not a valid point');
  }
}

/** X25519 public KeyObject from a raw 32-byte key. @throws MG_ERR_BAD_KEY */
export function x25519PublicKey(raw: Uint8Array): KeyObject {
  check32(raw, 'X25519 public key');
  return createPublicKey({ key: Buffer.concat([X25519_SPKI, raw]), format: 'der', type: 'spki' });
}

/** X25519 private KeyObject from a raw 32-byte key. @throws MG_ERR_BAD_KEY */
export function x25519PrivateKey(raw: Uint8Array): KeyObject {
  check32(raw, 'X25519 private key');
  return createPrivateKey({ key: Buffer.concat([X25519_PKCS8, raw]), format: 'der', type: 'pkcs8' });
}

function rawPublic(key: KeyObject): Uint8Array {
  const der = key.export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - 32));
}

function rawPrivate(key: KeyObject): Uint8Array {
  const der = key.export({ format: 'der', type: 'pkcs8' });
  return new Uint8Array(der.subarray(der.length - 32));
}

/** Derive the Ed25519 public key (32 bytes) from a 32-byte seed. */
export function ed25519PublicFromSeed(seed: Uint8Array): Uint8Array {
  return rawPublic(createPublicKey(ed25519PrivateKey(seed)));
}

/** Derive the X25519 public key (32 bytes) from a 32-byte private key. */
export function x25519PublicFromPrivate(priv: Uint8Array): Uint8Array {
  return rawPublic(createPublicKey(x25519PrivateKey(priv)));
}

/** Generate a fresh identity (X25519 Noise static + Ed25519 signing). */
export function generateIdentityKeys(): IdentityKeys {
  const noise = generateKeyPairSync('x25519');
  const signing = generateKeyPairSync('ed25519');
  return {
    noisePrivateKey: rawPrivate(noise.privateKey),
    noisePublicKey: rawPublic(noise.publicKey),
    signingPrivateKey: rawPrivate(signing.privateKey),
    signingPublicKey: rawPublic(signing.publicKey),
  };
}

/** peerID bytes: SHA-256(noisePublicKey)[0..8]. @throws MG_ERR_BAD_KEY */
export function peerIdFromNoiseKey(noisePublicKey: Uint8Array): Uint8Array {
  check32(noisePublicKey, 'Noise public key');
  return new Uint8Array(createHash('sha256').update(noisePublicKey).digest().subarray(0, 8));
}

/** peerID as 16 lowercase hex characters. */
export function peerIdHexFromNoiseKey(noisePublicKey: Uint8Array): string {
  return toHex(peerIdFromNoiseKey(noisePublicKey));
}

/** Ed25519 signature (64 bytes) of `message` (RFC 8032, pure Ed25519). */
export function ed25519Sign(message: Uint8Array, key: KeyObject): Uint8Array {
  return new Uint8Array(sign(null, message, key));
}

/**
 * Verify an Ed25519 signature. Returns false (never throws) for a bad signature,
 * a signature of the wrong length, or an invalid public key. OpenSSL's verification is
 * the strict RFC 8032 one (rejects non-canonical S).
 */
export function ed25519Verify(message: Uint8Array, signature: Uint8Array, publicKey: KeyObject | Uint8Array): boolean {
  if (signature.length !== 64) return false;
  let key: KeyObject;
  try {
    key = publicKey instanceof Uint8Array ? ed25519PublicKey(publicKey) : publicKey;
  } catch {
    return false;
  }
  try {
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}
