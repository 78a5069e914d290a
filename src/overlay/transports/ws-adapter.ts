/**
 * The gateway-to-gateway link adapter over WebSocket (`ws`), plain (`ws://`) or TLS
 * (`wss://`, when a certificate is configured or made): listens for other meshgates (a
 * `WebSocketServer` on a node:http or node:https server), dials peers (re-dialling with
 * capped exponential backoff and jitter until `stop()`), establishes an encrypted Noise XX
 * session on every socket (src/overlay/session, docs/gateway-link.md) and emits a
 * {@link SecureLink} only once the peer is authenticated, negotiated and admitted.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { MeshgateError } from '../../errors.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../../links/base-link.js';
import type { Link } from '../../ports/link.js';
import { BaseLinkAdapter } from '../../links/base-link-adapter.js';
import type { Logger } from '../../ports/logger.js';
import { OPEN_ADMISSION, type PeerAdmission } from '../../ports/admission.js';
import type { IdentityKeys } from '../../protocol/keys.js';
import { reconnectDelayMs, reconnectPolicy, type ReconnectPolicy } from '../../links/backoff.js';
import { MAX_RECORD_BYTES } from '../session/records.js';
import { memorySessionAuthority, type SessionAuthority } from '../session/session-authority.js';
import type { SessionFailureReason } from '../session/session-failure.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, newSessionCounters, runSession, type SessionCounters, sessionEnd, type SessionAdapterStats } from './session-runner.js';
import { WsChannel } from './ws-channel.js';
import type { SecureLink } from './secure-link.js';

/** WebSocket close code sent when a session fails (private-use range, RFC 6455 §7.4.2). */
export { SESSION_FAILED_CLOSE_CODE as HELLO_FAILED_CLOSE_CODE } from './session-channel.js';
/** Default URL path of the listener. */
export const DEFAULT_GATEWAY_PATH = '/meshgate';
/** Default session-establishment timeout, ms. */
export const DEFAULT_HELLO_TIMEOUT_MS = DEFAULT_HANDSHAKE_TIMEOUT_MS;
/** Default cap on open sockets (establishing or linked, both directions); inbound upgrades beyond it get HTTP 503. */
export const DEFAULT_MAX_CONNECTIONS = 64;

export interface WsGatewayLinkAdapterComponents {
  logger: Logger;
  /** This gateway's identity; `peerId` is 16 lowercase hex. */
  identity: { keys: IdentityKeys; peerId: string };
  /** ms since the epoch, for link stats (default Date.now). */
  now?: () => number;
  /** Uniform [0, 1) source for redial jitter (default Math.random). */
  random?: () => number;
  /** Negotiation policy and capability pins (default: default policy, in-memory pins). */
  authority?: SessionAuthority;
  /** Peer admission (default: admit everyone). */
  admission?: PeerAdmission;
}

export interface WsGatewayLinkAdapterInit {
  /** Accept inbound links on ws(s)://host:port/path (port 0 = any free port; see `address()`). */
  listen?: { host: string; port: number; path?: string };
  /** PEM certificate and key: the listener serves `wss://` (TLS) instead of `ws://`. `sha256`/`notAfter` are shown on status. */
  tls?: { cert: string; key: string; sha256?: string; notAfter?: number };
  /** ws:// or wss:// URLs of gateways to dial. */
  peers?: readonly string[];
  nickname: string;
  /** ms from socket open until the session must be established (default 10,000). */
  helloTimeoutMs?: number;
  /** Redial backoff (defaults: 1,000 ms initial, 60,000 ms max, factor 2, jitter 0.2). */
  reconnect?: Partial<ReconnectPolicy>;
  /** Cap on open sockets, both directions (default 64). */
  maxConnections?: number;
  /** Frame cap, bytes (default 66,047). */
  maxFrameBytes?: number;
  /** Peer IDs allowed to link (undefined = any authenticated gateway). */
  allowedPeers?: readonly string[];
  /** Keep-alive ping interval per link, ms (default 15,000). */
  pingIntervalMs?: number;
  /** Egress cap per link on queued bytes (default 1 MiB). */
  maxBufferedBytes?: number;
  /** Records per direction between session rekeys (default 65,536). */
  rekeyInterval?: number;
}

/** Counters of one adapter (all monotonic except `active` and `pending`). */
export interface WsGatewayAdapterStats extends SessionAdapterStats {
  /** `ws` or `wss`. */
  scheme: 'ws' | 'wss';
  /** The wss:// certificate (SHA-256 of the DER, expiry ms), or null for ws://. */
  certificate: { sha256: string | null; notAfter: number | null } | null;
}

interface Dialler {
  url: string;
  attempt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Who asked for this dial (`config`, `mdns`, `directory`, ...), shown on status. */
  source: string;
  ws?: WebSocket;
  link?: SecureLink;
  removed?: boolean;
}

function checkUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new MeshgateError('MG_ERR_CONFIG_INVALID', `gateway peer ${url} is not a URL`, { field: 'peers' });
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new MeshgateError('MG_ERR_CONFIG_INVALID', `gateway peer ${url} is not ws:// or wss://`, { field: 'peers' });
}

/** The IP of an address as seen by a socket, without an IPv4-mapped prefix. */
function plainIp(ip: string | undefined): string | undefined {
  return ip?.replace(/^::ffff:/, '');
}

/**
 * {@link LinkAdapter} of kind `ws-gateway`.
 * @throws MG_ERR_CONFIG_INVALID from the constructor for a peer URL that is not ws:// or
 *   wss://, or an invalid reconnect policy; MG_ERR_LINK_LISTEN from `start()` when the
 *   listener cannot bind. Session failures (MG_ERR_HELLO_FAILED, MG_ERR_SESSION_INCOMPATIBLE,
 *   MG_ERR_SESSION_DOWNGRADE, with `details.reason`) and dial failures (MG_ERR_LINK_CONNECT)
 *   are emitted as `error` events, never thrown.
 */
export class WsGatewayLinkAdapter extends BaseLinkAdapter {
  readonly kind = 'ws-gateway' as const;
  private readonly logger: Logger;
  private readonly identity: { keys: IdentityKeys; peerId: string };
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly authority: SessionAuthority;
  private readonly admission: PeerAdmission;
  private readonly init: WsGatewayLinkAdapterInit;
  private readonly policy: ReconnectPolicy;
  private readonly maxFrameBytes: number;
  private readonly helloTimeoutMs: number;
  private readonly maxConnections: number;
  private readonly path: string;
  private readonly diallers: Dialler[];
  private readonly sockets = new Set<WebSocket>();
  private readonly links = new Set<SecureLink>();
  private readonly counters: SessionCounters = newSessionCounters();
  private readonly conn = { dials: 0, accepted: 0, refused: 0 };
  private server: Server | undefined;
  private wss: WebSocketServer | undefined;
  private nextLinkNo = 1;
  private running = false;

  constructor(components: WsGatewayLinkAdapterComponents, init: WsGatewayLinkAdapterInit) {
    super(components.logger);
    this.logger = components.logger;
    this.identity = components.identity;
    this.now = components.now ?? Date.now;
    this.random = components.random ?? Math.random;
    this.authority = components.authority ?? memorySessionAuthority(this.now);
    this.admission = components.admission ?? OPEN_ADMISSION;
    this.init = init;
    this.policy = reconnectPolicy(init.reconnect);
    this.maxFrameBytes = init.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.helloTimeoutMs = init.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS;
    this.maxConnections = init.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.path = init.listen?.path ?? DEFAULT_GATEWAY_PATH;
    this.diallers = (init.peers ?? []).map((url) => {
      checkUrl(url);
      return { url, attempt: 0, timer: undefined, source: 'config' };
    });
  }

  /**
   * Dial (and keep re-dialling) one more gateway URL at run time; idempotent per URL.
   * @throws MeshgateError MG_ERR_CONFIG_INVALID when `url` is not a ws:// or wss:// URL.
   */
  addPeer(url: string, source = 'runtime'): void {
    if (this.diallers.some((d) => d.url === url)) return;
    checkUrl(url);
    const d: Dialler = { url, attempt: 0, timer: undefined, source };
    this.diallers.push(d);
    if (this.running) this.dial(d);
  }

  /** Stop dialling `url` and close its socket or link, if any. No-op for an unknown URL. */
  removePeer(url: string): void {
    const i = this.diallers.findIndex((d) => d.url === url);
    if (i < 0) return;
    const d = this.diallers[i];
    this.diallers.splice(i, 1);
    d.removed = true;
    if (d.timer) clearTimeout(d.timer);
    d.timer = undefined;
    if (d.link) void d.link.close('peer removed');
    else d.ws?.terminate();
  }

  /** The URLs this adapter dials, with their source and current link ID (if up). */
  dialled(): Array<{ url: string; source: string; linkId: string | undefined }> {
    return this.diallers.map((d) => ({ url: d.url, source: d.source, linkId: d.link?.isOpen ? d.link.id : undefined }));
  }

  /** The listener's bound address, or undefined when not listening. */
  address(): { host: string; port: number } | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? { host: a.address, port: a.port } : undefined;
  }

  /** Open session links (for status). */
  sessionLinks(): SecureLink[] {
    return [...this.links];
  }

  /** Snapshot of the counters. */
  stats(): WsGatewayAdapterStats {
    return {
      helloFailures: { ...this.counters.helloFailures },
      helloRefusals: { ...this.counters.helloRefusals },
      modes: { ...this.counters.modes },
      dials: this.conn.dials,
      accepted: this.conn.accepted,
      refused: this.conn.refused,
      active: this.links.size,
      pending: Math.max(0, this.sockets.size - this.links.size),
      scheme: this.init.tls ? 'wss' : 'ws',
      certificate: this.init.tls ? { sha256: this.init.tls.sha256 ?? null, notAfter: this.init.tls.notAfter ?? null } : null,
    };
  }

  /** Start listening (if configured) and dialling every peer. @throws MG_ERR_LINK_LISTEN */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (this.init.listen) {
      const { host, port } = this.init.listen;
      const handler = (_req: IncomingMessage, res: import('node:http').ServerResponse) => {
        res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' });
        res.end('meshgate gateway link: WebSocket only\n');
      };
      const server: Server = this.init.tls ? createTlsServer({ cert: this.init.tls.cert, key: this.init.tls.key }, handler) : createServer(handler);
      this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_RECORD_BYTES, perMessageDeflate: false, clientTracking: false });
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, host, () => {
            server.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        this.running = false;
        this.wss.close();
        this.wss = undefined;
        throw new MeshgateError('MG_ERR_LINK_LISTEN', `cannot listen on ${host}:${port}: ${(err as Error).message}`, { host, port });
      }
      server.on('error', (err) => this.logger.warn({ err: err.message }, 'gateway listener error'));
      server.on('tlsClientError', (err: Error) => this.logger.debug({ err: err.message }, 'gateway TLS client error'));
      this.server = server;
      this.logger.info({ address: this.address(), path: this.path, scheme: this.init.tls ? 'wss' : 'ws' }, 'gateway link listening');
    }
    for (const d of this.diallers) this.dial(d);
  }

  /** Stop listening, cancel redials, close every link and pending socket. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const d of this.diallers) {
      if (d.timer) clearTimeout(d.timer);
      d.timer = undefined;
    }
    const server = this.server;
    this.server = undefined;
    const serverClosed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    server?.closeAllConnections();
    await Promise.all([...this.links].map((l) => l.close('adapter stopped')));
    await Promise.all(
      [...this.sockets].map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === ws.CLOSED) return resolve();
            ws.once('close', () => resolve());
            ws.terminate();
          }),
      ),
    );
    this.wss?.close();
    this.wss = undefined;
    await serverClosed;
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {});
    const reject = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    };
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      return reject('400 Bad Request');
    }
    if (pathname !== this.path) return reject('404 Not Found');
    if (!this.running || !this.wss) return reject('503 Service Unavailable');
    if (this.sockets.size >= this.maxConnections) {
      this.conn.refused++;
      this.logger.debug({ max: this.maxConnections }, 'inbound gateway link refused: connection cap');
      return reject('503 Service Unavailable');
    }
    const ip = plainIp(req.socket.remoteAddress);
    const admit = this.admission.allowAddress(ip ?? '', 'inbound');
    if (!admit.ok) {
      this.conn.refused++;
      this.logger.debug({ ip, code: admit.code, reason: admit.reason }, 'inbound gateway link refused by admission');
      return reject('403 Forbidden');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.conn.accepted++;
      const remote = `${ip}:${req.socket.remotePort}`;
      this.track(ws);
      this.establish(ws, 'listener', remote, ip, () => {});
    });
  }

  private track(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('error', (err) => this.logger.debug({ err: err.message }, 'gateway socket error'));
    ws.once('close', () => this.sockets.delete(ws));
  }

  private dial(d: Dialler): void {
    d.timer = undefined;
    if (!this.running || d.removed) return;
    const u = new URL(d.url);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const admit = this.admission.allowAddress(host, 'outbound');
    if (!admit.ok) {
      this.emit('error', new MeshgateError('MG_ERR_LINK_CONNECT', `dial ${d.url} refused by admission: ${admit.reason}`, { url: d.url, code: admit.code }));
      this.scheduleRedial(d);
      return;
    }
    this.conn.dials++;
    // TLS only hides the session from the path; the peer is authenticated by the Noise
    // handshake (its static key must hash to its peer ID), so a self-signed certificate is fine.
    const ws = new WebSocket(d.url, { maxPayload: MAX_RECORD_BYTES, perMessageDeflate: false, handshakeTimeout: this.helloTimeoutMs, rejectUnauthorized: false });
    d.ws = ws;
    d.link = undefined;
    this.track(ws);
    let opened = false;
    ws.once('error', (err) => {
      if (!opened) this.emit('error', new MeshgateError('MG_ERR_LINK_CONNECT', `dial ${d.url} failed: ${err.message}`, { url: d.url }));
    });
    ws.once('open', () => {
      opened = true;
      this.establish(ws, 'dialler', d.url, host, (link) => {
        if (link) {
          d.attempt = 0;
          d.link = link;
        }
      });
    });
    ws.once('close', () => this.scheduleRedial(d));
  }

  private scheduleRedial(d: Dialler): void {
    if (!this.running || d.timer || d.removed) return;
    const delay = reconnectDelayMs(d.attempt, this.policy, this.random);
    d.attempt++;
    this.logger.debug({ url: d.url, delayMs: delay, attempt: d.attempt }, 'gateway redial scheduled');
    d.timer = setTimeout(() => this.dial(d), delay);
  }

  private establish(ws: WebSocket, role: 'dialler' | 'listener', remote: string, ip: string | undefined, onEnd: (link: SecureLink | undefined) => void): void {
    const channel = new WsChannel({ socket: ws, remoteAddress: remote, remoteIp: ip, pingIntervalMs: this.init.pingIntervalMs });
    runSession(
      { logger: this.logger, identity: this.identity, authority: this.authority, admission: this.admission, now: this.now },
      {
        role,
        channel,
        nickname: this.init.nickname,
        allowedPeers: this.init.allowedPeers,
        timeoutMs: this.helloTimeoutMs,
        transport: this.init.tls && role === 'listener' ? 'wss' : remote.startsWith('wss:') ? 'wss' : 'ws',
        linkKind: 'ws-gateway',
        linkId: `ws-gateway#${this.nextLinkNo++}(${remote})`,
        maxFrameBytes: this.maxFrameBytes,
        maxBufferedBytes: this.init.maxBufferedBytes,
        rekeyInterval: this.init.rekeyInterval,
        counters: this.counters,
      },
      sessionEnd(this.links, { link: (l) => this.emit('link', l as Link), error: (e) => this.emit('error', e) }, onEnd),
    );
  }
}
