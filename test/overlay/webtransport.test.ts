/**
 * Gateway links over WebTransport (HTTP/2, `@fails-components/webtransport`) on loopback:
 * a self-signed certificate, a dialler that pins its hash, the same Noise session as
 * the WebSocket link, frames (including chunked ones) and control messages both ways.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateCertificate, parseWtUrl, SecureLink, WebTransportLinkAdapter, detectHttp3 } from '../../src/overlay/transports/index.js';
import { silentLogger } from '../../src/ports/logger.js';
import type { Link } from '../../src/ports/link.js';
import { isMeshgateError } from '../../src/errors.js';
import { makeIdentity, waitFor } from './ws-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'meshgate-wt-'));
const adapters: WebTransportLinkAdapter[] = [];
after(async () => {
  await Promise.all(adapters.map((a) => a.stop()));
  rmSync(dir, { recursive: true, force: true });
});

test('two gateways link over WebTransport (HTTP/2): encrypted session, frames and control both ways, status counters', async () => {
  const cert = await loadOrCreateCertificate({ stateDir: dir, name: 'webtransport', validityMs: 13 * 86_400_000, renewBeforeMs: 86_400_000, now: Date.now() });
  assert.equal(cert.source, 'self-signed');
  assert.ok(cert.notAfter - cert.notBefore <= 14 * 86_400_000, 'at most 14 days');
  const again = await loadOrCreateCertificate({ stateDir: dir, name: 'webtransport', validityMs: 13 * 86_400_000, renewBeforeMs: 86_400_000, now: Date.now() });
  assert.equal(again.sha256, cert.sha256, 'stored and reused');
  const rotated = await loadOrCreateCertificate({ stateDir: join(dir, 'later'), name: 'webtransport', validityMs: 13 * 86_400_000, renewBeforeMs: 86_400_000, now: Date.now() + 12.5 * 86_400_000 });
  assert.notEqual(rotated.sha256, cert.sha256);
  const renewed = await loadOrCreateCertificate({ stateDir: join(dir, 'later'), name: 'webtransport', validityMs: 13 * 86_400_000, renewBeforeMs: 86_400_000, now: Date.now() + 25 * 86_400_000 });
  assert.notEqual(renewed.sha256, rotated.sha256, 'replaced when within a day of expiry');

  const L = new WebTransportLinkAdapter({ logger: silentLogger, identity: makeIdentity() }, { listen: { host: '127.0.0.1', port: 0, certPem: cert.certPem, keyPem: cert.keyPem }, nickname: 'wt-listener' });
  adapters.push(L);
  const lLinks: Link[] = [];
  L.on('link', (l) => lLinks.push(l));
  await L.start();
  const port = L.address()!.port;
  const url = `https://127.0.0.1:${port}/meshgate?certhash=${cert.sha256}`;
  const D = new WebTransportLinkAdapter({ logger: silentLogger, identity: makeIdentity() }, { peers: [url], nickname: 'wt-dialler' });
  adapters.push(D);
  const dLinks: Link[] = [];
  D.on('link', (l) => dLinks.push(l));
  await D.start();
  await waitFor(() => lLinks.length === 1 && dLinks.length === 1, 10_000, 'WebTransport pair');
  const [l, d] = [lLinks[0] as SecureLink, dLinks[0] as SecureLink];
  assert.equal(l.kind, 'wt-gateway');
  assert.equal(l.session.transport, 'webtransport-h2');
  assert.equal(l.session.mode, 'full');
  assert.equal(l.session.sessionId, d.session.sessionId);
  assert.equal(D.dialled()[0].linkId, d.id);
  const atL: Uint8Array[] = [];
  const atD: unknown[] = [];
  l.on('frame', (f) => atL.push(f));
  d.on('control', (m) => atD.push(m));
  for (let i = 0; i < 200; i++) assert.equal(d.send(Uint8Array.of(i & 0xff, 1, 2, 3)), true);
  const big = new Uint8Array(66_047).map((_, i) => (i * 7) & 0xff);
  d.send(big);
  l.sendControl({ type: 'hello-over-wt', body: { n: 1 } });
  await waitFor(() => atL.length === 201 && atD.length === 1, 10_000, 'frames over WebTransport');
  assert.deepEqual(atL.slice(0, 3).map((f) => f[0]), [0, 1, 2]);
  assert.deepEqual(atL[200], big);
  assert.deepEqual(atD[0], { type: 'hello-over-wt', body: { n: 1 } });
  assert.equal(L.stats().accepted, 1);
  assert.equal(D.stats().modes.full, 1);
  await d.close('bye');
  await waitFor(() => !l.isOpen, 5_000, 'remote close seen');
});

test('a WebTransport URL without a certificate hash is MG_ERR_CONFIG_INVALID; HTTP/3 detection reports the optional package', async () => {
  assert.throws(() => parseWtUrl('https://127.0.0.1:1/meshgate'), (e: unknown) => isMeshgateError(e, 'MG_ERR_CONFIG_INVALID'));
  assert.throws(() => parseWtUrl('ws://127.0.0.1:1/meshgate?certhash=' + 'ab'.repeat(32)), (e: unknown) => isMeshgateError(e, 'MG_ERR_CONFIG_INVALID'));
  const h3 = await detectHttp3();
  assert.equal(typeof h3.available, 'boolean');
  assert.match(h3.detail, /webtransport-transport-http3-quiche/);
});
