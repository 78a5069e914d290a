/** The route policy hook (src/mesh/route-policy.ts): the policy's choice replaces the engine's default. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { linkPair, makeEngine, nonAnnounce, TestPhone } from './mesh-fixtures.js';
import type { RouteQuery } from '../../src/mesh/index.js';

function setup() {
  const f = makeEngine();
  const ends = ['a', 'b', 'c'].map((n) => {
    const [near, far] = linkPair(f.clock, [`gw-${n}`, `far-${n}`], { latencyMs: 0 });
    f.engine.addLink(near);
    return far;
  });
  for (const e of ends) e.received.length = 0;
  return { f, ends };
}

describe('route policy', () => {
  test('a directed packet goes only where the policy says, with the query filled in', () => {
    const { f, ends } = setup();
    const queries: RouteQuery[] = [];
    f.engine.setRoutePolicy({ selectLinks: (q) => (queries.push(q), ['gw-c']) });
    const phone = new TestPhone('p', f.clock);
    const recipient = new TestPhone('r', f.clock);
    ends[0].send(phone.message('hi', { recipientID: recipient.id }));
    f.clock.advance(1);
    assert.equal(nonAnnounce(ends[2]).length, 1);
    assert.equal(nonAnnounce(ends[1]).length, 0);
    assert.equal(queries.length, 1);
    assert.equal(queries[0].broadcast, false);
    assert.equal(queries[0].nextHopPeerId, recipient.peerId);
    assert.equal(queries[0].ingressLinkId, 'gw-a');
    assert.deepEqual([...queries[0].candidateLinkIds].sort(), ['gw-b', 'gw-c']);
    assert.deepEqual([...queries[0].defaultLinkIds].sort(), ['gw-b', 'gw-c'], 'unknown recipient: the default floods');
  });

  test('an empty choice drops with MG_ERR_NO_ROUTE; undefined keeps the default; a throw falls back', () => {
    const { f, ends } = setup();
    const phone = new TestPhone('p', f.clock);
    const to = new TestPhone('r', f.clock).id;
    f.engine.setRoutePolicy({ selectLinks: () => [] });
    ends[0].send(phone.message('one', { recipientID: to }));
    assert.equal(nonAnnounce(ends[1]).length + nonAnnounce(ends[2]).length, 0);
    assert.equal(f.engine.stats().dropsByCode.MG_ERR_NO_ROUTE, 1);
    f.engine.setRoutePolicy({ selectLinks: () => undefined });
    ends[0].send(phone.message('two', { recipientID: to }));
    assert.equal(nonAnnounce(ends[1]).length, 1);
    assert.equal(nonAnnounce(ends[2]).length, 1);
    f.engine.setRoutePolicy({
      selectLinks: () => {
        throw new Error('bug');
      },
    });
    ends[0].send(phone.message('three', { recipientID: to }));
    assert.equal(nonAnnounce(ends[1]).length, 2);
    f.engine.setRoutePolicy({ selectLinks: () => ['gw-a', 'nope', 'gw-b'] });
    ends[0].send(phone.message('four', { recipientID: to }));
    assert.equal(nonAnnounce(ends[1]).length, 3, 'the ingress and unknown links are filtered out');
    assert.equal(nonAnnounce(ends[2]).length, 2);
    assert.equal(nonAnnounce(ends[0]).length, 0, 'never back to the ingress');
  });

  test('originated packets are routed by the policy too', () => {
    const { f, ends } = setup();
    f.engine.setRoutePolicy({ selectLinks: (q) => (q.ingressLinkId === undefined ? ['gw-b'] : undefined) });
    const phone = new TestPhone('r', f.clock);
    f.engine.originate({ version: 1, type: 2, ttl: 7, timestamp: f.clock.now(), flags: 0, senderID: Buffer.from(f.identity.peerId, 'hex'), recipientID: phone.id, payload: new Uint8Array([1]) });
    assert.equal(nonAnnounce(ends[1]).length, 1);
    assert.equal(nonAnnounce(ends[0]).length + nonAnnounce(ends[2]).length, 0);
  });
});
