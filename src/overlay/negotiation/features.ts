/**
 * The gateway-protocol feature table (issue 6): each feature, its bit in the capability
 * bitfield, and the protocol version that introduced it. The table is used to *infer* the
 * capabilities of a peer that sends no bitfield; a peer that sends one is taken at its word
 * (authenticated by the handshake transcript).
 */
import { MeshgateError } from '../../errors.js';
import { compareMinor, parseVersion, type ProtocolVersion } from './version.js';

/** Every feature name, in bit order. */
export const FEATURE_NAMES = ['BasicMesh', 'GatewayNodes', 'EnhancedRouting', 'CompressionV2', 'ProofOfRelay', 'CrossChainBridge'] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

export interface FeatureInfo {
  readonly name: FeatureName;
  /** Bit index in the capability bitfield (value 1 << bit). */
  readonly bit: number;
  /** Version that introduced the feature. */
  readonly since: ProtocolVersion;
}

/** The feature table. Bits 6..30 are reserved: receivers ignore unknown bits. */
export const FEATURES: readonly FeatureInfo[] = [
  { name: 'BasicMesh', bit: 0, since: parseVersion('1.0.0') },
  { name: 'GatewayNodes', bit: 1, since: parseVersion('1.1.0') },
  { name: 'EnhancedRouting', bit: 2, since: parseVersion('1.2.0') },
  { name: 'CompressionV2', bit: 3, since: parseVersion('1.3.0') },
  { name: 'ProofOfRelay', bit: 4, since: parseVersion('1.4.0') },
  { name: 'CrossChainBridge', bit: 5, since: parseVersion('2.0.0') },
];

/** Mask of every defined bit. */
export const KNOWN_CAPABILITY_MASK = FEATURES.reduce((m, f) => m | (1 << f.bit), 0);

/** True if `name` is a feature name. */
export function isFeatureName(name: string): name is FeatureName {
  return (FEATURE_NAMES as readonly string[]).includes(name);
}

/** Bitfield of a feature list. @throws MG_ERR_CONFIG_INVALID for an unknown name */
export function capabilitiesOf(names: readonly string[]): number {
  let bits = 0;
  for (const n of names) {
    const f = FEATURES.find((x) => x.name === n);
    if (!f) throw new MeshgateError('MG_ERR_CONFIG_INVALID', `unknown gateway feature ${n}`, { feature: n, known: FEATURE_NAMES });
    bits |= 1 << f.bit;
  }
  return bits;
}

/** Feature names set in a bitfield (unknown bits ignored), in table order. */
export function featuresOf(bits: number): FeatureName[] {
  return FEATURES.filter((f) => (bits & (1 << f.bit)) !== 0).map((f) => f.name);
}

/**
 * The capabilities a version implies: every feature introduced at or before its
 * MAJOR.MINOR (patch ignored: patch releases never change features).
 */
export function inferCapabilities(v: ProtocolVersion): number {
  return FEATURES.filter((f) => compareMinor(f.since, v) <= 0).reduce((m, f) => m | (1 << f.bit), 0);
}
