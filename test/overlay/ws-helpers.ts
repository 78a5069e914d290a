/** Helpers for the WebSocket gateway-link tests (loopback 127.0.0.1, port 0). */
import { randomBytes } from 'node:crypto';
import { WebSocket, type ClientOptions } from 'ws';
import { silentLogger } from '../../src/ports/logger.js';
import type { Link } from '../../src/ports/link.js';
import { generateIdentityKeys, peerIdHexFromNoiseKey, type IdentityKeys } from '../../src/protocol/keys.js';
import { HelloHandshake, type HelloResult } from '../../src/overlay/index.js';
import { WsGatewayLinkAdapter, type WsGatewayLinkAdapterInit } from '../../src/overlay/transports/index.js';

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
export async function startAdapter(init: Partial<WsGatewayLinkAdapterInit> = {}, identity = makeIdentity(), port = 0): Promise<RunningAdapter> {
  const full: WsGatewayLinkAdapterInit = { listen: { host: '127.0.0.1', port }, nickname: 'test-gw', ...init };
  const adapter = new WsGatewayLinkAdapter({ logger: silentLogger, identity }, full);
  const r: RunningAdapter = { adapter, identity, links: [], errors: [], url: '', port: 0 };
  adapter.on('link', (l) => r.links.push(l));
  adapter.on('error', (e) => r.errors.push(e));
  await adapter.start();
  const a = adapter.address();
  if (a) {
    r.port = a.port;
    r.url = `ws://127.0.0.1:${a.port}/meshgate`;
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

/**
 * A client that runs the real hello by hand over a bare socket (so a test can then misbehave
 * at the WebSocket level). `identity` may be doctored (e.g. a wrong signing private key).
 * Resolves once it has received the listener's auth (i.e. it authenticated the listener).
 */
export async function handClient(url: string, identity: IdentityKeys, opts: ClientOptions = {}): Promise<RawClient & { peer: HelloResult; selfPeerId: string }> {
  const c = rawClient(url, opts);
  const hs = new HelloHandshake({ identity, role: 'dialler', nonce: new Uint8Array(randomBytes(32)), nickname: 'hand' });
  c.ws.once('open', () => c.ws.send(hs.localHello()));
  const peer = await new Promise<HelloResult>((resolve, reject) => {
    const onMsg = (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      try {
        const step = hs.receive(data.toString());
        if (step.send) c.ws.send(step.send);
        if (step.done) {
          c.ws.off('message', onMsg);
          resolve(step.done);
        }
      } catch (err) {
        c.ws.off('message', onMsg);
        reject(err);
      }
    };
    c.ws.on('message', onMsg);
    c.closed.then(({ code, reason }) => reject(new Error(`closed ${code} ${reason}`)));
  });
  return { ...c, peer, selfPeerId: peerIdHexFromNoiseKey(identity.noisePublicKey) };
}
