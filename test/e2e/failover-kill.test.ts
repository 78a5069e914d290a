/**
 * "When gateway B is killed (kill -9), A's traffic to C fails over through D within 5 s,
 * and nothing queued for C is lost" — four real `meshgate start` processes on loopback:
 * A–B–C and A–D–C over WebSocket (gateway.peers), a phone on A sending directed messages
 * to a phone on C, and the gateway on A's chosen path to C killed with SIGKILL mid-stream.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startGateway, waitFor, settle, type GatewayProcess } from '../helpers/processes.js';
import { PhoneSimulator } from '../../src/phone/phone-simulator.js';
import { MessageType } from '../../src/protocol/packet.js';

const FLAGS = ['--detection-topology-interval-ms', '500', '--detection-ping-interval-ms', '500'];

test('when the gateway on the path is killed (kill -9), traffic to C fails over through the other gateway within 5 s and no message is lost', async () => {
  const C = await startGateway('ko-c', FLAGS);
  const [B, D] = await Promise.all([startGateway('ko-b', ['--gateway-peers', C.wsUrl, ...FLAGS]), startGateway('ko-d', ['--gateway-peers', C.wsUrl, ...FLAGS])]);
  const A = await startGateway('ko-a', ['--gateway-peers', `${B.wsUrl},${D.wsUrl}`, ...FLAGS]);
  const all: GatewayProcess[] = [A, B, C, D];
  const phones: PhoneSimulator[] = [];
  let killed: GatewayProcess | undefined;
  try {
    const gwLinks = async (g: GatewayProcess) => (await g.status()).links.filter((l: any) => l.isGatewayLink).length;
    await waitFor(async () => (await gwLinks(A)) === 2 && (await gwLinks(C)) === 2, 10_000, 'A–B–C and A–D–C linked');
    const pa = new PhoneSimulator({}, { nickname: 'pa', host: '127.0.0.1', port: A.lanPort });
    const pc = new PhoneSimulator({}, { nickname: 'pc', host: '127.0.0.1', port: C.lanPort });
    phones.push(pa, pc);
    await Promise.all([pa.connect(), pc.connect()]);
    pa.announce();
    pc.announce();
    await waitFor(() => pa.knownSigningKey(pc.peerId) !== undefined && pc.knownSigningKey(pa.peerId) !== undefined, 10_000, 'announces across the overlay');
    // A's route toward C: with the default modules routing forwards and detection's hold-down
    // decides among its first hops, so the held route on status is the route actually used
    let viaLink: any;
    await waitFor(async () => {
      const s = await A.status();
      assert.equal(s.modules.detection.routeSource, 'routing', 'one route choice: hold-down over routing');
      assert.equal(s.modules.detection.routePolicyInstalled, false, "routing's policy forwards");
      const r = s.modules.detection.routes.find((x: any) => x.destination === C.peerId && x.linkId);
      viaLink = r && s.links.find((l: any) => l.id === r.linkId);
      return viaLink !== undefined;
    }, 10_000, 'route from A to C');
    const onPath = [B, D].find((g) => g.peerId === viaLink.remotePeerId)!;
    const other = onPath === B ? D : B;

    const arrived = new Map<string, number>();
    pc.on((rx) => {
      if (rx.type === MessageType.MESSAGE && rx.recipientId === pc.peerId && rx.text?.startsWith('m-') && !arrived.has(rx.text)) arrived.set(rx.text, Date.now());
    });
    const sentAt = new Map<string, number>();
    let i = 0;
    const send = () => {
      const id = `m-${i++}`;
      sentAt.set(id, Date.now());
      pa.sendDirect(pc.peerId, id);
    };
    const pump = setInterval(send, 40);
    try {
      await settle(800);
      const before = i;
      onPath.proc.kill('SIGKILL');
      killed = onPath;
      var killAt = Date.now();
      await settle(2500);
      assert.ok(i - before > 30, 'kept sending after the kill');
    } finally {
      clearInterval(pump);
    }
    await waitFor(() => arrived.size === sentAt.size, 10_000, `every message at C's phone (${arrived.size}/${sentAt.size})`).catch(() => undefined);
    const missing = [...sentAt.keys()].filter((id) => !arrived.has(id));
    assert.deepEqual(missing, [], 'nothing sent toward C was lost');
    const afterKill = [...sentAt].filter(([, t]) => t >= killAt);
    const worst = Math.max(...afterKill.map(([id, t]) => arrived.get(id)! - t));
    assert.ok(worst <= 5000, `messages sent after the kill arrived within 5 s (worst ${worst} ms)`);
    const s = await A.status();
    const det = s.modules.detection;
    const route = det.routes.find((x: any) => x.destination === C.peerId);
    const routeLink = s.links.find((l: any) => l.id === route.linkId);
    assert.equal(routeLink?.remotePeerId, other.peerId, "A's route to C now goes through the surviving gateway");
    assert.ok(det.events.some((e: any) => e.type === 'route' && e.destination === C.peerId && e.forced), 'a forced route change was recorded');
    assert.ok(det.gateways.some((g: any) => g.id === onPath.peerId && g.state !== 'alive'), 'the killed gateway is suspected or down');
    assert.ok(det.failover.resent > 0, 'frames retained for the killed gateway were re-sent through the survivor');
    // duplicates of failed-over frames are suppressed: C's phone saw each message once
    const copies = pc.received.filter((r) => r.type === MessageType.MESSAGE && r.text?.startsWith('m-')).length;
    assert.equal(copies, sentAt.size, 'each message delivered exactly once');
  } finally {
    await Promise.all(phones.map((p) => p.close()));
    await Promise.all(all.filter((g) => g !== killed).map((g) => g.stop()));
    if (killed) rmSync(killed.stateDir, { recursive: true, force: true });
  }
});
