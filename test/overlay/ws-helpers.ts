/** Helpers for the WebSocket gateway-link tests (loopback 127.0.0.1, port 0). */
import { WebSocket, type ClientOptions } from 'ws';
import { silentLogger } from '../../src/ports/logger.js';
import type { Link } from '../../src/ports/link.js';
import type { OffenceReport, PeerAdmission } from '../../src/ports/admission.js';
import { generateIdentityKeys, peerIdHexFromNoiseKey, type IdentityKeys } from '../../src/protocol/keys.js';
import { SessionHandshake, SecureSession, defaultNegotiationPolicy, type NegotiationPolicy, type OpenedMessage, type SessionHandshakeResult, type SessionPeer } from '../../src/overlay/index.js';
import { WsGatewayLinkAdapter, type WsGatewayLinkAdapterComponents, type WsGatewayLinkAdapterInit } from '../../src/overlay/transports/index.js';

export interface TestIdentity {
  keys: IdentityKeys;
  peerId: string;
}

export function makeIdentity(): TestIdentity {
  const keys = generateIdentityKeys();
  return { keys, peerId: peerIdHexFromNoiseKey(keys.noisePublicKey) };
}

/** Poll `predicate` every 5 ms until true or `deadlineMs` passes (then throws). */
export async function waitFor(predicate: () => boolean | Promise<boolean>, deadlineMs = 3_000, what = 'condition'): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await predicate())) {
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface RunningAdapter {
  adapter: WsGatewayLinkAdapter;
  identity: TestIdentity;
  links: Link[];
  errors: Error[];
  /** ws://127.0.0.1:<port>/meshgate when listening. */
  url: string;
  port: number;
}

/** Start an adapter (listening on 127.0.0.1:port unless `listen: undefined` is given). */
export async function startAdapter(init: Partial<WsGatewayLinkAdapterInit> = {}, identity = makeIdentity(), port = 0, components: Partial<WsGatewayLinkAdapterComponents> = {}): Promise<RunningAdapter> {
  const full: WsGatewayLinkAdapterInit = { listen: { host: '127.0.0.1', port }, nickname: 'test-gw', ...init };
  const adapter = new WsGatewayLinkAdapter({ logger: silentLogger, identity, ...components }, full);
  const r: RunningAdapter = { adapter, identity, links: [], errors: [], url: '', port: 0 };
  adapter.on('link', (l) => r.links.push(l));
  adapter.on('error', (e) => r.errors.push(e));
  await adapter.start();
  const a = adapter.address();
  if (a) {
    r.port = a.port;
    r.url = `${full.tls ? 'wss' : 'ws'}://127.0.0.1:${a.port}/meshgate`;
  }
  return r;
}

export interface RawClient {
  ws: WebSocket;
  /** Text messages received. */
  texts: string[];
  binaries: Uint8Array[];
  closed: Promise<{ code: number; reason: string }>;
  opened: Promise<void>;
}

/** A bare `ws` client that records everything it receives. */
export function rawClient(url: string, opts: ClientOptions = {}): RawClient {
  const ws = new WebSocket(url, { perMessageDeflate: false, ...opts });
  const texts: string[] = [];
  const binaries: Uint8Array[] = [];
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => {
    const buf = data as Buffer;
    if (isBinary) binaries.push(new Uint8Array(buf));
    else texts.push(buf.toString());
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('close', () => reject(new Error('closed before open')));
  });
  opened.catch(() => {});
  return { ws, texts, binaries, closed, opened };
}

/** A hand-driven session client: the real session over a bare socket, so a test can then misbehave at the record level. */
export interface HandClient extends RawClient {
  peer: SessionPeer;
  selfPeerId: string;
  session: SecureSession;
  /** Records received after establishment (still encrypted). */
  records: Uint8Array[];
  /** Decrypted messages received after establishment. */
  messages: OpenedMessage[];
  /** Seal and send one frame; returns the records sent (for replay/tamper tests). */
  sendFrame(frame: Uint8Array): Uint8Array[];
  sendControl(text: string): Uint8Array[];
}

/**
 * A dialler that runs the real session establishment by hand over a bare socket.
 * `identity` may be doctored. Resolves once the session is established on its side.
 */
export async function handClient(url: string, identity: IdentityKeys, opts: ClientOptions & { policy?: NegotiationPolicy; omitCapabilities?: boolean } = {}): Promise<HandClient> {
  const c = rawClient(url, opts);
  const hs = new SessionHandshake({ role: 'dialler', identity, nickname: 'hand', policy: opts.policy ?? defaultNegotiationPolicy(), omitCapabilities: opts.omitCapabilities });
  c.ws.once('open', () => {
    for (const r of hs.start()) c.ws.send(r);
  });
  const records: Uint8Array[] = [];
  const messages: OpenedMessage[] = [];
  let session: SecureSession | undefined;
  let result: SessionHandshakeResult | undefined;
  let confirmed = false;
  const done = await new Promise<SessionHandshakeResult>((resolve, reject) => {
    c.ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      const rec = new Uint8Array(data);
      if (session && result) {
        if (!confirmed) {
          const [m] = session.open(rec);
          if (m?.kind === 'confirm') {
            confirmed = true;
            resolve(result);
          } else reject(new Error('no confirmation'));
          return;
        }
        records.push(rec);
        try {
          messages.push(...session.open(rec));
        } catch {
          // recorded; tests inspect records
        }
        return;
      }
      try {
        const step = hs.receive(rec);
        for (const r of step.send) c.ws.send(r);
        if (step.done) {
          session = new SecureSession({ ciphers: step.done.ciphers, maxFrameBytes: 1 << 20 });
          result = step.done;
        }
      } catch (err) {
        reject(err);
      }
    });
    c.closed.then(({ code, reason }) => reject(new Error(`closed ${code} ${reason}`)));
  });
  const s = session!;
  return {
    ...c,
    peer: done.peer,
    selfPeerId: peerIdHexFromNoiseKey(identity.noisePublicKey),
    session: s,
    records,
    messages,
    sendFrame: (frame) => {
      const recs = s.sealFrame(frame);
      for (const r of recs) c.ws.send(r);
      return recs;
    },
    sendControl: (text) => {
      const recs = s.sealControl(text);
      for (const r of recs) c.ws.send(r);
      return recs;
    },
  };
}

/** An admission that records every report and can refuse addresses or peers. */
export function recordingAdmission(refuse: { addresses?: string[]; peers?: string[] } = {}) {
  const reports: OffenceReport[] = [];
  const admission: PeerAdmission = {
    allowAddress: (a) => (refuse.addresses?.includes(a) ? { ok: false, code: 'MG_ERR_PEER_BANNED', reason: 'test ban' } : { ok: true }),
    allowPeer: (p) => (refuse.peers?.includes(p) ? { ok: false, code: 'MG_ERR_PEER_BANNED', reason: 'test ban' } : { ok: true }),
    report: (e) => void reports.push(e),
  };
  return { admission, reports };
}
