/**
 * The WebSocket gateway link over real loopback sockets: encrypted Noise sessions, session
 * failures refused with the right reason while the listener keeps serving, attacks on the
 * record layer (tampered, replayed records), capability pinning (downgrade), redial, frame
 * caps, control messages, keep-alive, egress back-pressure and the connection cap.
 */
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SecureLink, type WsGatewayLinkAdapterInit, type WsGatewayLinkAdapterComponents } from '../../src/overlay/transports/index.js';
import { sessionFailureReason as helloFailureReason, SessionHandshake, defaultNegotiationPolicy, encodeHello, record, RECORD_HELLO, memorySessionAuthority, capabilitiesOf, checkPolicy, parseVersion } from '../../src/overlay/index.js';
import { generateIdentityKeys } from '../../src/protocol/keys.js';
import { isMeshgateError } from '../../src/errors.js';
import type { Link } from '../../src/ports/link.js';
import { handClient, makeIdentity, rawClient, recordingAdmission, startAdapter, waitFor, type RawClient, type RunningAdapter } from './ws-helpers.js';

const running: RunningAdapter[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(running.splice(0).map((r) => r.adapter.stop()));
});

async function adapter(init: Partial<WsGatewayLinkAdapterInit> = {}, port = 0, identity = makeIdentity(), components: Partial<WsGatewayLinkAdapterComponents> = {}): Promise<RunningAdapter> {
  const r = await startAdapter(init, identity, port, components);
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
  assert.equal(closed.reason, `session failed: ${reason}`);
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
    assert.ok(l instanceof SecureLink && l.peer.nickname === 'test-gw');
    assert.equal(l.session.mode, 'full');
    assert.equal(l.session.sessionId, (d as SecureLink).session.sessionId, 'both sides share the handshake hash');
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
    await waitFor(() => L.adapter.stats().helloFailures.self + L.adapter.stats().helloRefusals.self >= 1, 3_000);
    await waitFor(() => D.adapter.stats().helloFailures.self + D.adapter.stats().helloRefusals.self >= 1, 3_000);
    assert.equal(L.links.length + D.links.length, 0);
  });
});

describe('ws gateway link: session failures and attacks over real sockets, the listener keeps serving', () => {
  test('attack: a client claiming a peer ID that its static key does not hash to is refused as peer-id-mismatch and reported', async () => {
    const { admission, reports } = recordingAdmission();
    const L = await adapter({}, 0, makeIdentity(), { admission });
    const victim = makeIdentity();
    const attacker = generateIdentityKeys();
    // the attacker sends the victim's peer ID in its hello but completes Noise with its own key
    const c = rawClient(L.url);
    clients.push(c);
    await c.opened;
    const hs = new SessionHandshake({ role: 'dialler', identity: attacker, nickname: 'liar', policy: defaultNegotiationPolicy() });
    const hello = JSON.parse(Buffer.from(hs.start()[0].subarray(1)).toString());
    const forged = encodeHello({ version: hello.version, peerId: victim.peerId, nickname: 'liar', capabilities: hello.capabilities });
    c.ws.send(record(RECORD_HELLO, forged));
    // drive Noise by hand with the forged hello in the prologue
    const { XxHandshake, prologue } = await import('../../src/overlay/index.js');
    await waitFor(() => c.binaries.length >= 1);
    const noise = new XxHandshake({ initiator: true, staticKeyPair: { privateKey: attacker.noisePrivateKey, publicKey: attacker.noisePublicKey }, prologue: prologue(forged, c.binaries[0].subarray(1)) });
    c.ws.send(record(2, noise.writeMessage()));
    await waitFor(() => c.binaries.length >= 2);
    noise.readMessage(c.binaries[1].subarray(1));
    c.ws.send(record(2, noise.writeMessage()));
    await refused(L, c, 'peer-id-mismatch');
    assert.ok(reports.some((r) => r.offence === 'bad-signature' && r.peerId === victim.peerId));
    await goodClientWorks(L);
  });

  test('attack: a client holding the claimed public key but not its private key fails the Noise handshake (transcript)', async () => {
    const { admission, reports } = recordingAdmission();
    const L = await adapter({}, 0, makeIdentity(), { admission });
    const victim = generateIdentityKeys();
    const impostor = { ...generateIdentityKeys(), noisePublicKey: victim.noisePublicKey };
    await assert.rejects(handClient(L.url, impostor), /closed 4001 session failed: transcript/);
    await waitFor(() => L.adapter.stats().helloFailures.transcript === 1);
    assert.ok(reports.some((r) => r.offence === 'handshake-failure'));
    await goodClientWorks(L);
  });

  test('attack: a tampered record closes the session (4002), counted MG_ERR_SESSION_DECRYPT and reported invalid-frame', async () => {
    const { admission, reports } = recordingAdmission();
    const L = await adapter({}, 0, makeIdentity(), { admission });
    const c = await handClient(L.url, generateIdentityKeys());
    clients.push(c);
    await waitFor(() => L.links.length === 1);
    const l = L.links[0];
    const got = collect(l);
    c.sendFrame(Uint8Array.of(1));
    await waitFor(() => got.length === 1);
    const [rec] = c.session.sealFrame(Uint8Array.of(2, 3, 4));
    rec[rec.length - 1] ^= 1;
    c.ws.send(rec);
    const closed = await c.closed;
    assert.equal(closed.code, 4002);
    assert.equal(l.isOpen, false);
    assert.equal(l.stats().drops.MG_ERR_SESSION_DECRYPT, 1);
    assert.equal(got.length, 1, 'nothing from the tampered record was delivered');
    assert.ok(reports.some((r) => r.offence === 'invalid-frame' && r.detail === 'MG_ERR_SESSION_DECRYPT' && r.peerId === c.selfPeerId));
    await goodClientWorks(L);
  });

  test('attack: a replayed record closes the session (4002) and is never delivered twice', async () => {
    const L = await adapter();
    const c = await handClient(L.url, generateIdentityKeys());
    clients.push(c);
    await waitFor(() => L.links.length === 1);
    const l = L.links[0];
    const got = collect(l);
    const [rec] = c.sendFrame(Uint8Array.of(7, 7));
    await waitFor(() => got.length === 1);
    c.ws.send(rec);
    assert.equal((await c.closed).code, 4002);
    assert.equal(got.length, 1);
    assert.equal(l.stats().drops.MG_ERR_SESSION_DECRYPT, 1);
  });

  test('attack: a gateway that later comes back without a pinned security-relevant capability is refused as a downgrade (MG_ERR_SESSION_DOWNGRADE)', async () => {
    const { admission, reports } = recordingAdmission();
    const L = await adapter({}, 0, makeIdentity(), { admission, authority: memorySessionAuthority(Date.now) });
    const keys = generateIdentityKeys();
    const first = await handClient(L.url, keys);
    await waitFor(() => L.links.length === 1);
    first.ws.terminate();
    await waitFor(() => !L.links[0].isOpen);
    const weaker = checkPolicy({ ...defaultNegotiationPolicy(), wanted: capabilitiesOf(['BasicMesh', 'GatewayNodes', 'EnhancedRouting', 'CompressionV2']) });
    await assert.rejects(handClient(L.url, keys, { policy: weaker }), /closed 4001 session failed: downgrade/);
    await waitFor(() => L.adapter.stats().helloFailures.downgrade === 1);
    assert.ok(L.errors.some((e) => isMeshgateError(e, 'MG_ERR_SESSION_DOWNGRADE')));
    assert.ok(reports.some((r) => r.offence === 'downgrade'));
    assert.equal(L.links.length, 1, 'no second link');
  });

  test('an incompatible peer (major 3) is refused before Noise with MG_ERR_SESSION_INCOMPATIBLE; a 1.0.0 signed-hello peer as version', async () => {
    const L = await adapter();
    const future = checkPolicy({ ...defaultNegotiationPolicy(), version: parseVersion('3.0.0'), wanted: 0b111111, legacyMajors: 2 });
    await assert.rejects(handClient(L.url, generateIdentityKeys(), { policy: future }), /closed 4001 session failed: incompatible/);
    assert.ok(L.errors.some((e) => isMeshgateError(e, 'MG_ERR_SESSION_INCOMPATIBLE')));
    const c = rawClient(L.url);
    clients.push(c);
    await c.opened;
    c.ws.send(JSON.stringify({ type: 'hello', protocol: 'meshgate-gw', version: '1.0.0', peerId: '0011223344556677', noisePublicKey: '00'.repeat(32), signingPublicKey: '00'.repeat(32), nonce: '00'.repeat(32), nickname: 'old', capabilities: 0 }));
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
    await waitFor(() => c.binaries.length >= 1);
    assert.equal(c.binaries[0][0], RECORD_HELLO, 'the listener greets first');
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
  test('frames larger than one Noise message are chunked and reassembled; a record over the WebSocket maxPayload ends the link', async () => {
    const { l, d } = await linkedPair();
    const got = collect(l);
    const big = new Uint8Array(66_047).map((_, i) => i & 0xff);
    assert.equal(d.send(big), true);
    await waitFor(() => got.length === 1);
    assert.deepEqual(got[0], big);
    assert.ok((d as SecureLink).sessionStats().recordsSealed >= 2);
    const L = await adapter();
    const c = rawClient(L.url);
    clients.push(c);
    await c.opened;
    c.ws.send(new Uint8Array(70_000));
    assert.equal((await c.closed).code, 1009);
  });

  test('control messages {"t","b"} travel encrypted both ways; malformed ones are counted MG_ERR_CONTROL_MALFORMED; frames still flow', async () => {
    const L = await adapter();
    const c = await handClient(L.url, generateIdentityKeys());
    clients.push(c);
    await waitFor(() => L.links.length === 1);
    const l = L.links[0];
    const got = collect(l);
    const controls: unknown[] = [];
    l.on('control', (m) => controls.push(m));
    c.sendControl('not json');
    c.sendControl(JSON.stringify({ t: 'future-control', b: { x: 1 } }));
    c.sendFrame(Uint8Array.of(5, 6));
    await waitFor(() => got.length === 1);
    assert.equal(l.stats().drops.MG_ERR_CONTROL_MALFORMED, 1);
    assert.deepEqual(controls, [{ type: 'future-control', body: { x: 1 } }]);
    l.send(Uint8Array.of(7));
    assert.equal(l.sendControl({ type: 'pong', body: [1] }), true);
    await waitFor(() => c.messages.length === 2);
    assert.deepEqual(c.messages[0], { kind: 'frame', data: Uint8Array.of(7) });
    assert.deepEqual(c.messages[1], { kind: 'control', text: '{"t":"pong","b":[1]}' });
    assert.ok(!c.binaries.some((b) => Buffer.from(b).includes(Buffer.from('pong'))), 'nothing travels in clear');
    assert.equal(c.peer.peerId, L.identity.peerId);
  });

  test('a session with a peer that sends no capability bitfield infers its features from the version (status shows inferred)', async () => {
    const L = await adapter();
    const c = await handClient(L.url, generateIdentityKeys(), { omitCapabilities: true });
    clients.push(c);
    await waitFor(() => L.links.length === 1);
    const l = L.links[0] as SecureLink;
    assert.equal(l.session.inferred, true);
    assert.equal(l.session.mode, 'full');
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

