/**
 * Detection across in-process gateways (real DetectionModule, MemoryLinks, ManualClock):
 * routes with hold-down under a flapping link, silent gateway failure → suspicion →
 * indirect probes → down → failover of retained frames, refutation by incarnation,
 * partitions detected and healed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNet, type SimGateway } from './sim-harness.js';
import { MemoryMedium } from '../../src/links/memory/index.js';
import { encodePacket } from '../../src/protocol/codec.js';
import { fromHex } from '../../src/protocol/hex.js';
import { MessageType } from '../../src/protocol/packet.js';

const FAST = { 'detection-hold-time-ms': '30000' };

function square(net: SimNet, flags: Record<string, string> = FAST): { A: SimGateway; B: SimGateway; C: SimGateway; D: SimGateway } {
  const [A, B, C, D] = ['A', 'B', 'C', 'D'].map((n) => net.gateway(n, flags));
  net.connect(A, B);
  net.connect(B, C);
  net.connect(A, D, 40); // the path through D is slower (RTT ~80 ms)
  net.connect(D, C, 40);
  return { A, B, C, D };
}

function directedFrame(from: string, to: string, text: string, at: number): Uint8Array {
  return encodePacket({ version: 1, type: MessageType.MESSAGE, ttl: 7, timestamp: at, flags: 0, senderID: fromHex(from, 8), recipientID: fromHex(to, 8), payload: new TextEncoder().encode(text) });
}

describe('detection over a simulated overlay (A–B–C, A–D–C)', () => {
  test('A learns the topology and routes toward C through the faster neighbour B', async () => {
    const net = new SimNet();
    const { A, B, C } = square(net);
    await net.run(12_000);
    assert.equal(A.module.routeFor(C.peerId), A.linkTo(B)!.id);
    const st = A.status();
    assert.equal(st.partition.partitioned, false);
    assert.ok(st.links.every((l: any) => l.state === 'alive' && typeof l.rttMs === 'number'));
    assert.ok(st.gateways.some((g: any) => g.id === B.peerId && g.state === 'alive' && g.phi < 8));
    assert.equal(st.health.gateway.level, 'ok');
  });

  test('a link that flaps every 2 s does not change the chosen route more than once per hold time', async () => {
    const net = new SimNet();
    const { A, B, C } = square(net);
    await net.run(12_000);
    const t0 = net.clock.now();
    assert.equal(A.module.routeFor(C.peerId), A.linkTo(B)!.id, 'starts on the flapping link');
    for (let i = 0; i < 30; i++) {
      // down for 1 s, up for 1 s: one flap every 2 s for 60 s
      void A.linkTo(B)!.close('flap');
      await net.run(1000);
      net.connect(A, B);
      await net.run(1000);
    }
    const changes = A.module
      .recentEvents()
      .filter((e) => e.type === 'route' && e.destination === C.peerId && e.at >= t0)
      .map((e) => e.at);
    assert.ok(changes.length >= 1, 'the first failure of the chosen hop forces one change');
    const hold = 30_000;
    for (let i = 0; i < changes.length; i++) {
      const inWindow = changes.filter((t: number) => t >= changes[i] && t < changes[i] + hold).length;
      assert.ok(inWindow <= 1, `at most one route change per ${hold} ms, got ${inWindow} from ${changes[i] - t0} ms`);
    }
    assert.ok(changes.length <= Math.ceil(60_000 / hold), `changes ${changes.length}`);
    assert.ok(A.module.routeFor(C.peerId) !== undefined && A.module.routeFor(C.peerId) !== A.linkTo(B)?.id, 'traffic stays on the stable path');
  });

  test('a silent gateway is suspected by phi, probed indirectly, declared down; its link is closed and retained frames fail over', async () => {
    const net = new SimNet();
    const { A, B, C, D } = square(net);
    await net.run(12_000);
    const ab = A.linkTo(B)!;
    // a frame for C goes to B; B silently dies (hangs: links open, nothing gets through) before forwarding it
    net.medium(A, B).setConditions({ lossRate: 1 });
    net.medium(B, C).setConditions({ lossRate: 1 });
    const frame = directedFrame('00000000000000a1', C.peerId, 'keep me', net.clock.now());
    assert.equal(ab.send(frame), true);
    const started = net.clock.now();
    await net.run(20_000);
    const st = A.status();
    const downAt = A.peerStates.find((e) => e.peerId === B.peerId && e.state === 'down')?.at;
    assert.ok(A.peerStates.some((e) => e.peerId === B.peerId && e.state === 'suspect'), 'B suspected');
    assert.ok(downAt !== undefined, 'B declared down');
    assert.ok(downAt - started < 15_000, `declared down after ${downAt - started} ms`);
    assert.equal(A.linkTo(B), undefined, "A closed its dead link to B");
    assert.ok(st.prober.indirectRounds >= 1, 'indirect probes were asked');
    assert.ok(st.counters.closedPeerDown >= 1);
    assert.equal(st.drops.MG_ERR_PEER_DOWN, st.counters.closedPeerDown);
    assert.ok(st.failover.resent >= 1, 'the retained frame was re-sent');
    const atD = [...D.received.values()].flat();
    assert.ok(atD.some((f) => Buffer.from(f).equals(Buffer.from(frame))), 'D received the failed-over frame');
    assert.equal(A.module.routeFor(C.peerId), A.linkTo(D)!.id, 'the route to C now goes through D');
    // nobody reaches B any more, A does not dial it and knows no URL near it: nothing to do but wait
    assert.deepEqual(st.events.find((e: any) => e.type === 'recovery' && e.peer === B.peerId)?.strategies, ['wait']);
  });

  test('a dead link to a live gateway: the link is closed, the gateway is reached indirectly and refutes the suspicion', async () => {
    const net = new SimNet();
    const [A, B, D] = ['A', 'B', 'D'].map((n) => net.gateway(n, FAST));
    net.connect(A, B);
    net.connect(A, D);
    net.connect(D, B);
    await net.run(12_000);
    const inc = B.module.currentIncarnation;
    net.medium(A, B).setConditions({ lossRate: 1 });
    await net.run(20_000);
    assert.equal(A.linkTo(B), undefined, 'the silent link was closed');
    assert.ok(A.status().events.some((e: any) => e.type === 'state' && e.kind === 'link' && e.to === 'down'));
    assert.ok(B.module.currentIncarnation > inc, 'B heard the rumour through D and refuted it');
    assert.equal(A.module.peerState(B.peerId), 'alive', 'B is alive for A (through D)');
    assert.equal(A.module.routeFor(B.peerId), A.linkTo(D)!.id, 'and reached through D');
  });

  test('a gateway refutes a suspicion about itself with a higher incarnation', async () => {
    const net = new SimNet();
    const { A, B } = square(net);
    await net.run(5_000);
    const inc = B.module.currentIncarnation;
    A.control.broadcast('suspect', { peer: B.peerId, inc });
    await net.run(500);
    assert.equal(B.module.currentIncarnation, inc + 1);
    assert.equal(B.status().counters.refutations, 1);
    // stale rumours (older incarnation) change nothing
    A.control.broadcast('suspect', { peer: B.peerId, inc: 0 });
    await net.run(500);
    assert.equal(B.module.currentIncarnation, inc + 1);
    // malformed bodies are counted and dropped
    A.control.broadcast('suspect', { peer: 'not-hex', inc: -1 });
    A.control.broadcast('topo', { origin: 5 });
    await net.run(100);
    assert.ok(B.status().counters.badBodies >= 2);
    assert.ok(B.status().drops.MG_ERR_CONTROL_BAD_BODY >= 2);
    assert.ok(B.offences.some((o) => o.peerId === A.peerId && o.offence === 'invalid-frame'), 'the sender is reported to peer admission');
    // a suspicion above B's own incarnation is forged (only B raises it): dropped, never adopted
    const bad = B.status().counters.badBodies;
    A.control.broadcast('suspect', { peer: B.peerId, inc: inc + 1000 });
    A.control.broadcast('suspect', { peer: B.peerId, inc: Number.MAX_SAFE_INTEGER });
    await net.run(100);
    assert.equal(B.module.currentIncarnation, inc + 1);
    assert.ok(B.status().counters.badBodies >= bad + 2);
  });

  test('a partition of the overlay is detected and healed when the links return', async () => {
    const net = new SimNet();
    const [A, B, C] = ['A', 'B', 'C'].map((n) => net.gateway(n, FAST));
    net.connect(A, B);
    net.connect(B, C);
    await net.run(12_000);
    assert.equal(A.status().partition.partitioned, false);
    void B.linkTo(C)!.close('cable cut');
    await net.run(3_000);
    let st = A.status();
    assert.equal(st.partition.partitioned, true);
    assert.deepEqual(st.partition.unreachable, [C.peerId]);
    assert.ok(st.health.gateway.factors.partition === 0.5);
    net.connect(B, C);
    await net.run(12_000);
    st = A.status();
    assert.equal(st.partition.partitioned, false);
    assert.equal(st.counters.partitionsDetected, 1);
    assert.equal(st.counters.partitionsHealed, 1);
    assert.ok(st.events.some((e: any) => e.type === 'partition' && e.state === 'healed'));
  });

  test('when the middle gateway dies, the cut-off gateway is bridged: its URL (from topology records) is dialled', async () => {
    const net = new SimNet();
    const [A, B, C] = ['A', 'B', 'C'].map((n) => net.gateway(n, FAST));
    net.connect(A, B, 0, 'ws://b.example:7778/meshgate');
    net.connect(B, C, 0, 'ws://c.example:7778/meshgate'); // B dials C and says so in its topo record
    await net.run(12_000);
    assert.equal(A.status().partition.partitioned, false);
    for (const l of [A.linkTo(B)!, C.linkTo(B)!]) void l.close('B crashed');
    await net.run(10_000);
    const st = A.status();
    assert.equal(st.partition.partitioned, true);
    // B is lost: A redials it itself and bridges to its other neighbour C, whose URL B's record named
    const recB: any = A.module.recentEvents().find((e) => e.type === 'recovery' && e.peer === B.peerId); // the first one
    assert.deepEqual(recB?.strategies, ['reconnect', 'bridge'], JSON.stringify(recB));
    assert.match(recB.detail, /bridging via ws:\/\/c\.example/);
    assert.deepEqual(A.dials, [{ url: 'ws://c.example:7778/meshgate', source: 'detection-bridge' }], 'dialled once');
    assert.ok(st.events.some((e: any) => e.type === 'recovery' && e.peer === C.peerId), 'a recovery is recorded for C too');
    // the bridge comes up: the partition heals
    net.connect(A, C);
    await net.run(12_000);
    assert.equal(A.status().partition.unreachable.includes(C.peerId), false);
  });

  test("a phone that goes silent here and turns up behind another gateway: its route here is withdrawn and traffic fails over there", async () => {
    const net = new SimNet();
    const [A, D] = ['A', 'D'].map((n) => net.gateway(n, { ...FAST, 'detection-phone-interval-ms': '5000', 'detection-phone-pause-ms': '1000' }));
    const [ad] = net.connect(A, D);
    const phoneMedium = new MemoryMedium({ clock: net.clock });
    const [atA] = phoneMedium.connect('A-phone', 'phone-A');
    const [atD] = phoneMedium.connect('D-phone', 'phone-D');
    A.attach(atA);
    D.attach(atD);
    const P = '00000000000000f1';
    const heard = (g: SimGateway, linkId: string) => g.engine.emit('packet', { frame: { packet: { senderID: fromHex(P, 8) } }, linkId } as never);
    const query = () =>
      A.engine.policy!.selectLinks({ packet: {} as never, broadcast: false, nextHopPeerId: P, ingressLinkId: undefined, defaultLinkIds: [atA.id], candidateLinkIds: [atA.id, ad.id] });
    for (let i = 0; i < 4; i++) (heard(A, atA.id), await net.run(5_000));
    assert.equal(A.module.peerState(P), 'alive');
    assert.equal(query(), undefined, 'our own live phone: the engine delivers on its link');
    // P walks over to D
    for (let i = 0; i < 6; i++) (heard(D, atD.id), await net.run(5_000));
    assert.notEqual(A.module.peerState(P), 'alive', 'silent at A');
    assert.deepEqual(query(), [ad.id], 'traffic for P now goes to D, where P is');
  });
});
