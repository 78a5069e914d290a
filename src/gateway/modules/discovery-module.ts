/**
 * The `discovery` gateway module: finds gateways on the LAN with mDNS / DNS-SD and dials
 * them (source `mdns`) without configuration. Once the gateway's listeners are bound (the
 * `listening` event) it publishes `meshgate-<peerId>._<discovery.serviceType>._tcp.local`
 * on the gateway WebSocket port and browses for the same type; the pure
 * {@link DiscoveryTracker} decides who dials (the lower peer ID) and validates TXT records.
 * Before dialling, the peer admission (hygiene) is asked about the address.
 *
 * Status (/api/status → modules.discovery): mDNS publishing state, counters, and the
 * gateways seen with their URL, role (dial / await) and whether a link to them is up.
 */
import { DiscoveryTracker, type ServiceSighting } from '../../overlay/discovery/discovery-tracker.js';
import { MdnsDiscovery } from '../../overlay/transports/mdns-discovery.js';
import { urlHost } from '../../overlay/hygiene/ip-prefix.js';
import type { GatewayModule, GatewayModuleContext } from '../module.js';
import { MESHGATE_VERSION } from '../gateway.js';
import { DEFAULT_GATEWAY_PATH } from '../../overlay/transports/ws-adapter.js';

/** Gateway module `discovery`: mDNS / DNS-SD advertising and browsing, dials the gateways it finds. */
export class DiscoveryModule implements GatewayModule {
  readonly name = 'discovery';
  private ctx: GatewayModuleContext | undefined;
  private tracker: DiscoveryTracker | undefined;
  private mdns: MdnsDiscovery | undefined;
  private onListening: ((p: { gateway: number | undefined }) => void) | undefined;
  private readonly dialledUrls = new Map<string, string>();
  private refused: Record<string, number> = {};
  private note: string | undefined;

  start(ctx: GatewayModuleContext): void {
    this.ctx = ctx;
    this.tracker = new DiscoveryTracker({ selfPeerId: ctx.identity.peerId }, { maxServices: ctx.config.discovery.maxDiscovered });
    this.onListening = (p) => this.publish(p.gateway);
    ctx.events.on('listening', this.onListening);
  }

  private publish(port: number | undefined): void {
    const ctx = this.ctx!;
    if (this.mdns) return;
    if (port === undefined) {
      this.note = 'gateway listener not running: nothing to advertise';
      return;
    }
    const cfg = ctx.config.discovery;
    const host = ctx.config.gateway.host;
    if (host === 'localhost' || host === '::1' || host.startsWith('127.')) {
      // nothing on the LAN could dial a loopback-only listener
      this.note = `gateway.host ${host} is loopback-only: not advertised on the LAN`;
      ctx.logger.warn({ host }, 'mDNS discovery off: the gateway listener is bound to loopback');
      return;
    }
    this.mdns = new MdnsDiscovery(
      { logger: ctx.logger, clock: ctx.clock, onUp: (s) => this.up(s), onDown: (name) => this.down(name) },
      {
        serviceType: cfg.serviceType,
        instanceName: `meshgate-${ctx.identity.peerId}`,
        port,
        txt: { id: ctx.identity.peerId, v: MESHGATE_VERSION, path: DEFAULT_GATEWAY_PATH, s: 'ws' },
        interface: cfg.interface,
        requeryMs: cfg.requeryMs,
      },
    );
    try {
      this.mdns.start();
      ctx.logger.info({ type: `_${cfg.serviceType}._tcp`, port }, 'mDNS discovery started');
    } catch (err) {
      this.note = `mDNS failed to start: ${String(err)}`;
      ctx.logger.warn({ code: 'MG_ERR_MDNS', err: String(err) }, 'mDNS failed to start; discovery off');
    }
  }

  private up(s: ServiceSighting): void {
    const ctx = this.ctx!;
    const r = this.tracker!.up(s, ctx.clock.now());
    if (r.action === 'reject') {
      ctx.logger.debug({ code: r.code, reason: r.reason }, 'mDNS service ignored');
      return;
    }
    if (r.action !== 'dial') return;
    const g = r.gateway;
    const old = this.dialledUrls.get(g.name);
    if (old && old !== g.url) ctx.dialer.hangup(old);
    const host = urlHost(g.url);
    const ok = host ? ctx.admission.allowAddress(host, 'outbound') : undefined;
    if (ok && !ok.ok) {
      this.refused[ok.code] = (this.refused[ok.code] ?? 0) + 1;
      ctx.logger.info({ url: g.url, code: ok.code, reason: ok.reason }, 'discovered gateway not dialled');
      return;
    }
    if (ctx.dialer.dial(g.url, { source: 'mdns' })) {
      this.dialledUrls.set(g.name, g.url);
      ctx.logger.info({ url: g.url, peer: g.peerId }, 'dialling gateway found by mDNS');
    }
  }

  private down(name: string): void {
    const g = this.tracker?.down(name);
    const url = this.dialledUrls.get(name);
    if (g && url) {
      this.dialledUrls.delete(name);
      this.ctx?.dialer.hangup(url);
      this.ctx?.logger.info({ url, peer: g.peerId }, 'gateway left mDNS; hung up');
    }
  }

  async stop(): Promise<void> {
    if (this.onListening) this.ctx?.events.off('listening', this.onListening);
    await this.mdns?.stop();
    this.mdns = undefined;
  }

  status(): unknown {
    const ctx = this.ctx;
    const links = ctx?.links() ?? [];
    return {
      mdns: this.mdns?.stats() ?? { publishing: false, note: this.note ?? 'not started' },
      counters: { ...(this.tracker?.stats() ?? {}), admissionRefused: { ...this.refused } },
      gateways: (this.tracker?.list() ?? []).map((g) => ({ peerId: g.peerId, url: g.url, role: g.role, version: g.version, seenAt: g.seenAt, linked: links.some((l) => l.remotePeerId === g.peerId && l.isOpen) })),
    };
  }
}
