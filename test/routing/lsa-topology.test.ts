/** Signed link-state adverts, the link-state database, the topology's announce rule, and the routing engine's choices. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { generateIdentityKeys, peerIdHexFromNoiseKey } from '../../src/protocol/keys.js';
import { ManualClock } from '../../src/ports/clock.js';
import { encodeLsa, decodeLsa, LsaDatabase, Topology, RoutingEngine, seededRandom, isMeshgateErrorCode, type LsaLink } from './routing-imports.js';

const link = (n: string, cost = 12): LsaLink => ({ neighbour: n, kind: 'phone', cost, rttMs: 20, deliveryRatio: 0.9, bandwidthBytesPerSec: 20_000 });
const P = (i: number) => i.toString(16).padStart(16, '0');

describe('link-state adverts', () => {
  test('round-trip, signature and origin checks, bounds', () => {
    const keys = generateIdentityKeys();
    const raw = encodeLsa({ seq: 7, holdMs: 90_000, position: { lat: 52.5, lon: 13.4, accuracyM: 5, coverageM: 300 }, links: [link(P(1)), { ...link(P(2)), kind: 'gateway' }] }, keys);
    const lsa = decodeLsa(raw);
    assert.equal(lsa.origin, peerIdHexFromNoiseKey(keys.noisePublicKey));
    assert.equal(lsa.seq, 7);
    assert.equal(lsa.holdMs, 90_000);
    assert.deepEqual(lsa.position, { lat: 52.5, lon: 13.4, accuracyM: 5, coverageM: 300 });
    assert.equal(lsa.links[1].kind, 'gateway');
    assert.equal(lsa.links[0].bandwidthBytesPerSec, 20_000);
    const tampered = raw.slice();
    tampered[tampered.length - 70] ^= 1; // a link metric byte
    assert.throws(() => decodeLsa(tampered), isMeshgateErrorCode('MG_ERR_LSA_BAD_SIGNATURE'));
    const spoofed = raw.slice();
    spoofed[1] ^= 1; // origin
    assert.throws(() => decodeLsa(spoofed), isMeshgateErrorCode('MG_ERR_LSA_BAD_SIGNATURE'));
    assert.throws(() => decodeLsa(raw.subarray(0, 100)), isMeshgateErrorCode('MG_ERR_LSA_MALFORMED'));
    assert.throws(() => encodeLsa({ seq: -1, holdMs: 1, links: [] }, keys), isMeshgateErrorCode('MG_ERR_LSA_MALFORMED'));
    assert.throws(() => encodeLsa({ seq: 1, holdMs: 1, links: Array.from({ length: 1025 }, (_, i) => link(P(i))) }, keys), isMeshgateErrorCode('MG_ERR_LSA_MALFORMED'));
  });

  test('the database keeps the newest per origin, pins keys, expires by hold time', () => {
    const keys = generateIdentityKeys();
    const other = generateIdentityKeys();
    const db = new LsaDatabase();
    const mk = (seq: number, hold = 1_000, k = keys) => {
      const raw = encodeLsa({ seq, holdMs: hold, links: [] }, k);
      return { lsa: decodeLsa(raw), raw };
    };
    const a = mk(5);
    assert.deepEqual(db.offer(a.lsa, 0, 'l1', a.raw), { accepted: true });
    assert.deepEqual(db.offer(a.lsa, 10, 'l2', a.raw), { accepted: false, code: 'MG_ERR_LSA_STALE' });
    assert.deepEqual(db.offer(mk(4).lsa, 10, 'l2', a.raw), { accepted: false, code: 'MG_ERR_LSA_STALE' });
    assert.equal(db.offer(mk(6).lsa, 20, 'l2', a.raw).accepted, true);
    // same origin, another signing key: refused (a forged origin would need the Noise key too, but keys are pinned anyway)
    const forged = { ...mk(9).lsa, signingPublicKey: other.signingPublicKey };
    assert.deepEqual(db.offer(forged, 30, 'l3', a.raw), { accepted: false, code: 'MG_ERR_LSA_BAD_SIGNATURE' });
    assert.deepEqual(db.expire(5_000), [a.lsa.origin]);
    assert.equal(db.size, 0);
  });
});

describe('topology', () => {
  test('a phone-to-phone link counts only when both list each other in fresh announces', () => {
    const t = new Topology({ ownId: P(0) });
    for (const i of [1, 2, 3]) t.touchNode(P(i), 'phone', 0);
    t.setAnnounceNeighbours(P(1), [P(2), P(3)], 0);
    t.setAnnounceNeighbours(P(2), [P(1)], 0);
    let g = t.snapshot(1_000);
    const i = (n: number) => g.index.get(P(n))!;
    assert.ok(g.edgeIndex(i(1), i(2)) >= 0 && g.edgeIndex(i(2), i(1)) >= 0, 'mutual: both directions');
    assert.equal(g.edgeIndex(i(1), i(3)), -1, 'one-sided claim: no link');
    g = t.snapshot(61_000);
    assert.equal(g.edgeIndex(i(1), i(2)), -1, 'claims older than 60 s are ignored');
  });

  test('measured edges win over advertised ones; bounds refuse and count', () => {
    const t = new Topology({ ownId: P(0), maxEdges: 2 });
    t.touchNode(P(1), 'gateway', 0);
    t.setEdge(P(0), P(1), 'lsa', { at: 0, rttMs: 500 }, 10_000);
    t.setEdge(P(0), P(1), 'measured', { at: 0, rttMs: 10 }, 10_000);
    const g = t.snapshot(0);
    assert.ok(g.cost(0, 1) < 100, 'the measured (cheap) edge is used');
    assert.equal(t.setEdge(P(1), P(0), 'measured', { at: 0 }, 10_000), true);
    assert.equal(t.setEdge(P(1), P(2), 'measured', { at: 0 }, 10_000), false, 'third measured edge refused');
    assert.equal(t.refused, 1);
    assert.equal(t.snapshot(20_000).edgeCount, 0, 'expired edges are not used');
  });
});

describe('routing engine', () => {
  function line() {
    const clock = new ManualClock();
    const e = new RoutingEngine({ clock, random: seededRandom(1) }, { ownId: P(0), recomputeDelayMs: 50 });
    const t = e.topology;
    const now = clock.now();
    for (const n of [1, 2, 3]) t.touchNode(P(n), 'phone', now);
    const both = (a: number, b: number, rtt = 20) => (t.setEdge(P(a), P(b), 'measured', { at: now, rttMs: rtt }, now + 600_000), t.setEdge(P(b), P(a), 'measured', { at: now, rttMs: rtt }, now + 600_000));
    both(0, 1);
    both(1, 3);
    both(0, 2, 40);
    both(2, 3, 40);
    return { clock, e, t, both };
  }

  test('routes on the snapshot; recomputes after the debounce; falls back by freshness and delivery', () => {
    const { clock, e } = line();
    assert.equal(e.route(P(3))?.algorithm, 'flood', 'nothing computed yet');
    e.changed();
    clock.advance(50);
    const r = e.route(P(3))!;
    assert.equal(r.algorithm, 'dijkstra');
    assert.deepEqual(r.path, [P(0), P(1), P(3)]);
    assert.deepEqual(e.sourceRoute(P(3)), [P(1)]);
    // observed delivery drops: two disjoint paths exist → multipath splits across both first hops
    for (let i = 0; i < 30; i++) e.recordDelivery(P(3), false);
    const hops = new Set<string>();
    for (let i = 0; i < 10; i++) hops.add(e.route(P(3))!.nextHops[0]);
    assert.equal(e.route(P(3))!.algorithm, 'multipath');
    assert.deepEqual([...hops].sort(), [P(1), P(2)]);
    // link state goes stale, no positions, but pheromone from traffic → aco
    e.pheromones.reinforce(P(3), P(2), 30);
    clock.advance(200_000);
    assert.equal(e.route(P(3))!.algorithm, 'aco');
    assert.deepEqual(e.route(P(3))!.nextHops, [P(2)]);
  });

  test('gpsr with positions when link state is stale', () => {
    const { clock, e, t } = line();
    const now = clock.now();
    t.touchNode(P(0), 'gateway', now, { position: { lat: 52.5, lon: 13.4, accuracyM: 5, at: now } });
    t.touchNode(P(1), 'phone', now, { position: { lat: 52.5001, lon: 13.4002, accuracyM: 5, at: now } });
    t.touchNode(P(2), 'phone', now, { position: { lat: 52.4999, lon: 13.4001, accuracyM: 5, at: now } });
    t.touchNode(P(3), 'phone', now, { position: { lat: 52.5, lon: 13.4004, accuracyM: 5, at: now } });
    e.recomputeNow();
    assert.equal(e.route(P(3))!.algorithm, 'dijkstra');
    clock.advance(100_000); // link state stale (90 s); positions refreshed
    for (const n of [0, 1, 2, 3]) {
      const pos = t.node(P(n))!.position!;
      t.touchNode(P(n), n === 0 ? 'gateway' : 'phone', clock.now(), { position: { ...pos, at: clock.now() } });
    }
    e.recomputeNow();
    const r = e.route(P(3))!;
    assert.equal(r.algorithm, 'gpsr');
    assert.deepEqual(r.nextHops, [P(1)], 'greedy: the neighbour closest to the destination');
  });

  test('geohash scoping: gateways whose position and coverage overlap the cell, with the next hop toward each', () => {
    const clock = new ManualClock();
    const e = new RoutingEngine({ clock, random: seededRandom(1) }, { ownId: P(0), recomputeDelayMs: 0 });
    const t = e.topology;
    const now = clock.now();
    const at = now;
    t.touchNode(P(0), 'gateway', now, { position: { lat: 48.85, lon: 2.35, accuracyM: 5, at } });
    t.touchNode(P(1), 'gateway', now, { position: { lat: 52.52, lon: 13.405, accuracyM: 5, at }, coverageM: 500 }); // Berlin
    t.touchNode(P(2), 'gateway', now, { position: { lat: 52.53, lon: 13.42, accuracyM: 5, at }, coverageM: 100 }); // Berlin, 1.4 km away
    t.touchNode(P(3), 'gateway', now, { position: { lat: 51.5, lon: -0.12, accuracyM: 5, at }, coverageM: 500 }); // London
    for (const n of [1, 3]) (t.setEdge(P(0), P(n), 'measured', { at }, now + 60_000), t.setEdge(P(n), P(0), 'measured', { at }, now + 60_000));
    t.setEdge(P(1), P(2), 'lsa', { at }, now + 60_000);
    e.recomputeNow();
    const cell = 'u33dc0'; // contains 52.52, 13.405 (±0.6 km)
    const got = e.geoTargets(cell).sort((a, b) => a.gateway.localeCompare(b.gateway));
    assert.deepEqual(got, [{ gateway: P(1), nextHop: P(1) }], 'the gateway in the cell; the one 1.4 km away with 100 m coverage and London are not');
    assert.equal(e.geoTargets('u33d').length, 2, 'a larger cell covers both Berlin gateways');
    assert.deepEqual(e.geoTargets('u33d').find((g) => g.gateway === P(2))?.nextHop, P(1), 'reached through the first');
    // static (configured) positions never go stale; a moving node's fix does
    for (const n of [0, 1]) t.touchNode(P(n), 'gateway', now, { mobility: 'static' });
    t.touchNode(P(3), 'phone', now, { mobility: 'random-waypoint' });
    clock.advance(10 * 60_000);
    const g = t.snapshot(clock.now());
    assert.ok(!Number.isNaN(g.x[g.index.get(P(1))!]), 'static position kept');
    assert.ok(Number.isNaN(g.x[g.index.get(P(3))!]), 'moving node: stale fix dropped');
  });
});
