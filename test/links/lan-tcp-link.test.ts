import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import fc from 'fast-check';
import { isMeshgateError, type MeshgateError } from '../../src/errors.js';
import type { Link } from '../../src/ports/link.js';
import { silentLogger } from '../../src/ports/logger.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../../src/links/base-link.js';
import {
  LanTcpLinkAdapter,
  LengthPrefixDecoder,
  encodeLengthPrefixed,
  keepAliveBytes,
  type LanTcpLinkAdapterInit,
} from '../../src/links/lan-tcp/index.js';
import { mulberry32 } from '../../src/links/memory/index.js';
import { linkComplianceSuite, waitFor } from './link-compliance.js';

const HOST = '127.0.0.1';

/** A listening adapter on 127.0.0.1:0 that records the links it accepts. */
async function listener(init: Partial<LanTcpLinkAdapterInit> = {}): Promise<{ adapter: LanTcpLinkAdapter; links: Link[]; port: number }> {
  const adapter = new LanTcpLinkAdapter({ logger: silentLogger }, { listen: { host: HOST, port: 0 }, ...init });
  const links: Link[] = [];
  adapter.on('link', (l) => links.push(l));
  await adapter.start();
  const port = adapter.address()?.port;
  assert.ok(port && port > 0);
  return { adapter, links, port };
}

async function rawClient(port: number): Promise<{ socket: Socket; received: () => Buffer; closed: () => boolean }> {
  const socket = connect({ host: HOST, port });
  const chunks: Buffer[] = [];
  let isClosed = false;
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => {});
  socket.on('close', () => {
    isClosed = true;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => Buffer.concat(chunks), closed: () => isClosed };
}

function lengthPrefix(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

function collect(link: Link): Uint8Array[] {
  const got: Uint8Array[] = [];
  link.on('frame', (f) => got.push(f));
  return got;
}

linkComplianceSuite('lan-tcp (loopback)', async () => {
  const server = await listener();
  const client = new LanTcpLinkAdapter({ logger: silentLogger }, { peers: [{ host: HOST, port: server.port }], reconnect: { initialMs: 50 } });
  const dialled: Link[] = [];
  client.on('link', (l) => dialled.push(l));
  await client.start();
  await waitFor(() => dialled.length === 1 && server.links.length === 1, 2_000, 'loopback connection');
  return {
    a: dialled[0],
    b: server.links[0],
    cleanup: async () => {
      await client.stop();
      await server.adapter.stop();
    },
  };
});

describe('LengthPrefixDecoder', () => {
  test('encodes a frame as a big-endian u32 length then the bytes (SyncedSocket.kt)', () => {
    assert.deepEqual([...encodeLengthPrefixed(Uint8Array.of(0xaa, 0xbb, 0xcc))], [0, 0, 0, 3, 0xaa, 0xbb, 0xcc]);
    assert.deepEqual([...encodeLengthPrefixed(new Uint8Array(258)).subarray(0, 4)], [0, 0, 1, 2]);
    assert.deepEqual([...keepAliveBytes()], [0, 0, 0, 0]);
  });

  test('any chunking of a stream of frames and keep-alives decodes to the same frames (property)', () => {
    const item = fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.constant(null));
    fc.assert(
      fc.property(fc.array(item, { maxLength: 30 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1 }), (items, cuts) => {
        const stream = Buffer.concat(items.map((f) => (f ? encodeLengthPrefixed(f) : keepAliveBytes())));
        const dec = new LengthPrefixDecoder({ maxFrameBytes: 300 });
        const frames: Uint8Array[] = [];
        let keepAlives = 0;
        let pos = 0;
        let k = 0;
        while (pos < stream.length) {
          const n = cuts[k++ % cuts.length];
          const r = dec.push(stream.subarray(pos, pos + n));
          assert.equal(r.error, undefined);
          frames.push(...r.frames);
          keepAlives += r.keepAlives;
          pos += n;
        }
        assert.deepEqual(frames.map((f) => [...f]), items.filter((f) => f !== null).map((f) => [...f!]));
        assert.equal(keepAlives, items.filter((f) => f === null).length);
        assert.equal(dec.bufferedBytes, 0);
      }),
      { numRuns: 300 },
    );
  });

  test('returned frames are copies, not views of the input chunk', () => {
    const chunk = Buffer.from(encodeLengthPrefixed(Uint8Array.of(1, 2, 3)));
    const [f] = new LengthPrefixDecoder().push(chunk).frames;
    chunk.fill(9);
    assert.deepEqual([...f], [1, 2, 3]);
  });

  test('a declared length over the cap fails with MG_ERR_LINK_FRAME_TOO_LARGE, keeps earlier frames, and stays failed', () => {
    const dec = new LengthPrefixDecoder({ maxFrameBytes: 100 });
    const r = dec.push(Buffer.concat([encodeLengthPrefixed(Uint8Array.of(7)), lengthPrefix(101), Buffer.alloc(10)]));
    assert.equal(r.frames.length, 1);
    assert.ok(isMeshgateError(r.error, 'MG_ERR_LINK_FRAME_TOO_LARGE'));
    assert.equal(dec.failed, true);
    assert.equal(dec.bufferedBytes, 0, 'nothing is held after failing');
    const again = dec.push(encodeLengthPrefixed(Uint8Array.of(1)));
    assert.equal(again.frames.length, 0);
    assert.ok(isMeshgateError(again.error, 'MG_ERR_LINK_FRAME_TOO_LARGE'));
    // 0xFFFFFFFF (a "negative" Java int) is over any cap too
    assert.ok(isMeshgateError(new LengthPrefixDecoder().push(lengthPrefix(0xffff_ffff)).error, 'MG_ERR_LINK_FRAME_TOO_LARGE'));
  });

  test('holds only the bytes received while a large declared frame is incomplete', () => {
    const dec = new LengthPrefixDecoder();
    const r = dec.push(Buffer.concat([lengthPrefix(DEFAULT_MAX_FRAME_BYTES), Buffer.alloc(10)]));
    assert.equal(r.frames.length, 0);
    assert.equal(r.error, undefined);
    assert.equal(dec.bufferedBytes, 14);
    assert.equal(dec.maxFrameBytes, DEFAULT_MAX_FRAME_BYTES);
  });

  test('a max-size frame dribbled one byte at a time decodes in linear time', () => {
    const frame = new Uint8Array(DEFAULT_MAX_FRAME_BYTES).map((_, i) => i & 0xff);
    const wire = encodeLengthPrefixed(frame);
    const dec = new LengthPrefixDecoder();
    const out: Uint8Array[] = [];
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < wire.length; i++) out.push(...dec.push(wire.subarray(i, i + 1)).frames);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    assert.equal(out.length, 1);
    assert.ok(Buffer.from(out[0]).equals(Buffer.from(frame)));
    assert.ok(ms < 2_000, `took ${ms} ms`);
  });
});


describe('LanTcpLinkAdapter', () => {
  test('an oversized declared length is counted, closes that connection, and the listener serves the next client', async () => {
    const { adapter, links, port } = await listener({ maxFrameBytes: 1_000 });
    try {
      const bad = await rawClient(port);
      await waitFor(() => links.length === 1, 2_000, 'first link');
      const first = links[0];
      bad.socket.write(Buffer.concat([encodeLengthPrefixed(Uint8Array.of(5)), lengthPrefix(1_001), Buffer.alloc(100)]));
      await waitFor(() => bad.closed() && !first.isOpen, 2_000, 'bad connection closed');
      assert.equal(first.stats().drops.MG_ERR_LINK_FRAME_TOO_LARGE, 1);
      assert.equal(first.stats().framesIn, 1, 'the frame before the bad prefix was delivered');

      const good = await rawClient(port);
      await waitFor(() => links.length === 2, 2_000, 'second link');
      const got = collect(links[1]);
      good.socket.write(encodeLengthPrefixed(Uint8Array.of(1, 2, 3)));
      await waitFor(() => got.length === 1, 2_000, 'frame from second client');
      assert.deepEqual([...got[0]], [1, 2, 3]);
      assert.equal(links[1].isOpen, true);
      good.socket.destroy();
    } finally {
      await adapter.stop();
    }
  });

  test('keep-alives are not delivered as frames', async () => {
    const { adapter, links, port } = await listener();
    try {
      const c = await rawClient(port);
      await waitFor(() => links.length === 1, 2_000, 'link');
      const got = collect(links[0]);
      c.socket.write(Buffer.concat([keepAliveBytes(), keepAliveBytes(), encodeLengthPrefixed(Uint8Array.of(9)), keepAliveBytes()]));
      await waitFor(() => got.length === 1 && (links[0] as unknown as { keepAlivesReceived: number }).keepAlivesReceived === 3, 2_000, 'frame + keep-alives');
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(got.length, 1);
      assert.deepEqual([...got[0]], [9]);
      assert.equal(links[0].stats().framesIn, 1);
      c.socket.destroy();
    } finally {
      await adapter.stop();
    }
  });

  test('a frame dribbled one byte per write is reassembled', async () => {
    const { adapter, links, port } = await listener();
    try {
      const c = await rawClient(port);
      c.socket.setNoDelay(true);
      await waitFor(() => links.length === 1, 2_000, 'link');
      const got = collect(links[0]);
      const frame = Uint8Array.from({ length: 40 }, (_, i) => i + 1);
      const wire = encodeLengthPrefixed(frame);
      for (const byte of wire) {
        await new Promise<void>((resolve) => c.socket.write(Uint8Array.of(byte), () => resolve()));
        await new Promise((r) => setTimeout(r, 1));
      }
      await waitFor(() => got.length === 1, 2_000, 'reassembled frame');
      assert.deepEqual([...got[0]], [...frame]);
      c.socket.destroy();
    } finally {
      await adapter.stop();
    }
  });

  test('the link sends zero-length keep-alives every keepAliveMs', async () => {
    const { adapter, links, port } = await listener({ keepAliveMs: 20 });
    try {
      const c = await rawClient(port);
      await waitFor(() => links.length === 1, 2_000, 'link');
      await waitFor(() => c.received().length >= 12, 2_000, 'three keep-alives');
      assert.ok(c.received().every((b) => b === 0), 'only zero-length prefixes');
      c.socket.destroy();
    } finally {
      await adapter.stop();
    }
  });

  test('a connection silent for idleTimeoutMs is closed; keep-alives keep it open', async () => {
    const { adapter, links, port } = await listener({ idleTimeoutMs: 150, keepAliveMs: 0 });
    try {
      const silent = await rawClient(port);
      const chatty = await rawClient(port);
      await waitFor(() => links.length === 2, 2_000, 'links');
      const timer = setInterval(() => chatty.socket.write(keepAliveBytes()), 30);
      try {
        await waitFor(() => silent.closed(), 2_000, 'silent connection closed');
        assert.equal(chatty.closed(), false);
        assert.equal(links.filter((l) => l.isOpen).length, 1);
      } finally {
        clearInterval(timer);
      }
      chatty.socket.destroy();
    } finally {
      await adapter.stop();
    }
  });

  test('send returns false and counts MG_ERR_LINK_QUEUE_FULL while the socket write buffer is over its cap', async () => {
    const { adapter, links, port } = await listener({ maxWriteBufferBytes: 100_000 });
    try {
      const c = await rawClient(port);
      c.socket.pause(); // the peer stops reading: the kernel buffers fill, then Node's
      await waitFor(() => links.length === 1, 2_000, 'link');
      const link = links[0];
      const frame = new Uint8Array(60_000);
      let accepted = 0;
      while (link.send(frame)) {
        accepted++;
        assert.ok(accepted < 5_000, 'backpressure never applied');
      }
      assert.equal(link.stats().drops.MG_ERR_LINK_QUEUE_FULL, 1);
      assert.equal(link.stats().framesOut, accepted);
      c.socket.destroy();
    } finally {
      await adapter.stop();
    }
  });

  test('an empty frame cannot be sent (zero length means keep-alive): MG_ERR_LINK_PROTOCOL', async () => {
    const { adapter, links, port } = await listener();
    try {
      const c = await rawClient(port);
      await waitFor(() => links.length === 1, 2_000, 'link');
      assert.throws(() => links[0].send(new Uint8Array(0)), (e: unknown) => isMeshgateError(e, 'MG_ERR_LINK_PROTOCOL'));
      c.socket.destroy();
    } finally {
      await adapter.stop();
    }
  });

  test('connections over maxConnections are refused and counted', async () => {
    const { adapter, links, port } = await listener({ maxConnections: 2 });
    try {
      const c1 = await rawClient(port);
      const c2 = await rawClient(port);
      await waitFor(() => links.length === 2, 2_000, 'two links');
      const c3 = await rawClient(port);
      await waitFor(() => c3.closed(), 2_000, 'third refused');
      assert.equal(adapter.stats().refused, 1);
      assert.equal(adapter.stats().accepted, 2);
      assert.equal(adapter.stats().links, 2);
      c1.socket.destroy();
      await waitFor(() => adapter.stats().links === 1, 2_000, 'slot freed');
      const c4 = await rawClient(port);
      await waitFor(() => links.length === 3, 2_000, 'fourth accepted');
      c2.socket.destroy();
      c4.socket.destroy();
    } finally {
      await adapter.stop();
    }
  });

  test('start() rejects with MG_ERR_LINK_LISTEN when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, HOST, r));
    const port = (blocker.address() as { port: number }).port;
    const adapter = new LanTcpLinkAdapter({ logger: silentLogger }, { listen: { host: HOST, port } });
    try {
      await assert.rejects(adapter.start(), (e: unknown) => isMeshgateError(e, 'MG_ERR_LINK_LISTEN'));
    } finally {
      await adapter.stop();
      await new Promise((r) => blocker.close(r));
    }
  });

  test('a dialler re-dials with backoff after failures and after the listener restarts', async () => {
    const first = await listener();
    const port = first.port;
    const errors: MeshgateError[] = [];
    const dialled: Link[] = [];
    const client = new LanTcpLinkAdapter(
      { logger: silentLogger },
      { peers: [{ host: HOST, port }], reconnect: { initialMs: 20, maxMs: 100, factor: 2, jitter: 0.2 } },
    );
    client.on('link', (l) => dialled.push(l));
    client.on('error', (e) => errors.push(e as MeshgateError));
    await client.start();
    let second: Awaited<ReturnType<typeof listener>> | undefined;
    try {
      await waitFor(() => dialled.length === 1 && first.links.length === 1, 2_000, 'first connection');
      await first.adapter.stop();
      await waitFor(() => !dialled[0].isOpen, 2_000, 'dialled link closed');
      await waitFor(() => client.stats().dialFailures >= 2, 3_000, 'failed re-dials while the listener is down');
      assert.ok(errors.every((e) => isMeshgateError(e, 'MG_ERR_LINK_CONNECT')));
      assert.ok(errors.length >= 2);

      second = await listener({ listen: { host: HOST, port } });
      await waitFor(() => dialled.length === 2 && second!.links.length === 1, 3_000, 're-dialled connection');
      const got = collect(second.links[0]);
      dialled[1].send(Uint8Array.of(4, 2));
      await waitFor(() => got.length === 1, 2_000, 'frame over the new link');
      assert.deepEqual([...got[0]], [4, 2]);
      assert.equal(client.stats().dialled, 2);
    } finally {
      await client.stop();
      await second?.adapter.stop();
    }
    // stop() cancels re-dials: nothing more happens afterwards
    const failures = client.stats().dialFailures;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(client.stats().dialFailures, failures);
    assert.equal(dialled.every((l) => !l.isOpen), true);
  });
});
