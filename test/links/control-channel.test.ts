/** The control channel of links (src/ports/link.ts, src/links/base-link.ts) over memory links and its wire text. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/ports/clock.js';
import { MemoryMedium } from '../../src/links/memory/index.js';
import { decodeControl, encodeControl, MAX_CONTROL_TYPE_LENGTH } from '../../src/links/base-link.js';
import { MAX_CONTROL_BYTES, type ControlMessage } from '../../src/ports/link.js';

test('gateway memory links carry control messages in order with frames, deep-copied', () => {
  const clock = new ManualClock(0);
  const medium = new MemoryMedium({ clock }, { latencyMs: 5 });
  const [a, b] = medium.connect('a', 'b', { isGatewayLink: true });
  const seen: string[] = [];
  b.on('frame', (f) => seen.push(`frame ${f[0]}`));
  b.on('control', (m) => seen.push(`control ${m.type} ${JSON.stringify(m.body)}`));
  const body = { x: [1, 2] };
  assert.equal(a.send(new Uint8Array([1])), true);
  assert.equal(a.sendControl({ type: 'lsa', body }), true);
  body.x.push(3);
  assert.equal(a.send(new Uint8Array([2])), true);
  clock.advance(5);
  assert.deepEqual(seen, ['frame 1', 'control lsa {"x":[1,2]}', 'frame 2']);
  assert.equal(a.stats().controlOut, 1);
  assert.equal(b.stats().controlIn, 1);
});

test('phone memory links have no control channel; closed links throw', async () => {
  const clock = new ManualClock(0);
  const [a] = new MemoryMedium({ clock }).connect('a', 'b');
  assert.equal(a.sendControl({ type: 'x', body: null }), false);
  assert.equal(a.stats().drops.MG_ERR_LINK_CONTROL_UNSUPPORTED, 1);
  await a.close();
  assert.throws(() => a.sendControl({ type: 'x', body: null }), /MG_ERR_LINK_CLOSED/);
});

test('wire text: round trip, and every malformed or oversized form is refused', () => {
  const m: ControlMessage = { type: 'receipt', body: { id: 'ab', n: 3 } };
  assert.deepEqual(decodeControl(encodeControl(m)!), m);
  assert.equal(encodeControl({ type: '', body: 1 }), undefined);
  assert.equal(encodeControl({ type: 'x'.repeat(MAX_CONTROL_TYPE_LENGTH + 1), body: 1 }), undefined);
  assert.equal(encodeControl({ type: 'big', body: 'x'.repeat(MAX_CONTROL_BYTES) }), undefined);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(encodeControl({ type: 'c', body: cyclic }), undefined);
  assert.equal(encodeControl({ type: 'b', body: 10n }), undefined);
  for (const bad of ['', 'nope', '[]', 'null', '{"b":1}', '{"t":5}', '{"t":""}', 'x'.repeat(MAX_CONTROL_BYTES + 1)]) {
    assert.equal(decodeControl(bad), undefined, bad.slice(0, 20));
  }
  assert.deepEqual(decodeControl('{"t":"__proto__"}'), { type: '__proto__', body: null });
});
