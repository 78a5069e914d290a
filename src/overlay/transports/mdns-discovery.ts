/**
 * mDNS / DNS-SD advertising and browsing of meshgate gateways (adapter: multicast UDP
 * through `bonjour-service`, which implements RFC 6762 multicast DNS and RFC 6763 DNS-SD
 * on top of `multicast-dns`).
 *
 * Publishes `meshgate-<peerId>._<serviceType>._tcp.local` on the gateway WebSocket port
 * with TXT `id`, `v`, `path`, `s` (see src/overlay/discovery/discovery-tracker.ts), and
 * browses the same type, reporting each resolved service (`up`) and each one that leaves
 * (`down`: a goodbye packet, or its record TTL lapsing). The browser re-queries every
 * `requeryMs` so gateways started later are found even if an announcement was missed.
 *
 * Socket errors never stop the gateway: they are counted (MG_ERR_MDNS) and logged.
 */
import { Bonjour, type Browser, type Service } from 'bonjour-service';
import type { Clock, TimerHandle } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { ServiceSighting } from '../discovery/discovery-tracker.js';

export interface MdnsDiscoveryComponents {
  logger: Logger;
  clock: Clock;
  onUp: (s: ServiceSighting) => void;
  onDown: (name: string) => void;
}

export interface MdnsDiscoveryInit {
  /** DNS-SD service type without underscores or protocol, e.g. `meshgate` → `_meshgate._tcp`. */
  serviceType: string;
  /** Our instance name (`meshgate-<peerId>`). */
  instanceName: string;
  /** Port to advertise (the bound gateway port). */
  port: number;
  txt: Record<string, string>;
  /** IPv4 address of the interface to use for multicast ('' = the OS default). */
  interface: string;
  /** Re-query interval, ms. */
  requeryMs: number;
}

/** One mDNS responder + browser for the meshgate service type (bonjour-service). */
export class MdnsDiscovery {
  private readonly c: MdnsDiscoveryComponents;
  private readonly init: MdnsDiscoveryInit;
  private bonjour: Bonjour | undefined;
  private browser: Browser | undefined;
  private service: Service | undefined;
  private timer: TimerHandle | undefined;
  private errors = 0;
  private lastError: string | undefined;

  constructor(components: MdnsDiscoveryComponents, init: MdnsDiscoveryInit) {
    this.c = components;
    this.init = init;
  }

  private error(err: unknown): void {
    this.errors++;
    this.lastError = String(err instanceof Error ? err.message : err);
    this.c.logger.warn({ code: 'MG_ERR_MDNS', err: this.lastError }, 'mDNS error');
  }

  /** Start publishing and browsing. */
  start(): void {
    const opts = this.init.interface ? { interface: this.init.interface } : {};
    this.bonjour = new Bonjour(opts as never, (err: unknown) => this.error(err));
    this.service = this.bonjour.publish({ name: this.init.instanceName, type: this.init.serviceType, protocol: 'tcp', port: this.init.port, txt: this.init.txt, disableIPv6: false });
    this.service.on('error', (err: unknown) => this.error(err));
    this.browser = this.bonjour.find({ type: this.init.serviceType, protocol: 'tcp' });
    this.browser.on('up', (s) => this.up(s));
    this.browser.on('srv-update', (s) => this.up(s));
    this.browser.on('txt-update', (s) => this.up(s));
    this.browser.on('down', (s) => this.c.onDown(s.name));
    const requery = () => {
      try {
        this.browser?.expire();
        this.browser?.update();
      } catch (err) {
        this.error(err);
      }
      this.timer = this.c.clock.setTimer(requery, this.init.requeryMs);
    };
    this.timer = this.c.clock.setTimer(requery, this.init.requeryMs);
  }

  private up(s: Service): void {
    if (s.name === this.init.instanceName) return;
    this.c.onUp({ name: s.name, addresses: [...(s.addresses ?? [])], refererAddress: s.referer?.address, port: s.port, txt: (s.txt ?? {}) as Record<string, unknown> });
  }

  /** Send goodbyes, stop browsing and close the sockets. */
  async stop(): Promise<void> {
    if (this.timer) this.c.clock.clearTimer(this.timer);
    this.timer = undefined;
    const b = this.bonjour;
    if (!b) return;
    this.bonjour = undefined;
    this.browser?.stop();
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 1000);
      try {
        b.unpublishAll(() => {
          b.destroy(() => {
            clearTimeout(t);
            resolve();
          });
        });
      } catch (err) {
        this.error(err);
        clearTimeout(t);
        resolve();
      }
    });
  }

  stats(): { publishing: boolean; instance: string; type: string; port: number; errors: number; lastError: string | null } {
    return { publishing: this.service?.published ?? false, instance: this.init.instanceName, type: `_${this.init.serviceType}._tcp`, port: this.init.port, errors: this.errors, lastError: this.lastError ?? null };
  }
}
