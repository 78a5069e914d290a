/**
 * Link-state adverts (LSAs): what a gateway tells other gateways about its links, flooded
 * over gateway links as control messages of type `lsa` with body `{ "lsa": <base64> }`.
 * Modelled on OSPF's router-LSA (RFC 2328 §12: sequence number, age/hold time, flooding),
 * signed with the gateway's Ed25519 key so relaying gateways cannot forge them.
 *
 * Byte layout (big-endian), version 1:
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 1 | version = 1 |
 * | 1 | 8 | origin peer ID |
 * | 9 | 4 | sequence number (u32, newer is larger) |
 * | 13 | 4 | hold time, ms (u32): receivers drop the advert this long after receiving it |
 * | 17 | 1 | flags: 0x01 position present |
 * | 18 | 32 | origin Noise static public key (peer ID = SHA-256(key)[0..8], checked) |
 * | 50 | 32 | origin Ed25519 signing public key |
 * | 82 | 36 | if position: lat f64, lon f64 (degrees), accuracy f32 (m), coverage radius f32 (m), reserved u32 |
 * | .. | 2 | link count N (u16, ≤ 1,024) |
 * | .. | 25·N | per link: neighbour peer ID (8), kind u8 (0 phone, 1 gateway, 2 internet), cost f32, RTT f32 (ms), delivery ratio f32 (0..1), bandwidth f32 (bytes/s, 0 = unknown) |
 * | .. | 64 | Ed25519 signature over every byte before it |
 */
import { MeshgateError } from '../errors.js';
import { ed25519Sign, ed25519Verify, ed25519PrivateKey, peerIdHexFromNoiseKey } from '../protocol/keys.js';
import { fromHex, toHex } from '../protocol/hex.js';
import type { IdentityKeys } from '../protocol/keys.js';
import { KIND_CODE, KIND_NAMES } from './csr-graph.js';
import type { NodeKind } from './types.js';

export const LSA_VERSION = 1;
/** Most links in one advert. */
export const MAX_LSA_LINKS = 1_024;
const LINK_BYTES = 25;
const POSITION_BYTES = 36;
const FIXED_BYTES = 84; // up to and including the link count, without position

export interface LsaLink {
  readonly neighbour: string;
  readonly kind: NodeKind;
  readonly cost: number;
  readonly rttMs: number;
  readonly deliveryRatio: number;
  readonly bandwidthBytesPerSec: number;
}

export interface LinkStateAdvert {
  /** 16 lowercase hex. */
  readonly origin: string;
  readonly seq: number;
  readonly holdMs: number;
  readonly noisePublicKey: Uint8Array;
  readonly signingPublicKey: Uint8Array;
  readonly position?: { readonly lat: number; readonly lon: number; readonly accuracyM: number; readonly coverageM: number };
  readonly links: readonly LsaLink[];
}

/**
 * Encode and sign an advert with `keys` (the origin's identity).
 * @throws MeshgateError MG_ERR_LSA_MALFORMED for more than MAX_LSA_LINKS links, a seq or hold time outside u32, or a bad peer ID.
 */
export function encodeLsa(lsa: Omit<LinkStateAdvert, 'noisePublicKey' | 'signingPublicKey' | 'origin'>, keys: IdentityKeys): Uint8Array {
  if (lsa.links.length > MAX_LSA_LINKS) throw new MeshgateError('MG_ERR_LSA_MALFORMED', `an LSA carries at most ${MAX_LSA_LINKS} links, got ${lsa.links.length}`);
  if (!isU32(lsa.seq) || !isU32(lsa.holdMs)) throw new MeshgateError('MG_ERR_LSA_MALFORMED', 'LSA seq and hold time must be u32');
  const size = FIXED_BYTES + (lsa.position ? POSITION_BYTES : 0) + LINK_BYTES * lsa.links.length + 64;
  const buf = new Uint8Array(size);
  const dv = new DataView(buf.buffer);
  buf[0] = LSA_VERSION;
  buf.set(fromHex(peerIdHexFromNoiseKey(keys.noisePublicKey), 8), 1);
  dv.setUint32(9, lsa.seq);
  dv.setUint32(13, lsa.holdMs);
  buf[17] = lsa.position ? 1 : 0;
  buf.set(keys.noisePublicKey, 18);
  buf.set(keys.signingPublicKey, 50);
  let o = 82;
  if (lsa.position) {
    dv.setFloat64(o, lsa.position.lat);
    dv.setFloat64(o + 8, lsa.position.lon);
    dv.setFloat32(o + 16, lsa.position.accuracyM);
    dv.setFloat32(o + 20, lsa.position.coverageM);
    o += POSITION_BYTES;
  }
  dv.setUint16(o, lsa.links.length);
  o += 2;
  for (const l of lsa.links) {
    buf.set(fromHex(l.neighbour, 8), o);
    buf[o + 8] = KIND_CODE[l.kind];
    dv.setFloat32(o + 9, l.cost);
    dv.setFloat32(o + 13, l.rttMs);
    dv.setFloat32(o + 17, l.deliveryRatio);
    dv.setFloat32(o + 21, l.bandwidthBytesPerSec);
    o += LINK_BYTES;
  }
  const sig = ed25519Sign(buf.subarray(0, size - 64), ed25519PrivateKey(keys.signingPrivateKey));
  buf.set(sig, size - 64);
  return buf;
}

/**
 * Decode and verify an advert: layout, the peer ID derived from the Noise key, and the
 * Ed25519 signature. @throws MeshgateError MG_ERR_LSA_MALFORMED (layout, values) or
 * MG_ERR_LSA_BAD_SIGNATURE (origin/key mismatch or signature).
 */
export function decodeLsa(buf: Uint8Array): LinkStateAdvert {
  if (buf.length < FIXED_BYTES + 64) throw new MeshgateError('MG_ERR_LSA_MALFORMED', `LSA too short (${buf.length} bytes)`);
  if (buf[0] !== LSA_VERSION) throw new MeshgateError('MG_ERR_LSA_MALFORMED', `LSA version ${buf[0]} unsupported`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const hasPos = (buf[17] & 1) === 1;
  let o = 82;
  let position: LinkStateAdvert['position'];
  if (hasPos) {
    if (buf.length < FIXED_BYTES + POSITION_BYTES + 64) throw new MeshgateError('MG_ERR_LSA_MALFORMED', 'LSA too short for its position');
    position = { lat: dv.getFloat64(o), lon: dv.getFloat64(o + 8), accuracyM: dv.getFloat32(o + 16), coverageM: dv.getFloat32(o + 20) };
    if (!(Math.abs(position.lat) <= 90 && Math.abs(position.lon) <= 180 && position.accuracyM >= 0 && position.coverageM >= 0)) {
      throw new MeshgateError('MG_ERR_LSA_MALFORMED', 'LSA position out of range');
    }
    o += POSITION_BYTES;
  }
  const n = dv.getUint16(o);
  o += 2;
  if (n > MAX_LSA_LINKS) throw new MeshgateError('MG_ERR_LSA_MALFORMED', `LSA claims ${n} links`);
  const end = o + n * LINK_BYTES;
  if (buf.length !== end + 64) throw new MeshgateError('MG_ERR_LSA_MALFORMED', `LSA length ${buf.length} does not match ${n} links`);
  const noisePublicKey = buf.slice(18, 50);
  const signingPublicKey = buf.slice(50, 82);
  const origin = toHex(buf.subarray(1, 9));
  if (peerIdHexFromNoiseKey(noisePublicKey) !== origin) throw new MeshgateError('MG_ERR_LSA_BAD_SIGNATURE', 'LSA origin does not match its Noise key', { origin });
  if (!ed25519Verify(buf.subarray(0, end), buf.subarray(end, end + 64), signingPublicKey)) throw new MeshgateError('MG_ERR_LSA_BAD_SIGNATURE', 'LSA signature does not verify', { origin });
  const links: LsaLink[] = [];
  for (let k = 0; k < n; k++, o += LINK_BYTES) {
    const kind = KIND_NAMES[buf[o + 8]];
    const cost = dv.getFloat32(o + 9);
    const rttMs = dv.getFloat32(o + 13);
    const deliveryRatio = dv.getFloat32(o + 17);
    const bandwidthBytesPerSec = dv.getFloat32(o + 21);
    if (kind === undefined || !(cost > 0 && Number.isFinite(cost)) || !(rttMs >= 0 && Number.isFinite(rttMs)) || !(deliveryRatio >= 0 && deliveryRatio <= 1) || !(bandwidthBytesPerSec >= 0 && Number.isFinite(bandwidthBytesPerSec))) {
      throw new MeshgateError('MG_ERR_LSA_MALFORMED', `LSA link ${k} has an invalid kind or metric`, { origin });
    }
    links.push({ neighbour: toHex(buf.subarray(o, o + 8)), kind, cost, rttMs, deliveryRatio, bandwidthBytesPerSec });
  }
  return { origin, seq: dv.getUint32(9), holdMs: dv.getUint32(13), noisePublicKey, signingPublicKey, ...(position ? { position } : {}), links };
}

function isU32(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff;
}
