/** GPSR: delivery on every connected unit-disk graph, and perimeter mode on voids where greedy alone fails. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { gpsrForward, planarNeighbours, GPSR_START, predictPosition, geohashEncode, geohashDecode, cellContains, isMeshgateErrorCode, type GeoView, type GpsrHeader, type Point } from './routing-imports.js';
import { connected, unitDisk } from './helpers.js';

/** Route hop by hop; returns the hop count or -1 when dropped / looping. */
export function walk(view: GeoView, src: number, dst: number, perimeter: boolean, maxHops: number): number {
  let cur = src;
  let prev = -1;
  let h: GpsrHeader = GPSR_START;
  const destPos = view.position(dst) as Point;
  for (let hops = 0; hops < maxHops; hops++) {
    if (cur === dst) return hops;
    const r = gpsrForward(view, cur, prev, dst, destPos, h, { perimeter });
    if (!('header' in r)) return -1;
    prev = cur;
    cur = r.next;
    h = r.header;
  }
  return cur === dst ? maxHops : -1;
}

/** Coordinates on a 1 mm grid in a 100 m square (general position in practice; no subnormal degeneracies). */
const coord = fc.integer({ min: 0, max: 100_000 }).map((v) => v / 1000);
const pointsArb = fc.uniqueArray(fc.record({ x: coord, y: coord }), { minLength: 2, maxLength: 40, selector: (p) => `${p.x},${p.y}` });

describe('gpsr', () => {
  test('delivers between every pair of every connected unit-disk graph', () => {
    let graphs = 0;
    let large = 0;
    // 10..40 points; range scaled to the density (mean degree ≈ π·c², 9..20) so most graphs are connected
    const arb = fc.tuple(fc.uniqueArray(fc.record({ x: coord, y: coord }), { minLength: 10, maxLength: 40, size: 'max', selector: (p) => `${p.x},${p.y}` }), fc.double({ min: 1.7, max: 2.5, noNaN: true }));
    fc.assert(
      fc.property(arb, ([points, c]) => {
        const range = (c * 100) / Math.sqrt(points.length);
        const { adj, view } = unitDisk(points, range);
        if (!connected(adj)) return;
        graphs++;
        if (points.length >= 25) large++;
        for (let s = 0; s < points.length; s++) {
          for (let d = 0; d < points.length; d++) {
            if (s === d) continue;
            const hops = walk(view, s, d, true, 20 * points.length);
            assert.ok(hops > 0, `GPSR failed ${s} -> ${d} on ${JSON.stringify(points)} range ${range}`);
          }
        }
      }),
      { numRuns: 80 },
    );
    assert.ok(graphs >= 40 && large >= 12, `enough connected graphs were tested (${graphs}, ${large} with >= 25 nodes)`);
  });

  test('the Gabriel graph is planar on unit-disk graphs (no two kept edges cross)', () => {
    fc.assert(
      fc.property(pointsArb, fc.double({ min: 15, max: 60, noNaN: true }), (points, range) => {
        const { view } = unitDisk(points, range);
        const edges: Array<[number, number]> = [];
        points.forEach((_, u) => planarNeighbours(view, u).forEach((v) => u < v && edges.push([u, v])));
        for (const [a, b] of edges) for (const [c, d] of edges) if (a !== c && a !== d && b !== c && b !== d) assert.ok(!crosses(points[a], points[b], points[c], points[d]), 'edges cross');
        for (const [a, b] of edges) assert.ok(planarNeighbours(view, b).includes(a), 'symmetric');
      }),
      { numRuns: 200 },
    );
  });

  test('on a void topology greedy alone fails and perimeter mode delivers', () => {
    // S's only neighbour is farther from D than S: greedy stops at S; the way round goes up and over
    const pts: Point[] = [{ x: 0, y: 0 }, { x: 0, y: 10 }, { x: 0, y: 20 }, { x: 10, y: 25 }, { x: 20, y: 25 }, { x: 30, y: 25 }, { x: 40, y: 25 }, { x: 50, y: 20 }, { x: 55, y: 10 }];
    const dest = pts.length;
    pts.push({ x: 60, y: 0 });
    const { adj, view } = unitDisk(pts, 11.5);
    assert.ok(connected(adj), 'the void topology is connected');
    assert.equal(walk(view, 0, dest, false, 200), -1, 'greedy-only gets stuck');
    assert.ok(walk(view, 0, dest, true, 200) > 0, 'perimeter mode gets round the void');
  });

  test('dead reckoning moves a fix by its velocity and drops stale fixes', () => {
    const fix = { lat: 52.52, lon: 13.405, accuracyM: 5, velocityEastMps: 1.4, velocityNorthMps: 0, at: 1_000 };
    const p = predictPosition(fix, 11_000, 30_000);
    assert.ok(p && p.lon > fix.lon && Math.abs(p.lat - fix.lat) < 1e-9);
    assert.ok(p && p.accuracyM > fix.accuracyM, 'uncertainty grows');
    assert.equal(predictPosition(fix, 40_000, 30_000), undefined);
  });

  test('geohash encode/decode round-trips and rejects bad input', () => {
    const h = geohashEncode(52.5200, 13.4050, 7);
    assert.equal(h, 'u33dc0c');
    assert.ok(cellContains(geohashDecode(h), 52.52, 13.405));
    assert.throws(() => geohashDecode('u33a!'), isMeshgateErrorCode('MG_ERR_ROUTING_BAD_ARGUMENT'));
  });
});

function crosses(a: Point, b: Point, c: Point, d: Point): boolean {
  const o = (p: Point, q: Point, r: Point) => Math.sign((q.x - p.x) * (r.y - p.y) - (q.y - p.y) * (r.x - p.x));
  return o(a, b, c) * o(a, b, d) < 0 && o(c, d, a) * o(c, d, b) < 0;
}
