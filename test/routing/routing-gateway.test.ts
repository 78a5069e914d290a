/**
 * The daemon routes, not floods: three in-process gateways on loopback (A linked to B and
 * C, B linked to C) and a phone P on C. A learns P only from C's signed link-state advert;
 * a directed packet A originates for P then goes on A's link to C alone (with a v2 source
 * route through C), where without the routing policy it floods to B and C.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gateway } from '../../src/gateway/gateway.js';
import { loadConfig } from '../../src/gateway/config.js';
import { silentLogger } from '../../src/ports/logger.js';
import { PhoneSimulator } from '../../src/phone/phone-simulator.js';
import { MessageType } from '../../src/protocol/packet.js';
import { fromHex } from '../../src/protocol/hex.js';
import type { RoutingModule } from '../../src/gateway/modules/routing-module.js';
import { waitFor } from '../overlay/ws-helpers.js';
import { fetchRoutes, formatRoutes } from '../../src/cli/routes-command.js';

const dirs: string[] = [];
const gateways: Gateway[] = [];
const phones: PhoneSimulator[] = [];
after(async () => {
  await Promise.all(phones.map((p) => p.close()));
  await Promise.all(gateways.map((g) => g.stop()));
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

async function startGateway(extra: Record<string, string> = {}): Promise<Gateway> {
  const dir = mkdtempSync(join(tmpdir(), 'meshgate-routing-'));
  dirs.push(dir);
  const config = loadConfig({
    flags: { 'state-dir': dir, 'http-port': '0', 'lan-port': '0', 'gateway-port': '0', 'http-host': '127.0.0.1', 'lan-host': '127.0.0.1', 'gateway-host': '127.0.0.1', 'clock-source': 'synced', 'mesh-relay-jitter': 'false', 'routing-recompute-delay-ms': '0',
      // RTTs measured on a loaded 2-core machine vary; route on ETX/ETT alone so the expected paths are stable
      'routing-weights-latency': '0',
      'routing-weights-jitter': '0',
      ...extra },
  });
  const gw = new Gateway({ logger: silentLogger }, config);
  await gw.start();
  gateways.push(gw);
  return gw;
}

const url = (g: Gateway) => `ws://127.0.0.1:${g.ports.gateway}/meshgate`;
const gwLink = (from: Gateway, to: Gateway) => (from.status().links as Array<{ id: string; isGatewayLink: boolean; remotePeerId?: string; framesOut?: number }>).find((l) => l.isGatewayLink && l.remotePeerId === to.peerId);

test('a directed packet goes along the computed route instead of flooding once the topology is known', async () => {
  const [a, b, c] = [await startGateway(), await startGateway(), await startGateway()];
  const ra = a.module<RoutingModule>('routing');
  assert.ok(ra, 'the routing module runs by default');
  c.dialer.dial(url(b), { source: 'test' });
  await waitFor(() => gwLink(c, b) !== undefined, 5_000, 'C-B link');
  const p = new PhoneSimulator({}, { nickname: 'p', host: '127.0.0.1', port: c.ports.lan as number });
  phones.push(p);
  await p.connect();
  p.announce();
  await waitFor(() => c.meshEngine.peer(p.peerId)?.directLinkId != null, 5_000, 'P bound on C');
  // A joins after P announced: it hears of P only through C's link-state advert
  a.dialer.dial(url(b), { source: 'test' });
  a.dialer.dial(url(c), { source: 'test' });
  await waitFor(() => ra.routing.shortestPath(p.peerId) !== undefined, 5_000, 'A has a route to P');
  assert.equal(a.meshEngine.peer(p.peerId), undefined, "A's peer table does not know P: only routing does");
  const route = ra.routing.shortestPath(p.peerId)!;
  assert.deepEqual(route.path, [a.peerId, c.peerId, p.peerId]);

  const links = () => {
    const ls = a.status().links as Array<{ id: string; remotePeerId?: string }>;
    const stats = a.meshEngine.stats().perLink;
    const toB = ls.find((l) => l.remotePeerId === b.peerId)!.id;
    const toC = ls.find((l) => l.remotePeerId === c.peerId)!.id;
    return { b: stats[toB]?.relayedOut ?? 0, c: stats[toC]?.relayedOut ?? 0 };
  };
  const send = (text: string, viaRouting: boolean) => {
    const packet = { version: 1 as const, type: MessageType.MESSAGE, ttl: 7, timestamp: Date.now(), flags: 0, senderID: fromHex(a.peerId, 8), recipientID: fromHex(p.peerId, 8), payload: new TextEncoder().encode(text) };
    return viaRouting ? ra.originate(packet, { sign: true }) : a.meshEngine.originate(packet, { sign: true });
  };

  const before = links();
  send('routed', true);
  await waitFor(() => p.received.some((r) => r.text === 'routed'), 5_000, 'P receives the routed message');
  const afterRouted = links();
  assert.equal(afterRouted.c - before.c, 1, 'sent once, on the link toward C');
  assert.equal(afterRouted.b - before.b, 0, 'not flooded to B');
  const got = p.received.find((r) => r.text === 'routed')!;
  assert.equal(got.frame.packet.version, 2, 'a v2 source-routed packet');
  assert.deepEqual(got.frame.packet.route?.map((h) => Buffer.from(h).toString('hex')), [c.peerId], 'source route through C');
  const st = ra.status() as { policy: { routedDirected: number; sourceRouted: number }; routes: Array<{ destination: string; algorithm: string; nextHop: string }> };
  assert.ok(st.policy.routedDirected >= 1 && st.policy.sourceRouted >= 1);
  assert.equal(st.routes.find((r) => r.destination === p.peerId)?.nextHop, c.peerId, 'status shows the next hop');
  assert.equal(st.routes.find((r) => r.destination === p.peerId)?.algorithm, 'dijkstra');

  // the CLI's view of the same table
  const table = await fetchRoutes(`http://127.0.0.1:${a.ports.http}`);
  assert.equal(table.routes.find((r) => r.destination === p.peerId)?.nextHop, c.peerId);
  assert.match(formatRoutes(table), new RegExp(`${p.peerId}\\s+phone\\s+dijkstra\\s+${c.peerId}\\s+2`));
  await assert.rejects(fetchRoutes('http://127.0.0.1:1'), (err: unknown) => (err as { code?: string }).code === 'MG_ERR_ROUTING_STATUS_UNAVAILABLE');

  // the same packet without the routing policy floods to both gateway links
  a.meshEngine.setRoutePolicy(undefined);
  send('flooded', false);
  await waitFor(() => p.received.some((r) => r.text === 'flooded'), 5_000, 'P receives the flooded message');
  const afterFlood = links();
  assert.equal(afterFlood.b - afterRouted.b, 1, 'flooding also sends toward B');
  assert.equal(afterFlood.c - afterRouted.c, 1);
  a.meshEngine.setRoutePolicy(ra.policy);

  // a phone joining C later is advertised by a triggered advert (seq grows), flooded to A and B
  type Lsdb = { lsdb: Array<{ origin: string; seq: number; links: number }> };
  const seqBefore = (ra.status() as Lsdb).lsdb.find((l) => l.origin === c.peerId)!.seq;
  const p2 = new PhoneSimulator({}, { nickname: 'p2', host: '127.0.0.1', port: c.ports.lan as number });
  phones.push(p2);
  await p2.connect();
  p2.announce();
  await waitFor(() => ((ra.status() as Lsdb).lsdb.find((l) => l.origin === c.peerId)?.seq ?? 0) > seqBefore, 5_000, "C's new advert at A");
  const rb = b.module<RoutingModule>('routing')!;
  await waitFor(() => ra.routing.shortestPath(p2.peerId)?.path[1] === c.peerId, 5_000, 'A routes to P2 via C');
  const originsAtB = (rb.status() as Lsdb).lsdb.map((l) => l.origin).sort();
  assert.deepEqual(originsAtB, [a.peerId, c.peerId].sort(), 'B holds the adverts of both other gateways');

  // a link-quality event (from QoS / detection) saying A-C loses 80 % moves the route to A-B-C
  const linkToC = (a.status().links as Array<{ id: string; remotePeerId?: string }>).find((l) => l.remotePeerId === c.peerId)!.id;
  a.events.emit('link-quality', { linkId: linkToC, deliveryRatio: 0.2, at: Date.now() });
  ra.routing.recomputeNow();
  assert.deepEqual(ra.routing.shortestPath(p.peerId)?.path, [a.peerId, b.peerId, c.peerId, p.peerId], 'a lossy direct link is avoided');
  a.events.emit('link-quality', { linkId: linkToC, deliveryRatio: 1, at: Date.now() });
  a.events.emit('link-rtt', { linkId: linkToC, peerId: c.peerId, rttMs: 5, at: Date.now() });
  ra.routing.recomputeNow();
  assert.deepEqual(ra.routing.shortestPath(p.peerId)?.path, [a.peerId, c.peerId, p.peerId], 'and taken again once it recovers');

  // bad adverts from another machine are counted by code and survived
  const bToA = (b.status().links as Array<{ id: string; remotePeerId?: string }>).find((l) => l.remotePeerId === a.peerId)!.id;
  b.control.send(bToA, 'lsa', { lsa: 'not base64!' });
  b.control.send(bToA, 'lsa', { lsa: Buffer.from(new Uint8Array(200)).toString('base64') });
  const forged = ra.routing.snapshot.nodeCount; // unchanged by either
  type Drops = { policy: { drops: Record<string, number> } };
  await waitFor(() => ((ra.status() as Drops).policy.drops.MG_ERR_LSA_MALFORMED ?? 0) >= 1, 5_000, 'malformed advert counted');
  assert.ok(((ra.status() as Drops).policy.drops.MG_ERR_CONTROL_BAD_BODY ?? 0) >= 1);
  assert.equal(ra.routing.snapshot.nodeCount, forged);
});
