/**
 * The directory, selection and hygiene modules in three in-process gateways on loopback:
 * A — B — C (A and C dial B). Adverts flood A↔C through B; A's selection (2 uplinks)
 * dials C from its advert's endpoint; a malformed advert is rejected and reported; an
 * offending gateway is banned and its link closed.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gateway } from '../../../src/gateway/gateway.js';
import { loadConfig } from '../../../src/gateway/config.js';
import { silentLogger } from '../../../src/ports/logger.js';
import { waitFor } from '../ws-helpers.js';

const dirs: string[] = [];
const gateways: Gateway[] = [];
after(async () => {
  for (const g of gateways) await g.stop().catch(() => undefined);
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

async function start(flags: Record<string, string> = {}): Promise<Gateway> {
  const dir = mkdtempSync(join(tmpdir(), 'meshgate-dir-'));
  dirs.push(dir);
  const config = loadConfig({
    flags: {
      'state-dir': dir,
      'http-port': '0',
      'lan-enabled': 'false',
      'gateway-port': '0',
      'http-host': '127.0.0.1',
      'gateway-host': '127.0.0.1',
      'clock-source': 'synced',
      'discovery-mdns': 'false',
      ...flags,
    },
  });
  const gw = new Gateway({ logger: silentLogger }, config);
  await gw.start();
  gateways.push(gw);
  return gw;
}

type DirStatus = {
  self: { endpoints: string[] };
  gateways: Array<{ peerId: string; hops: number; endpoints: string }>;
  counters: { rejected: Record<string, number> };
  selection: { enabled: boolean; chosen?: string[] };
};
const dirOf = (g: Gateway) => (g.status().modules as Record<string, unknown>).directory as DirStatus;
const hygieneOf = (g: Gateway) => (g.status().modules as Record<string, unknown>).hygiene as { offences: Record<string, number>; bans: Array<{ key: string }>; linksClosed: Record<string, number> };

test('adverts flood through a relay gateway; selection dials a gateway learnt from the directory; bad adverts and banned peers are refused', async () => {
  const b = await start();
  const url = (g: Gateway) => `ws://127.0.0.1:${g.ports.gateway}/meshgate`;
  const c = await start({ 'gateway-peers': url(b) });
  const a = await start({ 'gateway-peers': url(b), 'selection-enabled': 'true', 'selection-uplinks': '2', 'selection-evaluate-interval-ms': '500' });

  assert.deepEqual(dirOf(c).self.endpoints, [url(c)], 'endpoint derived from gateway.host and the bound port');
  await waitFor(() => dirOf(a).gateways.some((e) => e.peerId === c.peerId), 5_000, 'A learns C through B');
  const cAtA = dirOf(a).gateways.find((e) => e.peerId === c.peerId)!;
  assert.equal(cAtA.hops, 1, 'relayed once by B');
  assert.equal(cAtA.endpoints, url(c));

  // selection: B is already linked, C is dialled from its advert (source directory)
  await waitFor(() => a.status().links instanceof Array && (a.status().links as Array<{ remotePeerId: string }>).some((l) => l.remotePeerId === c.peerId), 5_000, 'A dials C');
  assert.ok((a.status().dialled as Array<{ url: string; source: string }>).some((d) => d.url === url(c) && d.source === 'directory'));
  assert.deepEqual([...(dirOf(a).selection.chosen ?? [])].sort(), [b.peerId, c.peerId].sort());

  // a malformed advert from B: rejected, counted, reported to A's hygiene against B
  const bLinkToA = (b.status().links as Array<{ id: string; remotePeerId: string }>).find((l) => l.remotePeerId === a.peerId)!;
  assert.ok(b.control.send(bLinkToA.id, 'dir.advert', { a: { v: 1 }, h: 0 }));
  assert.ok(b.control.send(bLinkToA.id, 'dir.ping', { n: -1 }));
  await waitFor(() => (dirOf(a).counters.rejected.MG_ERR_ADVERT_MALFORMED ?? 0) >= 1 && (hygieneOf(a).offences['invalid-frame'] ?? 0) >= 2, 3_000, 'rejection reported');

  // B bans A after offences: A's link to B is closed and stays refused
  for (let i = 0; i < 2; i++) b.admission.report({ peerId: a.peerId, offence: 'bad-signature', detail: 'test' });
  await waitFor(() => !(b.status().links as Array<{ remotePeerId: string }>).some((l) => l.remotePeerId === a.peerId), 3_000, 'B closes A');
  const hb = hygieneOf(b);
  assert.ok(hb.bans.some((x) => x.key === `peer:${a.peerId}`));
  assert.ok((hb.linksClosed.MG_ERR_PEER_BANNED ?? 0) >= 1);
  const refused = b.admission.allowPeer(a.peerId, '127.0.0.1');
  assert.equal(!refused.ok && refused.code, 'MG_ERR_PEER_BANNED');
});

test('a chosen uplink that cannot be reached is set aside and hung up', async () => {
  const b = await start();
  const url = (g: Gateway) => `ws://127.0.0.1:${g.ports.gateway}/meshgate`;
  const dead = 'ws://127.0.0.1:1/meshgate';
  const c = await start({ 'gateway-peers': url(b), 'directory-endpoints': dead });
  const a = await start({ 'gateway-peers': url(b), 'selection-enabled': 'true', 'selection-uplinks': '2', 'selection-evaluate-interval-ms': '500', 'selection-connect-timeout-ms': '1000' });
  await waitFor(() => (a.status().dialled as Array<{ url: string }>).some((d) => d.url === dead), 5_000, 'A dials C at its advertised endpoint');
  await waitFor(() => c.peerId in ((dirOf(a).selection as { unreachable?: Record<string, number> }).unreachable ?? {}), 5_000, 'C set aside');
  assert.ok(!(a.status().dialled as Array<{ url: string }>).some((d) => d.url === dead), 'hung up');
  assert.deepEqual(dirOf(a).selection.chosen, [b.peerId]);
});

test('in the daemon, selection follows link-rtt: no switch on jitter, a switch when the uplink degrades past the margin for the hold time', async () => {
  const a = await start({ 'selection-enabled': 'true', 'selection-uplinks': '1', 'selection-evaluate-interval-ms': '500', 'selection-hold-ms': '1500', 'directory-ping-interval-ms': '600000' });
  const url = `ws://127.0.0.1:${a.ports.gateway}/meshgate`;
  const b = await start({ 'gateway-peers': url });
  const c = await start({ 'gateway-peers': url });
  await waitFor(() => dirOf(a).gateways.length === 2 && (dirOf(a).selection.chosen ?? []).length === 1, 5_000, 'A knows B and C and chose one');
  const links = a.status().links as Array<{ id: string; remotePeerId: string }>;
  const linkOf = (g: Gateway) => links.find((l) => l.remotePeerId === g.peerId)!.id;
  const first = dirOf(a).selection.chosen![0];
  const [cur, alt] = first === b.peerId ? [b, c] : [c, b];
  const feed = (curMs: number, altMs: number) => {
    a.events.emit('link-rtt', { linkId: linkOf(cur), peerId: cur.peerId, rttMs: curMs, at: Date.now() });
    a.events.emit('link-rtt', { linkId: linkOf(alt), peerId: alt.peerId, rttMs: altMs, at: Date.now() });
  };
  // 3 s of jitter: current 30±12 ms, alternative 40±12 ms
  for (let i = 0; i < 30; i++) {
    feed(30 + ((i * 7) % 25) - 12, 40 + ((i * 11) % 25) - 12);
    await new Promise((r) => setTimeout(r, 100));
  }
  const sel = () => dirOf(a).selection as unknown as { chosen: string[]; switches: number; history: Array<{ kind: string; peerId: string; replaced?: string }> };
  assert.equal(sel().switches, 0, 'no flap on jitter');
  assert.deepEqual(sel().chosen, [cur.peerId]);
  // the current uplink degrades to 400 ms
  const t0 = Date.now();
  await waitFor(
    async () => {
      feed(400, 40);
      await new Promise((r) => setTimeout(r, 100));
      return sel().switches === 1;
    },
    10_000,
    'switch',
  );
  assert.ok(Date.now() - t0 >= 1_500, 'not before the hold time');
  assert.deepEqual(sel().chosen, [alt.peerId]);
  assert.ok(sel().history.some((e) => e.kind === 'switch' && e.peerId === alt.peerId && e.replaced === cur.peerId));
});
