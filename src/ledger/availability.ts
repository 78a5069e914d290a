/**
 * Availability of relayers as the signer measures it: the share of the current epoch
 * (from its start, or from when this tracker started if later) during which at least one
 * link to the relayer was up, in permille. Pure: the caller passes times (ms).
 */

/** Most peers tracked; links to further peers are not tracked (their availability reads 0). */
export const MAX_TRACKED_PEERS = 1024;

interface PeerUptime {
  links: number;
  upSince: number | undefined;
  /** ms up within the current window, not counting the open interval. */
  upMs: number;
}

export class AvailabilityTracker {
  private readonly peers = new Map<string, PeerUptime>();
  private windowStart: number;

  /** @param init.windowStart start of the measuring window, ms (the epoch start or now). */
  constructor(init: { windowStart: number }) {
    this.windowStart = init.windowStart;
  }

  /** A link to `peerId` came up at `at`. */
  linkUp(peerId: string, at: number): void {
    let p = this.peers.get(peerId);
    if (!p) {
      if (this.peers.size >= MAX_TRACKED_PEERS) return;
      this.peers.set(peerId, (p = { links: 0, upSince: undefined, upMs: 0 }));
    }
    if (p.links++ === 0) p.upSince = Math.max(at, this.windowStart);
  }

  /** A link to `peerId` went down at `at`. */
  linkDown(peerId: string, at: number): void {
    const p = this.peers.get(peerId);
    if (!p || p.links === 0) return;
    if (--p.links === 0 && p.upSince !== undefined) {
      p.upMs += Math.max(0, at - p.upSince);
      p.upSince = undefined;
    }
  }

  /** Availability of `peerId` at `now`, permille 0..1000 (1000 when the window is empty and the peer is up). */
  permille(peerId: string, now: number): number {
    const p = this.peers.get(peerId);
    if (!p) return 0;
    const span = now - this.windowStart;
    const up = p.upMs + (p.upSince !== undefined ? Math.max(0, now - p.upSince) : 0);
    if (span <= 0) return p.links > 0 ? 1000 : 0;
    return Math.min(1000, Math.floor((1000 * up) / span));
  }

  /** Start a new window at `at` (epoch roll): up-time restarts from there. */
  resetWindow(at: number): void {
    this.windowStart = at;
    for (const [id, p] of this.peers) {
      p.upMs = 0;
      if (p.links > 0) p.upSince = at;
      else this.peers.delete(id);
    }
  }
}
