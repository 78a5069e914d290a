/** Gateway-protocol version negotiation, the feature table and capability pinning (issue 6 §2). */
export { FEATURES, FEATURE_NAMES, KNOWN_CAPABILITY_MASK, capabilitiesOf, featuresOf, inferCapabilities, isFeatureName, type FeatureName, type FeatureInfo } from './features.js';
export { parseVersion, tryParseVersion, formatVersion, compareVersions, compareMinor, type ProtocolVersion } from './version.js';
export { negotiate, checkPolicy, type NegotiationPolicy, type NegotiationResult, type PeerOffer, type SessionMode } from './negotiate.js';
export { checkAndPin, MemoryCapabilityPinStore, type CapabilityPin, type CapabilityPinStore, type PinCheck } from './capability-pins.js';
