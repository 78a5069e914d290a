/**
 * Backpressure on a real loopback TCP link: `setReadPaused(true)` stops frames being read
 * (TCP flow control then holds the sender back), `false` delivers them again, none lost;
 * `driverQueueBytes()` is the socket's unsent bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { LanTcpLink } from '../../src/links/lan-tcp/index.js';
import { waitFor } from '../overlay/ws-helpers.js';

test('a paused LAN link reads nothing until resumed, and loses nothing', async () => {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect(port, '127.0.0.1');
  await once(client, 'connect');
  const [serverSocket] = await accepted;
  const receiver = new LanTcpLink({ socket: serverSocket }, { id: 'rx', keepAliveMs: 0, idleTimeoutMs: 0 });
  const sender = new LanTcpLink({ socket: client }, { id: 'tx', keepAliveMs: 0, idleTimeoutMs: 0 });
  try {
    const got: number[] = [];
    receiver.on('frame', (f) => got.push(f[0]));
    receiver.setReadPaused(true);
    for (let i = 0; i < 50; i++) sender.send(new Uint8Array(100).fill(i));
    // the sender's socket has handed everything to the kernel; a few event-loop turns later
    // the paused receiver still has read nothing
    await waitFor(() => sender.driverQueueBytes() === 0, 3_000, 'sender flushed');
    for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
    assert.equal(got.length, 0, 'nothing read while paused');
    receiver.setReadPaused(false);
    await waitFor(() => got.length === 50, 3_000, 'frames after resume');
    assert.deepEqual(got, Array.from({ length: 50 }, (_, i) => i), 'all, in order');
  } finally {
    await sender.close();
    await receiver.close();
    server.close();
  }
});
