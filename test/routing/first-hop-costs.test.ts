/**
 * RoutingEngine.firstHopCosts (the candidates of detection's hold-down): for each neighbour,
 * the cost of the best path whose first hop is that neighbour, against a brute-force oracle
 * (edge cost + Floyd-Warshall distance from the neighbour with node 0 removed) on random
 * graphs; the cheapest equals the shortest path's cost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManualClock } from '../../src/ports/clock.js';
import { RoutingEngine, seededRandom, type CsrEdge } from '../../src/routing/index.js';
import { floydWarshall, ids } from './helpers.js';

test('firstHopCosts equals edge cost + oracle distance through each neighbour; its minimum is the shortest path', () => {
  fc.assert(
    fc.property(fc.integer({ min: 3, max: 14 }), fc.array(fc.tuple(fc.nat(13), fc.nat(13), fc.integer({ min: 1, max: 200 })), { minLength: 2, maxLength: 50 }), (n, raw) => {
      const clock = new ManualClock(1_700_000_000_000);
      const P = ids(n);
      const e = new RoutingEngine({ clock, random: seededRandom(1) }, { ownId: P[0], recomputeDelayMs: 0 });
      const now = clock.now();
      for (const id of P.slice(1)) e.topology.touchNode(id, 'gateway', now);
      for (const [a, b, rtt] of raw) if (a % n !== b % n) e.topology.setEdge(P[a % n], P[b % n], 'measured', { at: now, rttMs: rtt }, now + 600_000);
      e.recomputeNow();
      const g = e.snapshot;
      const edges: CsrEdge[] = [];
      for (let u = 0; u < g.nodeCount; u++) for (let k = g.offsets[u]; k < g.offsets[u + 1]; k++) if (g.targets[k] !== 0) edges.push({ from: u, to: g.targets[k], cost: g.costs[k] });
      const d = floydWarshall(g.nodeCount, edges); // node 0 removed as a target: paths never return here
      const out = new Map<number, number>();
      for (let k = g.offsets[0]; k < g.offsets[1]; k++) out.set(g.targets[k], Math.min(out.get(g.targets[k]) ?? Infinity, g.costs[k]));
      const neighbours = g.ids.slice(1);
      for (let t = 1; t < g.nodeCount; t++) {
        const got = e.firstHopCosts(g.ids[t], neighbours);
        for (let v = 1; v < g.nodeCount; v++) {
          const want = out.has(v) ? out.get(v)! + d[v][t] : Infinity;
          const have = got.get(g.ids[v]);
          if (want === Infinity) assert.equal(have, undefined);
          else assert.ok(have !== undefined && Math.abs(have - want) < 1e-6, `via ${v} to ${t}: ${have} vs ${want}`);
        }
        const best = Math.min(...got.values());
        const sp = e.shortestPath(g.ids[t]);
        assert.equal(sp === undefined, got.size === 0);
        if (sp) assert.ok(Math.abs(sp.cost - best) < 1e-6);
      }
    }),
    { numRuns: 60, seed: 5 },
  );
});
