/**
 * The overlay module in the daemon: two in-process gateways linked over WebSocket with
 * encrypted sessions negotiated from config, capability pins kept in SQLite across a
 * restart, a downgraded restart refused, the feature gate, and /api/status fields.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gateway } from '../../src/gateway/gateway.js';
import { loadConfig } from '../../src/gateway/config.js';
import { OverlayModule } from '../../src/gateway/modules/overlay-module.js';
import { silentLogger } from '../../src/ports/logger.js';
import { isMeshgateError } from '../../src/errors.js';
import { ManualClock } from '../../src/ports/clock.js';
import { connect as tlsConnect } from 'node:tls';
import { createHash } from 'node:crypto';
import { waitFor } from '../overlay/ws-helpers.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'meshgate-overlay-'));
  dirs.push(d);
  return d;
}

async function gateway(dir: string, extra: Record<string, string> = {}, clock?: ManualClock): Promise<{ gw: Gateway; overlay: OverlayModule }> {
  const config = loadConfig({
    flags: { 'state-dir': dir, 'http-port': '0', 'lan-port': '0', 'gateway-port': '0', 'http-host': '127.0.0.1', 'lan-host': '127.0.0.1', 'gateway-host': '127.0.0.1', 'clock-source': 'synced', ...extra },
  });
  const overlay = new OverlayModule();
  const gw = new Gateway({ logger: silentLogger, modules: [overlay], clock }, config);
  await gw.start();
  return { gw, overlay };
}

type OverlayStatus = { sessions: Array<Record<string, unknown>>; pinnedPeers: number; modes: Record<string, number>; protocol: { version: string } };
const overlayStatus = (gw: Gateway) => (gw.status().modules as { overlay: OverlayStatus }).overlay;

test('sessions negotiate from config, pins persist in SQLite, a restart without a pinned feature is refused as a downgrade', async () => {
  const dirA = tempDir();
  const dirB = tempDir();
  const a = await gateway(dirA);
  let b = await gateway(dirB, { 'overlay-features': 'BasicMesh,GatewayNodes,EnhancedRouting,ProofOfRelay' });
  const url = `ws://127.0.0.1:${a.gw.ports.gateway}/meshgate`;
  try {
    b.gw.dialer.dial(url, { source: 'test' });
    await waitFor(() => overlayStatus(a.gw).sessions.length === 1 && overlayStatus(b.gw).sessions.length === 1, 5_000, 'session');
    const sa = overlayStatus(a.gw);
    assert.equal(sa.protocol.version, '1.4.0');
    assert.equal(sa.sessions[0].mode, 'limited', 'B does not offer CompressionV2');
    assert.equal(sa.sessions[0].disabled, 'CompressionV2');
    assert.equal(sa.sessions[0].transport, 'ws');
    assert.deepEqual(sa.modes, { limited: 1 });
    assert.equal(sa.pinnedPeers, 1);
    const linkId = String(sa.sessions[0].linkId);
    assert.equal(a.overlay.hasFeature(linkId, 'ProofOfRelay'), true);
    assert.equal(a.overlay.hasFeature(linkId, 'CompressionV2'), false, 'switched off in this Limited session');
    assert.equal(a.overlay.hasFeature('no-such-link', 'BasicMesh'), false);
    await b.gw.stop();
    await a.gw.stop();

    // A restarts (pins come back from SQLite); B comes back without ProofOfRelay
    const a2 = await gateway(dirA, { 'gateway-port': String(a.gw.ports.gateway ?? 0) });
    a.gw = a2.gw;
    a.overlay = a2.overlay;
    assert.equal(overlayStatus(a.gw).pinnedPeers, 1, 'pin survived the restart');
    b = await gateway(dirB, { 'overlay-features': 'BasicMesh,GatewayNodes,EnhancedRouting' });
    b.gw.dialer.dial(`ws://127.0.0.1:${a.gw.ports.gateway}/meshgate`, { source: 'test' });
    const st = () => a.gw.status() as { adapters: { ws: { helloFailures: Record<string, number> } } };
    await waitFor(() => st().adapters.ws.helloFailures.downgrade >= 1, 5_000, 'downgrade refused');
    assert.equal(overlayStatus(a.gw).sessions.length, 0);
    const bs = b.gw.status() as { adapters: { ws: { helloRefusals: Record<string, number> } } };
    await waitFor(() => (b.gw.status() as typeof bs).adapters.ws.helloRefusals.downgrade >= 1, 5_000, 'B told why');
  } finally {
    await b.gw.stop();
    await a.gw.stop();
  }
});

test('a configuration whose required features are not wanted stops start-up with MG_ERR_CONFIG_INVALID', async () => {
  await assert.rejects(gateway(tempDir(), { 'overlay-features': 'BasicMesh', 'overlay-required-features': 'BasicMesh,GatewayNodes' }), (e: unknown) => isMeshgateError(e, 'MG_ERR_CONFIG_INVALID'));
});

test('WebTransport: the certificate is rotated before expiry on the module clock and the listener presents the new one', async () => {
  const clock = new ManualClock(Date.now());
  const { gw, overlay } = await gateway(tempDir(), { 'gateway-enabled': 'false', 'overlay-webtransport-enabled': 'true', 'overlay-webtransport-host': '127.0.0.1', 'overlay-webtransport-port': '0', 'overlay-webtransport-certificate-days': '1' }, clock);
  const wt = () => (gw.status().modules as { overlay: { webtransport: { url: string; certificate: { sha256: string; notAfter: number } } } }).overlay.webtransport;
  try {
    const first = wt().certificate;
    assert.ok(first.notAfter - clock.now() <= 86_400_000);
    for (let h = 1; h <= 17; h++) {
      clock.advance(3_600_000);
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(wt().certificate.sha256, first.sha256, 'not yet: more than 6 h (a quarter of 1 day) left');
    clock.advance(3_600_000 * 2);
    await waitFor(() => wt().certificate.sha256 !== first.sha256, 5_000, 'rotation');
    // the listener now presents the new certificate (its validity starts on the module's clock, ahead of real time, so check it at the TLS level)
    const port = Number(new URL(wt().url).port);
    const presented = await new Promise<string>((resolve, reject) => {
      const sock = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['h2'] }, () => {
        resolve(createHash('sha256').update(sock.getPeerX509Certificate()!.raw).digest('hex'));
        sock.destroy();
      });
      sock.on('error', reject);
    });
    assert.equal(presented, wt().certificate.sha256);
    assert.ok(wt().url.endsWith(`certhash=${presented}`));
    assert.equal(overlay.webTransportUrl('gw.example'), `https://gw.example:${port}/meshgate?certhash=${presented}`, 'the advertised endpoint follows the rotation');
  } finally {
    await gw.stop();
  }
});
