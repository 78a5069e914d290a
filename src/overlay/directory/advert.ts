/**
 * Signed gateway adverts: what a gateway tells the overlay about itself (pure).
 *
 * Wire form (control message type `dir.advert`, body JSON):
 *
 * ```
 * { "a": Advert, "h": hops }        // h: unsigned relay count, 0 at the originator
 * Advert = {
 *   "v":    1,                       // advert format version
 *   "id":   "<16 hex>",              // peer ID = first 8 bytes of SHA-256(nk) (bitchat-spec.md §1)
 *   "nk":   "<64 hex>",              // X25519 Noise static public key, 32 bytes
 *   "sk":   "<64 hex>",              // Ed25519 signing public key, 32 bytes
 *   "iat":  1700000000000,           // issued at, ms since the epoch (also the sequence number)
 *   "exp":  1700000300000,           // expires at, ms since the epoch (iat < exp <= iat + 24 h)
 *   "ep":   ["ws://host:7778/meshgate"], // dialable endpoints (<= 4 URLs of <= 256 chars; may be empty)
 *   "pos":  [52.52, 13.405] | null,  // WGS 84 latitude, longitude in degrees
 *   "load": 250,                     // permille of the gateway's session capacity in use, 0..1000
 *   "up":   86400,                   // uptime, s
 *   "fee":  0,                       // fee per MiB relayed, in the operator's smallest unit (0 = free)
 *   "bw":   1250000,                 // uplink bandwidth offered, bytes/s (0 = unknown)
 *   "ver":  "0.1.0",                 // meshgate version, major.minor.patch
 *   "sig":  "<128 hex>"              // Ed25519 signature (RFC 8032) over the signing preimage
 * }
 * ```
 *
 * Signing preimage: the UTF-8 bytes of `meshgate-advert-v1\n` followed by
 * `JSON.stringify([v, id, nk, sk, iat, exp, ep, pos, load, up, fee, bw, ver])` — a fixed
 * field order, so the bytes are the same on every implementation that serialises
 * integers, strings and finite numbers as ECMAScript does.
 */
import { z } from 'zod';
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { ed25519PrivateKey, ed25519Sign, ed25519Verify, peerIdHexFromNoiseKey } from '../../protocol/keys.js';
import type { IdentityKeys } from '../../protocol/keys.js';

/** Control message type of a flooded advert. */
export const ADVERT_CONTROL_TYPE = 'dir.advert';
/** Advert format version. */
export const ADVERT_VERSION = 1;
/** Longest advert lifetime accepted (exp − iat), ms: 24 h. */
export const MAX_ADVERT_LIFETIME_MS = 86_400_000;
/** Most endpoints in one advert. */
export const MAX_ADVERT_ENDPOINTS = 4;
/** Longest endpoint URL, characters. */
export const MAX_ENDPOINT_LENGTH = 256;
const PREIMAGE_PREFIX = 'meshgate-advert-v1\n';

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`));
const uint = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** zod schema of one advert (strict: unknown fields are malformed). */
export const ADVERT_SCHEMA = z.strictObject({
  v: z.literal(ADVERT_VERSION),
  id: hex(16),
  nk: hex(64),
  sk: hex(64),
  iat: uint,
  exp: uint,
  ep: z.array(z.string().min(1).max(MAX_ENDPOINT_LENGTH)).max(MAX_ADVERT_ENDPOINTS),
  pos: z.tuple([z.number().min(-90).max(90), z.number().min(-180).max(180)]).nullable(),
  load: z.number().int().min(0).max(1000),
  up: uint,
  fee: uint,
  bw: uint,
  ver: z.string().regex(/^\d{1,6}\.\d{1,6}\.\d{1,6}$/),
  sig: hex(128),
});

/** A gateway advert (see the module comment for fields and units). */
export type Advert = z.infer<typeof ADVERT_SCHEMA>;
/** The signed fields (everything but `sig`). */
export type AdvertFields = Omit<Advert, 'sig'>;

/** Schema of the `dir.advert` control body `{ a, h }`. */
export const ADVERT_BODY_SCHEMA = z.strictObject({ a: ADVERT_SCHEMA, h: z.number().int().min(0).max(255) });

/** The bytes an advert's signature covers. */
export function advertPreimage(f: AdvertFields): Uint8Array {
  const arr = [f.v, f.id, f.nk, f.sk, f.iat, f.exp, f.ep, f.pos, f.load, f.up, f.fee, f.bw, f.ver];
  return new TextEncoder().encode(PREIMAGE_PREFIX + JSON.stringify(arr));
}

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** What the originator states; keys and ID come from its identity. */
export interface AdvertContent {
  iat: number;
  lifetimeMs: number;
  endpoints: readonly string[];
  position: readonly [number, number] | null;
  /** 0..1 share of capacity in use. */
  load: number;
  uptimeMs: number;
  fee: number;
  bandwidthBytesPerSec: number;
  version: string;
}

/** Build and sign this gateway's advert with its Ed25519 signing key. */
export function signAdvert(keys: IdentityKeys, c: AdvertContent): Advert {
  const fields: AdvertFields = {
    v: ADVERT_VERSION,
    id: peerIdHexFromNoiseKey(keys.noisePublicKey),
    nk: toHex(keys.noisePublicKey),
    sk: toHex(keys.signingPublicKey),
    iat: Math.floor(c.iat),
    exp: Math.floor(c.iat + c.lifetimeMs),
    ep: c.endpoints.slice(0, MAX_ADVERT_ENDPOINTS),
    pos: c.position ? [c.position[0], c.position[1]] : null,
    load: Math.max(0, Math.min(1000, Math.round(c.load * 1000))),
    up: Math.max(0, Math.floor(c.uptimeMs / 1000)),
    fee: Math.max(0, Math.floor(c.fee)),
    bw: Math.max(0, Math.floor(c.bandwidthBytesPerSec)),
    ver: c.version,
  };
  const sig = ed25519Sign(advertPreimage(fields), ed25519PrivateKey(keys.signingPrivateKey));
  return { ...fields, sig: toHex(sig) };
}

/** Whether the advert's ID is the hash of its Noise key (bitchat-spec.md §1). */
export function advertIdMatchesKey(a: Advert): boolean {
  return peerIdHexFromNoiseKey(Buffer.from(a.nk, 'hex')) === a.id;
}

/**
 * An Ed25519 public KeyObject from 64 hex characters, imported as a JWK (RFC 8037 `OKP`):
 * on Node 20 / OpenSSL 3 this is about ten times quicker than the DER/SPKI import
 * (bench/directory.ts measured 60,000/s against 5,800/s), and it dominates the cost of
 * verifying an advert from a gateway not seen before. Undefined for an unusable key.
 */
export function signingKeyFromHex(skHex: string): KeyObject | undefined {
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(skHex, 'hex').toString('base64url') }, format: 'jwk' });
  } catch {
    return undefined;
  }
}

/** Whether the advert's signature verifies under its own `sk` (or the KeyObject given for it). */
export function verifyAdvertSignature(a: Advert, key: KeyObject | undefined = signingKeyFromHex(a.sk)): boolean {
  if (!key) return false;
  const { sig, ...fields } = a;
  return ed25519Verify(advertPreimage(fields), Buffer.from(sig, 'hex'), key);
}

/** A short digest of an advert (dedup key in logs): SHA-256 of the preimage, 8 bytes hex. */
export function advertDigest(a: Advert): string {
  const { sig: _sig, ...fields } = a;
  return createHash('sha256').update(advertPreimage(fields)).digest('hex').slice(0, 16);
}
