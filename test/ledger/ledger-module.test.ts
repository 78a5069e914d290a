/**
 * The ledger module end to end in one process (virtual time): a relayer hands phones'
 * signed messages to a signer gateway, receipts come back in signed batches, credits are
 * stored before they count, sealed into a chained ledger, exported and audited; every
 * cheat earns 0 and is reported with its code.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/ports/clock.js';
import { decodePacket } from '../../src/protocol/codec.js';
import {
  BASE_FEE,
  RECEIPT_BATCH_TYPE,
  auditExport,
  receiptBatchToBody,
  signReceiptBatch,
  epochOf,
} from '../../src/ledger/index.js';
import { buildLedgerExport } from '../../src/gateway/modules/ledger-exporter.js';
import { connect, disconnect, relay, signedMessage, startNode, status, type Node } from './module-harness.js';
import { entry, identity, removeDir } from './ledger-fixtures.js';

const T0 = 1_700_000_000_000;
const nodes: Node[] = [];
after(() => {
  for (const n of nodes) {
    try {
      n.module.stop();
      n.ledger.close();
    } catch {
      /* closed already */
    }
    removeDir(n.ledger.dir);
  }
});

function setup(over: Parameters<typeof startNode>[1] = {}) {
  const clock = new ManualClock(T0);
  const A = startNode(clock, over); // relayer (credits)
  const B = startNode(clock); // signer
  nodes.push(A, B);
  const pair = connect(A, B);
  const phone = identity();
  return { clock, A, B, pair, phone };
}

test('a relayed, origin-signed message earns the relayer one receipt: stored, credited, sealed, exported and audited', () => {
  const { clock, A, B, pair, phone } = setup();
  assert.equal(status(A).peers[0].proofOfRelay, true, 'ProofOfRelay agreed by ledger-hello');
  for (let i = 0; i < 3; i++) relay(A, B, pair, signedMessage(phone, `hello ${i}`, clock.now() - 50));
  assert.equal(status(B).receipts.waitingToSign, 3, 'receipts wait for the batch delay');
  clock.advance(100);
  const sb = status(B);
  assert.equal(sb.batches.issued, 1, 'three receipts, one signed batch');
  assert.equal(sb.batches.acked, 1, 'the relayer acknowledged it');
  assert.deepEqual(sb.owed.map((o: any) => [o.peer, o.receipts]), [[A.id.peerId, 3]]);
  const sa = status(A);
  assert.equal(sa.receipts.pending, 0);
  assert.deepEqual(sa.earned.map((e: any) => [e.peer, e.receipts, e.units]), [[B.id.peerId, 3, 3 * 2 * BASE_FEE]]);
  clock.advance(1_000); // seal interval
  assert.equal(status(A).batches.ledger, 1);
  const exp = buildLedgerExport(A.module.ledgerStore, { gateway: { peerId: A.id.peerId, signingPublicKey: A.id.pub }, epoch: epochOf(clock.now(), 3_600_000), epochMs: 3_600_000, now: clock.now(), rules: A.module.rules });
  assert.equal(exp.receipts.length, 3);
  const report = auditExport(exp, { keys: { [A.id.peerId]: A.id.pub, [B.id.peerId]: B.id.pub } });
  assert.equal(report.ok, true, JSON.stringify(report.errors));
  assert.equal(report.totals.units, 6 * BASE_FEE);
});

test('forged, replayed, never-sent, tampered, self-dealt and double-claimed receipts each earn 0 and are reported with their code', () => {
  const { clock, A, B, pair, phone } = setup();
  const sendAsB = (body: unknown) => A.control.dispatch(pair.ab, { type: RECEIPT_BATCH_TYPE, body });
  const base = (over: Partial<Parameters<typeof entry>[0]> & { counter: number }) =>
    entry({ origin: phone.peerId, relayer: A.id.peerId, signer: B.id.peerId, epoch: epochOf(clock.now(), 3_600_000), receivedAt: clock.now(), ...over });

  // one honest delivery to have something to replay
  const frame = signedMessage(phone, 'real', clock.now());
  relay(A, B, pair, frame);
  clock.advance(100);
  assert.equal(status(A).earned[0].units, 2 * BASE_FEE);
  const credited = () => status(A).earned.reduce((s: number, e: any) => s + e.units, 0);
  const before = credited();

  // forged: signed by a key that is not B's
  const mallory = identity();
  sendAsB(receiptBatchToBody(signReceiptBatch([base({ counter: 50 })], mallory.key)));
  // tampered: B's valid signature, entries changed afterwards
  const good = receiptBatchToBody(signReceiptBatch([base({ counter: 60 }), base({ counter: 61 })], B.id.key));
  const raw = Buffer.from(good.entries, 'base64');
  raw[73] ^= 0x01;
  sendAsB({ ...good, entries: raw.toString('base64') });
  // receipt for a packet A never handed to B
  sendAsB(receiptBatchToBody(signReceiptBatch([base({ counter: 70 })], B.id.key)));
  // replayed: counter 1 again (already used by the honest batch)
  sendAsB(receiptBatchToBody(signReceiptBatch([base({ counter: 1, packetId: 'ee'.repeat(16) })], B.id.key)));
  // replayed: the same packet acknowledged again under a new counter
  const honest = A.module.ledgerStore.db.prepare('SELECT packet_id FROM ledger_receipts WHERE counter = 1').get() as { packet_id: string };
  sendAsB(receiptBatchToBody(signReceiptBatch([base({ counter: 80, packetId: honest.packet_id })], B.id.key)));
  // self-relay: a receipt for A's own packet
  sendAsB(receiptBatchToBody(signReceiptBatch([base({ counter: 90, origin: A.id.peerId })], B.id.key)));

  const rejected = status(A).rejected;
  for (const code of ['MG_ERR_LEDGER_FORGED', 'MG_ERR_LEDGER_BATCH_TAMPERED', 'MG_ERR_LEDGER_UNKNOWN_PACKET', 'MG_ERR_LEDGER_REPLAYED', 'MG_ERR_LEDGER_SELF_RELAY']) {
    assert.ok((rejected[code] ?? 0) >= 1, `${code} reported: ${JSON.stringify(rejected)}`);
  }
  assert.equal(rejected.MG_ERR_LEDGER_REPLAYED, 2, 'both replays');
  assert.equal(rejected.MG_ERR_LEDGER_BATCH_TAMPERED, 2, 'every entry of the tampered batch');
  assert.equal(credited(), before, 'none of them earned anything');
  assert.deepEqual(
    A.reports.map((r) => [r.peerId, r.offence]),
    [[B.id.peerId, 'bad-signature'], [B.id.peerId, 'invalid-frame']],
    'forged and tampered batches are reported to the peer admission (hygiene)',
  );

  // double claim: a second gateway C signs for the packet B already receipted
  const C = startNode(clock);
  nodes.push(C);
  const pairC = connect(A, C);
  relay(A, C, pairC, frame);
  clock.advance(100);
  assert.equal(status(A).rejected.MG_ERR_LEDGER_DOUBLE_CLAIM, 1);
  assert.equal(credited(), before, 'the message was paid once');
});

test('the signer signs only verified, billable packets from ProofOfRelay peers; fragments and its own relays earn no receipt', () => {
  const { clock, A, B, pair, phone } = setup();
  const frag = signedMessage(phone, 'x', clock.now(), { type: 0x20 });
  relay(A, B, pair, frag);
  const unverified = signedMessage(phone, 'unverified', clock.now());
  pair.ab.send(unverified);
  B.engine.emit('packet', { frame: decodePacket(unverified), linkId: pair.ba.id, relayed: false, verified: null, reassembled: false });
  clock.advance(200);
  assert.equal(status(B).batches.issued, 0);
  assert.equal(status(A).counters.sentRecorded, 1, 'the fragment was not recorded; the unverified message was');
});

test('kill -9 between storing a receipt batch and crediting it: after restart every receipt is credited exactly once', () => {
  class Crash extends Error {}
  const { clock, A, B, pair, phone } = setup({ faultPoint: 'ledger-after-receipt', crash: () => { throw new Crash('killed'); } });
  for (let i = 0; i < 4; i++) relay(A, B, pair, signedMessage(phone, `m${i}`, clock.now()));
  clock.advance(100); // batch arrives, is stored, then the "process dies" (the fault throws out of the handler)
  assert.equal(A.module.ledgerStore.pendingCount(), 4, 'stored before crediting');
  assert.equal(status(B).batches.acked, 0, 'no acknowledgement left the dying relayer');
  // the process is gone: no stop(), no credit. Restart on the same database.
  disconnect(A, B, pair);
  const A2 = startNode(clock, { id: A.id, ledger: A.ledger });
  nodes.push(A2);
  assert.equal(A2.module.ledgerStore.pendingCount(), 0, 'recovered at start');
  const units = () => status(A2).earned.reduce((s: number, e: any) => s + e.units, 0);
  assert.equal(units(), 4 * 2 * BASE_FEE);
  // the signer re-sends the unacknowledged batch on reconnect: recognised, acknowledged, not counted twice
  connect(A2, B);
  assert.equal(status(B).batches.acked, 1);
  assert.equal(status(A2).counters.redelivered, 1);
  assert.equal(units(), 4 * 2 * BASE_FEE);
});

test('at each epoch end the ledger seals, audits its own export and records the result; old epochs are pruned, the chain continues', () => {
  const { clock, A, B, pair, phone } = setup({ settings: { epochMs: 60_000, retainEpochs: 1, auditSample: 0 } });
  relay(A, B, pair, signedMessage(phone, 'epoch one', clock.now()));
  clock.advance(100);
  const first = status(A).epoch;
  clock.advance(60_000); // past the epoch end
  const s = status(A);
  assert.equal(s.epoch, first + 1);
  assert.deepEqual([s.lastAudit.ok, s.lastAudit.source, s.lastAudit.epoch, s.lastAudit.totals.receipts], [true, 'self', first, 1]);
  const head = s.batches.head;
  relay(A, B, pair, signedMessage(phone, 'epoch two', clock.now()));
  clock.advance(1_100);
  clock.advance(60_000); // second roll: epoch `first` is now beyond retainEpochs
  const s2 = status(A);
  assert.equal(s2.batches.head.seq, head.seq + 1, 'the chain continues across epochs');
  const rows = A.module.ledgerStore.db.prepare('SELECT COUNT(*) AS n FROM ledger_receipts WHERE credit_epoch = ?').get(first) as { n: number };
  assert.equal(rows.n, 0, 'receipts of the expired epoch are gone');
  const prev = A.module.ledgerStore.db.prepare('SELECT prev_hash FROM ledger_batches WHERE seq = ?').get(head.seq + 1) as { prev_hash: Buffer };
  assert.equal(prev.prev_hash.toString('hex'), head.hash);
});

test('negotiation: a link whose negotiated features lack ProofOfRelay is ignored; a malformed ledger-hello is counted', async () => {
  const { FakeGatewayLink } = await import('./module-harness.js');
  const clock = new ManualClock(T0);
  const A = startNode(clock);
  nodes.push(A);
  const other = identity();
  const legacy = Object.assign(new FakeGatewayLink('legacy', other.peerId), { features: ['compression'] });
  const link = A.module.wrapLink(legacy);
  A.links.push(link);
  A.events.emit('link-up', { link });
  assert.deepEqual(status(A).peers, [], 'no ProofOfRelay on that link');
  const modern = Object.assign(new FakeGatewayLink('modern', identity().peerId), { negotiated: { features: ['ProofOfRelay'] } });
  const l2 = A.module.wrapLink(modern);
  A.links.push(l2);
  A.events.emit('link-up', { link: l2 });
  assert.equal(status(A).peers.length, 1, 'a negotiated ProofOfRelay link takes part');
  A.control.dispatch(l2, { type: 'ledger-hello', body: { v: 1, features: 'nope' } });
  assert.equal(status(A).counters.rejectedThisRun.MG_ERR_CONTROL_BAD_BODY, 1);
  assert.equal(status(A).peers[0].proofOfRelay, false, 'until a valid hello arrives');
});

test("negotiation: with the overlay module, the link's Noise session decides whether ProofOfRelay receipts are exchanged", async () => {
  const { FakeGatewayLink } = await import('./module-harness.js');
  const clock = new ManualClock(T0);
  const sessions: Record<string, { features: string[] }> = { limited: { features: ['BasicMesh', 'GatewayNodes'] }, full: { features: ['BasicMesh', 'ProofOfRelay'] } };
  const overlay = { sessionFor: (linkId: string) => sessions[linkId] };
  const A = startNode(clock, { modules: { overlay } });
  nodes.push(A);
  for (const id of ['limited', 'full']) {
    // the link object itself claims ProofOfRelay: the negotiated session wins
    const link = A.module.wrapLink(Object.assign(new FakeGatewayLink(id, identity().peerId), { features: ['ProofOfRelay'] }));
    A.links.push(link);
    A.events.emit('link-up', { link });
  }
  assert.equal(status(A).peers.length, 1, 'only the session that negotiated ProofOfRelay takes part');
  assert.equal(status(A).counters.notNegotiated, 1);
});

test('a redelivered batch is verified before it is acknowledged: a known root with a forged signature is MG_ERR_LEDGER_FORGED and gets no ack', () => {
  const { clock, A, B, pair, phone } = setup();
  const bodies: unknown[] = [];
  let acks = 0;
  const dispatchA = A.control.dispatch.bind(A.control);
  A.control.dispatch = (link, msg) => {
    if (msg.type === RECEIPT_BATCH_TYPE) bodies.push(msg.body);
    dispatchA(link, msg);
  };
  const dispatchB = B.control.dispatch.bind(B.control);
  B.control.dispatch = (link, msg) => {
    if (msg.type === 'receipt-ack') acks++;
    dispatchB(link, msg);
  };
  relay(A, B, pair, signedMessage(phone, 'once', clock.now()));
  clock.advance(100);
  assert.equal(bodies.length, 1);
  assert.equal(acks, 1);
  const honest = bodies[0] as { sig: string };
  // an honest redelivery is acknowledged again and not counted twice
  A.control.dispatch(pair.ab, { type: RECEIPT_BATCH_TYPE, body: honest });
  assert.equal(acks, 2);
  assert.equal(status(A).counters.redelivered, 1);
  // the same root under a forged signature is refused
  const forgedSig = Buffer.from(honest.sig, 'hex');
  forgedSig[0] ^= 0xff;
  A.control.dispatch(pair.ab, { type: RECEIPT_BATCH_TYPE, body: { ...honest, sig: forgedSig.toString('hex') } });
  assert.equal(acks, 2, 'no ack for the forgery');
  assert.equal(status(A).rejected.MG_ERR_LEDGER_FORGED, 1);
  assert.equal(status(A).counters.redelivered, 1);
});
