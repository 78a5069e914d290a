/**
 * Per-check health scoring of every open link and of the gateway (formula in
 * src/detection/health.ts): feeds each link's state and φ (a gateway link's own detector, a
 * phone link's phone), its queue sojourn from `link-quality` events and its drop rate since
 * the previous check into the {@link HealthModel}.
 */
import type { Link } from '../../ports/link.js';
import type { HealthModel, Membership, ScoreView } from '../../detection/index.js';

export type LinkHealthView = { linkId: string; peerId: string | null } & ScoreView;

export class HealthTracker {
  private readonly model: HealthModel;
  private readonly membership: Membership;
  private readonly defaultThreshold: number;
  private readonly sojourn = new Map<string, number>();
  private readonly last = new Map<string, { frames: number; drops: number }>();
  links: LinkHealthView[] = [];
  gateway: ScoreView | undefined;

  constructor(components: { model: HealthModel; membership: Membership }, init: { threshold: number }) {
    this.model = components.model;
    this.membership = components.membership;
    this.defaultThreshold = init.threshold;
  }

  /** Latest queue sojourn time (ms) reported for a link. */
  setSojourn(linkId: string, ms: number): void {
    this.sojourn.set(linkId, ms);
  }

  forget(linkId: string): void {
    this.sojourn.delete(linkId);
    this.last.delete(linkId);
    this.model.forget(linkId);
  }

  /** Score every link; `memberOf` names the member that speaks for a link (or undefined). */
  update(links: readonly Link[], memberOf: (link: Link) => string | undefined, awareness: { score: number; max: number }, partitioned: boolean): void {
    const scores: LinkHealthView[] = [];
    for (const l of links) {
      const member = memberOf(l);
      const state = (member && this.membership.state(member)) || 'alive';
      const det = member ? this.membership.detector(member) : undefined;
      const s = l.stats();
      const frames = s.framesIn + s.framesOut;
      let drops = 0;
      for (const v of Object.values(s.drops)) drops += v;
      const prev = this.last.get(l.id) ?? { frames: 0, drops: 0 };
      this.last.set(l.id, { frames, drops });
      const dd = drops - prev.drops;
      const errorRate = dd <= 0 ? 0 : dd / Math.max(1, frames - prev.frames + dd);
      const v = this.model.link(l.id, { state, phi: det?.phi() ?? 0, threshold: det?.threshold ?? this.defaultThreshold, sojournMs: this.sojourn.get(l.id), errorRate });
      scores.push({ linkId: l.id, peerId: l.remotePeerId ?? null, ...v });
    }
    this.links = scores;
    this.gateway = this.model.gateway(scores.map((x) => x.score), awareness, partitioned);
  }
}
