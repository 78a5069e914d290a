/**
 * Capability pinning (issue 6 §2): once a peer has authenticated with security-relevant
 * capabilities, a later session from the same peer ID offering fewer of them (or an older
 * major version) is a downgrade and is refused, whatever a man in the middle or a
 * compromised path may have done. Pure logic over a {@link CapabilityPinStore}
 * (SQLite in the daemon, memory in tests). Trust on first use, like SSH known_hosts.
 */
import type { FeatureName } from './features.js';
import { featuresOf } from './features.js';

/** What is remembered per peer ID. */
export interface CapabilityPin {
  /** Security-relevant capability bits the peer has authenticated with (a union over sessions). */
  readonly capabilities: number;
  /** Highest major version the peer has authenticated with. */
  readonly major: number;
  /** ms since the epoch of first and latest pin. */
  readonly firstSeen: number;
  readonly lastSeen: number;
}

/** Storage port for pins. */
export interface CapabilityPinStore {
  get(peerId: string): CapabilityPin | undefined;
  put(peerId: string, pin: CapabilityPin): void;
}

/** Outcome of a pin check. */
export type PinCheck =
  | { readonly ok: true; readonly pin: CapabilityPin }
  | { readonly ok: false; readonly missing: FeatureName[]; readonly pinnedMajor: number; readonly reason: string };

/**
 * Check an authenticated session against the pin and, when accepted, update the pin.
 * @param securityMask bitfield of the security-relevant features (config `overlay.pinnedFeatures`)
 * @param sent the capability bitfield the peer actually sent (undefined when it sent none:
 *   a missing bitfield cannot satisfy a pin)
 */
export function checkAndPin(store: CapabilityPinStore, peerId: string, s: { sent: number | undefined; major: number; now: number; securityMask: number }): PinCheck {
  const pin = store.get(peerId);
  const offered = (s.sent ?? 0) & s.securityMask;
  if (pin) {
    const lost = pin.capabilities & s.securityMask & ~offered;
    if (lost || s.major < pin.major) {
      const missing = featuresOf(lost);
      const why = lost ? `lacks pinned ${missing.join(', ')}` : `major ${s.major} is older than pinned ${pin.major}`;
      return { ok: false, missing, pinnedMajor: pin.major, reason: `downgrade: peer ${peerId} ${why}` };
    }
  }
  const next: CapabilityPin = {
    capabilities: (pin?.capabilities ?? 0) | offered,
    major: Math.max(pin?.major ?? 0, s.major),
    firstSeen: pin?.firstSeen ?? s.now,
    lastSeen: s.now,
  };
  store.put(peerId, next);
  return { ok: true, pin: next };
}

/** A bounded in-memory pin store (tests, library use without SQLite): at most `max` peers, least recently pinned evicted. */
export class MemoryCapabilityPinStore implements CapabilityPinStore {
  private readonly pins = new Map<string, CapabilityPin>();
  private readonly max: number;
  /** @param init.maxPeers most peers kept (default 10,000) */
  constructor(init: { maxPeers?: number } = {}) {
    this.max = init.maxPeers ?? 10_000;
  }
  get(peerId: string): CapabilityPin | undefined {
    return this.pins.get(peerId);
  }
  put(peerId: string, pin: CapabilityPin): void {
    this.pins.delete(peerId);
    this.pins.set(peerId, pin);
    while (this.pins.size > this.max) this.pins.delete(this.pins.keys().next().value as string);
  }
  get size(): number {
    return this.pins.size;
  }
}
