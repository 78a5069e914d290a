/**
 * The session authority: what a transport asks once a peer is authenticated and
 * negotiated. It owns the negotiation policy and the capability pins (a later session
 * lacking a pinned security-relevant capability is refused as a downgrade). The overlay
 * module provides one backed by SQLite; {@link createSessionAuthority} with a
 * {@link MemoryCapabilityPinStore} serves tests and library use.
 */
import { checkAndPin, MemoryCapabilityPinStore, type CapabilityPinStore } from '../negotiation/capability-pins.js';
import { capabilitiesOf, FEATURE_NAMES, type FeatureName } from '../negotiation/features.js';
import { checkPolicy, type NegotiationPolicy } from '../negotiation/negotiate.js';
import { parseVersion, tryParseVersion } from '../negotiation/version.js';
import type { SessionHandshakeResult } from './session-handshake.js';

/** This build's gateway-protocol version: Noise XX sessions with features up to ProofOfRelay. */
export const GATEWAY_PROTOCOL_VERSION = '1.4.0';
/** Security-relevant features pinned by default: relay receipts and authenticated routing adverts. */
export const DEFAULT_PINNED_FEATURES: readonly FeatureName[] = ['EnhancedRouting', 'ProofOfRelay'];

/** The default policy: speak 1.4.0, want every 1.x feature, require BasicMesh + GatewayNodes, accept ≥ 1.0.0, one major of legacy. */
export function defaultNegotiationPolicy(): NegotiationPolicy {
  return checkPolicy({
    version: parseVersion(GATEWAY_PROTOCOL_VERSION),
    wanted: capabilitiesOf(FEATURE_NAMES.filter((f) => f !== 'CrossChainBridge')),
    required: capabilitiesOf(['BasicMesh', 'GatewayNodes']),
    minimumVersion: parseVersion('1.0.0'),
    legacyMajors: 1,
  });
}

export type AuthorityDecision = { readonly ok: true } | { readonly ok: false; readonly reason: 'downgrade' | 'refused'; readonly message: string; readonly missing?: readonly string[] };

/** Transport-facing contract. */
export interface SessionAuthority {
  /** The negotiation policy for new sessions. */
  policy(): NegotiationPolicy;
  /** Decide on an authenticated, negotiated session (pins). Must not throw. */
  authorize(r: SessionHandshakeResult): AuthorityDecision;
  /** Optional: told about every session link once established (status). `link` is a transport's SecureLink. */
  opened?(link: unknown): void;
}

export interface SessionAuthorityComponents {
  pins: CapabilityPinStore;
  /** ms since the epoch. */
  now: () => number;
}

export interface SessionAuthorityInit {
  policy?: NegotiationPolicy;
  /** Security-relevant features to pin (default EnhancedRouting, ProofOfRelay). */
  pinnedFeatures?: readonly string[];
}

/** A pin-checking authority. @throws MG_ERR_CONFIG_INVALID for unknown pinned feature names */
export function createSessionAuthority(components: SessionAuthorityComponents, init: SessionAuthorityInit = {}): SessionAuthority {
  const policy = init.policy ?? defaultNegotiationPolicy();
  const securityMask = capabilitiesOf(init.pinnedFeatures ?? DEFAULT_PINNED_FEATURES);
  return {
    policy: () => policy,
    authorize: (r) => {
      const major = tryParseVersion(r.peer.version)?.major ?? 0;
      const c = checkAndPin(components.pins, r.peer.peerId, { sent: r.peer.capabilities, major, now: components.now(), securityMask });
      return c.ok ? { ok: true } : { ok: false, reason: 'downgrade', message: c.reason, missing: c.missing };
    },
  };
}

/** An authority with in-memory pins (tests, library use). */
export function memorySessionAuthority(now: () => number, init: SessionAuthorityInit = {}): SessionAuthority {
  return createSessionAuthority({ pins: new MemoryCapabilityPinStore(), now }, init);
}
