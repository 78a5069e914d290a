/**
 * LanTcpLinkAdapter: the LinkAdapter for LAN / Wi-Fi Direct TCP links. It listens for
 * phones and peers and dials configured peers, re-dialling with exponential backoff and
 * jitter (see ../backoff.ts) whenever a dial fails or a dialled link drops, until `stop()`.
 * Framing and keep-alives are those of upstream Android's Wi-Fi Aware sockets
 * (bitchat-android `wifi-aware/SyncedSocket.kt`), see lan-tcp-link.ts.
 */
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { MeshgateError } from '../../errors.js';
import type { Clock } from '../../ports/clock.js';
import type { Link } from '../../ports/link.js';
import { BaseLinkAdapter } from '../base-link-adapter.js';
import type { Logger } from '../../ports/logger.js';
import { reconnectDelayMs, reconnectPolicy, type ReconnectPolicy } from '../backoff.js';
import { formatAddress, LanTcpLink } from './lan-tcp-link.js';

export interface LanTcpEndpoint {
  host: string;
  port: number;
}

export interface LanTcpLinkAdapterComponents {
  /** Source of `now()` for link stats (default Date.now); timers are real (this is I/O code). */
  clock?: Clock;
  logger: Logger;
  /** Uniform [0, 1) source for backoff jitter (default Math.random). */
  random?: () => number;
}

export interface LanTcpLinkAdapterInit {
  /** Accept connections here (port 0 picks a free port, see {@link LanTcpLinkAdapter.address}). */
  listen?: LanTcpEndpoint;
  /** Dial these and keep re-dialling them. */
  peers?: LanTcpEndpoint[];
  /** Frame cap in bytes (default DEFAULT_MAX_FRAME_BYTES). */
  maxFrameBytes?: number;
  /** Keep-alive period in ms (default 15,000; 0 disables). */
  keepAliveMs?: number;
  /** Close a link silent for this many ms (default 60,000; 0 disables). */
  idleTimeoutMs?: number;
  /** Per-link cap on unsent bytes (default 1 MiB). */
  maxWriteBufferBytes?: number;
  /** Re-dial backoff (defaults: initialMs 1,000, maxMs 60,000, factor 2, jitter 0.2). */
  reconnect?: Partial<ReconnectPolicy>;
  /** Most open links; inbound connections over it are refused and counted (default 64). */
  maxConnections?: number;
  /** A dial that has not connected after this many ms fails (default 10,000). */
  connectTimeoutMs?: number;
  /** Mark links as gateway links (default false: links to phones). */
  isGatewayLink?: boolean;
}

/** Adapter counters. */
export interface LanTcpAdapterStats {
  /** Links open now. */
  links: number;
  /** Inbound connections accepted. */
  accepted: number;
  /** Inbound connections refused (over maxConnections, or while stopping). */
  refused: number;
  /** Dials that connected. */
  dialled: number;
  /** Dials that failed (refused, timed out, unreachable). */
  dialFailures: number;
}

interface DialState {
  endpoint: LanTcpEndpoint;
  attempt: number;
  timer: NodeJS.Timeout | undefined;
  socket: Socket | undefined;
  link: Link | undefined;
}

/**
 * Listener + dialler of {@link LanTcpLink}s.
 * - `start()` rejects with MG_ERR_LINK_LISTEN when the listen address cannot be bound.
 * - Dial failures are emitted as `error` events (MeshgateError MG_ERR_LINK_CONNECT) and
 *   re-dialled after `reconnectDelayMs(attempt)` (src/links/backoff.ts).
 */
export class LanTcpLinkAdapter extends BaseLinkAdapter {
  readonly kind = 'lan-tcp' as const;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly init: LanTcpLinkAdapterInit;
  private readonly backoff: ReconnectPolicy;
  private readonly maxConnections: number;
  private readonly connectTimeoutMs: number;
  private server: Server | undefined;
  private readonly links = new Set<Link>();
  private readonly dials: DialState[] = [];
  private state: 'idle' | 'started' | 'stopped' = 'idle';
  private nextLinkNo = 1;
  private readonly counters = { accepted: 0, refused: 0, dialled: 0, dialFailures: 0 };

  constructor(components: LanTcpLinkAdapterComponents, init: LanTcpLinkAdapterInit = {}) {
    const logger = components.logger.child({ component: 'lan-tcp' });
    super(logger);
    this.logger = logger;
    const clock = components.clock;
    this.now = clock ? () => clock.now() : Date.now;
    this.random = components.random ?? Math.random;
    this.init = init;
    this.backoff = reconnectPolicy(init.reconnect);
    this.maxConnections = init.maxConnections ?? 64;
    this.connectTimeoutMs = init.connectTimeoutMs ?? 10_000;
  }

  /** The bound listen address once started (the real port when configured with 0). */
  address(): LanTcpEndpoint | undefined {
    const a = this.server?.address();
    if (!a || typeof a === 'string') return undefined;
    return { host: (a as AddressInfo).address, port: (a as AddressInfo).port };
  }

  stats(): LanTcpAdapterStats {
    return { links: this.links.size, ...this.counters };
  }

  async start(): Promise<void> {
    if (this.state !== 'idle') return;
    this.state = 'started';
    if (this.init.listen) await this.listen(this.init.listen);
    for (const endpoint of this.init.peers ?? []) {
      const d: DialState = { endpoint, attempt: 0, timer: undefined, socket: undefined, link: undefined };
      this.dials.push(d);
      this.dial(d);
    }
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    for (const d of this.dials) {
      if (d.timer) clearTimeout(d.timer);
      d.timer = undefined;
      d.socket?.destroy();
      d.socket = undefined;
    }
    const server = this.server;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    await Promise.all([...this.links].map((l) => l.close('adapter stopped')));
    await closed;
    this.clearListeners();
  }

  private listen(at: LanTcpEndpoint): Promise<void> {
    const server = createServer((socket) => this.onAccept(socket));
    this.server = server;
    return new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        this.server = undefined;
        reject(new MeshgateError('MG_ERR_LINK_LISTEN', `cannot listen on ${at.host}:${at.port}: ${err.code ?? err.message}`, { host: at.host, port: at.port, cause: err.code }));
      };
      server.once('error', onError);
      server.listen(at.port, at.host, () => {
        server.off('error', onError);
        server.on('error', (err: NodeJS.ErrnoException) => this.emitError(new MeshgateError('MG_ERR_LINK_LISTEN', `listener error: ${err.code ?? err.message}`, { cause: err.code })));
        this.logger.info({ address: this.address() }, 'listening');
        resolve();
      });
    });
  }

  private onAccept(socket: Socket): void {
    socket.on('error', () => {}); // until the link owns it
    if (this.state !== 'started' || this.links.size >= this.maxConnections) {
      this.counters.refused++;
      this.logger.debug({ remote: formatAddress(socket.remoteAddress, socket.remotePort), open: this.links.size }, 'connection refused');
      socket.destroy();
      return;
    }
    this.counters.accepted++;
    this.adopt(socket);
  }

  private dial(d: DialState): void {
    if (this.state !== 'started') return;
    const { host, port } = d.endpoint;
    const socket = createConnection({ host, port });
    d.socket = socket;
    let cause: string | undefined;
    const onError = (err: NodeJS.ErrnoException): void => {
      cause = err.code ?? err.message;
    };
    const onTimeout = (): void => {
      cause = 'connect timeout';
      socket.destroy();
    };
    const onClose = (): void => {
      d.socket = undefined;
      if (this.state !== 'started') return;
      this.counters.dialFailures++;
      this.emitError(new MeshgateError('MG_ERR_LINK_CONNECT', `dial ${host}:${port} failed: ${cause ?? 'closed'}`, { host, port, attempt: d.attempt, cause }));
      this.scheduleRedial(d);
    };
    socket.on('error', onError);
    socket.once('close', onClose);
    socket.setTimeout(this.connectTimeoutMs, onTimeout);
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.off('timeout', onTimeout);
      d.socket = undefined;
      d.attempt = 0;
      this.counters.dialled++;
      const link = this.adopt(socket);
      socket.off('error', onError);
      socket.off('close', onClose);
      d.link = link;
      link.on('close', () => {
        d.link = undefined;
        this.scheduleRedial(d);
      });
    });
  }

  private scheduleRedial(d: DialState): void {
    if (this.state !== 'started' || d.timer || d.socket || d.link) return;
    const delay = reconnectDelayMs(d.attempt++, this.backoff, this.random);
    this.logger.debug({ host: d.endpoint.host, port: d.endpoint.port, delay }, 're-dial scheduled');
    d.timer = setTimeout(() => {
      d.timer = undefined;
      this.dial(d);
    }, delay);
  }

  private adopt(socket: Socket): LanTcpLink {
    const remote = formatAddress(socket.remoteAddress, socket.remotePort) ?? 'unknown';
    const link = new LanTcpLink(
      { socket, now: this.now, logger: this.logger },
      {
        id: `lan-tcp#${this.nextLinkNo++}(${remote})`,
        isGatewayLink: this.init.isGatewayLink,
        maxFrameBytes: this.init.maxFrameBytes,
        keepAliveMs: this.init.keepAliveMs,
        idleTimeoutMs: this.init.idleTimeoutMs,
        maxWriteBufferBytes: this.init.maxWriteBufferBytes,
      },
    );
    this.links.add(link);
    link.on('close', (reason) => {
      this.links.delete(link);
      this.logger.debug({ link: link.id, reason }, 'link closed');
    });
    this.logger.debug({ link: link.id }, 'link open');
    this.emit('link', link);
    return link;
  }

  private emitError(err: MeshgateError): void {
    this.logger.debug({ code: err.code, details: err.details }, err.message);
    this.emit('error', err);
  }
}
