/**
 * Packet signatures (bitchat-spec.md §2, "Signatures"): Ed25519 (RFC 8032) over the
 * packet encoded **with padding**, TTL 0, no signature (flag 0x02 clear) and the RSR bit
 * (0x10) clear, everything else unchanged — so a relayed packet (TTL decremented, RSR
 * set) still verifies. Upstream: `BitchatPacket.toBinaryDataForSigning` (both apps).
 *
 * Verification builds the preimage from the **received bytes** rather than re-encoding,
 * because DEFLATE output is not canonical.
 */
import type { KeyObject } from 'node:crypto';
import { FLAGS_OFFSET, TTL_OFFSET, encodePacket } from './codec.js';
import { ed25519Sign, ed25519Verify } from './keys.js';
import { optimalBlockSize } from './padding.js';
import { Flags, type BitchatPacket, type DecodedFrame } from './packet.js';

/**
 * The signing preimage of a packet being originated (encodes it with TTL 0, RSR clear,
 * padded). `compress` must be what the frame will be sent with (default true): the preimage
 * and the frame must carry the same payload bytes, or the signature will not verify.
 */
export function signingPreimage(packet: BitchatPacket, opts: { compress?: boolean } = {}): Uint8Array {
  return encodePacket(
    { ...packet, ttl: 0, signature: undefined, flags: packet.flags & ~(Flags.IS_RSR | Flags.HAS_SIGNATURE) },
    { pad: true, compress: opts.compress },
  );
}

/** The signing preimage of a received frame, from its own bytes (no re-encoding). */
export function framePreimage(frame: DecodedFrame): Uint8Array {
  const end = frame.signatureOffset >= 0 ? frame.signatureOffset : frame.length;
  // one allocation: the padded size is known up front (see padding.ts)
  const target = optimalBlockSize(end);
  const padLen = target - end;
  const out = new Uint8Array(padLen > 0 && padLen <= 255 ? target : end);
  out.set(frame.bytes.subarray(0, end));
  out[TTL_OFFSET] = 0;
  out[FLAGS_OFFSET] &= ~(Flags.HAS_SIGNATURE | Flags.IS_RSR);
  if (out.length > end) out.fill(padLen, end);
  return out;
}

/**
 * Sign a packet: returns a copy with its 64-byte `signature` set.
 * @param key Ed25519 private KeyObject (see keys.ts `ed25519PrivateKey`).
 * @param opts `compress` as the frame will be encoded (default true).
 */
export function signPacket(packet: BitchatPacket, key: KeyObject, opts: { compress?: boolean } = {}): BitchatPacket {
  return { ...packet, signature: ed25519Sign(signingPreimage(packet, opts), key) };
}

/**
 * Verify a received frame's signature with the sender's Ed25519 public key.
 * Returns false for unsigned frames, bad signatures and invalid keys (never throws).
 */
export function verifyFrame(frame: DecodedFrame, publicKey: KeyObject | Uint8Array): boolean {
  const sig = frame.packet.signature;
  if (!sig) return false;
  return ed25519Verify(framePreimage(frame), sig, publicKey);
}
