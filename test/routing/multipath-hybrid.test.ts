/** Multipath (link-disjoint paths, split following the weights) and the hybrid selector (each input changes the choice). */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CsrGraph, disjointPaths, splitWeights, LoadSplitter, selectAlgorithm, isMeshgateErrorCode, type HybridInputs } from './routing-imports.js';
import { ids } from './helpers.js';

describe('multipath', () => {
  test('paths are link-disjoint, cheapest first, and each is a real path', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 16 }), fc.array(fc.tuple(fc.nat(15), fc.nat(15), fc.integer({ min: 1, max: 50 })), { maxLength: 60 }), (n, raw) => {
        const edges = raw.filter(([a, b]) => a < n && b < n && a !== b).flatMap(([a, b, c]) => [{ from: a, to: b, cost: c }, { from: b, to: a, cost: c }]);
        const g = CsrGraph.build(ids(n), edges);
        const paths = disjointPaths(g, 0, n - 1, 4);
        const used = new Set<string>();
        let last = 0;
        for (const p of paths) {
          assert.equal(p.nodes[0], 0);
          assert.equal(p.nodes[p.nodes.length - 1], n - 1);
          assert.ok(p.cost >= last - 1e-9, 'cheapest first');
          last = p.cost;
          for (let i = 0; i + 1 < p.nodes.length; i++) {
            const [u, v] = [p.nodes[i], p.nodes[i + 1]];
            assert.ok(g.edgeIndex(u, v) >= 0);
            const key = u < v ? `${u}-${v}` : `${v}-${u}`;
            assert.ok(!used.has(key), 'no link shared');
            used.add(key);
          }
        }
      }),
      { numRuns: 200 },
    );
    assert.throws(() => disjointPaths(CsrGraph.build(ids(2), []), 0, 1, 9), isMeshgateErrorCode('MG_ERR_ROUTING_BAD_ARGUMENT'));
  });

  test('the split follows the weights (cost and AntNet queue correction)', () => {
    const w = splitWeights([10, 20, 40]);
    assert.deepEqual(w.map((x) => Math.round(x * 1000) / 1000), [0.571, 0.286, 0.143]);
    const s = new LoadSplitter();
    s.setWeights(w);
    for (let i = 0; i < 7_000; i++) s.pick();
    const got = s.assigned().map((c) => c / 7_000);
    got.forEach((g, i) => assert.ok(Math.abs(g - w[i]) < 1 / 7_000 + 1e-9, `path ${i}: ${g} vs ${w[i]}`));
    // a long queue on the first path moves traffic off it
    const q = splitWeights([10, 20, 40], [30, 0, 0]);
    assert.ok(q[0] < w[0] && q[1] > w[1] && q[2] > w[2], JSON.stringify(q));
    assert.ok(Math.abs(q.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  });
});

describe('hybrid selector', () => {
  const base: HybridInputs = { linkStateAgeMs: 1_000, positionAgeMs: 1_000, delivery: 0.99, paths: 3, pheromone: true };
  test('each input changes the choice in a constructed case', () => {
    assert.equal(selectAlgorithm(base).algorithm, 'dijkstra');
    // observed delivery: lossy single path with alternatives → multipath
    assert.equal(selectAlgorithm({ ...base, delivery: 0.5 }).algorithm, 'multipath');
    // paths: no alternative → geographic
    assert.equal(selectAlgorithm({ ...base, delivery: 0.5, paths: 1 }).algorithm, 'gpsr');
    // link-state freshness: stale → geographic
    assert.equal(selectAlgorithm({ ...base, linkStateAgeMs: 10 * 60_000 }).algorithm, 'gpsr');
    // position freshness: stale too → pheromone
    assert.equal(selectAlgorithm({ ...base, linkStateAgeMs: Infinity, positionAgeMs: Infinity }).algorithm, 'aco');
    // pheromone: none → flood
    assert.equal(selectAlgorithm({ ...base, linkStateAgeMs: Infinity, positionAgeMs: Infinity, pheromone: false }).algorithm, 'flood');
    // thresholds are honoured
    assert.equal(selectAlgorithm({ ...base, linkStateAgeMs: 5_000 }, { maxLinkStateAgeMs: 1_000, maxPositionAgeMs: 30_000, minDelivery: 0.9 }).algorithm, 'gpsr');
  });
});
