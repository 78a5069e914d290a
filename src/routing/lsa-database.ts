/**
 * The link-state database: the newest advert per origin gateway, with OSPF-style flooding
 * rules (RFC 2328 §13): an advert is accepted and flooded on (to every gateway link but
 * the one it came on) only when its sequence number is newer than the one held; it
 * expires `holdMs` after it was received. Signing keys are pinned on first use per origin
 * (a different key for a known origin is refused, MG_ERR_LSA_BAD_SIGNATURE).
 * Bounded: `maxOrigins` (default 1,024); when full, the advert nearest expiry is evicted.
 */
import { bytesEqual } from '../protocol/hex.js';
import type { ErrorCode } from '../errors.js';
import type { LinkStateAdvert } from './lsa.js';

export interface StoredLsa {
  readonly lsa: LinkStateAdvert;
  /** The advert's bytes as received (flooded on unchanged: the signature covers them). */
  readonly raw: Uint8Array;
  readonly receivedAt: number;
  readonly expiresAt: number;
  /** Link it arrived on (undefined for our own). */
  readonly viaLinkId: string | undefined;
}

export type LsaVerdict = { readonly accepted: true } | { readonly accepted: false; readonly code: ErrorCode };

export class LsaDatabase {
  private readonly byOrigin = new Map<string, StoredLsa>();
  private readonly pins = new Map<string, Uint8Array>();
  private readonly maxOrigins: number;

  constructor(init: { maxOrigins?: number } = {}) {
    this.maxOrigins = init.maxOrigins ?? 1_024;
  }

  get size(): number {
    return this.byOrigin.size;
  }

  /** Offer a verified advert; accepted when newer than the one held (then flood it on). */
  offer(lsa: LinkStateAdvert, now: number, viaLinkId: string | undefined, raw: Uint8Array): LsaVerdict {
    const pin = this.pins.get(lsa.origin);
    if (pin && !bytesEqual(pin, lsa.signingPublicKey)) return { accepted: false, code: 'MG_ERR_LSA_BAD_SIGNATURE' };
    const held = this.byOrigin.get(lsa.origin);
    if (held && held.expiresAt > now && lsa.seq <= held.lsa.seq) return { accepted: false, code: 'MG_ERR_LSA_STALE' };
    if (!pin) {
      if (this.pins.size >= this.maxOrigins * 2) this.pins.delete(this.pins.keys().next().value as string);
      this.pins.set(lsa.origin, lsa.signingPublicKey);
    }
    this.byOrigin.delete(lsa.origin);
    this.byOrigin.set(lsa.origin, { lsa, raw, receivedAt: now, expiresAt: now + lsa.holdMs, viaLinkId });
    if (this.byOrigin.size > this.maxOrigins) {
      let victim: string | undefined;
      let soonest = Infinity;
      for (const [o, s] of this.byOrigin) if (s.expiresAt < soonest) (soonest = s.expiresAt), (victim = o);
      if (victim !== undefined) this.byOrigin.delete(victim);
    }
    return { accepted: true };
  }

  /** Remove adverts past their hold time; returns the origins removed. */
  expire(now: number): string[] {
    const gone: string[] = [];
    for (const [o, s] of this.byOrigin) if (s.expiresAt <= now) (this.byOrigin.delete(o), gone.push(o));
    return gone;
  }

  get(origin: string): StoredLsa | undefined {
    return this.byOrigin.get(origin);
  }

  all(): IterableIterator<StoredLsa> {
    return this.byOrigin.values();
  }
}
