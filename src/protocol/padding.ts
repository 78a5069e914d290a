/**
 * PKCS#7-style message padding (bitchat-spec.md §2). Each pad byte equals the pad length
 * (1..255). Target block: the smallest of 256/512/1024/2048 with `len + 16 <= block`;
 * no padding when none fits or more than 255 bytes would be needed.
 * Upstream: iOS `BitFoundation/MessagePadding.swift`, Android `protocol/MessagePadding.kt`.
 */
export const PADDING_BLOCK_SIZES = [256, 512, 1024, 2048] as const;

/** Target padded size in bytes for an unpadded length (returns `length` when not padded). */
export function optimalBlockSize(length: number): number {
  for (const block of PADDING_BLOCK_SIZES) if (length + 16 <= block) return block;
  return length;
}

/** Pad `data` to `target` bytes; returns `data` unchanged when the pad would be 0 or > 255 bytes. */
export function pad(data: Uint8Array, target: number = optimalBlockSize(data.length)): Uint8Array {
  const n = target - data.length;
  if (n <= 0 || n > 255) return data;
  const out = new Uint8Array(target);
  out.set(data, 0);
  out.fill(n, data.length);
  return out;
}

/** Strip valid PKCS#7 padding; returns `data` unchanged when the tail is not valid padding. */
export function unpad(data: Uint8Array): Uint8Array {
  const len = data.length;
  if (len === 0) return data;
  const n = data[len - 1];
  if (n === 0 || n > len) return data;
  for (let i = len - n; i < len; i++) if (data[i] !== n) return data;
  return data.subarray(0, len - n);
}
