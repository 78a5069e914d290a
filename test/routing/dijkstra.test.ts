/** Dijkstra, the bidirectional pair search and the CSR snapshot against a brute-force oracle (Floyd-Warshall) on random graphs. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CsrGraph, dijkstra, pathTo, shortestPair, BinaryHeap, isMeshgateErrorCode } from './routing-imports.js';
import { floydWarshall, ids } from './helpers.js';

const graphArb = fc.integer({ min: 2, max: 24 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.array(fc.record({ from: fc.nat(n - 1), to: fc.nat(n - 1), cost: fc.double({ min: 0.01, max: 100, noNaN: true }) }), { maxLength: n * 4 }),
  }),
);

describe('dijkstra', () => {
  test('costs equal the oracle, the next hop is a neighbour, paths start here and add up', () => {
    fc.assert(
      fc.property(graphArb, fc.nat(), ({ n, edges }, s0) => {
        const es = edges.filter((e) => e.from !== e.to);
        const g = CsrGraph.build(ids(n), es);
        const oracle = floydWarshall(n, es);
        const src = s0 % n;
        const t = dijkstra(g, src);
        for (let v = 0; v < n; v++) {
          const o = oracle[src][v];
          if (o === Infinity) {
            assert.equal(t.dist[v], Infinity);
            continue;
          }
          assert.ok(Math.abs(t.dist[v] - o) <= 1e-9 * Math.max(1, o), `dist ${src}->${v}: ${t.dist[v]} vs ${o}`);
          if (v === src) continue;
          assert.ok(g.edgeIndex(src, t.firstHop[v]) >= 0, 'next hop is a neighbour of the source');
          const p = pathTo(t, v);
          assert.equal(p[0], src, 'path starts here');
          assert.equal(p[1], t.firstHop[v]);
          let c = 0;
          for (let i = 0; i + 1 < p.length; i++) c += g.cost(p[i], p[i + 1]);
          assert.ok(Math.abs(c - o) <= 1e-9 * Math.max(1, o), 'path cost is the distance');
          const pair = shortestPair(g, src, v);
          assert.ok(Math.abs(pair.cost - o) <= 1e-9 * Math.max(1, o), `pair cost ${pair.cost} vs ${o}`);
          assert.equal(pair.path[0], src);
          assert.equal(pair.path[pair.path.length - 1], v);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('an incremental link update gives the same distances as a rebuild', () => {
    fc.assert(
      fc.property(graphArb, fc.nat(), fc.double({ min: 0.01, max: 500, noNaN: true }), ({ n, edges }, k0, newCost) => {
        const es = edges.filter((e) => e.from !== e.to);
        const g = CsrGraph.build(ids(n), es);
        if (g.edgeCount === 0) return;
        const k = k0 % g.edgeCount;
        let from = 0;
        while (g.offsets[from + 1] <= k) from++;
        const to = g.targets[k];
        const updated = g.withEdgeCost(from, to, newCost);
        const rebuilt = CsrGraph.build(ids(n), [...Array(g.edgeCount).keys()].map((e) => {
          let u = 0;
          while (g.offsets[u + 1] <= e) u++;
          return { from: u, to: g.targets[e], cost: e === k ? newCost : g.costs[e] };
        }));
        assert.deepEqual([...dijkstra(updated, 0).dist], [...dijkstra(rebuilt, 0).dist]);
        assert.notEqual(updated.costs, g.costs, 'the old snapshot is untouched');
      }),
      { numRuns: 100 },
    );
  });

  test('with positions, the pair search (A*) still equals the oracle', () => {
    const coord = fc.integer({ min: 0, max: 100_000 }).map((v) => v / 1000);
    fc.assert(
      fc.property(fc.array(fc.record({ x: coord, y: coord }), { minLength: 2, maxLength: 30 }), fc.double({ min: 10, max: 60, noNaN: true }), (pts, range) => {
        const edges = [];
        for (let i = 0; i < pts.length; i++)
          for (let j = 0; j < pts.length; j++) {
            const d = Math.hypot(pts[i].x - pts[j].x, pts[i].y - pts[j].y);
            if (i !== j && d <= range) edges.push({ from: i, to: j, cost: d * 1.5 + 0.01 });
          }
        const g = CsrGraph.build(ids(pts.length), edges, { x: Float64Array.from(pts, (p) => p.x), y: Float64Array.from(pts, (p) => p.y) });
        assert.ok(g.costPerMetre() >= 1.5 || g.edgeCount === 0);
        const oracle = floydWarshall(pts.length, edges);
        for (let t = 1; t < pts.length; t++) {
          const r = shortestPair(g, 0, t);
          if (oracle[0][t] === Infinity) assert.equal(r.path.length, 0);
          else assert.ok(Math.abs(r.cost - oracle[0][t]) <= 1e-9 * Math.max(1, oracle[0][t]), `A* ${r.cost} vs ${oracle[0][t]}`);
        }
      }),
      { numRuns: 150 },
    );
  });

  test('bad edges are refused with MG_ERR_ROUTING_BAD_EDGE', () => {
    assert.throws(() => CsrGraph.build(ids(2), [{ from: 0, to: 5, cost: 1 }]), isMeshgateErrorCode('MG_ERR_ROUTING_BAD_EDGE'));
    assert.throws(() => CsrGraph.build(ids(2), [{ from: 0, to: 1, cost: 0 }]), isMeshgateErrorCode('MG_ERR_ROUTING_BAD_EDGE'));
    assert.throws(() => CsrGraph.build(ids(2), [{ from: 0, to: 1, cost: 1 }]).withEdgeCost(1, 0, 2), isMeshgateErrorCode('MG_ERR_ROUTING_BAD_EDGE'));
  });

  test('the binary heap pops in key order', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { maxLength: 300 }), (keys) => {
        const h = new BinaryHeap(2);
        keys.forEach((k, i) => h.push(i, k));
        const out: number[] = [];
        while (h.size > 0) {
          h.pop();
          out.push(h.lastKey);
        }
        assert.deepEqual(out, [...keys].sort((a, b) => a - b));
      }),
    );
  });
});
