/**
 * The module system of the daemon (src/gateway/module.ts): two in-process gateways on
 * loopback with a test module each — start context, status, wrapLink, control messages
 * between gateways, link events, run-time dialling and hang-up, storage migrations.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gateway } from '../../src/gateway/gateway.js';
import { loadConfig } from '../../src/gateway/config.js';
import type { GatewayModule, GatewayModuleContext } from '../../src/gateway/module.js';
import type { Link } from '../../src/ports/link.js';
import { silentLogger } from '../../src/ports/logger.js';
import { applyModuleMigrations, preparedRetained } from '../../src/storage/index.js';
import { waitFor } from '../overlay/ws-helpers.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

class EchoModule implements GatewayModule {
  readonly name = 'echo';
  ctx!: GatewayModuleContext;
  readonly got: Array<{ peerId: string | undefined; body: unknown }> = [];
  readonly wrapped: string[] = [];
  readonly events: string[] = [];
  stopped = false;
  start(ctx: GatewayModuleContext): void {
    this.ctx = ctx;
    applyModuleMigrations({ logger: silentLogger, now: () => ctx.clock.now() }, ctx.db, 'echo', [
      { version: 1, name: 'echo table', up: (db) => db.exec('CREATE TABLE echo_seen (n INTEGER NOT NULL)') },
    ]);
    ctx.control.on('echo', (m) => {
      this.got.push({ peerId: m.peerId, body: m.body });
      preparedRetained(ctx.db, 'INSERT INTO echo_seen (n) VALUES (?)').run(1);
    });
    ctx.events.on('link-up', (e) => this.events.push(`up ${e.link.isGatewayLink}`));
    ctx.events.on('link-down', () => this.events.push('down'));
  }
  stop(): void {
    this.stopped = true;
  }
  status(): unknown {
    return { got: this.got.length };
  }
  wrapLink(link: Link): Link {
    this.wrapped.push(link.id);
    return link;
  }
}

async function startGateway(mod: EchoModule, extra: Record<string, string> = {}): Promise<Gateway> {
  const dir = mkdtempSync(join(tmpdir(), 'meshgate-mod-'));
  dirs.push(dir);
  const config = loadConfig({
    flags: { 'state-dir': dir, 'http-port': '0', 'lan-port': '0', 'gateway-port': '0', 'http-host': '127.0.0.1', 'lan-host': '127.0.0.1', 'gateway-host': '127.0.0.1', 'clock-source': 'synced', ...extra },
  });
  const gw = new Gateway({ logger: silentLogger, modules: [mod] }, config);
  await gw.start();
  return gw;
}

test('modules start with a context, see links, exchange control messages, dial at run time', async () => {
  const ma = new EchoModule();
  const mb = new EchoModule();
  const a = await startGateway(ma);
  const b = await startGateway(mb);
  try {
    assert.equal(ma.ctx.identity.peerId, a.peerId);
    assert.equal(a.module('echo'), ma);
    // run-time dial from A to B
    const url = `ws://127.0.0.1:${b.ports.gateway}/meshgate`;
    assert.equal(ma.ctx.dialer.dial(url, { source: 'test' }), true);
    assert.equal(ma.ctx.dialer.dial('ftp://x/', { source: 'test' }), false, 'no transport for ftp:');
    await waitFor(() => ma.ctx.links().some((l) => l.isGatewayLink) && mb.ctx.links().some((l) => l.isGatewayLink), 5_000, 'gateway link');
    assert.deepEqual(ma.ctx.dialer.dialled().map((d) => [d.url, d.source]), [[url, 'test']]);
    assert.ok(ma.wrapped.length === 1 && ma.events.includes('up true'));
    // control messages both ways, with the authenticated peer ID
    const linkA = ma.ctx.links().find((l) => l.isGatewayLink)!;
    assert.equal(ma.ctx.control.send(linkA.id, 'echo', { n: 1 }), true);
    assert.equal(mb.ctx.control.broadcast('echo', { n: 2 }), 1);
    assert.equal(ma.ctx.control.broadcast('nobody-handles-this', {}), 1);
    await waitFor(() => mb.got.length === 1 && ma.got.length === 1, 3_000, 'control delivery');
    assert.deepEqual(mb.got[0], { peerId: a.peerId, body: { n: 1 } });
    assert.deepEqual(ma.got[0], { peerId: b.peerId, body: { n: 2 } });
    await waitFor(() => (b.status().control as { drops: Record<string, number> }).drops.MG_ERR_CONTROL_UNKNOWN_TYPE === 1, 3_000, 'unknown type counted');
    const st = a.status() as { modules: { echo: { got: number } }; control: { sent: Record<string, number> } };
    assert.deepEqual(st.modules.echo, { got: 1 });
    assert.equal(st.control.sent.echo, 1);
    assert.equal((mb.ctx.db.prepare('SELECT COUNT(*) AS n FROM echo_seen').get() as { n: number }).n, 1);
    // hang up: the link goes away and is not redialled
    ma.ctx.dialer.hangup(url);
    await waitFor(() => ma.events.includes('down') && !ma.ctx.links().some((l) => l.isGatewayLink), 5_000, 'hangup');
    assert.deepEqual(ma.ctx.dialer.dialled(), []);
  } finally {
    await a.stop();
    await b.stop();
  }
  assert.ok(ma.stopped && mb.stopped);
});

test('phone links refuse control messages and count it', async () => {
  const ma = new EchoModule();
  const a = await startGateway(ma);
  try {
    const { connect } = await import('node:net');
    const sock = connect(a.ports.lan!, '127.0.0.1');
    await waitFor(() => ma.ctx.links().length === 1, 3_000, 'lan link');
    const link = ma.ctx.links()[0];
    assert.equal(link.sendControl({ type: 'echo', body: {} }), false);
    assert.equal(link.stats().drops.MG_ERR_LINK_CONTROL_UNSUPPORTED, 1);
    assert.equal(ma.ctx.control.broadcast('echo', {}), 0, 'phone links are not gateway links');
    sock.destroy();
  } finally {
    await a.stop();
  }
});
