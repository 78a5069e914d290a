/**
 * Peer hygiene: the gateway's {@link PeerAdmission} (pure; time from a Clock).
 *
 * - Reputation per peer ID and per IP address from reported offences, with temporary
 *   bans ({@link Reputation}). A ban of either refuses the peer / address.
 * - A maximum number of gateway sessions (`maxPeers`, inbound and outbound together).
 * - Diversity of dialled (outbound) peers across IP prefix groups (/16 IPv4, /48 IPv6):
 *   no group may hold more than `maxPrefixSharePercent` % of the `maxOutbound` outbound
 *   slots, i.e. at most `max(1, floor(share · maxOutbound / 100))` dialled peers per group.
 *   This is eclipse resistance in the manner of Bitcoin Core (one outbound connection per
 *   /16 netgroup; Heilman et al., "Eclipse Attacks on Bitcoin's Peer-to-Peer Network",
 *   USENIX Security 2015). Loopback, private and link-local addresses are exempt when
 *   `exemptPrivate` is set (a LAN's gateways share one prefix by nature).
 *
 * Sessions are registered with {@link PeerHygiene.admitSession} (which also decides) and
 * released with {@link PeerHygiene.releaseSession}.
 *
 * Refusal codes: MG_ERR_PEER_BANNED, MG_ERR_PEER_LIMIT, MG_ERR_PEER_PREFIX_SHARE.
 */
import type { Clock } from '../../ports/clock.js';
import type { AdmissionDecision, Offence, OffenceReport, PeerAdmission } from '../../ports/admission.js';
import type { ErrorCode } from '../../errors.js';
import { OFFENCE_PENALTY, Reputation, type ReputationEntry, type ReputationInit } from './reputation.js';
import { isPrivateAddress, parseAddress, prefixGroup } from './ip-prefix.js';

export interface PeerHygieneInit extends ReputationInit {
  /** Most gateway sessions (inbound + outbound). */
  maxPeers: number;
  /** Outbound slots the prefix share is computed over. */
  maxOutbound: number;
  /** Largest share (%) of the outbound slots one /16 or /48 may hold. */
  maxPrefixSharePercent: number;
  /** Exempt loopback/private/link-local addresses from the prefix rule. */
  exemptPrivate: boolean;
}

/** A registered gateway session. */
export interface HygieneSession {
  readonly id: string;
  readonly peerId: string | undefined;
  readonly address: string | undefined;
  readonly direction: 'inbound' | 'outbound';
}

/** Most refusals/offences kept in the recent-events ring (status page). */
export const HYGIENE_RECENT_EVENTS = 32;

const peerKey = (peerId: string): string => `peer:${peerId}`;
const addrKey = (ip: string): string => `addr:${ip}`;

/** A Bluetooth device address (`aa:bb:cc:dd:ee:ff`) or a noble peripheral ID (12+ hex): BLE links, not gateway sessions. */
export function isLinkLayerAddress(address: string): boolean {
  return /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i.test(address) || /^[0-9a-f]{12,64}$/i.test(address);
}

/** The reputation key part of an address: the IP for IP addresses, else the lowercased address (MAC, host name); undefined for junk. */
export function addressKeyPart(address: string): string | undefined {
  const ip = parseAddress(address)?.ip;
  if (ip) return ip;
  const a = address.trim().toLowerCase();
  return a.length > 0 && a.length <= 64 && /^[0-9a-z.:_-]+$/.test(a) ? a : undefined;
}

function refuse(code: ErrorCode, reason: string): AdmissionDecision {
  return { ok: false, code, reason };
}
const ALLOW: AdmissionDecision = Object.freeze({ ok: true as const });

/** Peer admission with reputation, bans, session limits and prefix diversity (see the module comment). Never throws. */
export class PeerHygiene implements PeerAdmission {
  private readonly clock: Clock;
  private readonly init: PeerHygieneInit;
  readonly reputation: Reputation;
  private readonly sessions = new Map<string, HygieneSession>();
  private readonly offences: Record<string, number> = Object.create(null);
  private readonly refusals: Record<string, number> = Object.create(null);
  private readonly recent: Array<{ at: number; event: string; key: string; detail: string }> = [];
  private readonly onBan: ((key: string, until: number, bans: number) => void) | undefined;

  /** @param components `onBan(key, until, bans)` fires for each new ban (`peer:<id>` / `addr:<ip>`). */
  constructor(components: { clock: Clock; onBan?: (key: string, until: number, bans: number) => void }, init: PeerHygieneInit) {
    this.clock = components.clock;
    this.init = init;
    this.onBan = components.onBan;
    this.reputation = new Reputation({ clock: components.clock, onBan: (k, u, b) => this.banned(k, u, b) }, init);
  }

  private banned(key: string, until: number, bans: number): void {
    this.note('ban', key, `until ${until} (ban ${bans})`);
    this.onBan?.(key, until, bans);
  }

  private note(event: string, key: string, detail: string): void {
    this.recent.push({ at: this.clock.now(), event, key, detail });
    if (this.recent.length > HYGIENE_RECENT_EVENTS) this.recent.shift();
  }

  private count(decision: AdmissionDecision, key: string): AdmissionDecision {
    if (!decision.ok) {
      this.refusals[decision.code] = (this.refusals[decision.code] ?? 0) + 1;
      this.note('refused', key, `${decision.code}: ${decision.reason}`);
    }
    return decision;
  }

  /** Largest number of dialled peers one prefix group may hold. */
  get perPrefixCap(): number {
    return Math.max(1, Math.floor((this.init.maxPrefixSharePercent * this.init.maxOutbound) / 100));
  }

  private addressBan(address: string): AdmissionDecision | undefined {
    const k = addressKeyPart(address);
    const until = k === undefined ? undefined : this.reputation.bannedUntil(addrKey(k));
    return until !== undefined ? refuse('MG_ERR_PEER_BANNED', `address ${k} is banned until ${until}`) : undefined;
  }

  private prefixCheck(address: string, exceptId?: string): AdmissionDecision | undefined {
    const a = parseAddress(address);
    if (!a || (this.init.exemptPrivate && isPrivateAddress(a))) return undefined;
    const group = prefixGroup(a)!;
    let n = 0;
    for (const s of this.sessions.values()) {
      if (s.id === exceptId || s.direction !== 'outbound' || !s.address) continue;
      if (prefixGroup(s.address) === group) n++;
    }
    if (n + 1 > this.perPrefixCap) {
      return refuse('MG_ERR_PEER_PREFIX_SHARE', `${group} already holds ${n} of ${this.init.maxOutbound} outbound slots (cap ${this.perPrefixCap}, ${this.init.maxPrefixSharePercent}%)`);
    }
    return undefined;
  }

  private limitCheck(direction: 'inbound' | 'outbound', exceptId?: string): AdmissionDecision | undefined {
    let total = 0;
    let outbound = 0;
    for (const s of this.sessions.values()) {
      if (s.id === exceptId) continue;
      total++;
      if (s.direction === 'outbound') outbound++;
    }
    if (total >= this.init.maxPeers) return refuse('MG_ERR_PEER_LIMIT', `${total} gateway sessions open (max ${this.init.maxPeers})`);
    if (direction === 'outbound' && outbound >= this.init.maxOutbound) return refuse('MG_ERR_PEER_LIMIT', `${outbound} outbound sessions open (max ${this.init.maxOutbound})`);
    return undefined;
  }

  /**
   * Before a handshake: banned address, session limit, and (outbound) prefix diversity.
   * Bluetooth addresses (BLE links ask too) are checked for bans only: the limits are
   * about gateway sessions.
   */
  allowAddress(address: string, direction: 'inbound' | 'outbound'): AdmissionDecision {
    if (isLinkLayerAddress(address)) return this.count(this.addressBan(address) ?? ALLOW, address);
    const d = this.addressBan(address) ?? this.limitCheck(direction) ?? (direction === 'outbound' ? this.prefixCheck(address) : undefined) ?? ALLOW;
    return this.count(d, address);
  }

  /** After authentication: banned peer ID or address. */
  allowPeer(peerId: string, address: string): AdmissionDecision {
    const until = this.reputation.bannedUntil(peerKey(peerId));
    const d = until !== undefined ? refuse('MG_ERR_PEER_BANNED', `peer ${peerId} is banned until ${until}`) : (this.addressBan(address) ?? ALLOW);
    return this.count(d, peerId);
  }

  /**
   * Register an open session and decide whether it may stay: bans (peer and address),
   * the session limit, and for outbound sessions the prefix rule. A refused session is
   * not registered; the caller closes it.
   */
  admitSession(s: HygieneSession): AdmissionDecision {
    const d =
      (s.peerId ? this.allowPeerQuiet(s.peerId) : undefined) ??
      (s.address ? this.addressBan(s.address) : undefined) ??
      this.limitCheck(s.direction, s.id) ??
      (s.direction === 'outbound' && s.address ? this.prefixCheck(s.address, s.id) : undefined) ??
      ALLOW;
    if (d.ok) this.sessions.set(s.id, s);
    return this.count(d, s.peerId ?? s.address ?? s.id);
  }

  private allowPeerQuiet(peerId: string): AdmissionDecision | undefined {
    const until = this.reputation.bannedUntil(peerKey(peerId));
    return until !== undefined ? refuse('MG_ERR_PEER_BANNED', `peer ${peerId} is banned until ${until}`) : undefined;
  }

  /** Forget a session (its link closed). */
  releaseSession(id: string): void {
    this.sessions.delete(id);
  }

  /** Registered sessions that a ban of `key` (`peer:<id>` / `addr:<ip>`) covers. */
  sessionsCoveredBy(key: string): HygieneSession[] {
    return [...this.sessions.values()].filter((s) => (s.peerId && key === peerKey(s.peerId)) || (s.address !== undefined && key === addrKey(addressKeyPart(s.address) ?? s.address)));
  }

  /** Record an offence against the peer and/or the address (never throws). */
  report(e: OffenceReport): void {
    const offence: Offence = e.offence;
    if (!Object.hasOwn(OFFENCE_PENALTY, offence)) return; // from another machine's transport: be strict
    this.offences[offence] = (this.offences[offence] ?? 0) + 1;
    if (e.peerId && /^[0-9a-f]{16}$/.test(e.peerId)) {
      this.reputation.penalise(peerKey(e.peerId), offence);
      this.note('offence', peerKey(e.peerId), `${offence}${e.detail ? `: ${e.detail}` : ''}`);
    }
    if (e.address) {
      const k = addressKeyPart(e.address);
      if (k) {
        this.reputation.penalise(addrKey(k), offence);
        if (!e.peerId) this.note('offence', addrKey(k), `${offence}${e.detail ? `: ${e.detail}` : ''}`);
      }
    }
  }

  /** Snapshot for /api/status → modules.hygiene. */
  status(maxRows = 50): {
    sessions: { total: number; outbound: number; maxPeers: number; maxOutbound: number; perPrefixCap: number; outboundByPrefix: Record<string, number> };
    offences: Record<string, number>;
    refusals: Record<string, number>;
    tracked: number;
    evicted: number;
    bans: ReputationEntry[];
    reputation: ReputationEntry[];
    recent: Array<{ at: number; event: string; key: string; detail: string }>;
  } {
    const byPrefix: Record<string, number> = {};
    let outbound = 0;
    for (const s of this.sessions.values()) {
      if (s.direction !== 'outbound') continue;
      outbound++;
      const g = s.address ? prefixGroup(s.address) : undefined;
      if (g) byPrefix[g] = (byPrefix[g] ?? 0) + 1;
    }
    const entries = this.reputation.entries();
    return {
      sessions: { total: this.sessions.size, outbound, maxPeers: this.init.maxPeers, maxOutbound: this.init.maxOutbound, perPrefixCap: this.perPrefixCap, outboundByPrefix: byPrefix },
      offences: { ...this.offences },
      refusals: { ...this.refusals },
      tracked: this.reputation.size,
      evicted: this.reputation.evictions,
      bans: entries.filter((e) => e.bannedUntil !== undefined).slice(0, maxRows),
      reputation: entries.filter((e) => e.bannedUntil === undefined).slice(0, maxRows),
      recent: [...this.recent],
    };
  }
}
