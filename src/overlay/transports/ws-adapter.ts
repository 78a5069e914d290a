/**
 * The gateway-to-gateway link adapter over WebSocket (`ws`): listens for other meshgates
 * (a `WebSocketServer` on a node:http server), dials the configured peers (re-dialling with
 * capped exponential backoff and jitter until `stop()`), runs the signed hello
 * (src/overlay/hello.ts, docs/gateway-link.md) on every socket, and emits a
 * {@link WsGatewayLink} only once the peer is authenticated.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { MeshgateError } from '../../errors.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../../links/base-link.js';
import type { Link } from '../../ports/link.js';
import { BaseLinkAdapter } from '../../links/base-link-adapter.js';
import type { Logger } from '../../ports/logger.js';
import type { IdentityKeys } from '../../protocol/keys.js';
import { HELLO_FAILURE_REASONS, HELLO_NONCE_BYTES, HelloHandshake, helloFailed, helloFailureReason, type HelloFailureReason, type HelloRole } from '../hello.js';
import { reconnectDelayMs, reconnectPolicy, type ReconnectPolicy } from '../../links/backoff.js';
import { CLOSE_GRACE_MS, closeReason, WsGatewayLink } from './ws-link.js';

/** WebSocket close code sent when a hello fails (private-use range, RFC 6455 §7.4.2). */
export const HELLO_FAILED_CLOSE_CODE = 4001;
/** Default URL path of the listener. */
export const DEFAULT_GATEWAY_PATH = '/meshgate';
/** Default hello timeout, ms (from socket open to authenticated). */
export const DEFAULT_HELLO_TIMEOUT_MS = 10_000;
/** Default cap on open sockets (in hello or linked, both directions); inbound upgrades beyond it get HTTP 503. */
export const DEFAULT_MAX_CONNECTIONS = 64;

export interface WsGatewayLinkAdapterComponents {
  logger: Logger;
  /** This gateway's identity; `peerId` is 16 lowercase hex. */
  identity: { keys: IdentityKeys; peerId: string };
  /** ms since the epoch, for link stats (default Date.now). */
  now?: () => number;
  /** Uniform [0, 1) source for redial jitter (default Math.random). */
  random?: () => number;
}

export interface WsGatewayLinkAdapterInit {
  /** Accept inbound links on ws://host:port/path (port 0 = any free port; see `address()`). */
  listen?: { host: string; port: number; path?: string };
  /** ws:// or wss:// URLs of gateways to dial. */
  peers?: readonly string[];
  nickname: string;
  /** ms from socket open until the hello must be complete (default 10,000). */
  helloTimeoutMs?: number;
  /** Redial backoff (defaults: 1,000 ms initial, 60,000 ms max, factor 2, jitter 0.2). */
  reconnect?: Partial<ReconnectPolicy>;
  /** Cap on open sockets, both directions (default 64). */
  maxConnections?: number;
  /** Frame cap, bytes (default 66,047); ws maxPayload is 4× this. */
  maxFrameBytes?: number;
  /** Peer IDs allowed to link (undefined = any authenticated gateway). */
  allowedPeers?: readonly string[];
  /** Keep-alive ping interval per link, ms (default 15,000). */
  pingIntervalMs?: number;
  /** Egress cap per link on ws.bufferedAmount, bytes (default 1 MiB). */
  maxBufferedBytes?: number;
}

/** Counters of one adapter (all monotonic except `active` and `pending`). */
export interface WsGatewayAdapterStats {
  /** Hellos this side refused, by reason. */
  helloFailures: Record<HelloFailureReason, number>;
  /** Hellos the peer refused (close 4001), by the reason it gave. */
  helloRefusals: Record<HelloFailureReason, number>;
  /** Outbound connection attempts. */
  dials: number;
  /** Inbound WebSocket upgrades accepted. */
  accepted: number;
  /** Inbound upgrades refused because `maxConnections` was reached. */
  refused: number;
  /** Authenticated links open now. */
  active: number;
  /** Sockets open now that have not (yet) completed the hello. */
  pending: number;
}

interface Dialler {
  url: string;
  attempt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Who asked for this dial (`config`, `mdns`, `directory`, ...), shown on status. */
  source: string;
  /** The socket of the current attempt, and the link once authenticated. */
  ws?: WebSocket;
  link?: WsGatewayLink;
  removed?: boolean;
}

const zeroReasons = (): Record<HelloFailureReason, number> =>
  Object.fromEntries(HELLO_FAILURE_REASONS.map((r) => [r, 0])) as Record<HelloFailureReason, number>;

/**
 * {@link LinkAdapter} of kind `ws-gateway`.
 * @throws MG_ERR_CONFIG_INVALID from the constructor for a peer URL that is not ws:// or
 *   wss://, or an invalid reconnect policy; MG_ERR_LINK_LISTEN from `start()` when the
 *   listener cannot bind. Hello failures (MG_ERR_HELLO_FAILED, `details.reason`) and dial
 *   failures (MG_ERR_LINK_CONNECT) are emitted as `error` events, never thrown.
 */
export class WsGatewayLinkAdapter extends BaseLinkAdapter {
  readonly kind = 'ws-gateway' as const;
  private readonly logger: Logger;
  private readonly keys: IdentityKeys;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly init: WsGatewayLinkAdapterInit;
  private readonly policy: ReconnectPolicy;
  private readonly maxFrameBytes: number;
  private readonly helloTimeoutMs: number;
  private readonly maxConnections: number;
  private readonly path: string;
  private readonly diallers: Dialler[];
  private readonly sockets = new Set<WebSocket>();
  private readonly links = new Set<WsGatewayLink>();
  private readonly counters = { helloFailures: zeroReasons(), helloRefusals: zeroReasons(), dials: 0, accepted: 0, refused: 0 };
  private server: Server | undefined;
  private wss: WebSocketServer | undefined;
  private nextLinkNo = 1;
  private running = false;

  constructor(components: WsGatewayLinkAdapterComponents, init: WsGatewayLinkAdapterInit) {
    super(components.logger);
    this.logger = components.logger;
    this.keys = components.identity.keys;
    this.now = components.now ?? Date.now;
    this.random = components.random ?? Math.random;
    this.init = init;
    this.policy = reconnectPolicy(init.reconnect);
    this.maxFrameBytes = init.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.helloTimeoutMs = init.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS;
    this.maxConnections = init.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.path = init.listen?.path ?? DEFAULT_GATEWAY_PATH;
    this.diallers = (init.peers ?? []).map((url) => {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        throw new MeshgateError('MG_ERR_CONFIG_INVALID', `gateway peer ${url} is not a URL`, { field: 'peers' });
      }
      if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new MeshgateError('MG_ERR_CONFIG_INVALID', `gateway peer ${url} is not ws:// or wss://`, { field: 'peers' });
      return { url, attempt: 0, timer: undefined, source: 'config' };
    });
  }

  /**
   * Dial (and keep re-dialling) one more gateway URL at run time; idempotent per URL.
   * @throws MeshgateError MG_ERR_CONFIG_INVALID when `url` is not a ws:// or wss:// URL.
   */
  addPeer(url: string, source = 'runtime'): void {
    if (this.diallers.some((d) => d.url === url)) return;
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new MeshgateError('MG_ERR_CONFIG_INVALID', `gateway peer ${url} is not a URL`, { field: 'peers' });
    }
    if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new MeshgateError('MG_ERR_CONFIG_INVALID', `gateway peer ${url} is not ws:// or wss://`, { field: 'peers' });
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

  /** Snapshot of the counters. */
  stats(): WsGatewayAdapterStats {
    return {
      helloFailures: { ...this.counters.helloFailures },
      helloRefusals: { ...this.counters.helloRefusals },
      dials: this.counters.dials,
      accepted: this.counters.accepted,
      refused: this.counters.refused,
      active: this.links.size,
      pending: Math.max(0, this.sockets.size - this.links.size),
    };
  }

  /** Start listening (if configured) and dialling every peer. @throws MG_ERR_LINK_LISTEN */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (this.init.listen) {
      const { host, port } = this.init.listen;
      const server = createServer((_req, res) => {
        res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' });
        res.end('meshgate gateway link: WebSocket only\n');
      });
      this.wss = new WebSocketServer({ noServer: true, maxPayload: 4 * this.maxFrameBytes, perMessageDeflate: false, clientTracking: false });
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
      this.server = server;
      this.logger.info({ address: this.address(), path: this.path }, 'gateway link listening');
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
      this.counters.refused++;
      this.logger.debug({ max: this.maxConnections }, 'inbound gateway link refused: connection cap');
      return reject('503 Service Unavailable');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.counters.accepted++;
      const remote = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
      this.track(ws, remote);
      this.runHello(ws, 'listener', remote, () => {});
    });
  }

  private track(ws: WebSocket, remote: string): void {
    this.sockets.add(ws);
    ws.on('error', (err) => this.logger.debug({ remote, err: err.message }, 'gateway socket error'));
    ws.once('close', () => this.sockets.delete(ws));
  }

  private dial(d: Dialler): void {
    d.timer = undefined;
    if (!this.running) return;
    this.counters.dials++;
    const ws = new WebSocket(d.url, { maxPayload: 4 * this.maxFrameBytes, perMessageDeflate: false, handshakeTimeout: this.helloTimeoutMs });
    d.ws = ws;
    d.link = undefined;
    this.track(ws, d.url);
    let opened = false;
    ws.once('error', (err) => {
      if (!opened) this.emit('error', new MeshgateError('MG_ERR_LINK_CONNECT', `dial ${d.url} failed: ${err.message}`, { url: d.url }));
    });
    ws.once('open', () => {
      opened = true;
      this.runHello(ws, 'dialler', d.url, (link) => {
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

  /** Run the hello on an open socket; on success hand the socket to a new link. */
  private runHello(ws: WebSocket, role: HelloRole, remote: string, onEnd: (link: WsGatewayLink | undefined) => void): void {
    const hs = new HelloHandshake({
      identity: this.keys,
      role,
      nonce: new Uint8Array(randomBytes(HELLO_NONCE_BYTES)),
      nickname: this.init.nickname,
      allowedPeers: this.init.allowedPeers,
    });
    let finished = false;
    const finish = () => {
      finished = true;
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
    };
    const fail = (err: MeshgateError) => {
      if (finished) return;
      finish();
      const reason = helloFailureReason(err) ?? 'malformed';
      this.counters.helloFailures[reason]++;
      this.logger.debug({ remote, reason }, 'gateway hello failed');
      ws.close(HELLO_FAILED_CLOSE_CODE, closeReason(`hello failed: ${reason}`));
      const grace = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
      ws.once('close', () => clearTimeout(grace));
      this.emit('error', err);
      onEnd(undefined);
    };
    const onMessage = (data: RawData, isBinary: boolean) => {
      if (finished) return;
      if (isBinary) return fail(hs.fail('malformed', 'binary message before the hello completed'));
      let step;
      try {
        step = hs.receive(data.toString());
      } catch (err) {
        return fail(err instanceof MeshgateError ? err : helloFailed('malformed', String(err)));
      }
      if (step.send !== undefined) ws.send(step.send);
      if (step.done) {
        finish();
        const link = new WsGatewayLink(
          { logger: this.logger, now: this.now },
          {
            id: `ws-gateway#${this.nextLinkNo++}(${remote})`,
            socket: ws,
            remoteAddress: remote,
            peer: step.done,
            maxFrameBytes: this.maxFrameBytes,
            maxBufferedBytes: this.init.maxBufferedBytes,
            pingIntervalMs: this.init.pingIntervalMs,
          },
        );
        this.links.add(link);
        link.on('close', () => this.links.delete(link));
        this.logger.info({ link: link.id, peer: step.done.peerId, nickname: step.done.nickname, version: step.done.version }, 'gateway link authenticated');
        onEnd(link);
        this.emit('link', link as Link);
      }
    };
    const onClose = (code: number, reasonBuf: Buffer) => {
      if (finished) return;
      finish();
      const text = reasonBuf.toString('utf8');
      if (code === HELLO_FAILED_CLOSE_CODE) {
        const m = /^hello failed: ([a-z-]+)/.exec(text);
        const reason = (HELLO_FAILURE_REASONS as readonly string[]).includes(m?.[1] ?? '') ? (m![1] as HelloFailureReason) : 'malformed';
        this.counters.helloRefusals[reason]++;
        this.emit('error', helloFailed(reason, `refused by the peer at ${remote}`, { byPeer: true, remoteAddress: remote }));
      } else {
        this.logger.debug({ remote, code, reason: text }, 'socket closed during hello');
      }
      onEnd(undefined);
    };
    const timer = setTimeout(() => fail(hs.fail('timeout', `no hello within ${this.helloTimeoutMs} ms`)), this.helloTimeoutMs);
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.send(hs.localHello());
  }
}
