/**
 * The `hygiene` gateway module: runs {@link PeerHygiene} as the gateway's peer admission
 * (src/ports/admission.ts; the gateway installs it as `ctx.admission` for transports and
 * modules), persists bans in SQLite (`hygiene_bans`, so a restart does not forgive), and
 * enforces decisions on every gateway link as it comes up: a link from or to a banned
 * peer or address, over the session limit, or (dialled) over the prefix share is closed
 * at once; when the refused link was dialled by discovery or selection (not `config`),
 * the URL is hung up too. A new ban closes the banned peer's open links.
 *
 * Status (/api/status → modules.hygiene): sessions (total, outbound, per-prefix counts),
 * offences by kind, refusals by code, bans and worst reputations, recent events.
 */
import type { Database } from '../../storage/index.js';
import { applyModuleMigrations, preparedRetained } from '../../storage/index.js';
import type { Link } from '../../ports/link.js';
import { OPEN_ADMISSION, type PeerAdmission } from '../../ports/admission.js';
import type { TimerHandle } from '../../ports/clock.js';
import { PeerHygiene } from '../../overlay/hygiene/peer-hygiene.js';
import type { GatewayModule, GatewayModuleContext } from '../module.js';

/** How often reputation entries that decayed to nothing are pruned, ms. */
export const HYGIENE_PRUNE_INTERVAL_MS = 60_000;

const MIGRATIONS = [
  {
    version: 1,
    name: 'hygiene_bans',
    up(db: Database) {
      db.exec('CREATE TABLE hygiene_bans (key TEXT PRIMARY KEY, until INTEGER NOT NULL, bans INTEGER NOT NULL)');
    },
  },
];

/** Gateway module `hygiene`: the peer admission, ban persistence and per-link enforcement. */
export class HygieneModule implements GatewayModule {
  readonly name = 'hygiene';
  private ctx: GatewayModuleContext | undefined;
  private hygiene: PeerHygiene | undefined;
  private timer: TimerHandle | undefined;
  private readonly unsubscribe: Array<() => void> = [];
  private closed: Record<string, number> = {};

  start(ctx: GatewayModuleContext): void {
    this.ctx = ctx;
    const cfg = ctx.config.hygiene;
    applyModuleMigrations({ logger: ctx.logger, now: () => ctx.clock.now() }, ctx.db, 'hygiene', MIGRATIONS);
    const upsert = preparedRetained(ctx.db, 'INSERT INTO hygiene_bans (key, until, bans) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET until = excluded.until, bans = excluded.bans');
    const purge = preparedRetained(ctx.db, 'DELETE FROM hygiene_bans WHERE until <= ?');
    const load = preparedRetained<[number], { key: string; until: number; bans: number }>(ctx.db, 'SELECT key, until, bans FROM hygiene_bans WHERE until > ?');
    this.hygiene = new PeerHygiene(
      {
        clock: ctx.clock,
        onBan: (key, until, bans) => {
          try {
            upsert.run(key, until, bans);
          } catch (err) {
            ctx.logger.warn({ err: String(err) }, 'could not persist a ban');
          }
          ctx.logger.warn({ key, until, bans }, 'peer banned');
          this.closeCovered(key);
        },
      },
      { ...cfg, maxEntries: cfg.maxTracked },
    );
    purge.run(ctx.clock.now());
    for (const r of load.all(ctx.clock.now())) this.hygiene.reputation.restoreBan(r.key, r.until, r.bans);
    const onUp = ({ link }: { link: Link }) => this.linkUp(link);
    const onDown = ({ link }: { link: Link }) => this.hygiene?.releaseSession(link.id);
    ctx.events.on('link-up', onUp);
    ctx.events.on('link-down', onDown);
    this.unsubscribe.push(
      () => ctx.events.off('link-up', onUp),
      () => ctx.events.off('link-down', onDown),
    );
    const prune = () => {
      this.hygiene?.reputation.prune();
      try {
        purge.run(ctx.clock.now());
      } catch (err) {
        ctx.logger.warn({ err: String(err) }, 'could not purge expired bans');
      }
      this.timer = ctx.clock.setTimer(prune, HYGIENE_PRUNE_INTERVAL_MS);
    };
    this.timer = ctx.clock.setTimer(prune, HYGIENE_PRUNE_INTERVAL_MS);
  }

  private linkUp(link: Link): void {
    const ctx = this.ctx;
    if (!ctx || !this.hygiene || !link.isGatewayLink) return;
    const dialled = ctx.dialer.dialled().find((d) => d.linkId === link.id);
    const d = this.hygiene.admitSession({ id: link.id, peerId: link.remotePeerId, address: link.remoteAddress, direction: dialled ? 'outbound' : 'inbound' });
    if (d.ok) return;
    this.closed[d.code] = (this.closed[d.code] ?? 0) + 1;
    ctx.logger.warn({ link: link.id, peer: link.remotePeerId, remote: link.remoteAddress, code: d.code, reason: d.reason }, 'gateway link refused by peer hygiene');
    if (dialled && dialled.source !== 'config') ctx.dialer.hangup(dialled.url);
    void link.close(`${d.code}: ${d.reason}`);
  }

  private closeCovered(key: string): void {
    const ctx = this.ctx;
    if (!ctx || !this.hygiene) return;
    for (const s of this.hygiene.sessionsCoveredBy(key)) {
      const link = ctx.links().find((l) => l.id === s.id);
      if (!link) continue;
      this.closed.MG_ERR_PEER_BANNED = (this.closed.MG_ERR_PEER_BANNED ?? 0) + 1;
      const dialled = ctx.dialer.dialled().find((d) => d.linkId === link.id);
      if (dialled && dialled.source !== 'config') ctx.dialer.hangup(dialled.url);
      void link.close(`MG_ERR_PEER_BANNED: ${key}`);
    }
  }

  admission(): PeerAdmission {
    return this.hygiene ?? OPEN_ADMISSION;
  }

  /** The hygiene engine (for the directory module and tests). */
  get engine(): PeerHygiene | undefined {
    return this.hygiene;
  }

  stop(): void {
    if (this.timer) this.ctx?.clock.clearTimer(this.timer);
    this.timer = undefined;
    for (const u of this.unsubscribe.splice(0)) u();
  }

  status(): unknown {
    return { ...(this.hygiene?.status() ?? {}), linksClosed: { ...this.closed } };
  }
}
