/** The shared Link compliance suite on an authenticated WebSocket gateway pair (loopback). */
import { linkComplianceSuite, waitFor } from '../links/link-compliance.js';
import { startAdapter } from './ws-helpers.js';

linkComplianceSuite('ws-gateway', async () => {
  const L = await startAdapter();
  // a long redial delay keeps closed test links from being replaced mid-test
  const D = await startAdapter({ listen: undefined, peers: [L.url], reconnect: { initialMs: 60_000, maxMs: 60_000 } });
  await waitFor(() => L.links.length === 1 && D.links.length === 1, 5_000, 'authenticated ws-gateway pair');
  return {
    a: D.links[0],
    b: L.links[0],
    cleanup: async () => {
      await Promise.all([D.adapter.stop(), L.adapter.stop()]);
    },
  };
});
