/**
 * JSON form of a bitchat packet, with upstream's field names (`BitchatPacket`):
 * `{ version, type, ttl, timestamp, flags, senderID, recipientID, route, payload, signature }`
 * where IDs, payload and signature are lowercase hex, `route` an array of hex IDs,
 * `timestamp` ms since the epoch, `flags` the header byte. Used by `meshgate packet`.
 */
import { MeshgateError } from '../errors.js';
import { fromHex, toHex } from './hex.js';
import { MESSAGE_TYPE_NAMES, type BitchatPacket, type DecodedFrame } from './packet.js';

export interface PacketJson {
  version: 1 | 2;
  type: number;
  typeName?: string;
  ttl: number;
  timestamp: number;
  flags: number;
  senderID: string;
  recipientID: string | null;
  route: string[] | null;
  payload: string;
  signature: string | null;
  /** True when the wire payload was compressed (decode only; informational). */
  compressed?: boolean;
}

/** Convert a decoded frame to its JSON form. */
export function packetToJson(frame: DecodedFrame): PacketJson {
  const p = frame.packet;
  return {
    version: p.version,
    type: p.type,
    typeName: MESSAGE_TYPE_NAMES[p.type] ?? 'unknown',
    ttl: p.ttl,
    timestamp: p.timestamp,
    flags: p.flags,
    senderID: toHex(p.senderID),
    recipientID: p.recipientID ? toHex(p.recipientID) : null,
    route: p.route ? p.route.map(toHex) : null,
    payload: toHex(p.payload),
    signature: p.signature ? toHex(p.signature) : null,
    compressed: frame.compressed,
  };
}

function field<T>(obj: Record<string, unknown>, name: string, check: (v: unknown) => v is T, what: string): T {
  const v = obj[name];
  if (!check(v)) throw new MeshgateError('MG_ERR_BAD_PACKET_JSON', `${name}: expected ${what}`, { field: name });
  return v;
}

const isInt = (min: number, max: number) => (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isStr = (v: unknown): v is string => typeof v === 'string';

function hexField(name: string, v: string, bytes?: number): Uint8Array {
  try {
    return fromHex(v, bytes);
  } catch {
    throw new MeshgateError('MG_ERR_BAD_PACKET_JSON', `${name}: expected ${bytes ? `${bytes} bytes of ` : ''}hex`, { field: name });
  }
}

/**
 * Parse the JSON form back into a packet (the encoder recomputes length and flag bits).
 * @throws MeshgateError MG_ERR_BAD_PACKET_JSON naming the offending field.
 */
export function packetFromJson(input: unknown): BitchatPacket {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new MeshgateError('MG_ERR_BAD_PACKET_JSON', 'expected a JSON object');
  }
  const o = input as Record<string, unknown>;
  const version = field(o, 'version', (v): v is 1 | 2 => v === 1 || v === 2, '1 or 2');
  const recipient = o.recipientID;
  const route = o.route;
  const signature = o.signature;
  if (route !== undefined && route !== null && !(Array.isArray(route) && route.every(isStr))) {
    throw new MeshgateError('MG_ERR_BAD_PACKET_JSON', 'route: expected an array of hex peer IDs', { field: 'route' });
  }
  return {
    version,
    type: field(o, 'type', isInt(0, 255), 'integer 0..255'),
    ttl: field(o, 'ttl', isInt(0, 255), 'integer 0..255'),
    timestamp: field(o, 'timestamp', isInt(0, Number.MAX_SAFE_INTEGER), 'ms since epoch'),
    flags: o.flags === undefined ? 0 : field(o, 'flags', isInt(0, 255), 'integer 0..255'),
    senderID: hexField('senderID', field(o, 'senderID', isStr, '16 hex characters'), 8),
    recipientID: recipient === undefined || recipient === null ? undefined : hexField('recipientID', field(o, 'recipientID', isStr, '16 hex characters'), 8),
    route: Array.isArray(route) ? route.map((h, i) => hexField(`route[${i}]`, h as string, 8)) : undefined,
    payload: hexField('payload', field(o, 'payload', isStr, 'hex string')),
    signature: signature === undefined || signature === null ? undefined : hexField('signature', field(o, 'signature', isStr, '128 hex characters'), 64),
  };
}
