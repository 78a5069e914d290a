/**
 * Detection and routing as one system (docs/detection.md "One route choice"): in-process
 * gateways running the real RoutingModule and DetectionModule (routing started first, as
 * createModules does) on one ManualClock, A–B–C and A–D–C with the path through D slower.
 * The route that forwards is routing's policy; hold-down decides among its first hops.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNet, type SimGateway } from './sim-harness.js';
import { encodePacket } from '../../src/protocol/codec.js';
import { fromHex } from '../../src/protocol/hex.js';
import { MessageType, type BitchatPacket } from '../../src/protocol/packet.js';

const FLAGS = { 'detection-hold-time-ms': '30000', 'routing-lsa-interval-ms': '2000', 'routing-lsa-hold-ms': '120000', 'routing-recompute-delay-ms': '0' };

function square(net: SimNet): { A: SimGateway; B: SimGateway; C: SimGateway; D: SimGateway } {
  const [A, B, C, D] = ['A', 'B', 'C', 'D'].map((n) => net.gateway(n, FLAGS, { routing: true }));
  net.connect(A, B);
  net.connect(B, C);
  net.connect(A, D, 40); // the path through D is slower (RTT ~80 ms per hop)
  net.connect(D, C, 40);
  return { A, B, C, D };
}

function packetTo(to: string, at: number): BitchatPacket {
  return { version: 1, type: MessageType.MESSAGE, ttl: 7, timestamp: at, flags: 0, senderID: fromHex('00000000000000a1', 8), recipientID: fromHex(to, 8), payload: new TextEncoder().encode('x') };
}

/** The gateway A's installed route policy (routing's) forwards a directed packet for `to` to. */
function forwardedVia(A: SimGateway, to: string): string | undefined {
  const ids = [...A.links.keys()];
  const out = A.engine.policy!.selectLinks({ packet: packetTo(to, A.clock.now()), broadcast: false, nextHopPeerId: to, ingressLinkId: undefined, defaultLinkIds: ids, candidateLinkIds: ids });
  return out?.length === 1 ? A.links.get(out[0])?.remotePeerId : undefined;
}

describe('detection + routing: one route choice', () => {
  test('routing owns the policy; the route it forwards on is the held route shown on status', async () => {
    const net = new SimNet();
    const { A, B, C } = square(net);
    await net.run(12_000);
    assert.equal(A.status().routePolicyInstalled, false, 'routing installs the policy, not detection');
    assert.equal(A.status().routeSource, 'routing');
    assert.equal(forwardedVia(A, C.peerId), B.peerId, 'forwarded through the faster neighbour B');
    assert.equal(A.links.get(A.module.routeFor(C.peerId)!)?.remotePeerId, B.peerId, 'the held route is the one used');
    const shown = A.status().routes.find((r: any) => r.destination === C.peerId);
    assert.equal(A.links.get(shown.linkId)?.remotePeerId, B.peerId, 'status shows the route used');
    assert.ok(shown.cost > 0, 'with routing’s path cost');
  });

  test('a link that flaps every 2 s does not change the route used to forward more than once per hold time', async () => {
    const net = new SimNet();
    const { A, B, C } = square(net);
    await net.run(12_000);
    assert.equal(forwardedVia(A, C.peerId), B.peerId, 'starts on the flapping link');
    const t0 = net.clock.now();
    const used: Array<{ at: number; via: string | undefined }> = [];
    const sample = () => {
      const via = forwardedVia(A, C.peerId);
      if (used.at(-1)?.via !== via) used.push({ at: net.clock.now(), via });
      assert.equal(A.links.get(A.module.routeFor(C.peerId) ?? '')?.remotePeerId, via, 'forwarding and the held route agree');
    };
    sample();
    for (let i = 0; i < 30; i++) {
      // down for 1 s, up for 1 s: one flap every 2 s for 60 s; the route used sampled every 100 ms
      void A.linkTo(B)!.close('flap');
      for (let k = 0; k < 10; k++) await net.run(100).then(sample);
      net.connect(A, B);
      for (let k = 0; k < 10; k++) await net.run(100).then(sample);
    }
    const changes = used.slice(1).map((u) => u.at);
    assert.ok(changes.length >= 1, 'the first failure of the used hop forces one change');
    for (const c of changes) {
      const inWindow = changes.filter((t) => t >= c && t < c + 30_000).length;
      assert.ok(inWindow <= 1, `at most one change of the route used per 30 s hold time, got ${inWindow} from ${c - t0} ms`);
    }
    assert.notEqual(used.at(-1)!.via, B.peerId, 'traffic stays on the stable path through D');
    assert.ok(A.routing!.status() && (A.routing!.status() as any).policy.heldByDetection > 0, 'routing deferred to the hold-down');
  });

  test("peer-state 'down' withdraws the peer's edges and next hops in routing at once", async () => {
    const net = new SimNet();
    const { A, B, C, D } = square(net);
    await net.run(12_000);
    const ra = A.routing!.routing;
    assert.deepEqual(ra.shortestPath(C.peerId)?.path, [A.peerId, B.peerId, C.peerId]);
    A.events.emit('peer-state', { peerId: B.peerId, kind: 'gateway', state: 'down', at: net.clock.now(), phi: 9 });
    assert.equal(ra.shortestPath(B.peerId), undefined, 'no path to B: its measured and advertised edges are gone');
    assert.deepEqual(ra.shortestPath(C.peerId)?.path, [A.peerId, D.peerId, C.peerId], 'next hop toward C no longer through B');
    assert.equal(forwardedVia(A, C.peerId), D.peerId, 'B is no candidate any more: a forced change of the route used, to D');
    assert.ok(A.status().events.some((e: any) => e.type === 'route' && e.destination === C.peerId && e.forced));
  });

  test('a silent gateway declared down: routing withdraws it at once, retained frames are re-sent on the combined route', async () => {
    const net = new SimNet();
    const { A, B, C, D } = square(net);
    await net.run(12_000);
    const ra = A.routing!.routing;
    assert.ok(ra.shortestPath(C.peerId)?.path.includes(B.peerId), 'routing goes through B');
    let atDown: { toB: unknown; toC: readonly string[] | undefined } | undefined;
    A.events.on('peer-state', (e) => {
      // runs after the routing module's listener (registered first)
      if (e.peerId === B.peerId && e.state === 'down') atDown = { toB: ra.shortestPath(B.peerId), toC: ra.shortestPath(C.peerId)?.path };
    });
    net.medium(A, B).setConditions({ lossRate: 1 });
    net.medium(B, C).setConditions({ lossRate: 1 });
    const frame = encodePacket(packetTo(C.peerId, net.clock.now()));
    assert.equal(A.linkTo(B)!.send(frame), true);
    await net.run(20_000);
    assert.ok(atDown, 'B declared down');
    assert.equal(atDown.toB, undefined, "B's edges (its adverts' included) were withdrawn at once, long before their 120 s hold time");
    assert.deepEqual(atDown.toC, [A.peerId, D.peerId, C.peerId], 'routing goes through D at once');
    assert.ok((A.routing!.status() as any).policy.peersWithdrawn >= 1);
    const st = A.status();
    assert.ok(st.failover.resent >= 1, 'the retained frame was re-sent');
    assert.ok([...D.received.values()].flat().some((f) => Buffer.from(f).equals(Buffer.from(frame))), 'D received the failed-over frame');
    assert.equal(forwardedVia(A, C.peerId), D.peerId, 'forwarding goes through D');
    assert.equal(A.module.routeFor(C.peerId), A.linkTo(D)!.id, 'and so does the held route');
    assert.ok(st.events.some((e: any) => e.type === 'route' && e.destination === C.peerId && e.forced));
  });
});
