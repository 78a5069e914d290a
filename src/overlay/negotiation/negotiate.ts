/**
 * Version negotiation between two gateways (issue 6 §2). Pure: both sides run it on the
 * two hellos and, with the same policy, reach the same result.
 *
 * Rules, in order:
 * 1. the peer's version must be `MAJOR.MINOR.PATCH`, else **Incompatible**;
 * 2. below `minimumVersion` (full comparison) → **Incompatible**;
 * 3. a different MAJOR within `legacyMajors` of ours → **Legacy** (features limited to those
 *    introduced in the older major, carried through the legacy adapter); further apart →
 *    **Incompatible**;
 * 4. the peer's capabilities are its bitfield (unknown bits ignored); only a peer that sends
 *    **no bitfield** gets them inferred from its version through the feature table;
 * 5. shared features = ours ∩ the peer's ∩ those of the common major; a required feature
 *    not shared → **Incompatible**;
 * 6. otherwise **Full** when every wanted feature is shared, else **Limited** (the rest are
 *    switched off for this session).
 * Patch differences never change the outcome (versions compare by MAJOR.MINOR for features).
 */
import { MeshgateError } from '../../errors.js';
import { FEATURES, KNOWN_CAPABILITY_MASK, featuresOf, inferCapabilities, type FeatureName } from './features.js';
import { compareVersions, formatVersion, tryParseVersion, type ProtocolVersion } from './version.js';

export type SessionMode = 'full' | 'limited' | 'legacy' | 'incompatible';

/** Our side of the negotiation (from config `overlay`). */
export interface NegotiationPolicy {
  /** The protocol version we speak. */
  readonly version: ProtocolVersion;
  /** Bitfield of the features we want (and offer); a subset of what `version` implies. */
  readonly wanted: number;
  /** Bitfield of features a peer must share, else Incompatible. */
  readonly required: number;
  /** Oldest peer version accepted. */
  readonly minimumVersion: ProtocolVersion;
  /** How many majors apart a peer may be and still be served in Legacy mode (0 = none). */
  readonly legacyMajors: number;
}

/** What the peer's hello says. */
export interface PeerOffer {
  /** The peer's version string as sent. */
  readonly version: unknown;
  /** The peer's capability bitfield, or undefined when the hello has none. */
  readonly capabilities: number | undefined;
}

export interface NegotiationResult {
  readonly mode: SessionMode;
  /** Features enabled for this session (empty when incompatible). */
  readonly features: FeatureName[];
  /** Bitfield of `features`. */
  readonly capabilities: number;
  /** Wanted features switched off for this session. */
  readonly disabled: FeatureName[];
  /** The peer's capabilities as used (sent or inferred). */
  readonly peerCapabilities: number;
  /** True when the peer sent no bitfield and its capabilities were inferred. */
  readonly inferred: boolean;
  readonly peerVersion: string;
  /** Why the session is incompatible, or undefined. */
  readonly reason: string | undefined;
  /** Required features the peer lacks (incompatible sessions). */
  readonly missing: FeatureName[];
}

/**
 * Check a policy: wanted must be features `version` implies, required ⊆ wanted.
 * @throws MG_ERR_CONFIG_INVALID
 */
export function checkPolicy(p: NegotiationPolicy): NegotiationPolicy {
  const own = inferCapabilities(p.version);
  const beyond = p.wanted & ~own;
  if (beyond) throw new MeshgateError('MG_ERR_CONFIG_INVALID', `features ${featuresOf(beyond).join(', ')} need a newer protocol than ${formatVersion(p.version)}`, { field: 'overlay.features' });
  const notWanted = p.required & ~p.wanted;
  if (notWanted) throw new MeshgateError('MG_ERR_CONFIG_INVALID', `required features ${featuresOf(notWanted).join(', ')} are not in overlay.features`, { field: 'overlay.requiredFeatures' });
  if (!Number.isInteger(p.legacyMajors) || p.legacyMajors < 0) throw new MeshgateError('MG_ERR_CONFIG_INVALID', 'legacy window must be a non-negative integer', { field: 'overlay.legacyMajors' });
  return p;
}

/** Bitfield of the features introduced in majors up to `major`. */
function featuresUpToMajor(major: number): number {
  return FEATURES.filter((f) => f.since.major <= major).reduce((m, f) => m | (1 << f.bit), 0);
}

function result(mode: SessionMode, fields: Partial<NegotiationResult> & { peerVersion: string; peerCapabilities: number; inferred: boolean }): NegotiationResult {
  return { mode, features: [], capabilities: 0, disabled: [], reason: undefined, missing: [], ...fields };
}

/** Negotiate with one peer. Never throws: malformed offers are Incompatible. */
export function negotiate(policy: NegotiationPolicy, offer: PeerOffer): NegotiationResult {
  const peerVersion = typeof offer.version === 'string' ? offer.version.slice(0, 32) : String(offer.version).slice(0, 32);
  const v = tryParseVersion(offer.version);
  const sent = offer.capabilities;
  const validBits = typeof sent === 'number' && Number.isSafeInteger(sent) && sent >= 0;
  if (!v) return result('incompatible', { peerVersion, peerCapabilities: validBits ? sent & KNOWN_CAPABILITY_MASK : 0, inferred: false, reason: 'malformed version' });
  const peerCapabilities = validBits ? sent & KNOWN_CAPABILITY_MASK : inferCapabilities(v);
  const inferred = !validBits;
  const base = { peerVersion, peerCapabilities, inferred };
  if (compareVersions(v, policy.minimumVersion) < 0) {
    return result('incompatible', { ...base, reason: `version ${formatVersion(v)} is below the minimum ${formatVersion(policy.minimumVersion)}` });
  }
  const majorGap = Math.abs(v.major - policy.version.major);
  if (majorGap > policy.legacyMajors) {
    return result('incompatible', { ...base, reason: `major version ${v.major} is outside the legacy window (ours ${policy.version.major}, window ${policy.legacyMajors})` });
  }
  const commonMajor = Math.min(v.major, policy.version.major);
  const shared = policy.wanted & peerCapabilities & featuresUpToMajor(commonMajor);
  const missingBits = policy.required & ~shared;
  if (missingBits) {
    const missing = featuresOf(missingBits);
    return result('incompatible', { ...base, missing, reason: `peer lacks required ${missing.join(', ')}` });
  }
  const mode: SessionMode = majorGap > 0 ? 'legacy' : shared === policy.wanted ? 'full' : 'limited';
  return result(mode, { ...base, features: featuresOf(shared), capabilities: shared, disabled: featuresOf(policy.wanted & ~shared) });
}
