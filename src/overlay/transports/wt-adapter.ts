/**
 * Gateway links over WebTransport (`@fails-components/webtransport`, HTTP/2; HTTP/3 when the
 * optional quiche package is installed is reported but not used). The listener is an
 * `Http2Server` on its own TCP port with a self-signed certificate (≤ 14 days, rotated by the
 * overlay module); dialled URLs are `https://host:port/meshgate?certhash=<SHA-256 of the
 * DER certificate, 64 hex>` (WebTransport `serverCertificateHashes`). Each session carries
 * one bidirectional stream of length-prefixed records (src/overlay/transports/wt-channel.ts)
 * and runs the same Noise XX session as the WebSocket link.
 */
import { MeshgateError } from '../../errors.js';
import { randomBytes } from 'node:crypto';
import { DEFAULT_MAX_FRAME_BYTES } from '../../links/base-link.js';
import { BaseLinkAdapter } from '../../links/base-link-adapter.js';
import type { Link } from '../../ports/link.js';
import type { Logger } from '../../ports/logger.js';
import { OPEN_ADMISSION, type PeerAdmission } from '../../ports/admission.js';
import type { IdentityKeys } from '../../protocol/keys.js';
import { reconnectDelayMs, reconnectPolicy, type ReconnectPolicy } from '../../links/backoff.js';
import { memorySessionAuthority, type SessionAuthority } from '../session/session-authority.js';
import type { SessionFailureReason } from '../session/session-failure.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, newSessionCounters, runSession, type SessionCounters, sessionEnd, type SessionAdapterStats } from './session-runner.js';
import { WtChannel } from './wt-channel.js';
import { loadWebTransport } from './wt-library.js';
import type { SecureLink } from './secure-link.js';
import type { WtLibrary, WtServer, WtSession } from './wt-types.js';

/** Default path of WebTransport sessions. */
export const DEFAULT_WT_PATH = '/meshgate';
/** Per-stream flow-control window, bytes (the library default is 16 KiB). */
export const WT_STREAM_WINDOW_BYTES = 256 * 1024;
/** Session flow-control window, bytes: the largest HTTP/2 SETTINGS value (see wt-channel.ts). */
export const WT_SESSION_WINDOW_BYTES = 2 ** 32 - 1;

export interface WtAdapterComponents {
  logger: Logger;
  identity: { keys: IdentityKeys; peerId: string };
  now?: () => number;
  random?: () => number;
  authority?: SessionAuthority;
  admission?: PeerAdmission;
  /** Library loader (default: lazy import). */
  load?: () => Promise<WtLibrary>;
}

export interface WtAdapterInit {
  /** Accept sessions on https://host:port/path with this certificate. */
  listen?: { host: string; port: number; path?: string; certPem: string; keyPem: string };
  /** https:// URLs (with `certhash`) to dial. */
  peers?: readonly string[];
  nickname: string;
  helloTimeoutMs?: number;
  reconnect?: Partial<ReconnectPolicy>;
  maxFrameBytes?: number;
  maxBufferedBytes?: number;
  rekeyInterval?: number;
  allowedPeers?: readonly string[];
  /** Cap on sessions (establishing or linked, both directions); more inbound are closed at once. Default 64. */
  maxConnections?: number;
}

/** Counters of the WebTransport adapter: the session adapter counters plus failed dials. */
export interface WtAdapterStats extends SessionAdapterStats {
  /** Dials whose WebTransport session could not be opened. */
  dialFailures: number;
}

interface Dialler {
  url: string;
  source: string;
  hash: Uint8Array;
  attempt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  session?: WtSession;
  link?: SecureLink;
  removed?: boolean;
}

/**
 * Parse a WebTransport gateway URL. @throws MG_ERR_CONFIG_INVALID unless
 * `https://host:port/path?certhash=<64 hex>`.
 */
export function parseWtUrl(url: string): { url: string; hash: Uint8Array } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new MeshgateError('MG_ERR_CONFIG_INVALID', `WebTransport peer ${url} is not a URL`, { field: 'overlay.webtransport.peers' });
  }
  const hash = u.searchParams.get('certhash') ?? '';
  if (u.protocol !== 'https:' || !/^[0-9a-fA-F]{64}$/.test(hash)) {
    throw new MeshgateError('MG_ERR_CONFIG_INVALID', `WebTransport peer ${url} must be https://host:port/path?certhash=<64 hex SHA-256 of its certificate>`, { field: 'overlay.webtransport.peers' });
  }
  u.searchParams.delete('certhash');
  return { url: u.toString(), hash: new Uint8Array(Buffer.from(hash, 'hex')) };
}

/**
 * {@link LinkAdapter} of kind `wt-gateway`.
 * @throws MG_ERR_CONFIG_INVALID (constructor, addPeer) for a bad URL; MG_ERR_LINK_LISTEN from
 *   `start()` when the server cannot start. Dial and session failures are `error` events.
 */
export class WebTransportLinkAdapter extends BaseLinkAdapter {
  readonly kind = 'wt-gateway' as const;
  private readonly logger: Logger;
  private readonly c: Required<Omit<WtAdapterComponents, 'load'>> & { load: () => Promise<WtLibrary> };
  private readonly init: WtAdapterInit;
  private readonly policy: ReconnectPolicy;
  private readonly diallers: Dialler[] = [];
  private readonly links = new Set<SecureLink>();
  private readonly sessions = new Set<WtSession>();
  private readonly counters: SessionCounters = newSessionCounters();
  private readonly conn = { dials: 0, dialFailures: 0, accepted: 0, refused: 0 };
  private lib: WtLibrary | undefined;
  private server: WtServer | undefined;
  private nextLinkNo = 1;
  private running = false;

  constructor(components: WtAdapterComponents, init: WtAdapterInit) {
    super(components.logger);
    this.logger = components.logger;
    const now = components.now ?? Date.now;
    this.c = {
      logger: components.logger,
      identity: components.identity,
      now,
      random: components.random ?? Math.random,
      authority: components.authority ?? memorySessionAuthority(now),
      admission: components.admission ?? OPEN_ADMISSION,
      load: components.load ?? loadWebTransport,
    };
    this.init = init;
    this.policy = reconnectPolicy(init.reconnect);
    for (const url of init.peers ?? []) this.addPeer(url, 'config');
  }

  /** Dial (and keep re-dialling) a WebTransport gateway; idempotent per URL. @throws MG_ERR_CONFIG_INVALID */
  addPeer(url: string, source = 'runtime'): void {
    if (this.diallers.some((d) => d.url === url)) return;
    const { hash } = parseWtUrl(url);
    const d: Dialler = { url, source, hash, attempt: 0, timer: undefined };
    this.diallers.push(d);
    if (this.running) void this.dial(d);
  }

  /** Stop dialling `url` and close its session. */
  removePeer(url: string): void {
    const i = this.diallers.findIndex((d) => d.url === url);
    if (i < 0) return;
    const [d] = this.diallers.splice(i, 1);
    d.removed = true;
    if (d.timer) clearTimeout(d.timer);
    if (d.link) void d.link.close('peer removed');
    else d.session?.close({ closeCode: 1000, reason: 'peer removed' });
  }

  /** Link ID of a dialled URL's open link. */
  linkIdOf(url: string): string | undefined {
    const d = this.diallers.find((x) => x.url === url);
    return d?.link?.isOpen ? d.link.id : undefined;
  }

  dialled(): Array<{ url: string; source: string; linkId: string | undefined }> {
    return this.diallers.map((d) => ({ url: d.url, source: d.source, linkId: d.link?.isOpen ? d.link.id : undefined }));
  }

  address(): { host: string; port: number } | undefined {
    const a = this.server?.address();
    return a ? { host: a.host, port: a.port } : undefined;
  }

  sessionLinks(): SecureLink[] {
    return [...this.links];
  }

  /** Swap the listener's certificate (rotation); existing sessions continue. */
  updateCertificate(certPem: string, keyPem: string): void {
    this.server?.updateCert?.(certPem, keyPem, true);
  }

  stats(): WtAdapterStats {
    return {
      helloFailures: { ...this.counters.helloFailures },
      helloRefusals: { ...this.counters.helloRefusals },
      modes: { ...this.counters.modes },
      ...this.conn,
      active: this.links.size,
      pending: Math.max(0, this.sessions.size - this.links.size),
    };
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.lib = await this.c.load();
    const l = this.init.listen;
    if (l) {
      try {
        const server = new this.lib.Http2Server({
          port: l.port,
          host: l.host,
          secret: randomBytes(16).toString('hex'),
          cert: l.certPem,
          privKey: l.keyPem,
          initialStreamFlowControlWindow: WT_STREAM_WINDOW_BYTES,
          initialSessionFlowControlWindow: WT_SESSION_WINDOW_BYTES,
        });
        const sessions = server.sessionStream(l.path ?? DEFAULT_WT_PATH);
        server.startServer();
        await server.ready;
        this.server = server;
        void this.acceptLoop(sessions);
      } catch (err) {
        this.running = false;
        throw new MeshgateError('MG_ERR_LINK_LISTEN', `cannot start the WebTransport server on ${l.host}:${l.port}: ${(err as Error).message}`, { host: l.host, port: l.port });
      }
      this.logger.info({ address: this.address(), path: l.path ?? DEFAULT_WT_PATH }, 'WebTransport (HTTP/2) gateway listener up');
    }
    for (const d of this.diallers) void this.dial(d);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const d of this.diallers) {
      if (d.timer) clearTimeout(d.timer);
      d.timer = undefined;
    }
    await Promise.all([...this.links].map((l) => l.close('adapter stopped')));
    for (const s of this.sessions) {
      try {
        s.close({ closeCode: 1000, reason: 'adapter stopped' });
      } catch {
        // already closed
      }
    }
    try {
      this.server?.stopServer();
    } catch {
      // already stopped
    }
    this.server = undefined;
  }

  private async acceptLoop(stream: ReadableStream<WtSession>): Promise<void> {
    const reader = stream.getReader();
    while (this.running) {
      let session: WtSession | undefined;
      try {
        const r = await reader.read();
        if (r.done) return;
        session = r.value;
      } catch {
        return;
      }
      void this.accept(session);
    }
  }

  private async accept(session: WtSession): Promise<void> {
    const remote = session.peerAddress;
    const ip = remote?.replace(/:\d+$/, '').replace(/^\[|\]$/g, '').replace(/^::ffff:/, '');
    const max = this.init.maxConnections ?? 64;
    const admit = this.c.admission.allowAddress(ip ?? '', 'inbound');
    if (!admit.ok || this.sessions.size >= max) {
      this.conn.refused++;
      session.close({ closeCode: 4003, reason: admit.ok ? 'connection cap' : 'refused' });
      return;
    }
    this.track(session);
    try {
      await session.ready;
      const bidi = session.incomingBidirectionalStreams.getReader();
      const timer = setTimeout(() => session.close({ closeCode: 4001, reason: 'session failed: timeout' }), this.init.helloTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS);
      const first = await bidi.read().finally(() => clearTimeout(timer));
      bidi.releaseLock();
      if (first.done) return;
      this.conn.accepted++;
      this.establish(session, first.value, 'listener', remote ?? 'webtransport', ip, () => {});
    } catch (err) {
      this.logger.debug({ remote, err: String(err) }, 'inbound WebTransport session failed before its stream');
      session.close({ closeCode: 1000, reason: 'no stream' });
    }
  }

  private track(session: WtSession): void {
    this.sessions.add(session);
    session.closed.then(
      () => this.sessions.delete(session),
      () => this.sessions.delete(session),
    );
  }

  private async dial(d: Dialler): Promise<void> {
    d.timer = undefined;
    if (!this.running || d.removed || !this.lib) return;
    const { url } = parseWtUrl(d.url);
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    const admit = this.c.admission.allowAddress(host, 'outbound');
    if (!admit.ok) {
      this.emit('error', new MeshgateError('MG_ERR_LINK_CONNECT', `dial ${d.url} refused by admission: ${admit.reason}`, { url: d.url, code: admit.code }));
      return this.scheduleRedial(d);
    }
    this.conn.dials++;
    let session: WtSession;
    try {
      session = new this.lib.WebTransport(url, {
        serverCertificateHashes: [{ algorithm: 'sha-256', value: d.hash }],
        forceReliable: true,
        initialStreamFlowControlWindow: WT_STREAM_WINDOW_BYTES,
        initialSessionFlowControlWindow: WT_SESSION_WINDOW_BYTES,
      });
      d.session = session;
      this.track(session);
      await session.ready;
      const stream = await session.createBidirectionalStream();
      this.establish(session, stream, 'dialler', url, host, (link) => {
        if (link) {
          d.attempt = 0;
          d.link = link;
        }
      });
    } catch (err) {
      this.conn.dialFailures++;
      this.emit('error', new MeshgateError('MG_ERR_LINK_CONNECT', `WebTransport dial ${url} failed: ${(err as Error)?.message ?? String(err)}`, { url }));
      d.session = undefined;
      return this.scheduleRedial(d);
    }
    session.closed.then(
      () => this.scheduleRedial(d),
      () => this.scheduleRedial(d),
    );
  }

  private scheduleRedial(d: Dialler): void {
    if (!this.running || d.timer || d.removed) return;
    const delay = reconnectDelayMs(d.attempt, this.policy, this.c.random);
    d.attempt++;
    d.timer = setTimeout(() => void this.dial(d), delay);
  }

  private establish(session: WtSession, stream: { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> }, role: 'dialler' | 'listener', remote: string, ip: string | undefined, onEnd: (l: SecureLink | undefined) => void): void {
    const channel = new WtChannel({ session, stream, remoteAddress: remote, remoteIp: ip });
    runSession(
      { logger: this.logger, identity: this.c.identity, authority: this.c.authority, admission: this.c.admission, now: this.c.now },
      {
        role,
        channel,
        nickname: this.init.nickname,
        allowedPeers: this.init.allowedPeers,
        timeoutMs: this.init.helloTimeoutMs,
        transport: 'webtransport-h2',
        linkKind: 'wt-gateway',
        linkId: `wt-gateway#${this.nextLinkNo++}(${remote})`,
        maxFrameBytes: this.init.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
        maxBufferedBytes: this.init.maxBufferedBytes,
        rekeyInterval: this.init.rekeyInterval,
        counters: this.counters,
      },
      sessionEnd(this.links, { link: (l) => this.emit('link', l as Link), error: (e) => this.emit('error', e) }, onEnd),
    );
  }
}
