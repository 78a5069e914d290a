/**
 * Where a directed packet heads next (bitchat-spec.md §6): the recipient, or for a v2
 * source-routed packet (flag 0x08) the hop after us in its route — the first hop when we
 * are the sender, the recipient after the last hop. Upstream: iOS
 * `BLESourceRouteOriginationPolicy.swift`, `BLEService` routed relay.
 */
import { PEER_ID_SIZE, type BitchatPacket } from '../protocol/packet.js';

/** True when two 8-byte peer IDs are equal (false if either is not 8 bytes). */
export function peerIdEquals(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== PEER_ID_SIZE || b.length !== PEER_ID_SIZE) return false;
  for (let i = 0; i < PEER_ID_SIZE; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The 8-byte peer ID this node should hand a directed packet to next.
 * @param packet a packet with a recipient (not a broadcast).
 * @param ownId our 8-byte peer ID.
 * @returns the next route hop when the packet is routed (v2, non-empty route) and we are
 *   its sender or one of its hops; otherwise the recipient.
 */
export function nextHopId(packet: Pick<BitchatPacket, 'version' | 'senderID' | 'recipientID' | 'route'>, ownId: Uint8Array): Uint8Array {
  const recipient = packet.recipientID as Uint8Array;
  const route = packet.version === 2 ? packet.route : undefined;
  if (!route || route.length === 0) return recipient;
  for (let i = 0; i < route.length; i++) {
    if (peerIdEquals(route[i], ownId)) return i + 1 < route.length ? route[i + 1] : recipient;
  }
  return peerIdEquals(packet.senderID, ownId) ? route[0] : recipient;
}
