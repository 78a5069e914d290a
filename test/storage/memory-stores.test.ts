/** The in-memory stores pass the store compliance suite. */
import { MemoryCounterStore, MemoryPeerStore } from '../../src/storage/index.js';
import { counterStoreCompliance, peerStoreCompliance } from './store-compliance.js';

peerStoreCompliance('MemoryPeerStore', (bounds) => new MemoryPeerStore(bounds));
counterStoreCompliance('MemoryCounterStore', (bounds) => new MemoryCounterStore(bounds));

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { peer } from './store-compliance.js';

test('MemoryPeerStore keeps at most 10,000 peers by default, evicting the least recently seen', () => {
  const s = new MemoryPeerStore();
  assert.equal(s.maxPeers, 10_000);
  for (let i = 0; i <= 10_000; i++) s.upsertPeer(peer(i, 1_000 + i));
  assert.equal(s.size, 10_000);
  assert.equal(s.getPeer(peer(0, 0).peerId), undefined);
  assert.ok(s.getPeer(peer(10_000, 0).peerId));
});
