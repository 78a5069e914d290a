/** The small parts of meshgate/qos: classifier and trust tiers, credit ledger, AIMD, telemetry, flow heap. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodePacket } from '../../src/protocol/codec.js';
import { MessageType, Flags } from '../../src/protocol/packet.js';
import { encodeFragmentPayload } from '../../src/protocol/fragment.js';
import {
  classifyFrame,
  classifyControl,
  CreditLedger,
  parseCreditGrant,
  AimdRate,
  RateMeter,
  LatencyHistogram,
  FlowHeap,
  MALFORMED_FLOW,
} from '../../src/qos/index.js';

const A = new Uint8Array(8).fill(0xa1);
const B = new Uint8Array(8).fill(0xb2);
const pkt = (type: number, opts: { recipient?: Uint8Array; flags?: number; payload?: Uint8Array } = {}) =>
  encodePacket({ version: 1, type, ttl: 7, timestamp: 1_700_000_000_000, flags: opts.flags ?? 0, senderID: A, recipientID: opts.recipient, payload: opts.payload ?? new Uint8Array(10) });

test('classes come from the packet type and the sender tier, never from the sender', () => {
  const known = () => 'paired' as const;
  const unknown = () => 'unknown' as const;
  assert.equal(classifyFrame(pkt(MessageType.NOISE_HANDSHAKE), known).cls, 0);
  assert.equal(classifyFrame(pkt(MessageType.MESSAGE), known).cls, 1);
  assert.equal(classifyFrame(pkt(MessageType.ANNOUNCE), known).cls, 1);
  assert.equal(classifyFrame(pkt(MessageType.FILE_TRANSFER), known).cls, 2);
  assert.equal(classifyFrame(pkt(0x7e), known).cls, 2, 'unknown types are bulk');
  assert.equal(classifyFrame(pkt(MessageType.MESSAGE, { flags: Flags.IS_RSR }), known).cls, 2, 'sync responses are bulk');
  // unknown senders drop one class
  assert.equal(classifyFrame(pkt(MessageType.NOISE_HANDSHAKE), unknown).cls, 1);
  assert.equal(classifyFrame(pkt(MessageType.MESSAGE), unknown).cls, 2);
  assert.equal(classifyFrame(pkt(MessageType.FILE_TRANSFER), unknown).cls, 2);
  // fragments take their original type's class; file-transfer fragments are bulk
  const frag = (orig: number) => pkt(MessageType.FRAGMENT, { payload: encodeFragmentPayload({ fragmentId: new Uint8Array(8), index: 0, total: 2, originalType: orig, chunk: new Uint8Array(50) }) });
  assert.equal(classifyFrame(frag(MessageType.MESSAGE), known).cls, 1);
  assert.equal(classifyFrame(frag(MessageType.FILE_TRANSFER), known).cls, 2);
  // flows: origin (broadcast) or origin>recipient (directed); all-FF recipient = broadcast
  assert.equal(classifyFrame(pkt(MessageType.MESSAGE), known).flowKey, 'a1'.repeat(8));
  assert.equal(classifyFrame(pkt(MessageType.NOISE_ENCRYPTED, { recipient: B }), known).flowKey, `${'a1'.repeat(8)}>${'b2'.repeat(8)}`);
  assert.equal(classifyFrame(pkt(MessageType.MESSAGE, { recipient: new Uint8Array(8).fill(0xff) }), known).flowKey, 'a1'.repeat(8));
  // control messages: control, bulk when large
  assert.deepEqual(classifyControl('lsa', 300), { cls: 0, flowKey: 'ctl:lsa' });
  assert.equal(classifyControl('sync', 50_000).cls, 2);
});

test('the classifier survives any bytes (property): bulk/malformed, never a throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const c = classifyFrame(bytes, () => 'gateway');
      assert.ok(c.cls === 0 || c.cls === 1 || c.cls === 2);
      if (bytes.length < 22) assert.equal(c.flowKey, MALFORMED_FLOW);
    }),
  );
});

test('credit ledger: cumulative grants, frozen while paused, overshoot beyond slack', () => {
  const l = new CreditLedger({ windowBytes: 1000, slackBytes: 100 });
  assert.deepEqual(l.nextGrant(false), { grant: 1000, window: 1000, paused: false });
  assert.equal(l.nextGrant(false), undefined, 'nothing new to say');
  l.onReceived(300);
  assert.deepEqual(l.nextGrant(false), { grant: 1300, window: 1000, paused: false });
  l.onReceived(500);
  assert.deepEqual(l.nextGrant(true), { grant: 1300, window: 1000, paused: true }, 'paused: the grant does not advance (and never shrinks)');
  l.onReceived(550);
  assert.equal(l.overshootBytes(), 0, 'within slack');
  l.onReceived(100);
  assert.equal(l.overshootBytes(), 50);
  assert.deepEqual(parseCreditGrant({ grant: 5, window: 1, paused: false }), { grant: 5, window: 1, paused: false });
  for (const bad of [null, 3, { grant: -1, window: 1, paused: false }, { grant: 1.5, window: 1, paused: false }, { grant: 1, window: 1 }, { grant: '1', window: 1, paused: true }]) {
    assert.equal(parseCreditGrant(bad), undefined, JSON.stringify(bad));
  }
});

test('AIMD: x0.85 (bounded by the measured drain) when above target for an interval, +5 % after 3 clean intervals', () => {
  const a = new AimdRate({ maxRateBytesPerSec: 10_000 });
  const above = { minSojournMs: 50, maxSojournMs: 80, targetMs: 10, drainedBytesPerSec: 0 };
  const clean = { minSojournMs: 0, maxSojournMs: 5, targetMs: 10, drainedBytesPerSec: 0 };
  assert.equal(a.onInterval(above), 8_500);
  assert.equal(a.onInterval({ ...above, drainedBytesPerSec: 4_000 }), 4_000, 'never above the measured capacity');
  assert.equal(a.onInterval(clean), 4_000);
  assert.equal(a.onInterval(clean), 4_000);
  assert.equal(a.onInterval(clean), 4_500);
  assert.equal(a.onInterval({ minSojournMs: 1, maxSojournMs: 20, targetMs: 10, drainedBytesPerSec: 0 }), 4_500, 'a mixed interval resets the clean count');
  for (let i = 0; i < 200; i++) a.onInterval(clean);
  assert.equal(a.rateBytesPerSec, 10_000, 'never above the configured rate');
  for (let i = 0; i < 200; i++) a.onInterval(above);
  assert.equal(a.rateBytesPerSec, a.minRate, 'never below the floor');
});

test('telemetry: bytes/s over completed wall-clock seconds; p99 from the histogram within 10 %', () => {
  const m = new RateMeter(0);
  for (let t = 0; t < 10_000; t += 100) m.add(100, t); // 1,000 B/s
  assert.equal(m.bytesPerSec(10_000, 1), 1_000);
  assert.equal(m.bytesPerSec(10_000, 10), 1_000);
  assert.equal(m.bytesPerSec(20_000, 1), 0, 'idle seconds count as idle');
  assert.equal(m.bytesPerSec(15_000, 10), 500);
  const h = new LatencyHistogram();
  for (let i = 1; i <= 1000; i++) h.record(i);
  const p99 = h.quantile(0.99);
  assert.ok(p99 >= 990 && p99 <= 990 * 1.1, String(p99));
});

test('flow heap keeps the fattest flow on top (property)', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 1000 })), { maxLength: 200 }), (ops) => {
      const heap = new FlowHeap<{ bytes: number; heapIndex: number; id: number }>();
      const items = Array.from({ length: 10 }, (_, id) => ({ bytes: 0, heapIndex: -1, id }));
      for (const [i, b] of ops) {
        items[i].bytes = b;
        heap.update(items[i]);
        const max = Math.max(...items.map((x) => x.bytes));
        if (max === 0) assert.equal(heap.top(), undefined);
        else assert.equal(heap.top()?.bytes, max);
        assert.equal(heap.size, items.filter((x) => x.bytes > 0).length);
      }
    }),
  );
});
