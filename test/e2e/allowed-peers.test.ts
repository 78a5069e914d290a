/** `gateway.allowedPeers`: a gateway links only with the gateways its operator named. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, waitFor } from '../helpers/processes.js';

test('a gateway with an allow-list refuses a gateway not on it and links with one that is', async () => {
  const A = await startGateway('allow-a', ['--gateway-allowed-peers', '0123456789abcdef']);
  const B = await startGateway('allow-b', ['--gateway-peers', A.wsUrl]);
  try {
    await waitFor(async () => ((await A.status()).adapters.ws.helloFailures['not-allowed'] ?? 0) >= 1, 10_000, 'refusal counted');
    assert.equal((await A.status()).links.filter((l: any) => l.isGatewayLink).length, 0);
    const C = await startGateway('allow-c', ['--gateway-allowed-peers', B.peerId, '--gateway-peers', `${A.wsUrl},${B.wsUrl}`]);
    try {
      // C allows only B: its link to B comes up, its dial to A is refused by C itself
      await waitFor(async () => (await C.status()).links.some((l: any) => l.isGatewayLink && l.remotePeerId === B.peerId), 10_000, 'C-B link');
      await waitFor(async () => ((await C.status()).adapters.ws.helloFailures['not-allowed'] ?? 0) >= 1, 10_000, 'C refuses A');
      assert.deepEqual((await C.status()).links.filter((l: any) => l.isGatewayLink).map((l: any) => l.remotePeerId), [B.peerId]);
    } finally {
      await C.stop();
    }
  } finally {
    await Promise.all([A.stop(), B.stop()]);
  }
});
