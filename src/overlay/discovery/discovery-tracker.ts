/**
 * mDNS / DNS-SD discovery decisions (pure). The I/O (multicast DNS via `bonjour-service`)
 * is in src/overlay/transports/mdns-discovery.ts; it feeds each resolved service here.
 *
 * A meshgate service instance (`meshgate-<peerId>._<type>._tcp.local`) carries TXT
 * records `id` (16-hex peer ID), `v` (meshgate version), `path` (WebSocket path, default
 * `/meshgate`) and `s` (URL scheme: `ws` or `wss`); its SRV port is the gateway port.
 *
 * Only one side dials, so two gateways that see each other make one link, not two: the
 * gateway with the numerically lower peer ID dials the higher (16-hex IDs compare as
 * strings like numbers); the higher waits to be dialled. A service that goes away (a
 * goodbye or its TTL lapsing) is hung up.
 *
 * Bounded: at most `maxServices` gateways are tracked; further ones are ignored and
 * counted (MG_ERR_DISCOVERY_FULL). Invalid TXT records are ignored and counted
 * (MG_ERR_DISCOVERY_INVALID).
 */
import type { ErrorCode } from '../../errors.js';

/** A resolved DNS-SD service, as the mDNS browser reports it. */
export interface ServiceSighting {
  /** DNS-SD instance name. */
  readonly name: string;
  /** Addresses the service resolved to (A/AAAA records), and the address its response came from. */
  readonly addresses: readonly string[];
  readonly refererAddress: string | undefined;
  readonly port: number;
  readonly txt: Readonly<Record<string, unknown>>;
}

/** One tracked gateway. */
export interface DiscoveredGateway {
  readonly name: string;
  readonly peerId: string;
  readonly version: string;
  readonly url: string;
  /** `dial`: we dial it; `await`: it dials us (higher peer ID than ours is not the case). */
  readonly role: 'dial' | 'await';
  readonly seenAt: number;
}

export type SightingResult =
  | { readonly action: 'dial'; readonly gateway: DiscoveredGateway }
  | { readonly action: 'await'; readonly gateway: DiscoveredGateway }
  | { readonly action: 'ignore'; readonly reason: 'self' | 'known' }
  | { readonly action: 'reject'; readonly code: ErrorCode; readonly reason: string };

/** Largest discovery table by default. */
export const DEFAULT_MAX_DISCOVERED = 64;

const txtString = (v: unknown): string | undefined => (typeof v === 'string' ? v : v instanceof Uint8Array ? new TextDecoder().decode(v) : undefined);

/** Pick the address to dial: the response's source address when it is among the service's, else the first IPv4, else the first. */
export function pickAddress(s: Pick<ServiceSighting, 'addresses' | 'refererAddress'>): string | undefined {
  if (s.refererAddress && (s.addresses.length === 0 || s.addresses.includes(s.refererAddress))) return s.refererAddress;
  return s.addresses.find((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a)) ?? s.addresses[0] ?? s.refererAddress;
}

/** Validates mDNS sightings and decides who dials (the lower peer ID); bounded. */
export class DiscoveryTracker {
  private readonly selfPeerId: string;
  private readonly maxServices: number;
  private readonly byName = new Map<string, DiscoveredGateway>();
  private readonly counters = { seen: 0, dialled: 0, awaited: 0, gone: 0, rejected: {} as Record<string, number> };

  constructor(components: { selfPeerId: string }, init: { maxServices?: number } = {}) {
    this.selfPeerId = components.selfPeerId;
    this.maxServices = init.maxServices ?? DEFAULT_MAX_DISCOVERED;
  }

  private reject(code: ErrorCode, reason: string): SightingResult {
    this.counters.rejected[code] = (this.counters.rejected[code] ?? 0) + 1;
    return { action: 'reject', code, reason };
  }

  /** A service was resolved (or updated) at time `now` (ms). */
  up(s: ServiceSighting, now: number): SightingResult {
    this.counters.seen++;
    const id = txtString(s.txt.id);
    const version = txtString(s.txt.v) ?? '0.0.0';
    const path = txtString(s.txt.path) ?? '/meshgate';
    const scheme = txtString(s.txt.s) ?? 'ws';
    if (!id || !/^[0-9a-f]{16}$/.test(id)) return this.reject('MG_ERR_DISCOVERY_INVALID', `service ${s.name}: TXT id is not a 16-hex peer ID`);
    if (id === this.selfPeerId) return { action: 'ignore', reason: 'self' };
    if (!/^\/[A-Za-z0-9._~\-/]{0,200}$/.test(path)) return this.reject('MG_ERR_DISCOVERY_INVALID', `service ${s.name}: TXT path is not a URL path`);
    if (scheme !== 'ws' && scheme !== 'wss') return this.reject('MG_ERR_DISCOVERY_INVALID', `service ${s.name}: TXT s must be ws or wss`);
    if (!/^\d{1,6}\.\d{1,6}\.\d{1,6}$/.test(version)) return this.reject('MG_ERR_DISCOVERY_INVALID', `service ${s.name}: TXT v is not major.minor.patch`);
    if (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535) return this.reject('MG_ERR_DISCOVERY_INVALID', `service ${s.name}: port ${s.port} out of range`);
    const addr = pickAddress(s);
    if (!addr) return this.reject('MG_ERR_DISCOVERY_INVALID', `service ${s.name}: no address`);
    const host = addr.includes(':') ? `[${addr}]` : addr;
    const url = `${scheme}://${host}:${s.port}${path}`;
    const held = this.byName.get(s.name);
    if (held && held.url === url && held.peerId === id) {
      this.byName.set(s.name, { ...held, seenAt: now });
      return { action: 'ignore', reason: 'known' };
    }
    if (!held && this.byName.size >= this.maxServices) return this.reject('MG_ERR_DISCOVERY_FULL', `discovery table full (${this.maxServices})`);
    const role: 'dial' | 'await' = this.selfPeerId < id ? 'dial' : 'await';
    const gateway: DiscoveredGateway = { name: s.name, peerId: id, version, url, role, seenAt: now };
    this.byName.set(s.name, gateway);
    if (role === 'dial') this.counters.dialled++;
    else this.counters.awaited++;
    return { action: role, gateway };
  }

  /** A service went away; returns the gateway it was (hang up its URL when we dialled it). */
  down(name: string): DiscoveredGateway | undefined {
    const g = this.byName.get(name);
    if (!g) return undefined;
    this.byName.delete(name);
    this.counters.gone++;
    return g;
  }

  /** Tracked gateways. */
  list(): DiscoveredGateway[] {
    return [...this.byName.values()];
  }

  stats(): { tracked: number; seen: number; dialled: number; awaited: number; gone: number; rejected: Record<string, number> } {
    return { tracked: this.byName.size, ...this.counters, rejected: { ...this.counters.rejected } };
  }
}
