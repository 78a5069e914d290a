/**
 * End to end, with real `meshgate start` processes on loopback: two gateways exchange mesh
 * traffic over WebTransport (HTTP/2) only, with encrypted Noise sessions negotiated Full and
 * shown on /api/status; and a wss:// (TLS) gateway link with a self-signed certificate.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, waitFor, type GatewayProcess } from '../helpers/processes.js';
import { PhoneSimulator } from '../../src/phone/phone-simulator.js';
import { MessageType } from '../../src/protocol/packet.js';

const WT = ['--gateway-enabled', 'false', '--overlay-webtransport-enabled', 'true', '--overlay-webtransport-host', '127.0.0.1', '--overlay-webtransport-port', '0'];

describe('two gateways over WebTransport (HTTP/2), a phone on each', () => {
  let A: GatewayProcess;
  let B: GatewayProcess;
  let P1: PhoneSimulator;
  let P3: PhoneSimulator;

  before(async () => {
    A = await startGateway('wt-a', WT);
    const url: string = (await A.status()).modules.overlay.webtransport.url;
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+\/meshgate\?certhash=[0-9a-f]{64}$/);
    // B only dials out (as behind NAT): no WebTransport listener, no certificate
    B = await startGateway('wt-b', [...WT, '--overlay-webtransport-listen', 'false', '--overlay-webtransport-peers', url]);
    await waitFor(async () => (await A.status()).links.some((l: any) => l.kind === 'wt-gateway' && l.remotePeerId === B.peerId), 15_000, 'A-B WebTransport link');
    P1 = new PhoneSimulator({}, { nickname: 'p1', host: '127.0.0.1', port: A.lanPort });
    P3 = new PhoneSimulator({}, { nickname: 'p3', host: '127.0.0.1', port: B.lanPort });
    await Promise.all([P1.connect(), P3.connect()]);
    // phones re-announce while waiting (as bitchat does periodically): on a loaded machine
    // the failure detector may recycle a young link and lose a single announce
    let lastAnnounce = 0;
    await waitFor(
      () => {
        if (Date.now() - lastAnnounce > 2_000) {
          P1.announce();
          P3.announce();
          lastAnnounce = Date.now();
        }
        return P3.knownSigningKey(P1.peerId) !== undefined && P1.knownSigningKey(P3.peerId) !== undefined;
      },
      20_000,
      'announces across the WebTransport link',
    );
  });

  after(async () => {
    await Promise.all([P1, P3].map((p) => p?.close()));
    await Promise.all([A, B].map((g) => g?.stop()));
  });

  test("P1's public message reaches P3 through A and B over WebTransport; both show the encrypted session (Full) on /api/status", async () => {
    P1.sendPublic('over webtransport');
    await waitFor(() => P3.received.some((r) => r.type === MessageType.MESSAGE && r.text === 'over webtransport'), 20_000, 'delivery over WebTransport');
    const [sa, sb] = await Promise.all([A.status(), B.status()]);
    const oa = sa.modules.overlay;
    const ob = sb.modules.overlay;
    assert.equal(oa.sessions.length, 1);
    assert.equal(oa.sessions[0].transport, 'webtransport-h2');
    assert.equal(oa.sessions[0].mode, 'full');
    assert.equal(oa.sessions[0].peerId, B.peerId);
    assert.equal(ob.sessions[0].sessionId, oa.sessions[0].sessionId, 'both ends share the Noise handshake hash');
    assert.ok(ob.sessions[0].recordsSealed > 0 && oa.sessions[0].recordsOpened > 0);
    assert.equal(typeof oa.http3.available, 'boolean');
    assert.equal(oa.pinnedPeers, 1, 'capabilities pinned in SQLite');
    assert.equal(ob.webtransport.listening, null);
    assert.equal(ob.webtransport.url, null);
    assert.deepEqual(sb.dialled.map((d: any) => d.source), ['config']);
    assert.ok(sb.dialled[0].linkId);
  });
});

describe('wss:// gateway link with a self-signed certificate', () => {
  let A: GatewayProcess;
  let B: GatewayProcess;
  after(async () => Promise.all([A, B].map((g) => g?.stop())));

  test('a gateway with overlay.tls.enabled serves wss:// and another links to it over TLS + Noise', async () => {
    A = await startGateway('wss-a', ['--overlay-tls-enabled', 'true']);
    B = await startGateway('wss-b', ['--gateway-peers', `wss://127.0.0.1:${A.gatewayPort}/meshgate`]);
    await waitFor(async () => (await A.status()).links.some((l: any) => l.remotePeerId === B.peerId), 15_000, 'wss link');
    const sa = await A.status();
    assert.equal(sa.adapters.ws.scheme, 'wss');
    assert.match(sa.adapters.ws.certificate.sha256, /^[0-9a-f]{64}$/);
    assert.equal(sa.modules.overlay.sessions[0].transport, 'wss');
    const sb = await B.status();
    assert.equal(sb.modules.overlay.sessions[0].transport, 'wss');
  });
});
