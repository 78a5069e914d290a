/**
 * End to end, with real processes on loopback: gateways linked over WebSocket, simulated
 * phones on their LAN links.
 */
import { after, before, describe, test } from 'node:test';
import { connect } from 'node:net';
import assert from 'node:assert/strict';
import { startGateway, waitFor, settle, type GatewayProcess } from '../helpers/processes.js';
import { PhoneSimulator, type ReceivedPacket } from '../../src/phone/phone-simulator.js';
import { MessageType } from '../../src/protocol/packet.js';
import { verifyFrame } from '../../src/protocol/signing.js';
import { fromHex } from '../../src/protocol/hex.js';

const messages = (p: PhoneSimulator, text: string): ReceivedPacket[] => p.received.filter((r) => r.type === MessageType.MESSAGE && r.text === text);

async function phoneOn(gw: GatewayProcess, nickname: string): Promise<PhoneSimulator> {
  const p = new PhoneSimulator({}, { nickname, host: '127.0.0.1', port: gw.lanPort });
  await p.connect();
  return p;
}

describe('two gateways over WebSocket, three phones', () => {
  let A: GatewayProcess;
  let B: GatewayProcess;
  let P1: PhoneSimulator, P2: PhoneSimulator, P3: PhoneSimulator;

  before(async () => {
    A = await startGateway('gw-a');
    B = await startGateway('gw-b', ['--gateway-peers', A.wsUrl]);
    await waitFor(async () => (await A.status()).links.some((l: any) => l.isGatewayLink && l.remotePeerId === B.peerId), 10_000, 'A-B gateway link');
    P1 = await phoneOn(A, 'p1');
    P2 = await phoneOn(A, 'p2');
    P3 = await phoneOn(B, 'p3');
    for (const p of [P1, P2, P3]) p.announce();
    await waitFor(() => P3.knownSigningKey(P1.peerId) !== undefined && P1.knownSigningKey(P3.peerId) !== undefined, 10_000, 'announces across gateways');
  });

  after(async () => {
    await Promise.all([P1, P2, P3].map((p) => p?.close()));
    await Promise.all([A, B].map((g) => g?.stop()));
  });

  test("P1's signed public message reaches P2 and P3 exactly once, TTL decremented per hop, signature verifying at P3", async () => {
    const sent = P1.sendPublic('hello from p1');
    await waitFor(() => messages(P2, 'hello from p1').length >= 1 && messages(P3, 'hello from p1').length >= 1, 10_000, 'delivery');
    await settle(600);
    const at2 = messages(P2, 'hello from p1');
    const at3 = messages(P3, 'hello from p1');
    assert.equal(at2.length, 1);
    assert.equal(at3.length, 1);
    assert.equal(messages(P1, 'hello from p1').length, 0, 'split horizon: never echoed to the sender');
    assert.equal(at2[0].ttl, 6, 'one hop (A) from P1 to P2');
    assert.equal(at3[0].ttl, 5, 'two hops (A, B) from P1 to P3');
    assert.equal(at3[0].verified, true);
    assert.ok(verifyFrame(at3[0].frame, fromHex(P3.knownSigningKey(P1.peerId)!)), "signature verifies against P1's announced key");
    // relayed bytes are the original bytes with only the TTL patched
    const got = at3[0].frame.bytes;
    assert.equal(got.length, sent.length);
    for (let i = 0; i < sent.length; i++) if (i !== 2) assert.equal(got[i], sent[i], `byte ${i}`);
  });

  test('a directed packet from P3 reaches P1 and no one else', async () => {
    P3.sendDirect(P1.peerId, 'psst p1');
    await waitFor(() => messages(P1, 'psst p1').length >= 1, 10_000, 'directed delivery');
    await settle(600);
    assert.equal(messages(P1, 'psst p1').length, 1);
    assert.equal(messages(P1, 'psst p1')[0].verified, true);
    assert.equal(messages(P2, 'psst p1').length, 0, 'P2 must not see a packet for P1');
  });

  test('the gateways learn which peers live behind which gateway, and report it on /api/status', async () => {
    const sb = await B.status();
    const p1AtB = sb.peers.find((p: any) => p.peerId === P1.peerId);
    assert.ok(p1AtB, 'B knows P1');
    const gwLink = sb.links.find((l: any) => l.isGatewayLink);
    assert.equal(p1AtB.viaLinkId, gwLink.id, 'P1 is reached through the gateway link');
    assert.equal(sb.clock.synchronized, true);
    assert.ok(sb.uptimeMs >= 0);
    const sa = await A.status();
    assert.ok(sa.links.length >= 3, 'A has 2 phone links and 1 gateway link');
    assert.ok(sa.links.every((l: any) => typeof l.framesIn === 'number' && typeof l.bytesOut === 'number'));
  });

  test('malformed frames from a phone are counted by code on /api/status and the gateway keeps serving', async () => {
    P2.sendFrame(new Uint8Array([9, 9, 9]));
    P2.sendFrame(new Uint8Array([1, 2, 7, 0, 0, 0]));
    await waitFor(async () => {
      const s = await A.status();
      return (s.drops.MG_ERR_BAD_VERSION ?? 0) >= 1 && (s.drops.MG_ERR_FRAME_TOO_SHORT ?? 0) >= 1;
    }, 5000, 'drops counted');
    P2.sendPublic('still alive');
    await waitFor(() => messages(P1, 'still alive').length === 1 && messages(P3, 'still alive').length === 1, 10_000, 'delivery after bad input');
  });
  test('an oversized frame on the LAN link is counted on /api/status, only that connection closes, and the gateway keeps serving', async () => {
    const sock = connect(A.lanPort, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    const closed = new Promise((r) => sock.once('close', r));
    sock.on('error', () => {});
    sock.resume(); // flowing mode, so the remote close is seen
    sock.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
    await closed;
    await waitFor(async () => ((await A.status()).drops.MG_ERR_LINK_FRAME_TOO_LARGE ?? 0) >= 1, 5000, 'oversize counted');
    assert.ok((await A.status()).closedLinks >= 1);
    P1.sendPublic('after oversize');
    await waitFor(() => messages(P2, 'after oversize').length === 1 && messages(P3, 'after oversize').length === 1, 10_000, 'delivery after oversize');
  });
});

describe('redundant gateway topologies', () => {
  test('a triangle of gateways delivers each message exactly once, with no loops', async () => {
    const A = await startGateway('tri-a');
    const B = await startGateway('tri-b', ['--gateway-peers', A.wsUrl]);
    const C = await startGateway('tri-c', ['--gateway-peers', `${A.wsUrl},${B.wsUrl}`]);
    const phones: PhoneSimulator[] = [];
    try {
      await waitFor(async () => (await C.status()).links.filter((l: any) => l.isGatewayLink).length === 2 && (await B.status()).links.filter((l: any) => l.isGatewayLink).length === 2, 10_000, 'triangle');
      const [pa, pb, pc] = [await phoneOn(A, 'pa'), await phoneOn(B, 'pb'), await phoneOn(C, 'pc')];
      phones.push(pa, pb, pc);
      pa.announce();
      for (let i = 0; i < 5; i++) pa.sendPublic(`round ${i}`);
      await waitFor(() => [pb, pc].every((p) => [0, 1, 2, 3, 4].every((i) => messages(p, `round ${i}`).length >= 1)), 10_000, 'triangle delivery');
      await settle(800);
      for (const p of [pb, pc]) for (let i = 0; i < 5; i++) assert.equal(messages(p, `round ${i}`).length, 1, `${p.nickname} round ${i}`);
      const dups = await Promise.all([A, B, C].map(async (g) => (await g.status()).relay.duplicates as number));
      assert.ok(dups.reduce((a, b) => a + b, 0) > 0, 'the redundant path was suppressed as duplicates');
    } finally {
      await Promise.all(phones.map((p) => p.close()));
      await Promise.all([A, B, C].map((g) => g.stop()));
    }
  });

  test('two links between the same pair of gateways cause no duplicates', async () => {
    const A = await startGateway('dual-a');
    const B = await startGateway('dual-b', ['--gateway-peers', `${A.wsUrl},${A.wsUrl}`]);
    const phones: PhoneSimulator[] = [];
    try {
      await waitFor(async () => (await B.status()).links.filter((l: any) => l.isGatewayLink).length === 2, 10_000, 'two links');
      const [p1, p2] = [await phoneOn(A, 'x1'), await phoneOn(B, 'x2')];
      phones.push(p1, p2);
      p1.sendPublic('twice linked');
      await waitFor(() => messages(p2, 'twice linked').length >= 1, 10_000, 'delivery');
      await settle(600);
      assert.equal(messages(p2, 'twice linked').length, 1);
      assert.ok(((await B.status()).relay.duplicates as number) >= 1, 'the second copy was suppressed');
    } finally {
      await Promise.all(phones.map((p) => p.close()));
      await Promise.all([A, B].map((g) => g.stop()));
    }
  });
});
