import { MeshgateError } from '../errors.js';

/** Lowercase hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Parse hex (case-insensitive, optional `0x`, whitespace ignored).
 * @param expectedBytes if given, the exact decoded length required.
 * @throws MeshgateError MG_ERR_BAD_HEX on odd length, non-hex characters or wrong length.
 */
export function fromHex(hex: string, expectedBytes?: number): Uint8Array {
  const clean = hex.trim().replace(/^0x/i, '').replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) {
    throw new MeshgateError('MG_ERR_BAD_HEX', 'not an even-length hex string');
  }
  const out = new Uint8Array(Buffer.from(clean, 'hex'));
  if (expectedBytes !== undefined && out.length !== expectedBytes) {
    throw new MeshgateError('MG_ERR_BAD_HEX', `expected ${expectedBytes} bytes, got ${out.length}`);
  }
  return out;
}

/** Byte-wise equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
