import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManualClock } from '../../../src/ports/clock.js';
import { isPrivateAddress, parseAddress, prefixGroup } from '../../../src/overlay/hygiene/ip-prefix.js';
import { Reputation } from '../../../src/overlay/hygiene/reputation.js';
import { PeerHygiene, type PeerHygieneInit } from '../../../src/overlay/hygiene/peer-hygiene.js';

const PEER = 'aaaaaaaaaaaaaaaa';
const INIT: PeerHygieneInit = {
  maxPeers: 10,
  maxOutbound: 8,
  maxPrefixSharePercent: 25,
  exemptPrivate: true,
  banThreshold: 100,
  banMs: 60_000,
  maxBanMs: 200_000,
  halfLifeMs: 60_000,
  maxEntries: 100,
};

test('addresses parse in every form transports print, and group by /16 and /48', () => {
  assert.equal(parseAddress('203.0.113.7:5000')?.ip, '203.0.113.7');
  assert.equal(parseAddress('::ffff:203.0.113.7:5000')?.ip, '203.0.113.7', 'Node prints v4-mapped address:port unbracketed');
  assert.equal(parseAddress('[2001:db8:1:2::5]:443')?.ip, '2001:db8:1:2:0:0:0:5');
  assert.equal(parseAddress('ws://198.51.100.9:7778/meshgate')?.ip, '198.51.100.9');
  assert.equal(parseAddress('gateway.example.org:7778'), undefined, 'host names are not IP literals');
  assert.equal(parseAddress('300.1.1.1'), undefined);
  assert.equal(parseAddress('1::2::3'), undefined);
  assert.equal(prefixGroup('203.0.113.7'), '203.0.0.0/16');
  assert.equal(prefixGroup('2001:db8:abcd:12::1'), '2001:db8:abcd::/48');
  assert.equal(prefixGroup('2001:db8:abcd:ffff::1'), prefixGroup('[2001:db8:abcd::9]:1'));
  for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.0.1', '::1', 'fd00::1', 'fe80::1']) assert.ok(isPrivateAddress(a), a);
  for (const a of ['172.32.0.1', '100.64.0.1', '8.8.8.8', '2001:db8::1']) assert.ok(!isPrivateAddress(a), a);
});

test('reputation decays with its half-life; reaching the threshold bans, repeat bans double up to the cap', () => {
  const clock = new ManualClock();
  const bans: Array<[string, number, number]> = [];
  const r = new Reputation({ clock, onBan: (k, u, b) => bans.push([k, u - clock.now(), b]) }, { halfLifeMs: 60_000, banThreshold: 100, banMs: 60_000, maxBanMs: 200_000, maxEntries: 10 });
  r.penalise('peer:x', 'bad-signature'); // 50
  assert.equal(r.score('peer:x'), 50);
  clock.advance(60_000);
  assert.ok(Math.abs(r.score('peer:x') - 25) < 1e-9, 'halved after one half-life');
  r.penalise('peer:x', 'bad-signature'); // 75
  assert.equal(r.bannedUntil('peer:x'), undefined);
  r.penalise('peer:x', 'invalid-frame'); // 85
  r.penalise('peer:x', 'flood'); // 105 → ban 1
  assert.deepEqual(bans, [['peer:x', 60_000, 1]]);
  assert.ok(r.bannedUntil('peer:x')! > clock.now());
  clock.advance(60_000);
  assert.equal(r.bannedUntil('peer:x'), undefined, 'the ban expires by itself');
  r.penalise('peer:x', 'downgrade'); // ban 2: 120 s
  r.penalise('peer:x', 'downgrade'); // ban 3: 240 s capped at 200 s (extends)
  assert.deepEqual(bans.slice(1).map((b) => [b[1], b[2]]), [[120_000, 2], [200_000, 3]]);
});

test('reputation table is bounded: the best-behaved unbanned key is evicted first', () => {
  const clock = new ManualClock();
  const r = new Reputation({ clock }, { halfLifeMs: 60_000, banThreshold: 100, banMs: 60_000, maxBanMs: 200_000, maxEntries: 3 });
  r.penalise('a', 'downgrade'); // banned
  r.penalise('b', 'bad-signature');
  r.penalise('c', 'invalid-frame');
  r.penalise('d', 'flood'); // evicts c (lowest score)
  assert.equal(r.size, 3);
  assert.deepEqual(r.entries().map((e) => e.key).sort(), ['a', 'b', 'd']);
  assert.equal(r.evictions, 1);
});

test('hygiene: an offending peer is banned by peer ID and address, refused, and readmitted after the ban', () => {
  const clock = new ManualClock();
  const banned: string[] = [];
  const h = new PeerHygiene({ clock, onBan: (k) => banned.push(k) }, INIT);
  assert.equal(h.admitSession({ id: 'l1', peerId: PEER, address: '203.0.113.5:4000', direction: 'inbound' }).ok, true);
  h.report({ peerId: PEER, address: '203.0.113.5:4000', offence: 'bad-signature' });
  h.report({ peerId: PEER, address: '203.0.113.5:4000', offence: 'bad-signature', detail: 'forged advert' });
  assert.deepEqual(banned.sort(), ['addr:203.0.113.5', `peer:${PEER}`]);
  assert.deepEqual(h.sessionsCoveredBy(`peer:${PEER}`).map((s) => s.id), ['l1'], 'the open session is to be closed');
  h.releaseSession('l1');
  const p = h.allowPeer(PEER, '198.51.100.1');
  assert.equal(p.ok, false);
  assert.equal(!p.ok && p.code, 'MG_ERR_PEER_BANNED');
  const a = h.allowAddress('203.0.113.5:999', 'inbound');
  assert.equal(!a.ok && a.code, 'MG_ERR_PEER_BANNED');
  assert.equal(h.admitSession({ id: 'l2', peerId: PEER, address: '198.51.100.1:1', direction: 'inbound' }).ok, false);
  clock.advance(INIT.banMs);
  assert.equal(h.allowPeer(PEER, '203.0.113.5').ok, true, 'ban expired');
  const st = h.status();
  assert.equal(st.offences['bad-signature'], 2);
  assert.equal(st.refusals.MG_ERR_PEER_BANNED, 3);
  assert.ok(st.recent.some((e) => e.event === 'ban'));
});

test('hygiene: unknown offences and malformed peer IDs from a transport are ignored, never thrown', () => {
  const h = new PeerHygiene({ clock: new ManualClock() }, INIT);
  h.report({ peerId: 'not-hex', offence: 'flood' });
  h.report({ address: '<not an address>', offence: 'flood' });
  h.report({ peerId: PEER, offence: 'nonsense' as never });
  assert.equal(h.status().tracked, 0);
  assert.equal(h.status().offences.flood, 2);
});

test('hygiene: max peers and max outbound sessions', () => {
  const h = new PeerHygiene({ clock: new ManualClock() }, { ...INIT, maxPeers: 3, maxOutbound: 2, exemptPrivate: true });
  assert.ok(h.admitSession({ id: 'o1', peerId: undefined, address: '10.0.0.1', direction: 'outbound' }).ok);
  assert.ok(h.admitSession({ id: 'o2', peerId: undefined, address: '10.0.0.2', direction: 'outbound' }).ok);
  const o3 = h.allowAddress('10.0.0.3', 'outbound');
  assert.equal(!o3.ok && o3.code, 'MG_ERR_PEER_LIMIT');
  assert.ok(h.admitSession({ id: 'i1', peerId: undefined, address: '10.0.0.4', direction: 'inbound' }).ok);
  const i2 = h.admitSession({ id: 'i2', peerId: undefined, address: '10.0.0.5', direction: 'inbound' });
  assert.equal(!i2.ok && i2.code, 'MG_ERR_PEER_LIMIT');
  h.releaseSession('i1');
  assert.ok(h.allowAddress('10.0.0.5', 'inbound').ok);
});

test('hygiene: no /16 or /48 holds more than the configured share of the outbound slots (eclipse resistance)', () => {
  const h = new PeerHygiene({ clock: new ManualClock() }, INIT); // 25 % of 8 → 2 per prefix
  assert.equal(h.perPrefixCap, 2);
  assert.ok(h.admitSession({ id: 'a', peerId: undefined, address: '203.0.1.1', direction: 'outbound' }).ok);
  assert.ok(h.admitSession({ id: 'b', peerId: undefined, address: '203.0.200.9', direction: 'outbound' }).ok);
  const c = h.allowAddress('203.0.77.77', 'outbound');
  assert.equal(!c.ok && c.code, 'MG_ERR_PEER_PREFIX_SHARE');
  assert.ok(h.allowAddress('203.1.0.1', 'outbound').ok, 'another /16');
  assert.ok(h.allowAddress('203.0.77.77', 'inbound').ok, 'inbound sessions are not subject to the dialled-peer rule');
  assert.ok(h.allowAddress('192.168.1.5', 'outbound').ok);
  assert.ok(h.admitSession({ id: 'l1', peerId: undefined, address: '192.168.1.5', direction: 'outbound' }).ok);
  assert.ok(h.admitSession({ id: 'l2', peerId: undefined, address: '192.168.1.6', direction: 'outbound' }).ok, 'private addresses are exempt');
  // IPv6 /48
  assert.ok(h.admitSession({ id: 'v1', peerId: undefined, address: '[2001:db8:1:1::1]:1', direction: 'outbound' }).ok);
  assert.ok(h.admitSession({ id: 'v2', peerId: undefined, address: '[2001:db8:1:2::1]:1', direction: 'outbound' }).ok);
  const v3 = h.admitSession({ id: 'v3', peerId: undefined, address: '[2001:db8:1:3::1]:1', direction: 'outbound' });
  assert.equal(!v3.ok && v3.code, 'MG_ERR_PEER_PREFIX_SHARE');
  assert.deepEqual(h.status().sessions.outboundByPrefix, { '203.0.0.0/16': 2, '192.168.0.0/16': 2, '2001:db8:1::/48': 2 });
  const strict = new PeerHygiene({ clock: new ManualClock() }, { ...INIT, exemptPrivate: false, maxPrefixSharePercent: 1 });
  assert.equal(strict.perPrefixCap, 1, 'at least one peer per prefix');
  assert.ok(strict.admitSession({ id: 'x', peerId: undefined, address: '127.0.0.1', direction: 'outbound' }).ok);
  assert.equal(strict.allowAddress('127.0.0.2', 'outbound').ok, false);
});

test('address parsing and admission never throw on arbitrary strings (property)', () => {
  const h = new PeerHygiene({ clock: new ManualClock() }, INIT);
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.ipV4(), fc.ipV6(), fc.webUrl()), (s) => {
      parseAddress(s);
      prefixGroup(s);
      isPrivateAddress(s);
      h.report({ address: s, offence: 'invalid-frame' });
      return typeof h.allowAddress(s, 'outbound').ok === 'boolean';
    }),
    { numRuns: 500 },
  );
  fc.assert(fc.property(fc.ipV4(), (ip) => parseAddress(`${ip}:1234`)?.ip === ip.split('.').map(Number).join('.')));
  fc.assert(fc.property(fc.ipV6(), (ip) => parseAddress(`[${ip}]:80`)?.family !== undefined));
});

test('hygiene: BLE device addresses are banned like IP addresses but never count against the gateway session limits', () => {
  const h = new PeerHygiene({ clock: new ManualClock() }, { ...INIT, maxPeers: 1, maxOutbound: 1 });
  assert.ok(h.admitSession({ id: 'g', peerId: undefined, address: '10.0.0.1', direction: 'outbound' }).ok);
  assert.equal(h.allowAddress('10.0.0.2', 'outbound').ok, false, 'gateway limits reached');
  assert.ok(h.allowAddress('AA:BB:CC:DD:EE:FF', 'inbound').ok, 'a phone connecting over BLE is not a gateway session');
  assert.ok(h.allowAddress('f1e2d3c4b5a6', 'outbound').ok, 'noble peripheral ID');
  h.report({ address: 'aa:bb:cc:dd:ee:ff', offence: 'downgrade' });
  const r = h.allowAddress('AA:BB:CC:DD:EE:FF', 'inbound');
  assert.equal(!r.ok && r.code, 'MG_ERR_PEER_BANNED');
});
