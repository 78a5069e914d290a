/**
 * The route policy hook: the routing engine (src/routing, via its gateway module) tells the
 * relay engine which links a packet goes to. Without a policy the engine floods broadcasts
 * and sends directed packets to the link its peer table learnt for the next hop (or floods
 * when none is known), as bitchat phones do (bitchat-spec.md §6).
 */
import type { BitchatPacket } from '../protocol/packet.js';

/** What the engine knows when it asks the policy. */
export interface RouteQuery {
  /** The decoded packet; do not mutate. TTL is the received one (the relay TTL is decided by the engine). */
  readonly packet: BitchatPacket;
  readonly broadcast: boolean;
  /** 16 lowercase hex: the recipient, or the next hop of a v2 source route; undefined for broadcasts. */
  readonly nextHopPeerId: string | undefined;
  /** The link the packet arrived on; undefined when this gateway originates it. */
  readonly ingressLinkId: string | undefined;
  /** What the engine would do on its own (learnt link, or the flood set). */
  readonly defaultLinkIds: readonly string[];
  /** Every open link except the ingress (split horizon). */
  readonly candidateLinkIds: readonly string[];
}

export interface RoutePolicy {
  /**
   * Links to send on: a subset of `candidateLinkIds` (others are ignored); undefined keeps
   * the engine's default; an empty list means no route (the packet is not forwarded and is
   * counted MG_ERR_NO_ROUTE). Must be fast (no route recomputation) and must not throw
   * (a throw is counted MG_ERR_UNKNOWN and the default is used).
   */
  selectLinks(q: RouteQuery): readonly string[] | undefined;
}
