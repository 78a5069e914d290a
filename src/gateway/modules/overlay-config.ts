/** The overlay's negotiation policy from config section `overlay` (docs/configuration.md). */
import type { GatewayConfig } from '../config.js';
import { capabilitiesOf, checkPolicy, parseVersion, type NegotiationPolicy } from '../../overlay/negotiation/index.js';
import { GATEWAY_PROTOCOL_VERSION } from '../../overlay/session/index.js';

/** @throws MG_ERR_CONFIG_INVALID when features need a newer protocol or required ⊄ features. */
export function negotiationPolicyFromConfig(o: GatewayConfig['overlay']): NegotiationPolicy {
  return checkPolicy({
    version: parseVersion(GATEWAY_PROTOCOL_VERSION),
    wanted: capabilitiesOf(o.features),
    required: capabilitiesOf(o.requiredFeatures),
    minimumVersion: parseVersion(o.minimumVersion),
    legacyMajors: o.legacyMajors,
  });
}
