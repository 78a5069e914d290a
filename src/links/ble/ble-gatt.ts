/**
 * bitchat's GATT profile and advertising, as bytes (bitchat-spec.md §1).
 *
 * - Primary service `F47B5E2D-4A9E-4C5A-9B3F-8E1D2C3A4B5C` (iOS debug builds use `...4B5A`),
 *   one characteristic `A1B2C3D4-E5F6-4A5B-8C9D-0E1F2A3B4C5D` with read, write,
 *   write-without-response and notify (+ the standard CCCD 0x2902).
 *   Upstream: iOS `bitchat/Services/BLE/BLEService.swift`; Android `util/AppConstants.kt`,
 *   `mesh/BluetoothGattServerManager.kt`.
 * - Advertising (connectable, no local name by default): flags + the complete list of
 *   128-bit service UUIDs; scan response: 128-bit service data under the service UUID
 *   carrying the 8-byte peer ID (Android `BluetoothGattServerManager.startAdvertising`,
 *   so scanners recognise a device across MAC address rotation).
 *
 * EIR/AD structure (Bluetooth Core Supplement, Part A §1): each AD structure is
 * `length (1) | AD type (1) | data (length − 1)`, 128-bit UUIDs little-endian; each of the
 * advertising and scan-response payloads is at most 31 bytes (legacy advertising).
 */

/** bitchat primary service UUID (release builds). */
export const BITCHAT_SERVICE_UUID = 'F47B5E2D-4A9E-4C5A-9B3F-8E1D2C3A4B5C';
/** bitchat characteristic UUID (the only one). */
export const BITCHAT_CHARACTERISTIC_UUID = 'A1B2C3D4-E5F6-4A5B-8C9D-0E1F2A3B4C5D';
/** Client Characteristic Configuration Descriptor (Bluetooth SIG assigned number). */
export const CCCD_UUID = '2902';

/** Largest ATT MTU (Bluetooth Core 5.x: attribute values are at most 512 bytes; 512 + 5 = 517, what Android requests). */
export const MAX_ATT_MTU = 517;
/** Default ATT MTU before an exchange (Bluetooth Core Vol 3 Part F §3.2.8). */
export const DEFAULT_ATT_MTU = 23;
/** ATT notification / write-command header: opcode (1) + handle (2); a value is at most MTU − 3 bytes. */
export const ATT_HEADER_BYTES = 3;
/**
 * Android decodes every GATT value as one whole packet and fragments only frames over
 * 512 bytes (`AppConstants.Fragmentation.FRAGMENT_SIZE_THRESHOLD`): never send a single
 * value larger than this to a phone.
 */
export const PHONE_WHOLE_PACKET_LIMIT = 512;

/** Legacy advertising / scan-response payload limit, bytes. */
export const MAX_AD_BYTES = 31;
/** AD types (Bluetooth SIG "Assigned Numbers" §2.3). */
export const AdType = {
  FLAGS: 0x01,
  COMPLETE_128_UUIDS: 0x07,
  SHORTENED_LOCAL_NAME: 0x08,
  COMPLETE_LOCAL_NAME: 0x09,
  SERVICE_DATA_128: 0x21,
} as const;
/** Flags: LE General Discoverable (0x02) | BR/EDR Not Supported (0x04). */
export const AD_FLAGS_GENERAL_LE_ONLY = 0x06;

/** `F47B5E2D-...` → `f47b5e2d4a9e...` (what bleno and noble use). */
export function undashedUuid(uuid: string): string {
  return uuid.replace(/-/g, '').toLowerCase();
}

/** A 128-bit UUID string as 16 bytes, little-endian (the AD / ATT byte order). */
export function uuidToLittleEndian(uuid: string): Buffer {
  const hex = undashedUuid(uuid);
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new RangeError(`not a 128-bit UUID: ${uuid}`);
  return Buffer.from(hex, 'hex').reverse();
}

/**
 * The value a GATT value may carry on a link with ATT MTU `mtu`, capped for phones:
 * min(mtu − 3, 512) bytes.
 */
export function wholePacketLimit(mtu: number): number {
  return Math.max(1, Math.min(mtu - ATT_HEADER_BYTES, PHONE_WHOLE_PACKET_LIMIT));
}

/**
 * Advertising data: flags (3 bytes) + complete list of 128-bit service UUIDs (18 bytes)
 * and, when `name` is given, a (shortened, if needed) local name in the 10 bytes left.
 * Android and iOS advertise no name; a name only helps humans with a scanner app.
 */
export function buildAdvertisingData(serviceUuid: string, name = ''): Buffer {
  const parts: Buffer[] = [Buffer.from([2, AdType.FLAGS, AD_FLAGS_GENERAL_LE_ONLY]), Buffer.concat([Buffer.from([17, AdType.COMPLETE_128_UUIDS]), uuidToLittleEndian(serviceUuid)])];
  if (name.length > 0) {
    const room = MAX_AD_BYTES - 21 - 2;
    let bytes: Buffer = Buffer.from(name, 'utf8');
    let type: number = AdType.COMPLETE_LOCAL_NAME;
    if (bytes.length > room) {
      bytes = truncateUtf8(bytes, room);
      type = AdType.SHORTENED_LOCAL_NAME;
    }
    if (bytes.length > 0) parts.push(Buffer.concat([Buffer.from([bytes.length + 1, type]), bytes]));
  }
  return Buffer.concat(parts);
}

/** Scan response: 128-bit service data (AD 0x21) under the service UUID carrying the 8-byte peer ID (26 bytes). */
export function buildScanResponse(serviceUuid: string, peerId: string): Buffer {
  const id = Buffer.from(peerId, 'hex');
  if (id.length !== 8) throw new RangeError(`peer ID must be 16 hex characters, got ${peerId}`);
  return Buffer.concat([Buffer.from([1 + 16 + 8, AdType.SERVICE_DATA_128]), uuidToLittleEndian(serviceUuid), id]);
}

/** Service data as noble reports it (`advertisement.serviceData`): uuid undashed lowercase (16-, 32- or 128-bit), data bytes. */
export interface ScannedServiceData {
  uuid: string;
  data: Buffer | Uint8Array;
}

/**
 * The peer ID (16 lowercase hex) a device puts in its scan response as service data under
 * the bitchat service UUID (Android does; iOS does not), or undefined.
 */
export function peerIdFromServiceData(serviceData: readonly ScannedServiceData[] | undefined, serviceUuid: string): string | undefined {
  if (!serviceData) return undefined;
  const want = undashedUuid(serviceUuid);
  for (const sd of serviceData) {
    if (typeof sd?.uuid === 'string' && undashedUuid(sd.uuid) === want && sd.data && sd.data.length >= 8) {
      return Buffer.from(sd.data.buffer, sd.data.byteOffset, 8).toString('hex');
    }
  }
  return undefined;
}

function truncateUtf8(bytes: Buffer, max: number): Buffer {
  let end = Math.min(max, bytes.length);
  // Do not cut a multi-byte character: back up over continuation bytes (10xxxxxx).
  while (end > 0 && end < bytes.length && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}
