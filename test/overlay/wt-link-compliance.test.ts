/** The shared Link compliance suite on an encrypted WebTransport (HTTP/2) gateway pair (loopback). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linkComplianceSuite, waitFor } from '../links/link-compliance.js';
import { loadOrCreateCertificate, WebTransportLinkAdapter } from '../../src/overlay/transports/index.js';
import { silentLogger } from '../../src/ports/logger.js';
import type { Link } from '../../src/ports/link.js';
import { makeIdentity } from './ws-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'meshgate-wt-compliance-'));

linkComplianceSuite('wt-gateway', async () => {
  const cert = await loadOrCreateCertificate({ stateDir: dir, name: 'webtransport', validityMs: 13 * 86_400_000, renewBeforeMs: 86_400_000, now: Date.now() });
  const L = new WebTransportLinkAdapter({ logger: silentLogger, identity: makeIdentity() }, { listen: { host: '127.0.0.1', port: 0, certPem: cert.certPem, keyPem: cert.keyPem }, nickname: 'l' });
  const lLinks: Link[] = [];
  L.on('link', (l) => lLinks.push(l));
  await L.start();
  // a long redial delay keeps closed test links from being replaced mid-test
  const D = new WebTransportLinkAdapter(
    { logger: silentLogger, identity: makeIdentity() },
    { peers: [`https://127.0.0.1:${L.address()!.port}/meshgate?certhash=${cert.sha256}`], nickname: 'd', reconnect: { initialMs: 60_000, maxMs: 60_000 } },
  );
  const dLinks: Link[] = [];
  D.on('link', (l) => dLinks.push(l));
  await D.start();
  await waitFor(() => lLinks.length === 1 && dLinks.length === 1, 10_000, 'WebTransport pair');
  return {
    a: dLinks[0],
    b: lLinks[0],
    cleanup: async () => {
      await Promise.all([D.stop(), L.stop()]);
    },
  };
});
