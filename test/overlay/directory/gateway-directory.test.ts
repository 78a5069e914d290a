import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadConfig } from '../../../src/gateway/config.js';
import { isMeshgateError } from '../../../src/errors.js';
import { ManualClock } from '../../../src/ports/clock.js';
import { generateIdentityKeys, peerIdHexFromNoiseKey } from '../../../src/protocol/keys.js';
import { advertPreimage, signAdvert, verifyAdvertSignature, type Advert, type AdvertContent } from '../../../src/overlay/directory/advert.js';
import { GatewayDirectory, MemoryPinStore, type GatewayDirectoryInit } from '../../../src/overlay/directory/gateway-directory.js';

const INIT: GatewayDirectoryInit = { maxEntries: 3, maxLifetimeMs: 86_400_000, maxSkewMs: 120_000, minReadvertMs: 2_000, maxHops: 2 };
const self = generateIdentityKeys();
const SELF_ID = peerIdHexFromNoiseKey(self.noisePublicKey);

function content(clock: ManualClock, over: Partial<AdvertContent> = {}): AdvertContent {
  return { iat: clock.now(), lifetimeMs: 300_000, endpoints: ['ws://203.0.113.1:7778/meshgate'], position: [52.52, 13.405], load: 0.25, uptimeMs: 3_600_000, fee: 5, bandwidthBytesPerSec: 1_250_000, version: '0.1.0', ...over };
}

function setup() {
  const clock = new ManualClock();
  const dir = new GatewayDirectory({ clock, pins: new MemoryPinStore(), selfPeerId: SELF_ID }, INIT);
  return { clock, dir };
}

test('an advert signs and verifies; the preimage has a fixed field order; any field change breaks the signature', () => {
  const clock = new ManualClock();
  const keys = generateIdentityKeys();
  const a = signAdvert(keys, content(clock));
  assert.equal(a.id, peerIdHexFromNoiseKey(keys.noisePublicKey));
  assert.equal(a.load, 250);
  assert.equal(a.up, 3600);
  assert.ok(verifyAdvertSignature(a));
  const { sig: _s, ...fields } = a;
  assert.match(new TextDecoder().decode(advertPreimage(fields)), /^meshgate-advert-v1\n\[1,"[0-9a-f]{16}",/);
  for (const tamper of [{ load: 0 }, { fee: 0 }, { ep: ['ws://evil:1/'] }, { pos: null }, { exp: a.exp + 1 }, { ver: '9.9.9' }] as Array<Partial<Advert>>) {
    assert.equal(verifyAdvertSignature({ ...a, ...tamper }), false, JSON.stringify(tamper));
  }
});

test('directory accepts a valid advert once, refloods within the hop limit, and counts duplicates', () => {
  const { clock, dir } = setup();
  const a = signAdvert(generateIdentityKeys(), content(clock));
  const r = dir.receive({ a, h: 0 }, { linkId: 'l1', peerId: a.id });
  assert.equal(r.status, 'accepted');
  assert.ok(r.status === 'accepted' && r.reflood);
  assert.equal(dir.receive({ a, h: 1 }, { linkId: 'l2', peerId: undefined }).status, 'duplicate', 'flooding stops at a seen advert');
  const b = signAdvert(generateIdentityKeys(), content(clock));
  const rb = dir.receive({ a: b, h: 2 }, { linkId: 'l1', peerId: undefined });
  assert.ok(rb.status === 'accepted' && !rb.reflood, 'h + 1 > maxHops: kept but not re-flooded');
  assert.equal(dir.receive({ a: signAdvert(self, content(clock)), h: 0 }, { linkId: 'l1', peerId: SELF_ID }).status, 'own');
  assert.equal(dir.entries().length, 2);
  assert.equal(dir.stats().duplicates, 1);
});

test('directory rejects, with codes and offences: malformed, wrong peer ID, bad signature, stale, future, key change, flood', () => {
  const { clock, dir } = setup();
  const keys = generateIdentityKeys();
  const a = signAdvert(keys, content(clock));
  const rej = (body: unknown, peerId?: string) => {
    const r = dir.receive(body, { linkId: 'l', peerId });
    assert.equal(r.status, 'rejected', JSON.stringify(r));
    return r.status === 'rejected' ? [r.code, r.offence] : [];
  };
  assert.deepEqual(rej({ a: { ...a, extra: 1 }, h: 0 }, a.id), ['MG_ERR_ADVERT_MALFORMED', 'invalid-frame']);
  assert.deepEqual(rej('junk'), ['MG_ERR_ADVERT_MALFORMED', 'invalid-frame']);
  assert.deepEqual(rej({ a: { ...a, load: 1001 }, h: 0 }), ['MG_ERR_ADVERT_MALFORMED', 'invalid-frame']);
  assert.deepEqual(rej({ a: { ...a, id: '0123456789abcdef' }, h: 0 }), ['MG_ERR_ADVERT_PEER_ID_MISMATCH', 'invalid-frame']);
  assert.deepEqual(rej({ a: { ...a, fee: 0 }, h: 0 }, a.id), ['MG_ERR_ADVERT_BAD_SIGNATURE', 'bad-signature'], 'from the originator: its offence');
  assert.deepEqual(rej({ a: { ...a, fee: 0 }, h: 1 }, 'ffffffffffffffff'), ['MG_ERR_ADVERT_BAD_SIGNATURE', undefined], 'a relay is not blamed');
  assert.deepEqual(rej({ a: signAdvert(keys, content(clock, { iat: clock.now() - 400_000 })), h: 0 }), ['MG_ERR_ADVERT_STALE', undefined]);
  assert.deepEqual(rej({ a: signAdvert(keys, content(clock, { iat: clock.now() + 200_000 })), h: 0 }), ['MG_ERR_ADVERT_STALE', undefined]);
  assert.deepEqual(rej({ a: signAdvert(keys, content(clock, { lifetimeMs: 90_000_000 })), h: 0 }), ['MG_ERR_ADVERT_MALFORMED', 'invalid-frame']);
  assert.equal(dir.receive({ a, h: 0 }, { linkId: 'l', peerId: a.id }).status, 'accepted');
  // same peer ID (same Noise key) but another signing key: the TOFU pin refuses it
  const other = generateIdentityKeys();
  const forged = signAdvert({ ...keys, signingPrivateKey: other.signingPrivateKey, signingPublicKey: other.signingPublicKey }, content(clock, { iat: clock.now() + 10_000 }));
  assert.equal(forged.id, a.id);
  assert.deepEqual(rej({ a: forged, h: 0 }, a.id), ['MG_ERR_ADVERT_KEY_MISMATCH', 'bad-signature']);
  assert.deepEqual(rej({ a: signAdvert(keys, content(clock, { iat: clock.now() + 500 })), h: 0 }, a.id), ['MG_ERR_ADVERT_FLOOD', 'flood']);
  assert.equal(dir.receive({ a: signAdvert(keys, content(clock, { iat: clock.now() + 2_000 })), h: 0 }, { linkId: 'l', peerId: a.id }).status, 'accepted', 'a fresh advert after the minimum gap replaces the old one');
  assert.equal(dir.entries().length, 1);
  assert.equal(dir.stats().rejected.MG_ERR_ADVERT_MALFORMED, 4);
});

test('directory is bounded (evicts the soonest expiry) and expires adverts; a fast issuer clock cannot stretch a lifetime', () => {
  const { clock, dir } = setup();
  const mk = (lifetimeMs: number, iat = clock.now()) => signAdvert(generateIdentityKeys(), content(clock, { lifetimeMs, iat }));
  const short = mk(60_000);
  dir.receive({ a: short, h: 0 }, { linkId: 'l', peerId: undefined });
  dir.receive({ a: mk(120_000), h: 0 }, { linkId: 'l', peerId: undefined });
  dir.receive({ a: mk(180_000), h: 0 }, { linkId: 'l', peerId: undefined });
  const r = dir.receive({ a: mk(30_000), h: 0 }, { linkId: 'l', peerId: undefined });
  assert.ok(r.status === 'rejected' && r.code === 'MG_ERR_DIRECTORY_FULL', 'expires before every held one');
  assert.equal(dir.receive({ a: mk(240_000), h: 0 }, { linkId: 'l', peerId: undefined }).status, 'accepted');
  assert.equal(dir.get(short.id), undefined, 'the soonest-expiring entry was evicted');
  assert.equal(dir.stats().evicted, 1);
  // issued 100 s in our future (inside the skew): local expiry = now + lifetime, not exp
  const { clock: c2, dir: d2 } = setup();
  const fut = signAdvert(generateIdentityKeys(), content(c2, { iat: c2.now() + 100_000, lifetimeMs: 60_000 }));
  const rf = d2.receive({ a: fut, h: 0 }, { linkId: 'l', peerId: undefined });
  assert.ok(rf.status === 'accepted' && rf.entry.expiresAt === c2.now() + 60_000);
  c2.advance(60_000);
  assert.deepEqual(d2.expire(), [fut.id]);
  assert.equal(d2.entries().length, 0);
});

test('an advert signed with another key than the one the mesh verified from the gateway\'s announces is refused', () => {
  const clock = new ManualClock();
  const keys = generateIdentityKeys();
  const other = generateIdentityKeys();
  const meshPins = new Map([[Buffer.from(keys.noisePublicKey).toString('hex'), Buffer.from(keys.signingPublicKey).toString('hex')]]);
  const dir = new GatewayDirectory({ clock, pins: new MemoryPinStore(), selfPeerId: SELF_ID, meshSigningKey: (nk) => meshPins.get(nk) }, INIT);
  const forged = signAdvert({ ...keys, signingPrivateKey: other.signingPrivateKey, signingPublicKey: other.signingPublicKey }, content(clock));
  const r = dir.receive({ a: forged, h: 1 }, { linkId: 'l', peerId: undefined });
  assert.ok(r.status === 'rejected' && r.code === 'MG_ERR_ADVERT_KEY_MISMATCH', 'first sight, but the mesh knows better');
  assert.equal(dir.receive({ a: signAdvert(keys, content(clock)), h: 1 }, { linkId: 'l', peerId: undefined }).status, 'accepted');
});

test('any body from another machine is rejected with a code, never thrown (property)', () => {
  const { dir } = setup();
  fc.assert(
    fc.property(fc.anything(), (body) => {
      const r = dir.receive(body, { linkId: 'l', peerId: undefined });
      return r.status === 'rejected' && r.code === 'MG_ERR_ADVERT_MALFORMED';
    }),
    { numRuns: 300 },
  );
  const clock = new ManualClock();
  const a = signAdvert(generateIdentityKeys(), content(clock));
  fc.assert(
    fc.property(fc.constantFrom(...Object.keys(a)), fc.anything(), (field, value) => {
      const r = dir.receive({ a: { ...a, [field]: value }, h: 0 }, { linkId: 'l', peerId: undefined });
      return r.status !== 'accepted' || JSON.stringify((a as Record<string, unknown>)[field]) === JSON.stringify(value);
    }),
    { numRuns: 300 },
  );
});

test('loading a config whose advert lifetime does not exceed the advert interval fails with MG_ERR_CONFIG_INVALID', () => {
  assert.throws(() => loadConfig({ flags: { 'directory-advert-interval-ms': '60000', 'directory-advert-lifetime-ms': '60000' } }), (e: unknown) => isMeshgateError(e, 'MG_ERR_CONFIG_INVALID') && /advertLifetimeMs/.test(String(e)));
});
