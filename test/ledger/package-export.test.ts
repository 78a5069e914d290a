/** `meshgate/ledger` resolves by package name and exposes the ledger's public surface. */
import { test } from 'node:test';
import assert from 'node:assert/strict';

test('meshgate/ledger resolves by package name', async () => {
  const ledger = (await import('meshgate/ledger')) as Record<string, unknown>;
  for (const name of ['MerkleTree', 'verifyInclusion', 'signReceiptBatch', 'verifyReceiptBatch', 'assessReceipt', 'auditExport', 'resolveChallenge', 'ReceiptIssuer', 'epochOf']) {
    assert.equal(typeof ledger[name], 'function', name);
  }
});
