/**
 * The Link compliance suite: every link adapter runs it (modelled on libp2p's
 * `packages/interface-compliance-tests`). It checks the contract documented in
 * src/ports/link.ts and nothing transport-specific, so in-memory, TCP, WebSocket and BLE
 * links can all run it.
 *
 * Usage, in a `*.test.ts` file:
 *   linkComplianceSuite('memory', async () => { const [a, b] = medium.connect(); return { a, b, cleanup: async () => {} }; },
 *                       { flush: async () => clock.advance(100) });
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isMeshgateError } from '../../src/errors.js';
import type { Link } from '../../src/ports/link.js';

/** Two open links connected to each other: what `a` sends, `b` receives, and back. */
export interface LinkPair {
  a: Link;
  b: Link;
  /** Release everything the pair holds (may be called after the links closed). */
  cleanup(): Promise<void>;
}

export interface LinkComplianceOptions {
  /** Deliver all in-flight frames (e.g. advance a ManualClock, or await real I/O). Default: wait for real I/O (setImmediate/short polling with a 2 s deadline). */
  flush?: () => Promise<void>;
}

/** Deadline in ms for anything the suite waits for. */
const DEADLINE_MS = 2_000;
/** Per-test timeout in ms (node:test), generous for slow CI machines. */
const TEST_TIMEOUT_MS = 20_000;

/**
 * Resolve once `predicate()` is true; reject after `deadlineMs` (default 2,000). Polls on
 * setImmediate for the first rounds (so fast loopback I/O is seen at once), then every 5 ms.
 */
export async function waitFor(predicate: () => boolean, deadlineMs = DEADLINE_MS, what = 'condition'): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (let round = 0; ; round++) {
    if (predicate()) return;
    if (Date.now() > end) throw new Error(`waitFor: ${what} not met within ${deadlineMs} ms`);
    await new Promise<void>((resolve) => (round < 50 ? setImmediate(resolve) : setTimeout(resolve, 5)));
  }
}

/** A frame of `length` bytes that encodes `seq` in its first 4 bytes (when room) and a pattern. */
function makeFrame(seq: number, length: number): Uint8Array {
  const f = new Uint8Array(length);
  for (let i = 0; i < length; i++) f[i] = (seq * 31 + i * 7 + 1) & 0xff;
  if (length >= 4) new DataView(f.buffer).setUint32(0, seq, false);
  return f;
}

function sameBytes(actual: Uint8Array | undefined, expected: Uint8Array, label: string): void {
  assert.ok(actual, `${label}: frame missing`);
  assert.equal(actual.length, expected.length, `${label}: length`);
  assert.ok(Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.length)), `${label}: bytes differ`);
}

interface Recorder {
  frames: Uint8Array[];
  closes: string[];
}

function record(link: Link): Recorder {
  const r: Recorder = { frames: [], closes: [] };
  link.on('frame', (f) => r.frames.push(f.slice()));
  link.on('close', (reason) => r.closes.push(reason));
  return r;
}

function expectCode(code: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(isMeshgateError(err), `expected a MeshgateError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  };
}

/**
 * Register `describe(name + ' link compliance')` with the contract tests for the Link port.
 * @param makePair creates a fresh connected pair per test; `cleanup` is always awaited.
 * @param opts.flush drives delivery (virtual time); default waits on real I/O.
 */
export function linkComplianceSuite(name: string, makePair: () => Promise<LinkPair>, opts: LinkComplianceOptions = {}): void {
  const flush = opts.flush;

  /** Drive delivery until `predicate` holds (2 s real-time deadline). */
  async function until(predicate: () => boolean, what: string): Promise<void> {
    if (!flush) return waitFor(predicate, DEADLINE_MS, what);
    const end = Date.now() + DEADLINE_MS;
    for (;;) {
      await flush();
      if (predicate()) return;
      if (Date.now() > end) throw new Error(`${what} not met within ${DEADLINE_MS} ms`);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Let anything still in flight arrive (used before asserting that nothing more came). */
  async function settle(): Promise<void> {
    if (flush) {
      for (let i = 0; i < 3; i++) await flush();
    } else {
      await new Promise<void>((resolve) => setTimeout(resolve, 25));
    }
  }

  async function withPair(body: (p: LinkPair) => Promise<void>): Promise<void> {
    const pair = await makePair();
    try {
      await body(pair);
    } finally {
      await pair.cleanup();
    }
  }

  function it(title: string, body: (p: LinkPair) => Promise<void>): void {
    test(title, { timeout: TEST_TIMEOUT_MS }, () => withPair(body));
  }

  describe(`${name} link compliance`, () => {
    it('a new pair is open, with distinct IDs, a frame cap and zeroed stats', async ({ a, b }) => {
      for (const l of [a, b]) {
        assert.equal(l.isOpen, true);
        assert.equal(typeof l.id, 'string');
        assert.ok(l.id.length > 0);
        assert.ok(Number.isInteger(l.maxFrameBytes) && l.maxFrameBytes > 0, 'maxFrameBytes is a positive integer');
        const s = l.stats();
        assert.deepEqual([s.framesIn, s.framesOut, s.bytesIn, s.bytesOut], [0, 0, 0, 0]);
        assert.deepEqual(s.drops, {});
        assert.ok(s.lastActivity >= s.openedAt);
      }
      assert.notEqual(a.id, b.id);
      assert.equal(a.kind, b.kind);
    });

    it('a frame arrives whole in each direction', async ({ a, b }) => {
      const ra = record(a);
      const rb = record(b);
      const fab = makeFrame(1, 200);
      const fba = makeFrame(2, 333);
      assert.equal(a.send(fab), true);
      assert.equal(b.send(fba), true);
      await until(() => rb.frames.length === 1 && ra.frames.length === 1, 'one frame each way');
      sameBytes(rb.frames[0], fab, 'a->b');
      sameBytes(ra.frames[0], fba, 'b->a');
    });

    it('a 1-byte frame arrives in each direction', async ({ a, b }) => {
      const ra = record(a);
      const rb = record(b);
      a.send(Uint8Array.of(0x42));
      b.send(Uint8Array.of(0x00));
      await until(() => rb.frames.length === 1 && ra.frames.length === 1, '1-byte frames');
      sameBytes(rb.frames[0], Uint8Array.of(0x42), 'a->b');
      sameBytes(ra.frames[0], Uint8Array.of(0x00), 'b->a');
    });

    it('a frame of exactly maxFrameBytes arrives in each direction', async ({ a, b }) => {
      const max = Math.min(a.maxFrameBytes, b.maxFrameBytes);
      const ra = record(a);
      const rb = record(b);
      const big1 = makeFrame(7, max);
      const big2 = makeFrame(8, max);
      assert.equal(a.send(big1), true);
      assert.equal(b.send(big2), true);
      await until(() => rb.frames.length === 1 && ra.frames.length === 1, 'max-size frames');
      sameBytes(rb.frames[0], big1, 'a->b');
      sameBytes(ra.frames[0], big2, 'b->a');
      assert.deepEqual(a.stats().drops, {});
      assert.deepEqual(b.stats().drops, {});
    });

    it('a burst of 1,000 frames each way arrives in order, exactly once', async ({ a, b }) => {
      const N = 1_000;
      const ra = record(a);
      const rb = record(b);
      const sentAb: Uint8Array[] = [];
      const sentBa: Uint8Array[] = [];
      for (let i = 0; i < N; i++) {
        const fab = makeFrame(i, 4 + (i % 61));
        const fba = makeFrame(N + i, 4 + ((i * 7) % 97));
        assert.equal(a.send(fab), true, `a.send #${i} accepted`);
        assert.equal(b.send(fba), true, `b.send #${i} accepted`);
        sentAb.push(fab);
        sentBa.push(fba);
      }
      await until(() => rb.frames.length >= N && ra.frames.length >= N, '1,000 frames each way');
      await settle();
      assert.equal(rb.frames.length, N, 'a->b exactly once');
      assert.equal(ra.frames.length, N, 'b->a exactly once');
      for (let i = 0; i < N; i++) {
        sameBytes(rb.frames[i], sentAb[i], `a->b #${i}`);
        sameBytes(ra.frames[i], sentBa[i], `b->a #${i}`);
      }
    });

    it('a frame over maxFrameBytes throws MG_ERR_LINK_FRAME_TOO_LARGE, is counted, and the link keeps working', async ({ a, b }) => {
      const rb = record(b);
      assert.throws(() => a.send(new Uint8Array(a.maxFrameBytes + 1)), expectCode('MG_ERR_LINK_FRAME_TOO_LARGE'));
      assert.throws(() => a.send(new Uint8Array(a.maxFrameBytes + 1000)), expectCode('MG_ERR_LINK_FRAME_TOO_LARGE'));
      assert.equal(a.stats().drops.MG_ERR_LINK_FRAME_TOO_LARGE, 2);
      assert.equal(a.stats().framesOut, 0);
      assert.equal(a.isOpen, true);
      const ok = makeFrame(3, 10);
      a.send(ok);
      await until(() => rb.frames.length === 1, 'frame after oversize');
      await settle();
      assert.equal(rb.frames.length, 1, 'the oversized frames were never delivered');
      sameBytes(rb.frames[0], ok, 'a->b');
    });

    it('stats count frames and bytes in and out, and lastActivity moves forward', async ({ a, b }) => {
      const rb = record(b);
      const ra = record(a);
      const before = a.stats().lastActivity;
      a.send(makeFrame(1, 10));
      a.send(makeFrame(2, 20));
      a.send(makeFrame(3, 30));
      b.send(makeFrame(4, 5));
      await until(() => rb.frames.length === 3 && ra.frames.length === 1, 'frames for stats');
      const sa = a.stats();
      const sb = b.stats();
      assert.equal(sa.framesOut, 3);
      assert.equal(sa.bytesOut, 60);
      assert.equal(sa.framesIn, 1);
      assert.equal(sa.bytesIn, 5);
      assert.equal(sb.framesIn, 3);
      assert.equal(sb.bytesIn, 60);
      assert.equal(sb.framesOut, 1);
      assert.equal(sb.bytesOut, 5);
      assert.ok(sa.lastActivity >= before && sa.lastActivity >= sa.openedAt);
      assert.ok(sb.lastActivity >= sb.openedAt);
      // stats() returns a snapshot, not a live view
      const snap = a.stats();
      snap.drops.X = 1;
      snap.framesOut = 999;
      assert.equal(a.stats().framesOut, 3);
      assert.equal(a.stats().drops.X, undefined);
    });

    it('a throwing frame listener does not break delivery to other listeners or later frames', async ({ a, b }) => {
      let thrown = 0;
      b.on('frame', () => {
        thrown++;
        throw new Error('listener bug');
      });
      const rb = record(b);
      for (let i = 0; i < 5; i++) a.send(makeFrame(i, 8));
      await until(() => rb.frames.length === 5, 'frames despite a throwing listener');
      assert.equal(thrown, 5);
      assert.equal(b.isOpen, true);
      for (let i = 0; i < 5; i++) sameBytes(rb.frames[i], makeFrame(i, 8), `frame ${i}`);
    });

    it('off() removes a frame listener', async ({ a, b }) => {
      const got: number[] = [];
      const l = (f: Uint8Array): void => {
        got.push(f.length);
      };
      b.on('frame', l);
      const rb = record(b);
      a.send(makeFrame(1, 11));
      await until(() => rb.frames.length === 1, 'first frame');
      b.off('frame', l);
      a.send(makeFrame(2, 12));
      await until(() => rb.frames.length === 2, 'second frame');
      assert.deepEqual(got, [11]);
    });

    it('close() is idempotent and the close event fires exactly once on both sides', async ({ a, b }) => {
      const ra = record(a);
      const rb = record(b);
      const p1 = a.close('test close');
      const p2 = a.close('again');
      await Promise.all([p1, p2]);
      await a.close();
      assert.equal(a.isOpen, false);
      assert.equal(ra.closes.length, 1);
      assert.equal(typeof ra.closes[0], 'string');
      await until(() => rb.closes.length === 1, 'remote close event');
      assert.equal(b.isOpen, false);
      await b.close();
      await settle();
      assert.equal(ra.closes.length, 1, 'local close fired once');
      assert.equal(rb.closes.length, 1, 'remote close fired once');
    });

    it('closing from the other side works the same', async ({ a, b }) => {
      const ra = record(a);
      const rb = record(b);
      await b.close();
      assert.equal(rb.closes.length, 1);
      await until(() => ra.closes.length === 1, 'close seen by a');
      assert.equal(a.isOpen, false);
      await settle();
      assert.equal(ra.closes.length, 1);
      assert.equal(rb.closes.length, 1);
    });

    it('both sides closing at once still fire close exactly once each', async ({ a, b }) => {
      const ra = record(a);
      const rb = record(b);
      await Promise.all([a.close(), b.close()]);
      await settle();
      assert.equal(ra.closes.length, 1);
      assert.equal(rb.closes.length, 1);
      assert.equal(a.isOpen, false);
      assert.equal(b.isOpen, false);
    });

    it('send after close throws MG_ERR_LINK_CLOSED, on both sides', async ({ a, b }) => {
      const rb = record(b);
      await a.close();
      assert.throws(() => a.send(Uint8Array.of(1, 2, 3)), expectCode('MG_ERR_LINK_CLOSED'));
      await until(() => rb.closes.length === 1, 'remote close');
      assert.throws(() => b.send(Uint8Array.of(1, 2, 3)), expectCode('MG_ERR_LINK_CLOSED'));
      // an oversize frame on a closed link is still a closed-link error
      assert.throws(() => a.send(new Uint8Array(a.maxFrameBytes + 1)), expectCode('MG_ERR_LINK_CLOSED'));
      assert.equal(a.stats().framesOut, 0);
    });

    it('a closed link delivers nothing more, even frames already in flight', async ({ a, b }) => {
      const rb = record(b);
      for (let i = 0; i < 10; i++) a.send(makeFrame(i, 16));
      await b.close();
      await until(() => !a.isOpen, 'a learns of the close');
      await settle();
      assert.equal(rb.frames.length, 0);
      assert.equal(b.stats().framesIn, 0);
    });

    it('a throwing close listener does not stop other close listeners', async ({ a, b }) => {
      let other = 0;
      a.on('close', () => {
        throw new Error('listener bug');
      });
      a.on('close', () => {
        other++;
      });
      await a.close();
      assert.equal(other, 1);
      assert.equal(a.isOpen, false);
      await until(() => !b.isOpen, 'remote close');
    });
  });
}
