/** The advert exchange on its own: a bad or forged advert from a neighbour is dropped, counted, and reported to the peer admission. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/ports/clock.js';
import { generateIdentityKeys, peerIdHexFromNoiseKey } from '../../src/protocol/keys.js';
import { AdvertExchange } from '../../src/gateway/modules/routing-adverts.js';
import type { GatewayModuleContext } from '../../src/gateway/module.js';
import type { OffenceReport } from '../../src/ports/admission.js';
import { RoutingEngine, encodeLsa, seededRandom } from './routing-imports.js';

test('bad adverts are counted by code and reported as the sending neighbour offences; good ones apply and flood on', () => {
  const clock = new ManualClock();
  const keys = generateIdentityKeys();
  const own = peerIdHexFromNoiseKey(keys.noisePublicKey);
  const reports: OffenceReport[] = [];
  const sent: Array<{ type: string; except?: string }> = [];
  const ctx = {
    clock,
    identity: { keys, peerId: own },
    links: () => [{ id: 'gw-1', remotePeerId: 'aaaaaaaaaaaaaaaa', remoteAddress: '192.0.2.1:7778' }],
    admission: { report: (r: OffenceReport) => reports.push(r) },
    control: { broadcast: (type: string, _b: unknown, o?: { exceptLinkId?: string }) => (sent.push({ type, except: o?.exceptLinkId }), 1), send: () => true },
  } as unknown as GatewayModuleContext;
  const engine = new RoutingEngine({ clock, random: seededRandom(1) }, { ownId: own });
  const drops: string[] = [];
  const ex = new AdvertExchange({ ctx, engine, drop: (c) => drops.push(c), safely: (fn) => fn() }, { holdMs: 60_000, coverageM: 100 });

  ex.receive('gw-1', { lsa: 42 });
  const other = generateIdentityKeys();
  const raw = encodeLsa({ seq: 1, holdMs: 60_000, links: [{ neighbour: '00000000000000aa', kind: 'phone', cost: 12, rttMs: 10, deliveryRatio: 1, bandwidthBytesPerSec: 0 }] }, other);
  const forged = raw.slice();
  forged[forged.length - 1] ^= 1;
  ex.receive('gw-1', { lsa: Buffer.from(forged).toString('base64') });
  assert.deepEqual(drops, ['MG_ERR_CONTROL_BAD_BODY', 'MG_ERR_LSA_BAD_SIGNATURE']);
  assert.deepEqual(reports.map((r) => [r.peerId, r.address, r.offence]), [
    ['aaaaaaaaaaaaaaaa', '192.0.2.1:7778', 'invalid-frame'],
    ['aaaaaaaaaaaaaaaa', '192.0.2.1:7778', 'bad-signature'],
  ]);

  ex.receive('gw-1', { lsa: Buffer.from(raw).toString('base64') });
  assert.equal(ex.counters.lsaAccepted, 1);
  assert.deepEqual(sent, [{ type: 'lsa', except: 'gw-1' }], 'flooded on, not back');
  engine.recomputeNow();
  assert.deepEqual(engine.shortestPath('00000000000000aa'), undefined, 'the advertising gateway is not linked to us yet');
  assert.ok(engine.topology.edge(peerIdHexFromNoiseKey(other.noisePublicKey), '00000000000000aa'), 'its link is in the topology');
  ex.receive('gw-1', { lsa: Buffer.from(raw).toString('base64') });
  assert.equal(drops.at(-1), 'MG_ERR_LSA_STALE', 'a repeat is stale, not flooded again');
  assert.equal(sent.length, 1);
});

test("an advert signed with a key other than the one the mesh pinned for that gateway's Noise key is refused and reported", () => {
  const clock = new ManualClock();
  const keys = generateIdentityKeys();
  const own = peerIdHexFromNoiseKey(keys.noisePublicKey);
  const reports: OffenceReport[] = [];
  const ctx = {
    clock,
    identity: { keys, peerId: own },
    links: () => [{ id: 'gw-1', remotePeerId: 'aaaaaaaaaaaaaaaa', remoteAddress: '192.0.2.1:7778' }],
    admission: { report: (r: OffenceReport) => reports.push(r) },
    control: { broadcast: () => 1, send: () => true },
  } as unknown as GatewayModuleContext;
  const victim = generateIdentityKeys();
  // the impostor knows the victim's public Noise key, but signs with its own Ed25519 key
  const mallory = generateIdentityKeys();
  const impostor = { ...victim, signingPublicKey: mallory.signingPublicKey, signingPrivateKey: mallory.signingPrivateKey };
  const pins = new Map([[Buffer.from(victim.noisePublicKey).toString('hex'), Buffer.from(victim.signingPublicKey).toString('hex')]]);
  const engine = new RoutingEngine({ clock, random: seededRandom(1) }, { ownId: own });
  const drops: string[] = [];
  const ex = new AdvertExchange(
    { ctx, engine, drop: (c) => drops.push(c), safely: (fn) => fn(), meshSigningKey: (nk) => pins.get(nk) },
    { holdMs: 60_000, coverageM: 100 },
  );
  const links = [{ neighbour: '00000000000000aa', kind: 'phone' as const, cost: 12, rttMs: 10, deliveryRatio: 1, bandwidthBytesPerSec: 0 }];
  ex.receive('gw-1', { lsa: Buffer.from(encodeLsa({ seq: 0xffff_fff0, holdMs: 60_000, links }, impostor)).toString('base64') });
  assert.deepEqual(drops, ['MG_ERR_LSA_BAD_SIGNATURE']);
  assert.equal(reports[0].offence, 'bad-signature');
  ex.receive('gw-1', { lsa: Buffer.from(encodeLsa({ seq: 1, holdMs: 60_000, links }, victim)).toString('base64') });
  assert.equal(ex.counters.lsaAccepted, 1, "the real gateway's advert is accepted");
});
