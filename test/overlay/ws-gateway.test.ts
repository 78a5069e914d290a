/**
 * The WebSocket gateway link over real loopback sockets: authenticated links, hello
 * failures refused with the right reason while the listener keeps serving, redial, frame
 * caps, control messages, keep-alive, egress back-pressure and the connection cap.
 */
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { WsGatewayLink, type WsGatewayLinkAdapterInit } from '../../src/overlay/transports/index.js';
import { HelloHandshake, helloFailureReason } from '../../src/overlay/index.js';
import { generateIdentityKeys } from '../../src/protocol/keys.js';
import { isMeshgateError } from '../../src/errors.js';
import type { Link } from '../../src/ports/link.js';
import { handClient, makeIdentity, rawClient, startAdapter, waitFor, type RawClient, type RunningAdapter } from './ws-helpers.js';

const running: RunningAdapter[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(running.splice(0).map((r) => r.adapter.stop()));
});

async function adapter(init: Partial<WsGatewayLinkAdapterInit> = {}, port = 0, identity = makeIdentity()): Promise<RunningAdapter> {
  const r = await startAdapter(init, identity, port);
  running.push(r);
  return r;
}

async function linkedPair(listenerInit: Partial<WsGatewayLinkAdapterInit> = {}, diallerInit: Partial<WsGatewayLinkAdapterInit> = {}) {
  const L = await adapter(listenerInit);
  const D = await adapter({ listen: undefined, peers: [L.url], ...diallerInit });
  await waitFor(() => L.links.length === 1 && D.links.length === 1, 3_000, 'authenticated pair');
  return { L, D, l: L.links[0], d: D.links[0] };
}

function collect(link: Link): Uint8Array[] {
  const got: Uint8Array[] = [];
  link.on('frame', (f) => got.push(f));
  return got;
}

/** A good gateway dials `url`, its link carries a frame to the listener's link. */
async function goodClientWorks(L: RunningAdapter): Promise<void> {
  const before = L.links.length;
  const G = await adapter({ listen: undefined, peers: [L.url] });
  await waitFor(() => G.links.length === 1 && L.links.length === before + 1, 3_000, 'good client linked');
  const got = collect(L.links[before]);
  assert.equal(G.links[0].send(Uint8Array.of(1, 2, 3)), true);
  await waitFor(() => got.length === 1, 3_000, 'frame through the good link');
  assert.deepEqual(got[0], Uint8Array.of(1, 2, 3));
  assert.equal(L.links[before].remotePeerId, G.identity.peerId);
}

/** Expect the raw client to be closed with 4001 and the reason; the listener counted it. */
async function refused(L: RunningAdapter, c: RawClient, reason: string): Promise<void> {
  const closed = await c.closed;
  assert.equal(closed.code, 4001);
  assert.equal(closed.reason, `hello failed: ${reason}`);
  await waitFor(() => L.errors.some((e) => helloFailureReason(e) === reason), 2_000, `listener error ${reason}`);
  assert.equal(L.adapter.stats().helloFailures[reason as 'version'], 1);
  assert.equal(L.links.length, 0, 'no link emitted for a failed hello');
}

describe('ws gateway link: authenticated pair', () => {
  test('dialler and listener each get one link, kind ws-gateway, remotePeerId = the authenticated peer', async () => {
    const { L, D, l, d } = await linkedPair();
    assert.equal(l.kind, 'ws-gateway');
    assert.equal(l.isGatewayLink, true);
    assert.equal(l.remotePeerId, D.identity.peerId);
    assert.equal(d.remotePeerId, L.identity.peerId);
    assert.ok(l instanceof WsGatewayLink && l.peer.nickname === 'test-gw');
    const atL = collect(l);
    const atD = collect(d);
    for (let i = 0; i < 20; i++) d.send(Uint8Array.of(i, 0xaa));
    l.send(new Uint8Array(5000).fill(7));
    await waitFor(() => atL.length === 20 && atD.length === 1);
    assert.deepEqual(atL.map((f) => f[0]), [...Array(20).keys()], 'in order');
    assert.equal(atD[0].length, 5000);
    assert.equal(Object.getPrototypeOf(atL[0]), Uint8Array.prototype, 'frames are plain Uint8Array');
    const s = L.adapter.stats();
    assert.equal(s.accepted, 1);
    assert.equal(s.active, 1);
    assert.equal(D.adapter.stats().dials, 1);
  });

  test('closing one side closes the other, exactly one close event each', async () => {
    const { l, d } = await linkedPair({}, { reconnect: { initialMs: 10_000, maxMs: 10_000 } });
    let lCloses = 0;
    let dCloses = 0;
    l.on('close', () => lCloses++);
    d.on('close', () => dCloses++);
    await d.close('bye');
    await waitFor(() => lCloses === 1);
    await d.close();
    assert.equal(dCloses, 1);
    assert.equal(l.isOpen, false);
    assert.throws(() => d.send(Uint8Array.of(1)), (e: unknown) => isMeshgateError(e, 'MG_ERR_LINK_CLOSED'));
  });

  test('an allow-list refuses other gateways; the dialler is told why (helloRefusals)', async () => {
    const L = await adapter({ allowedPeers: ['0011223344556677'] });
    const D = await adapter({ listen: undefined, peers: [L.url], reconnect: { initialMs: 10_000, maxMs: 10_000 } });
    await waitFor(() => D.adapter.stats().helloRefusals['not-allowed'] === 1, 3_000, 'refusal seen by dialler');
    assert.equal(L.adapter.stats().helloFailures['not-allowed'], 1);
    const err = D.errors.find((e) => isMeshgateError(e, 'MG_ERR_HELLO_FAILED'));
    assert.equal(helloFailureReason(err), 'not-allowed');
    assert.equal(L.links.length + D.links.length, 0);
  });

  test('a gateway dialling itself is refused as self', async () => {
    const me = makeIdentity();
    const L = await adapter({}, 0, me);
    const D = await adapter({ listen: undefined, peers: [L.url], reconnect: { initialMs: 10_000, maxMs: 10_000 } }, 0, me);
    await waitFor(() => L.adapter.stats().helloFailures.self >= 1, 3_000);
    await waitFor(() => D.adapter.stats().helloFailures.self + D.adapter.stats().helloRefusals.self >= 1, 3_000);
    assert.equal(L.links.length + D.links.length, 0);
  });
});

describe('ws gateway link: hello failures over real sockets, the listener keeps serving', () => {
  test('a client signing with the wrong key is refused as bad-signature', async () => {
    const L = await adapter();
    const keys = generateIdentityKeys();
    const impostor = { ...keys, signingPrivateKey: generateIdentityKeys().signingPrivateKey };
    const c = rawClient(L.url);
    clients.push(c);
    await c.opened;
    const hs = new HelloHandshake({ identity: impostor, role: 'dialler', nonce: new Uint8Array(randomBytes(32)), nickname: 'bad' });
    c.ws.send(hs.localHello());
    await waitFor(() => c.texts.length >= 1);
    c.ws.send(hs.receive(c.texts[0]).send!);
    await refused(L, c, 'bad-signature');
    await goodClientWorks(L);
  });

  test('a client claiming a peer ID that does not match its Noise key is refused as peer-id-mismatch', async () => {
    const L = await adapter();
    const c = rawClient(L.url);
    clients.push(c);
    await c.opened;
    const hs = new HelloHandshake({ identity: generateIdentityKeys(), role: 'dialler', nonce: new Uint8Array(randomBytes(32)), nickname: 'liar' });
    const hello = { ...JSON.parse(hs.localHello()), peerId: L.identity.peerId === 'ffffffffffffffff' ? '0000000000000000' : 'ffffffffffffffff' };
    c.ws.send(JSON.stringify(hello));
    await refused(L, c, 'peer-id-mismatch');
    await goodClientWorks(L);
  });

  test('a version 2.x hello is refused as version', async () => {
    const L = await adapter();
    const c = rawClient(L.url);
    clients.push(c);
    await c.opened;
    const hs = new HelloHandshake({ identity: generateIdentityKeys(), role: 'dialler', nonce: new Uint8Array(randomBytes(32)), nickname: 'future' });
    c.ws.send(JSON.stringify({ ...JSON.parse(hs.localHello()), version: '2.0.0' }));
    await refused(L, c, 'version');
    await goodClientWorks(L);
  });

  test('garbage text is refused as malformed', async () => {
    const L = await adapter();
    const c = rawClient(L.url);
    clients.push(c);
    await c.opened;
    c.ws.send('this is not a hello');
    await refused(L, c, 'malformed');
    await goodClientWorks(L);
  });

  test('a binary frame before the hello is refused as malformed', async () => {
    const L = await adapter();
    const c = rawClient(L.url);
    clients.push(c);
    await c.opened;
    c.ws.send(Uint8Array.of(1, 2, 3));
    await refused(L, c, 'malformed');
  });

  test('a silent client hits the hello timeout (200 ms)', async () => {
    const L = await adapter({ helloTimeoutMs: 200 });
    const c = rawClient(L.url);
    clients.push(c);
    const t0 = Date.now();
    await c.opened;
    assert.equal(JSON.parse((await (async () => (await waitFor(() => c.texts.length >= 1), c.texts[0]))()) as string).type, 'hello', 'the listener greets first');
    await refused(L, c, 'timeout');
    const took = Date.now() - t0;
    assert.ok(took >= 180 && took < 2_000, `closed after ${took} ms`);
    await goodClientWorks(L);
  });

  test('a wrong path gets HTTP 404 and no socket', async () => {
    const L = await adapter();
    const c = rawClient(L.url.replace('/meshgate', '/other'));
    clients.push(c);
    const res = await new Promise<number>((resolve) => c.ws.on('unexpected-response', (_req, r) => resolve(r.statusCode ?? 0)));
    assert.equal(res, 404);
    assert.equal(L.adapter.stats().accepted, 0);
  });
});

describe('ws gateway link: redial', () => {
  test('the dialler re-dials with backoff after the listener restarts on the same port', async () => {
    const L1 = await adapter();
    const port = L1.port;
    const D = await adapter({ listen: undefined, peers: [L1.url], reconnect: { initialMs: 30, maxMs: 120, jitter: 0 } });
    await waitFor(() => D.links.length === 1, 3_000, 'first link');
    const first = D.links[0];
    await L1.adapter.stop();
    running.splice(running.indexOf(L1), 1);
    await waitFor(() => !first.isOpen, 3_000, 'first link closed');
    await waitFor(() => D.errors.some((e) => isMeshgateError(e, 'MG_ERR_LINK_CONNECT')), 3_000, 'a failed redial');
    const dialsWhileDown = D.adapter.stats().dials;
    assert.ok(dialsWhileDown >= 2);
    const L2 = await adapter({}, port, L1.identity);
    await waitFor(() => D.links.length === 2 && L2.links.length === 1, 5_000, 'second link after restart');
    assert.equal(D.links[1].remotePeerId, L1.identity.peerId);
    const got = collect(L2.links[0]);
    D.links[1].send(Uint8Array.of(9));
    await waitFor(() => got.length === 1);
    assert.equal(D.adapter.stats().active, 1);
  });

  test('stop() cancels pending redials', async () => {
    const D = await adapter({ listen: undefined, peers: ['ws://127.0.0.1:1/meshgate'], reconnect: { initialMs: 20, maxMs: 20, jitter: 0 } });
    await waitFor(() => D.adapter.stats().dials >= 2, 3_000);
    await D.adapter.stop();
    const n = D.adapter.stats().dials;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(D.adapter.stats().dials, n);
  });
});

describe('ws gateway link: frames, control messages, keep-alive, back-pressure, caps', () => {
  test('an oversized binary message is counted MG_ERR_LINK_FRAME_TOO_LARGE and the next good frame still arrives', async () => {
    const { l, d } = await linkedPair({ maxFrameBytes: 1024 });
    const got = collect(l);
    assert.equal(l.maxFrameBytes, 1024);
    d.send(new Uint8Array(3000).fill(1)); // over 1024, under maxPayload 4096
    d.send(Uint8Array.of(42));
    await waitFor(() => got.length === 1);
    assert.deepEqual(got[0], Uint8Array.of(42));
    assert.equal(l.stats().drops.MG_ERR_LINK_FRAME_TOO_LARGE, 1);
    assert.equal(l.isOpen, true);
  });

  test('a message over maxPayload (4 × maxFrameBytes) ends the link', async () => {
    const { l, d } = await linkedPair({ maxFrameBytes: 1024 });
    let closed = false;
    l.on('close', () => (closed = true));
    d.send(new Uint8Array(5000));
    await waitFor(() => closed && !d.isOpen, 3_000);
  });

  test('text after the hello: control messages {"t","b"} both ways; malformed ones counted MG_ERR_CONTROL_MALFORMED; frames still flow', async () => {
    const L = await adapter();
    const c = await handClient(L.url, generateIdentityKeys());
    clients.push(c);
    await waitFor(() => L.links.length === 1);
    const l = L.links[0];
    const got = collect(l);
    const controls: unknown[] = [];
    l.on('control', (m) => controls.push(m));
    c.ws.send('not json');
    c.ws.send(JSON.stringify({ type: 'old-shape', x: 1 }));
    c.ws.send(JSON.stringify({ t: 'future-control', b: { x: 1 } }));
    c.ws.send(Uint8Array.of(5, 6));
    await waitFor(() => got.length === 1);
    assert.equal(l.stats().drops.MG_ERR_CONTROL_MALFORMED, 2);
    assert.equal(Object.keys(l.stats().drops).length, 1);
    assert.deepEqual(controls, [{ type: 'future-control', body: { x: 1 } }]);
    l.send(Uint8Array.of(7));
    assert.equal(l.sendControl({ type: 'pong', body: [1] }), true);
    await waitFor(() => c.binaries.length === 1);
    assert.deepEqual(c.binaries[0], Uint8Array.of(7));
    assert.equal(c.peer.peerId, L.identity.peerId);
  });

  test('keep-alive: a peer that never answers pings is terminated after 2 intervals; one that does stays up', async () => {
    const L = await adapter({ pingIntervalMs: 40 });
    const mute = await handClient(L.url, generateIdentityKeys(), { autoPong: false });
    const polite = await handClient(L.url, generateIdentityKeys());
    clients.push(mute, polite);
    await waitFor(() => L.links.length === 2);
    const byPeer = (id: string) => L.links.find((x) => x.remotePeerId === id)!;
    const t0 = Date.now();
    await waitFor(() => !byPeer(mute.selfPeerId).isOpen, 2_000, 'mute peer terminated');
    const took = Date.now() - t0;
    assert.ok(took < 1_000, `terminated after ${took} ms`);
    assert.equal((await mute.closed).code, 1006, 'terminated, not closed politely');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(byPeer(polite.selfPeerId).isOpen, true, 'a peer answering pings stays up over 5 intervals');
  });

  test('back-pressure: send returns false and counts MG_ERR_LINK_QUEUE_FULL when the socket buffer is over the cap', async () => {
    const L = await adapter({ maxBufferedBytes: 64 * 1024 });
    const c = await handClient(L.url, generateIdentityKeys());
    clients.push(c);
    await waitFor(() => L.links.length === 1);
    const l = L.links[0];
    (c.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const frame = new Uint8Array(60_000);
    let accepted = 0;
    let refusedAt = -1;
    for (let i = 0; i < 5_000; i++) {
      if (!l.send(frame)) {
        refusedAt = i;
        break;
      }
      accepted++;
    }
    assert.ok(refusedAt > 0, 'a send was refused');
    assert.equal(l.stats().drops.MG_ERR_LINK_QUEUE_FULL, 1);
    assert.equal(l.stats().framesOut, accepted);
    assert.equal(l.isOpen, true, 'back-pressure does not close the link');
  });

  test('maxConnections: an inbound socket over the cap gets HTTP 503 and is counted', async () => {
    const L = await adapter({ maxConnections: 2 });
    const a = rawClient(L.url);
    const b = rawClient(L.url);
    clients.push(a, b);
    await Promise.all([a.opened, b.opened]);
    const c = rawClient(L.url);
    clients.push(c);
    const status = await new Promise<number>((resolve) => c.ws.on('unexpected-response', (_req, r) => resolve(r.statusCode ?? 0)));
    assert.equal(status, 503);
    assert.equal(L.adapter.stats().refused, 1);
    assert.equal(L.adapter.stats().pending, 2);
  });
});

describe('ws gateway adapter: configuration and lifecycle', () => {
  test('a peer URL that is not ws:// or wss:// is MG_ERR_CONFIG_INVALID', async () => {
    const { WsGatewayLinkAdapter } = await import('../../src/overlay/transports/index.js');
    const { silentLogger } = await import('../../src/ports/logger.js');
    for (const url of ['http://127.0.0.1:1/', 'not a url']) {
      assert.throws(() => new WsGatewayLinkAdapter({ logger: silentLogger, identity: makeIdentity() }, { nickname: 'x', peers: [url] }), (e: unknown) =>
        isMeshgateError(e, 'MG_ERR_CONFIG_INVALID'),
      );
    }
  });

  test('listening on a port in use is MG_ERR_LINK_LISTEN', async () => {
    const L = await adapter();
    await assert.rejects(startAdapter({}, makeIdentity(), L.port), (e: unknown) => isMeshgateError(e, 'MG_ERR_LINK_LISTEN'));
  });

  test('stop() closes every link on both sides and is idempotent', async () => {
    const { L, l, d } = await linkedPair({}, { reconnect: { initialMs: 10_000, maxMs: 10_000 } });
    await L.adapter.stop();
    await L.adapter.stop();
    assert.equal(l.isOpen, false);
    await waitFor(() => !d.isOpen);
    assert.equal(L.adapter.address(), undefined);
    assert.equal(L.adapter.stats().active, 0);
  });
});

