/**
 * The qos module on ManualClock: backpressure pauses the ingress of a congested queue's
 * fattest flow and resumes it; gateway links exchange credit and a sender that speaks the
 * protocol but ignores it is reported; BLE frames become MTU-sized fragment units;
 * status carries the per-link telemetry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/ports/clock.js';
import { encodePacket, decodePacket } from '../../src/protocol/codec.js';
import { MessageType } from '../../src/protocol/packet.js';
import { decodeFragmentPayload } from '../../src/protocol/fragment.js';
import { toHex } from '../../src/protocol/hex.js';
import { FakeLink, startQos, frameOf } from './qos-helpers.js';

test('a congested queue pauses reads on the local link its fattest flow comes from, then resumes', () => {
  const clock = new ManualClock();
  const gw = startQos(clock, { 'qos-lan-rate-bytes-per-sec': '1000', 'qos-lan-burst-bytes': '64', 'qos-queue-bytes': '4096', 'qos-aimd': 'false' });
  const ingress = new FakeLink('in', clock);
  const quiet = new FakeLink('quiet', clock);
  const egress = new FakeLink('out', clock);
  gw.attach(ingress);
  gw.attach(quiet);
  const out = gw.attach(egress);
  // sender 0x42 floods through `in`; sender 0x43 says one thing through `quiet`
  ingress.inject(frameOf(100, MessageType.FILE_TRANSFER, 0x42));
  quiet.inject(frameOf(100, MessageType.MESSAGE, 0x43));
  for (let i = 0; i < 5; i++) out.send(frameOf(900, MessageType.FILE_TRANSFER, 0x42));
  clock.advance(260);
  assert.deepEqual(ingress.paused, [true], 'the flooding ingress is paused');
  assert.deepEqual(quiet.paused, [], 'other links are not');
  const st = gw.module.status() as { counters: { pauses: number }; links: Array<{ id: string; paused: boolean }> };
  assert.equal(st.counters.pauses, 1);
  assert.equal(st.links.find((l) => l.id === 'in')?.paused, true);
  clock.advance(5_000); // 1,000 B/s drains the queue
  assert.deepEqual(ingress.paused, [true, false], 'resumed once every queue is under the resume fill');
  gw.module.stop();
});

test('gateway links: credit is granted and honoured; a sender that ignores it is reported', () => {
  const clock = new ManualClock();
  const flags = { 'qos-credit-window-bytes': '4096', 'qos-aimd': 'false' };
  const a = startQos(clock, flags, '00000000000000aa');
  const b = startQos(clock, flags, '00000000000000bb');
  const la = new FakeLink('a->b', clock, { isGatewayLink: true, maxFrameBytes: 2_000, remotePeerId: '00000000000000bb' });
  const lb = new FakeLink('b->a', clock, { isGatewayLink: true, maxFrameBytes: 2_000, remotePeerId: '00000000000000aa' });
  la.peer = lb;
  lb.peer = la;
  const wa = a.attach(la);
  b.attach(lb);
  clock.advance(300); // both tick: grants exchanged
  assert.ok(la.controls.some((m) => m.type === 'credit') && lb.controls.some((m) => m.type === 'credit'));
  // honest QoS sender: 40 KB through a 4 KB window, in steps as B re-grants
  for (let i = 0; i < 40; i++) wa.send(frameOf(1_000, MessageType.FILE_TRANSFER, 0x10 + (i % 4)));
  let maxOver = 0;
  for (let t = 0; t < 40; t++) {
    const st = b.module.status() as { links: Array<{ details: { granted: { receivedBytes: number; grantedBytes: number } } }> };
    maxOver = Math.max(maxOver, st.links[0].details.granted.receivedBytes - st.links[0].details.granted.grantedBytes);
    clock.advance(250);
  }
  assert.ok(maxOver <= 1_000, `never more than one frame beyond the grant (${maxOver})`);
  // frames are delivered as credit advances, or dropped by CoDel while they wait for it (counted)
  const aqm = wa.stats().drops.MG_ERR_QOS_AQM_DROP ?? 0;
  assert.equal(lb.stats().framesIn + aqm, 40, `delivered ${lb.stats().framesIn}, AQM drops ${aqm}`);
  assert.ok(lb.stats().framesIn >= 10, `credit kept advancing: ${lb.stats().framesIn} frames`);
  const sa = a.module.status() as { links: Array<{ details: { credit: { limitBytes: number; blockedMs: number } } }> };
  assert.ok(sa.links[0].details.credit.limitBytes >= 4096);
  assert.ok(sa.links[0].details.credit.blockedMs > 0, 'the window held the sender back at times');
  assert.equal(b.reports.length, 0);

  // a rogue peer that speaks credit but sends 10 KB into a 4 KB window
  const c = startQos(clock, flags, '00000000000000cc');
  const lc = new FakeLink('c<-rogue', clock, { isGatewayLink: true, maxFrameBytes: 2_000, remotePeerId: '00000000000000dd' });
  c.attach(lc);
  clock.advance(300);
  lc.injectControl({ type: 'credit', body: { grant: 1_000_000, window: 4_096, paused: false } });
  for (let i = 0; i < 10; i++) lc.inject(frameOf(1_000, MessageType.FILE_TRANSFER, 0x99));
  clock.advance(300);
  assert.equal(c.reports.length, 1);
  assert.equal(c.reports[0].offence, 'ignored-backpressure');
  assert.equal(c.reports[0].peerId, '00000000000000dd');
  // a malformed credit body is counted, not applied
  lc.injectControl({ type: 'credit', body: { grant: -1 } });
  assert.equal((c.module.status() as { counters: { creditBadBody: number } }).counters.creditBadBody, 1);
  for (const g of [a, b, c]) g.module.stop();
});

test('BLE: a packet larger than one GATT value is scheduled as MTU-sized protocol fragments', () => {
  const clock = new ManualClock();
  const gw = startQos(clock, { 'qos-ble-rate-bytes-per-sec': '0' });
  const ble = new FakeLink('ble#1', clock, { kind: 'ble-peripheral', maxFrameBytes: 244 });
  const w = gw.attach(ble);
  const packet = encodePacket({ version: 1, type: MessageType.MESSAGE, ttl: 7, timestamp: clock.now(), flags: 0, senderID: new Uint8Array(8).fill(7), payload: Uint8Array.from({ length: 700 }, (_, i) => (i * 7919) % 251) });
  assert.equal(w.send(packet), true);
  assert.ok(ble.frames.length >= 3, `${ble.frames.length} fragments`);
  for (const f of ble.frames) {
    assert.ok(f.length <= 244);
    assert.equal(decodePacket(f).packet.type, MessageType.FRAGMENT);
  }
  const st = gw.module.status() as { links: Array<{ details: { classes: { bulk: { sentUnits: number } } } }> };
  assert.equal(st.links[0].details.classes.bulk.sentUnits, ble.frames.length, 'each fragment was one unit (unknown sender: chat demoted to bulk)');
  gw.module.stop();
});

test('BLE: once a fragment is dropped, the rest of its packet is dropped unsent (no orphan fragments on the air)', () => {
  const clock = new ManualClock();
  const gw = startQos(clock, { 'qos-ble-rate-bytes-per-sec': '2000', 'qos-ble-burst-bytes': '512', 'qos-flow-max-units': '5', 'qos-aimd': 'false' });
  const ble = new FakeLink('ble#2', clock, { kind: 'ble-peripheral', maxFrameBytes: 244 });
  const w = gw.attach(ble);
  for (let k = 0; k < 6; k++) {
    const payload = Uint8Array.from({ length: 700 }, (_, i) => (i * 7919 + k * 31) % 251);
    w.send(encodePacket({ version: 1, type: MessageType.FILE_TRANSFER, ttl: 7, timestamp: clock.now(), flags: 0, senderID: new Uint8Array(8).fill(3), payload }));
  }
  clock.advance(20_000);
  const sent = new Map<string, number[]>();
  for (const f of ble.frames) {
    const fp = decodeFragmentPayload(decodePacket(f).packet.payload);
    const id = toHex(fp.fragmentId);
    sent.set(id, [...(sent.get(id) ?? []), fp.index]);
  }
  for (const [id, idx] of sent) assert.deepEqual(idx, idx.map((_, i) => i), `fragments of ${id} went out as a gap-free prefix: ${idx.join(',')}`);
  const drops = w.stats().drops;
  assert.ok((drops.MG_ERR_QOS_FLOW_OVERFLOW ?? 0) > 0 && (drops.MG_ERR_QOS_ORPHAN_FRAGMENT ?? 0) > 0, JSON.stringify(drops));
  gw.module.stop();
});

test('status carries per-link rate, measured bytes/s, queue depth, sojourn p99 and drops per class; link-quality events', () => {
  const clock = new ManualClock();
  const gw = startQos(clock, { 'qos-lan-rate-bytes-per-sec': '2000', 'qos-lan-burst-bytes': '1500' });
  const quality: Array<{ bw: number | undefined; q: number | undefined; s: number | undefined }> = [];
  gw.ctx.events.on('link-quality', (e) => quality.push({ bw: e.bandwidthBytesPerSec, q: e.queueLength, s: e.sojournMs }));
  const l = new FakeLink('lan#1', clock);
  const w = gw.attach(l);
  for (let i = 0; i < 10; i++) w.send(frameOf(500, MessageType.FILE_TRANSFER, 1));
  clock.advance(1_500);
  const st = gw.module.status() as { links: Array<Record<string, any>> };
  const s = st.links[0];
  assert.equal(s.configuredRateBytesPerSec, 2000);
  assert.ok(s.measuredBytesPerSec.last1s > 1000 && s.measuredBytesPerSec.last1s <= 2000 + 1500, JSON.stringify(s.measuredBytesPerSec));
  assert.ok(s.sojournP99Ms.bulk > 0 && s.details.classes.bulk.sojournP99Ms === s.sojournP99Ms.bulk);
  assert.equal(s.details.classes.bulk.sentBytes, 500 * s.details.classes.bulk.sentUnits);
  assert.equal(s.details.classes.bulk.queuedUnits + s.details.classes.bulk.sentUnits, 10, 'every unit is queued or sent (none dropped)');
  assert.equal(s.queueBytes, 500 * s.details.classes.bulk.queuedUnits);
  assert.ok(quality.length > 0, 'link-quality emitted');
  assert.equal(quality[0].bw, 2000, 'capacity = the shaped rate');
  assert.ok(quality[0].q !== undefined && quality[0].q > 0 && quality[0].s !== undefined && quality[0].s > 0, JSON.stringify(quality[0]));
  gw.module.stop();
});

test('group and per-peer caps: links that share a bucket share its rate', async () => {
  const clock = new ManualClock();
  const gw = startQos(clock, { 'qos-peer-rate-bytes-per-sec': '1000', 'qos-group-uplink-rate-bytes-per-sec': '1500', 'qos-gateway-burst-bytes': '1000', 'qos-lan-burst-bytes': '1000', 'qos-aimd': 'false' });
  // two gateway links to the same peer share its 1,000 B/s; all gateway links share the 1,500 B/s uplink
  const l1 = new FakeLink('gw1', clock, { isGatewayLink: true, remotePeerId: '1111111111111111' });
  const l2 = new FakeLink('gw2', clock, { isGatewayLink: true, remotePeerId: '1111111111111111' });
  const l3 = new FakeLink('gw3', clock, { isGatewayLink: true, remotePeerId: '3333333333333333' });
  const [w1, w2, w3] = [l1, l2, l3].map((l) => gw.attach(l));
  const bytes = (l: FakeLink) => l.frames.reduce((n, f) => n + f.length, 0);
  const t0 = clock.now();
  for (let s = 0; s < 10; s++) {
    for (const w of [w1, w2, w3]) for (let i = 0; i < 8; i++) w.send(frameOf(250, MessageType.MESSAGE, 5));
    clock.advance(1_000);
  }
  const secs = (clock.now() - t0) / 1000;
  const peer1 = bytes(l1) + bytes(l2);
  const all = peer1 + bytes(l3);
  assert.ok(peer1 <= 1000 * secs + 1000 + 250, `peer 1 got ${peer1} bytes in ${secs} s`);
  assert.ok(all <= 1500 * secs + 1000 + 250, `the uplink group cap holds: ${all}`);
  assert.ok(all >= 1500 * secs * 0.8, `and the group is used: ${all}`);
  assert.ok(bytes(l1) > 0 && bytes(l2) > 0 && bytes(l3) > 0);
  // a phone's link joins its peer bucket once the engine binds it by a direct announce
  const phone = new FakeLink('lan#9', clock);
  const wp = gw.attach(phone);
  gw.emitPeer('9999999999999999', 'lan#9');
  for (let i = 0; i < 40; i++) wp.send(frameOf(250, MessageType.MESSAGE, 9));
  clock.advance(5_000);
  assert.ok(bytes(phone) <= 1000 * 5 + 1000 + 250, `phone capped: ${bytes(phone)}`);
  assert.equal((gw.module.status() as { peerCaps: number }).peerCaps, 3);
  // a phone that announces new peer IDs on the same link does not pile up buckets
  for (const id of ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb', 'cccccccccccccccc']) gw.emitPeer(id, 'lan#9');
  assert.equal((gw.module.status() as { peerCaps: number }).peerCaps, 3, 'the old IDs released their buckets');
  // a peer bucket lives as long as a link to that peer
  await l1.close();
  assert.equal((gw.module.status() as { peerCaps: number }).peerCaps, 3, 'gw2 still uses peer 1');
  await l2.close();
  assert.equal((gw.module.status() as { peerCaps: number }).peerCaps, 2);
  gw.module.stop();
});
