/**
 * Chooses and starts the recovery of a lost gateway (strategies in
 * src/detection/recovery.ts): counts the live alternative first hops toward it, whether we
 * dial it ourselves (then the dialler's back-off redial is the `reconnect`), and a URL —
 * named in some gateway's `topo` record — of the lost gateway itself or of a gateway
 * adjacent to it, that we neither link to nor dial yet (then `bridge` dials it with source
 * `detection-bridge`).
 */
import type { Link } from '../../ports/link.js';
import type { GatewayDialer } from '../module.js';
import { chooseRecovery, type RecoveryStrategy, type Topology } from '../../detection/index.js';
import { DEFAULT_RECONNECT_POLICY } from '../../links/backoff.js';

/** Dial URLs remembered with the peer they reached (bounded). */
export const MAX_REMEMBERED_DIALS = 256;

/** Most bridge dials (source `detection-bridge`) kept at once; the oldest is hung up for a new one. */
export const MAX_BRIDGE_DIALS = 4;

export class RecoveryPlanner {
  private readonly topology: Topology;
  private readonly dialer: GatewayDialer;
  private readonly gatewayLinks: () => Link[];
  private readonly self: string;
  /** dial URL → peer ID, learnt while its link was up (to know whom a redial is for). */
  private readonly dialledPeer = new Map<string, string>();
  bridgesDialled = 0;

  constructor(components: { topology: Topology; dialer: GatewayDialer; gatewayLinks: () => Link[] }, init: { self: string }) {
    this.topology = components.topology;
    this.dialer = components.dialer;
    this.gatewayLinks = components.gatewayLinks;
    this.self = init.self;
  }

  /** Remember which peer each dialled URL reached (call periodically). */
  noteDialled(): void {
    const links = this.gatewayLinks();
    for (const d of this.dialer.dialled()) {
      const peer = d.linkId ? links.find((l) => l.id === d.linkId)?.remotePeerId : undefined;
      if (peer && (this.dialledPeer.has(d.url) || this.dialledPeer.size < MAX_REMEMBERED_DIALS)) this.dialledPeer.set(d.url, peer);
    }
  }

  /** Choose the strategies for lost gateway `peer`, start a bridge if that is one, and describe it. */
  plan(peer: string): { strategies: RecoveryStrategy[]; detail: string } {
    const linked = new Set(this.gatewayLinks().map((l) => l.remotePeerId));
    const dialled = this.dialer.dialled();
    const alternativeHops = this.topology.firstHops(peer).length;
    const weDialIt = dialled.some((d) => this.dialledPeer.get(d.url) === peer || d.url === this.topology.urlOf(peer));
    // bridge: the lost gateway itself at a URL another gateway dials it at, else a gateway next to it
    let bridgeUrl: string | undefined;
    for (const n of [peer, ...(this.topology.record(peer)?.neighbours ?? [])]) {
      const u = this.topology.urlOf(n);
      if (n !== this.self && u && !linked.has(n) && !dialled.some((d) => d.url === u)) bridgeUrl ??= u;
    }
    const strategies = chooseRecovery({ alternativeHops, weDialIt, bridgeUrl });
    let detail = `alternatives ${alternativeHops}`;
    const b = DEFAULT_RECONNECT_POLICY;
    if (strategies.includes('reconnect')) detail += `; redial back-off ${b.initialMs}..${b.maxMs} ms x${b.factor} ±${b.jitter * 100}%`;
    if (strategies.includes('bridge') && bridgeUrl) {
      // bridge dials are bounded: the oldest is hung up to make room (URLs come from gossip)
      const bridges = dialled.filter((d) => d.source === 'detection-bridge');
      for (let i = 0; i <= bridges.length - MAX_BRIDGE_DIALS; i++) this.dialer.hangup(bridges[i].url);
    }
    if (strategies.includes('bridge') && bridgeUrl && this.dialer.dial(bridgeUrl, { source: 'detection-bridge' })) {
      this.bridgesDialled++;
      detail += `; bridging via ${bridgeUrl}`;
    }
    return { strategies, detail };
  }
}
