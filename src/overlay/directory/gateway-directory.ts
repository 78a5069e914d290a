/**
 * The gateway directory: a bounded table of verified gateway adverts learnt by flooding
 * (pure; time from a Clock, key pins through a {@link PinStore} port).
 *
 * Receiving an advert (`dir.advert` body `{ a, h }`), in order:
 * 1. shape (zod) and lifetime (0 < exp − iat ≤ maxLifetimeMs) → MG_ERR_ADVERT_MALFORMED;
 * 2. peer ID = SHA-256(Noise key)[0..8] → MG_ERR_ADVERT_PEER_ID_MISMATCH;
 * 3. our own advert coming back → ignored (`own`);
 * 4. expired, or issued more than maxSkewMs in the future → MG_ERR_ADVERT_STALE;
 * 5. an advert with the same or a later `iat` is held → duplicate (flooding stops here);
 * 6. Ed25519 signature → MG_ERR_ADVERT_BAD_SIGNATURE;
 * 7. the signing and Noise keys pinned for the peer ID on first use (TOFU), and the
 *    signing key the mesh verified from the gateway's own announces (when known) →
 *    MG_ERR_ADVERT_KEY_MISMATCH;
 * 8. re-advertised less than minReadvertMs after the held one → MG_ERR_ADVERT_FLOOD;
 * 9. table full: the entry that expires first is evicted, unless the new one expires
 *    before all held ones → MG_ERR_DIRECTORY_FULL.
 * An accepted advert is re-flooded by the caller with h + 1 while h + 1 ≤ maxHops.
 *
 * Each result carries the offence to report to peer hygiene when the sender is to blame
 * (a relay is not blamed for an originator's bad advert unless it is the originator).
 */
import type { Clock } from '../../ports/clock.js';
import type { Offence } from '../../ports/admission.js';
import type { ErrorCode } from '../../errors.js';
import type { KeyObject } from 'node:crypto';
import { ADVERT_BODY_SCHEMA, advertIdMatchesKey, signingKeyFromHex, verifyAdvertSignature, type Advert } from './advert.js';

/** Keys pinned to a peer ID on first sight (trust on first use). */
export interface PinStore {
  get(peerId: string): { signingKey: string; noiseKey: string } | undefined;
  /** Pin (or refresh `lastSeen` of) a peer's keys. Bounded by the implementation. */
  set(peerId: string, keys: { signingKey: string; noiseKey: string }, now: number): void;
}

/** In-memory {@link PinStore}, least-recently-seen evicted beyond `max`. */
export class MemoryPinStore implements PinStore {
  private readonly pins = new Map<string, { signingKey: string; noiseKey: string }>();
  constructor(private readonly max = 16_384) {}
  get(peerId: string) {
    return this.pins.get(peerId);
  }
  set(peerId: string, keys: { signingKey: string; noiseKey: string }): void {
    this.pins.delete(peerId);
    this.pins.set(peerId, keys);
    if (this.pins.size > this.max) this.pins.delete(this.pins.keys().next().value!);
  }
}

export interface GatewayDirectoryInit {
  /** Most adverts held. */
  maxEntries: number;
  /** Largest accepted exp − iat, ms. */
  maxLifetimeMs: number;
  /** Largest accepted iat − now, ms (clock skew). */
  maxSkewMs: number;
  /** Smallest accepted gap between two adverts of one gateway, ms. */
  minReadvertMs: number;
  /** Most relay hops an advert is flooded over. */
  maxHops: number;
}

/** One held advert. */
export interface DirectoryEntry {
  readonly advert: Advert;
  readonly receivedAt: number;
  /** Local expiry: min(exp, receivedAt + (exp − iat)), so a fast issuer clock cannot stretch it. */
  readonly expiresAt: number;
  readonly hops: number;
  readonly viaLinkId: string;
}

export type ReceiveResult =
  | { readonly status: 'accepted'; readonly entry: DirectoryEntry; readonly reflood: boolean }
  | { readonly status: 'duplicate' | 'own' }
  | { readonly status: 'rejected'; readonly code: ErrorCode; readonly reason: string; readonly offence: Offence | undefined };

export interface DirectoryStats {
  entries: number;
  accepted: number;
  duplicates: number;
  expired: number;
  evicted: number;
  rejected: Record<string, number>;
}

/** Bounded table of verified gateway adverts (see the module comment for the receive order and codes). */
export class GatewayDirectory {
  private readonly clock: Clock;
  private readonly pins: PinStore;
  private readonly selfPeerId: string;
  private readonly init: GatewayDirectoryInit;
  private readonly table = new Map<string, DirectoryEntry>();
  /** Imported signing keys by hex, at most maxEntries (oldest dropped): re-adverts skip the import. */
  private readonly keyCache = new Map<string, KeyObject>();
  private readonly counters: DirectoryStats = { entries: 0, accepted: 0, duplicates: 0, expired: 0, evicted: 0, rejected: {} };

  private readonly meshSigningKey: ((noiseKeyHex: string) => string | undefined) | undefined;

  /**
   * @param components `meshSigningKey(noiseKeyHex)`: the Ed25519 key (hex) the mesh has
   *   verified for a Noise key from the gateway's own signed announces (its pinned keys),
   *   if any; an advert signed with another key is refused like a pin mismatch.
   */
  constructor(components: { clock: Clock; pins: PinStore; selfPeerId: string; meshSigningKey?: (noiseKeyHex: string) => string | undefined }, init: GatewayDirectoryInit) {
    this.clock = components.clock;
    this.pins = components.pins;
    this.meshSigningKey = components.meshSigningKey;
    this.selfPeerId = components.selfPeerId;
    this.init = init;
  }

  private reject(code: ErrorCode, reason: string, offence: Offence | undefined): ReceiveResult {
    this.counters.rejected[code] = (this.counters.rejected[code] ?? 0) + 1;
    return { status: 'rejected', code, reason, offence };
  }

  /**
   * Take one `dir.advert` body received on `from.linkId` from the gateway `from.peerId`.
   * Never throws.
   */
  receive(body: unknown, from: { linkId: string; peerId: string | undefined }): ReceiveResult {
    const parsed = ADVERT_BODY_SCHEMA.safeParse(body);
    if (!parsed.success) return this.reject('MG_ERR_ADVERT_MALFORMED', parsed.error.issues[0]?.message ?? 'bad advert', 'invalid-frame');
    const { a, h } = parsed.data;
    const fromOrigin = from.peerId === a.id;
    const lifetime = a.exp - a.iat;
    if (lifetime <= 0 || lifetime > this.init.maxLifetimeMs) return this.reject('MG_ERR_ADVERT_MALFORMED', `lifetime ${lifetime} ms out of range`, 'invalid-frame');
    if (!advertIdMatchesKey(a)) return this.reject('MG_ERR_ADVERT_PEER_ID_MISMATCH', `peer ID ${a.id} is not the hash of its Noise key`, 'invalid-frame');
    if (a.id === this.selfPeerId) return { status: 'own' };
    const now = this.clock.now();
    if (a.exp <= now) return this.reject('MG_ERR_ADVERT_STALE', `expired at ${a.exp}`, undefined);
    if (a.iat > now + this.init.maxSkewMs) return this.reject('MG_ERR_ADVERT_STALE', `issued ${a.iat - now} ms in the future`, undefined);
    const held = this.table.get(a.id);
    if (held && held.advert.iat >= a.iat) {
      this.counters.duplicates++;
      return { status: 'duplicate' };
    }
    if (!verifyAdvertSignature(a, this.signingKey(a.sk))) return this.reject('MG_ERR_ADVERT_BAD_SIGNATURE', `advert of ${a.id} has a bad signature`, fromOrigin ? 'bad-signature' : undefined);
    const pin = this.pins.get(a.id);
    if (pin && (pin.signingKey !== a.sk || pin.noiseKey !== a.nk)) {
      return this.reject('MG_ERR_ADVERT_KEY_MISMATCH', `advert of ${a.id} is signed by a key other than the pinned one`, fromOrigin ? 'bad-signature' : undefined);
    }
    const meshKey = this.meshSigningKey?.(a.nk);
    if (meshKey !== undefined && meshKey !== a.sk) {
      return this.reject('MG_ERR_ADVERT_KEY_MISMATCH', `advert of ${a.id} is signed by a key other than the one its mesh announces carry`, fromOrigin ? 'bad-signature' : undefined);
    }
    if (held && a.iat - held.advert.iat < this.init.minReadvertMs) {
      return this.reject('MG_ERR_ADVERT_FLOOD', `${a.id} re-advertised after ${a.iat - held.advert.iat} ms (min ${this.init.minReadvertMs})`, fromOrigin ? 'flood' : undefined);
    }
    const expiresAt = Math.min(a.exp, now + lifetime);
    if (!held && this.table.size >= this.init.maxEntries) {
      let victim: DirectoryEntry | undefined;
      for (const e of this.table.values()) if (!victim || e.expiresAt < victim.expiresAt) victim = e;
      if (victim && victim.expiresAt >= expiresAt) return this.reject('MG_ERR_DIRECTORY_FULL', `directory full (${this.init.maxEntries})`, undefined);
      if (victim) {
        this.table.delete(victim.advert.id);
        this.counters.evicted++;
      }
    }
    this.pins.set(a.id, { signingKey: a.sk, noiseKey: a.nk }, now);
    const entry: DirectoryEntry = { advert: a, receivedAt: now, expiresAt, hops: h, viaLinkId: from.linkId };
    this.table.set(a.id, entry);
    this.counters.accepted++;
    return { status: 'accepted', entry, reflood: h + 1 <= this.init.maxHops };
  }

  private signingKey(skHex: string): KeyObject | undefined {
    let k = this.keyCache.get(skHex);
    if (k) return k;
    k = signingKeyFromHex(skHex);
    if (!k) return undefined;
    this.keyCache.set(skHex, k);
    if (this.keyCache.size > this.init.maxEntries) this.keyCache.delete(this.keyCache.keys().next().value!);
    return k;
  }

  /** Drop expired entries; returns the peer IDs dropped. */
  expire(): string[] {
    const now = this.clock.now();
    const gone: string[] = [];
    for (const [id, e] of this.table) {
      if (e.expiresAt <= now) {
        this.table.delete(id);
        gone.push(id);
      }
    }
    this.counters.expired += gone.length;
    return gone;
  }

  get(peerId: string): DirectoryEntry | undefined {
    const e = this.table.get(peerId);
    return e && e.expiresAt > this.clock.now() ? e : undefined;
  }

  /** Live entries. */
  entries(): DirectoryEntry[] {
    const now = this.clock.now();
    return [...this.table.values()].filter((e) => e.expiresAt > now);
  }

  stats(): DirectoryStats {
    return { ...this.counters, entries: this.table.size, rejected: { ...this.counters.rejected } };
  }
}
