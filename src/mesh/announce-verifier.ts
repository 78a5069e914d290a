/**
 * Acceptance of a received announce (bitchat-spec.md §3): the sender ID must equal the
 * peer ID of the announced Noise key, the packet signature must verify with the announced
 * Ed25519 key, and that key must match the one pinned (trust on first use) for the Noise
 * key. Upstream: iOS `BLEAnnounceHandler.swift`, Android `mesh/SecurityManager.kt`
 * (`verifyAnnounce`), `noise/NoisePeerIdentity.kt`.
 *
 * Pure apart from the PeerStore port (pin lookup / pin) and node:crypto verification.
 */
import type { KeyObject } from 'node:crypto';
import { errorCodeOf, type ErrorCode } from '../errors.js';
import type { PeerStore } from '../ports/stores.js';
import { announceMatchesSender, decodeAnnounce, type AnnouncePayload } from '../protocol/announce.js';
import { bytesEqual, toHex } from '../protocol/hex.js';
import { ed25519PublicKey } from '../protocol/keys.js';
import type { DecodedFrame } from '../protocol/packet.js';
import { verifyFrame } from '../protocol/signing.js';
import type { PeerEntry } from './peer-table.js';

/** A verified announce, ready to update the peer table. */
export interface VerifiedAnnounce {
  announce: AnnouncePayload;
  /** The announced Ed25519 key as a KeyObject (reused from `existing` when unchanged). */
  signingKey: KeyObject;
  /** True when the signing key was pinned by this call (first sighting of the Noise key). */
  pinnedNow: boolean;
}

/** Outcome of {@link verifyAnnounce}: the announce or the drop code. */
export type AnnounceVerdict =
  | { ok: true; value: VerifiedAnnounce; storeError?: unknown }
  | { ok: false; code: ErrorCode; storeError?: unknown };

/**
 * Verify an announce frame.
 * @param frame the decoded announce frame (type 0x01).
 * @param existing the peer-table entry for the sender ID, if any (its cached key and Noise
 *   key let the common case skip SHA-256, KeyObject creation and the PeerStore).
 * @param store the TOFU pin store; if it throws, the in-memory entry decides and
 *   `storeError` is reported.
 * @returns `{ ok: false, code }` with MG_ERR_BAD_TLV / MG_ERR_BAD_ANNOUNCE (malformed, or
 *   sender ≠ peer ID of the Noise key), MG_ERR_BAD_KEY (signing key not a valid point),
 *   MG_ERR_BAD_SIGNATURE, or MG_ERR_KEY_PIN_MISMATCH. Never throws.
 */
export function verifyAnnounce(frame: DecodedFrame, existing: PeerEntry | undefined, store: PeerStore, nowMs: number): AnnounceVerdict {
  let announce: AnnouncePayload;
  try {
    announce = decodeAnnounce(frame.packet.payload);
  } catch (err) {
    return { ok: false, code: errorCodeOf(err) };
  }
  const sameNoise = existing !== undefined && bytesEqual(existing.noisePublicKey, announce.noisePublicKey);
  if (!sameNoise && !announceMatchesSender(announce, frame.packet.senderID)) return { ok: false, code: 'MG_ERR_BAD_ANNOUNCE' };
  const sameSigning = sameNoise && bytesEqual(existing.signingPublicKey, announce.signingPublicKey);
  let signingKey: KeyObject;
  if (sameSigning) {
    signingKey = existing.signingKey;
  } else {
    try {
      signingKey = ed25519PublicKey(announce.signingPublicKey);
    } catch (err) {
      return { ok: false, code: errorCodeOf(err) };
    }
  }
  if (!verifyFrame(frame, signingKey)) return { ok: false, code: 'MG_ERR_BAD_SIGNATURE' };
  if (sameSigning) return { ok: true, value: { announce, signingKey, pinnedNow: false } };

  // New peer, or a changed signing key: consult the pin (trust on first use).
  const noiseHex = toHex(announce.noisePublicKey);
  const signingHex = toHex(announce.signingPublicKey);
  let pinned: string | undefined;
  try {
    pinned = store.getPinnedSigningKey(noiseHex);
  } catch (err) {
    // Store unavailable: the in-memory entry is the pin we know of.
    if (sameNoise) return { ok: false, code: 'MG_ERR_KEY_PIN_MISMATCH', storeError: err };
    return { ok: true, value: { announce, signingKey, pinnedNow: false }, storeError: err };
  }
  if (pinned !== undefined && pinned.toLowerCase() !== signingHex) return { ok: false, code: 'MG_ERR_KEY_PIN_MISMATCH' };
  if (pinned === undefined && sameNoise) {
    // The store lost the pin but we still hold the old key: keep refusing the new one.
    return { ok: false, code: 'MG_ERR_KEY_PIN_MISMATCH' };
  }
  if (pinned === undefined) {
    try {
      store.pinSigningKey(noiseHex, signingHex, nowMs);
    } catch (err) {
      return { ok: true, value: { announce, signingKey, pinnedNow: false }, storeError: err };
    }
    return { ok: true, value: { announce, signingKey, pinnedNow: true } };
  }
  return { ok: true, value: { announce, signingKey, pinnedNow: false } };
}
