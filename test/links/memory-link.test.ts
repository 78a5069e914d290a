import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManualClock } from '../../src/ports/clock.js';
import { isMeshgateError } from '../../src/errors.js';
import type { Link } from '../../src/ports/link.js';
import { MemoryMedium, MemoryLinkAdapter, mulberry32, DEFAULT_MEMORY_MAX_IN_FLIGHT } from '../../src/links/memory/index.js';
import { linkComplianceSuite } from './link-compliance.js';

function collect(link: Link): Uint8Array[] {
  const got: Uint8Array[] = [];
  link.on('frame', (f) => got.push(f));
  return got;
}

function seqOf(f: Uint8Array): number {
  return new DataView(f.buffer, f.byteOffset, f.byteLength).getUint32(0, false);
}

function seqFrame(seq: number): Uint8Array {
  const f = new Uint8Array(4);
  new DataView(f.buffer).setUint32(0, seq, false);
  return f;
}

{
  const clock = new ManualClock();
  linkComplianceSuite(
    'memory (no latency)',
    async () => {
      const [a, b] = new MemoryMedium({ clock }).connect();
      return { a, b, cleanup: async () => void (await Promise.all([a.close(), b.close()])) };
    },
    { flush: async () => clock.advance(1) },
  );
}

{
  const clock = new ManualClock();
  linkComplianceSuite(
    'memory (latency 20 ms, jitter 15 ms)',
    async () => {
      const [a, b] = new MemoryMedium({ clock }, { latencyMs: 20, jitterMs: 15, seed: 7 }).connect();
      return { a, b, cleanup: async () => void (await Promise.all([a.close(), b.close()])) };
    },
    { flush: async () => clock.advance(40) },
  );
}

describe('mulberry32', () => {
  test('the same seed gives the same sequence; another seed another', () => {
    const r1 = mulberry32(42);
    const r2 = mulberry32(42);
    const r3 = mulberry32(43);
    const s1 = Array.from({ length: 20 }, r1);
    const s2 = Array.from({ length: 20 }, r2);
    const s3 = Array.from({ length: 20 }, r3);
    assert.deepEqual(s1, s2);
    assert.notDeepEqual(s1, s3);
  });

  test('values lie in [0, 1) and are roughly uniform', () => {
    const r = mulberry32(1);
    const buckets = new Array(10).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const v = r();
      assert.ok(v >= 0 && v < 1);
      buckets[Math.floor(v * 10)]++;
    }
    for (const c of buckets) assert.ok(Math.abs(c - n / 10) < n / 100, `bucket ${c} within 10% of ${n / 10}`);
  });
});

describe('MemoryMedium', () => {
  test('a frame arrives after latencyMs, not before', () => {
    const clock = new ManualClock();
    const [a, b] = new MemoryMedium({ clock }, { latencyMs: 50 }).connect();
    const got = collect(b);
    a.send(Uint8Array.of(1));
    clock.advance(49);
    assert.equal(got.length, 0);
    clock.advance(1);
    assert.equal(got.length, 1);
  });

  test('jitter never reorders frames (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer(),
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 60 }),
        (latencyMs, jitterMs, seed, gaps) => {
          const clock = new ManualClock();
          const [a, b] = new MemoryMedium({ clock }, { latencyMs, jitterMs, seed }).connect();
          const got = collect(b);
          gaps.forEach((gap, i) => {
            clock.advance(gap);
            a.send(seqFrame(i));
          });
          clock.advance(latencyMs + jitterMs + 1);
          assert.deepEqual(got.map(seqOf), gaps.map((_, i) => i));
        },
      ),
      { numRuns: 200 },
    );
  });

  test('loss drops about lossRate of frames, reproducibly from the seed', () => {
    const run = (seed: number): number[] => {
      const clock = new ManualClock();
      const medium = new MemoryMedium({ clock }, { lossRate: 0.3, seed });
      const [a, b] = medium.connect();
      const got = collect(b);
      for (let i = 0; i < 10_000; i++) {
        assert.equal(a.send(seqFrame(i)), true, 'a lost frame still counts as sent');
        if (i % 500 === 499) clock.advance(1);
      }
      clock.advance(1);
      const st = medium.stats();
      assert.equal(st.lost + st.delivered, 10_000);
      assert.equal(a.stats().framesOut, 10_000);
      return got.map(seqOf);
    };
    const first = run(5);
    assert.ok(first.length > 6_700 && first.length < 7_300, `delivered ${first.length} of 10,000 at 30% loss`);
    assert.deepEqual(run(5), first, 'same seed, same losses');
    assert.notDeepEqual(run(6), first, 'another seed, other losses');
    for (let i = 1; i < first.length; i++) assert.ok(first[i] > first[i - 1], 'survivors stay in order');
  });

  test('lossRate 1 delivers nothing; setConditions changes later frames only', () => {
    const clock = new ManualClock();
    const medium = new MemoryMedium({ clock }, { lossRate: 1, latencyMs: 10 });
    const [a, b] = medium.connect();
    const got = collect(b);
    a.send(seqFrame(1));
    medium.setConditions({ lossRate: 0, latencyMs: 100 });
    a.send(seqFrame(2));
    clock.advance(99);
    assert.equal(got.length, 0);
    clock.advance(1);
    assert.deepEqual(got.map(seqOf), [2]);
    assert.deepEqual(medium.conditions, { lossRate: 0, latencyMs: 100, jitterMs: 0 });
  });

  test('a full in-flight queue makes send return false and counts MG_ERR_LINK_QUEUE_FULL', () => {
    const clock = new ManualClock();
    const medium = new MemoryMedium({ clock }, { latencyMs: 10, maxInFlight: 4 });
    const [a, b] = medium.connect();
    const got = collect(b);
    for (let i = 0; i < 4; i++) assert.equal(a.send(seqFrame(i)), true);
    assert.equal(a.inFlight, 4);
    assert.equal(a.send(seqFrame(4)), false);
    assert.equal(a.send(seqFrame(5)), false);
    assert.equal(a.stats().drops.MG_ERR_LINK_QUEUE_FULL, 2);
    assert.equal(a.stats().framesOut, 4);
    assert.equal(medium.stats().queueFull, 2);
    // the other direction has its own queue
    assert.equal(b.send(seqFrame(9)), true);
    clock.advance(10);
    assert.deepEqual(got.map(seqOf), [0, 1, 2, 3]);
    assert.equal(a.send(seqFrame(6)), true, 'room again once delivered');
  });

  test('the default in-flight bound is 1,024 frames per direction', () => {
    const clock = new ManualClock();
    const [a] = new MemoryMedium({ clock }, { latencyMs: 1 }).connect();
    assert.equal(DEFAULT_MEMORY_MAX_IN_FLIGHT, 1_024);
    for (let i = 0; i < 1_024; i++) assert.equal(a.send(seqFrame(i)), true);
    assert.equal(a.send(seqFrame(1_024)), false);
  });

  test('frames are copied on send', () => {
    const clock = new ManualClock();
    const [a, b] = new MemoryMedium({ clock }, { latencyMs: 5 }).connect();
    const got = collect(b);
    const f = Uint8Array.of(1, 2, 3);
    a.send(f);
    f[0] = 99;
    clock.advance(5);
    assert.deepEqual([...got[0]], [1, 2, 3]);
  });

  test('a close reaches the peer after the frames sent before it', () => {
    const clock = new ManualClock();
    const [a, b] = new MemoryMedium({ clock }, { latencyMs: 30 }).connect();
    const events: string[] = [];
    b.on('frame', (f) => events.push(`frame ${seqOf(f)}`));
    b.on('close', (r) => events.push(`close ${r}`));
    a.send(seqFrame(1));
    a.send(seqFrame(2));
    void a.close('bye');
    assert.equal(b.isOpen, true, 'the peer learns after the latency');
    clock.advance(30);
    assert.deepEqual(events, ['frame 1', 'frame 2', 'close bye']);
    assert.equal(clock.pending, 0, 'no timers left behind');
  });

  test('sever() closes both ends at once and discards frames in flight', () => {
    const clock = new ManualClock();
    const medium = new MemoryMedium({ clock }, { latencyMs: 30 });
    const [a, b] = medium.connect();
    const gotA = collect(a);
    const gotB = collect(b);
    const closes: string[] = [];
    a.on('close', (r) => closes.push(`a ${r}`));
    b.on('close', (r) => closes.push(`b ${r}`));
    a.send(seqFrame(1));
    b.send(seqFrame(2));
    a.sever('radio lost');
    assert.deepEqual(closes.sort(), ['a radio lost', 'b radio lost']);
    assert.equal(a.isOpen || b.isOpen, false);
    clock.advance(100);
    assert.equal(gotA.length + gotB.length, 0);
    assert.equal(medium.stats().discarded, 2);
    assert.equal(clock.pending, 0);
    a.sever();
    assert.equal(closes.length, 2, 'sever on a closed link is a no-op');
  });

  test('connect() names ends, sets remoteAddress and isGatewayLink', () => {
    const clock = new ManualClock();
    const medium = new MemoryMedium({ clock });
    const [a, b] = medium.connect();
    const [c, d] = medium.connect('gw-1', 'gw-2', { isGatewayLink: true, maxFrameBytes: 100 });
    assert.equal(new Set([a.id, b.id, c.id, d.id]).size, 4);
    assert.equal(a.kind, 'memory');
    assert.equal(a.remoteAddress, `memory:${b.id}`);
    assert.equal(c.id, 'gw-1');
    assert.equal(d.remoteAddress, 'memory:gw-1');
    assert.equal(a.isGatewayLink, false);
    assert.equal(c.isGatewayLink && d.isGatewayLink, true);
    assert.equal(c.maxFrameBytes, 100);
  });

  test('invalid conditions throw MG_ERR_CONFIG_INVALID naming the field', () => {
    const clock = new ManualClock();
    const bad = [{ lossRate: 1.5 }, { lossRate: -0.1 }, { latencyMs: -1 }, { jitterMs: Number.NaN }, { maxInFlight: 0 }];
    for (const init of bad) {
      assert.throws(
        () => new MemoryMedium({ clock }, init),
        (err: unknown) => isMeshgateError(err, 'MG_ERR_CONFIG_INVALID') && err.message.includes(Object.keys(init)[0]),
      );
    }
    const medium = new MemoryMedium({ clock });
    assert.throws(() => medium.setConditions({ lossRate: 2 }), (err: unknown) => isMeshgateError(err, 'MG_ERR_CONFIG_INVALID'));
    assert.equal(medium.conditions.lossRate, 0, 'a rejected change leaves conditions as they were');
  });
});

describe('MemoryLinkAdapter', () => {
  test('emits links attached before start on start, and later ones at once', async () => {
    const clock = new ManualClock();
    const medium = new MemoryMedium({ clock });
    const adapter = new MemoryLinkAdapter();
    assert.equal(adapter.kind, 'memory');
    const seen: string[] = [];
    adapter.on('link', (l) => seen.push(l.id));
    const [a1] = medium.connect('a1', 'b1');
    adapter.attach(a1);
    assert.deepEqual(seen, []);
    await adapter.start();
    assert.deepEqual(seen, ['a1']);
    const [a2] = medium.connect('a2', 'b2');
    assert.equal(adapter.attach(a2), true);
    assert.deepEqual(seen, ['a1', 'a2']);
    assert.equal(adapter.size, 2);
    await a1.close();
    assert.equal(adapter.size, 1, 'closed links are forgotten');
    await adapter.stop();
  });

  test('stop() closes its links; attach after stop refuses and closes the link', async () => {
    const clock = new ManualClock();
    const medium = new MemoryMedium({ clock });
    const adapter = new MemoryLinkAdapter();
    await adapter.start();
    const [a, b] = medium.connect();
    adapter.attach(a);
    await adapter.stop();
    assert.equal(a.isOpen, false);
    clock.advance(1);
    assert.equal(b.isOpen, false, 'the peer sees the close');
    const [c] = medium.connect();
    assert.equal(adapter.attach(c), false);
    assert.equal(c.isOpen, false);
    assert.equal(adapter.refused, 1);
  });

  test('maxLinks bounds open links; a throwing listener is not fatal', async () => {
    const clock = new ManualClock();
    const medium = new MemoryMedium({ clock });
    const adapter = new MemoryLinkAdapter({}, { maxLinks: 2 });
    const seen: string[] = [];
    adapter.on('link', () => {
      throw new Error('listener bug');
    });
    adapter.on('link', (l) => seen.push(l.id));
    await adapter.start();
    const links = [medium.connect('x1', 'y1')[0], medium.connect('x2', 'y2')[0], medium.connect('x3', 'y3')[0]];
    assert.deepEqual(links.map((l) => adapter.attach(l)), [true, true, false]);
    assert.deepEqual(seen, ['x1', 'x2']);
    assert.equal(links[2].isOpen, false);
    assert.equal(adapter.refused, 1);
    await adapter.stop();
  });
});
