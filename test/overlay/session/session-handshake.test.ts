/**
 * Session establishment and the record layer, in memory (no sockets): a good session, and
 * the attacks of issue 6 — wrong static key for a claimed peer ID, a hello edited in transit
 * (capability stripped), tampered and replayed records.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateIdentityKeys, peerIdHexFromNoiseKey, type IdentityKeys } from '../../../src/protocol/keys.js';
import { capabilitiesOf, checkPolicy, parseVersion, type NegotiationPolicy } from '../../../src/overlay/negotiation/index.js';
import { SessionHandshake, SecureSession, encodeHello, prologue, record, RECORD_HANDSHAKE, RECORD_HELLO, sessionFailureReason, type SessionHandshakeResult } from '../../../src/overlay/session/index.js';
import { XxHandshake } from '../../../src/overlay/noise/index.js';
import { MeshgateError } from '../../../src/errors.js';
import fc from 'fast-check';

const policy: NegotiationPolicy = checkPolicy({
  version: parseVersion('1.4.0'),
  wanted: capabilitiesOf(['BasicMesh', 'GatewayNodes', 'EnhancedRouting', 'CompressionV2', 'ProofOfRelay']),
  required: capabilitiesOf(['BasicMesh', 'GatewayNodes']),
  minimumVersion: parseVersion('1.0.0'),
  legacyMajors: 1,
});

type Tamper = (rec: Uint8Array, from: 'dialler' | 'listener') => Uint8Array;

/** Run both sides to completion through an optional man in the middle; returns results or the failures. */
function run(a: SessionHandshake, b: SessionHandshake, mitm: Tamper = (r) => r) {
  const q: Array<{ to: SessionHandshake; rec: Uint8Array }> = [];
  for (const r of a.start()) q.push({ to: b, rec: mitm(r, a.role) });
  for (const r of b.start()) q.push({ to: a, rec: mitm(r, b.role) });
  const done = new Map<SessionHandshake, SessionHandshakeResult>();
  const failed = new Map<SessionHandshake, unknown>();
  while (q.length) {
    const { to, rec } = q.shift()!;
    if (failed.has(to)) continue;
    const other = to === a ? b : a;
    try {
      const step = to.receive(rec);
      for (const r of step.send) q.push({ to: other, rec: mitm(r, to.role) });
      if (step.done) done.set(to, step.done);
    } catch (err) {
      failed.set(to, err);
    }
  }
  return { da: done.get(a), db: done.get(b), fa: failed.get(a), fb: failed.get(b) };
}

const side = (role: 'dialler' | 'listener', identity: IdentityKeys, extra: Partial<ConstructorParameters<typeof SessionHandshake>[0]> = {}) =>
  new SessionHandshake({ role, identity, nickname: role, policy, ...extra });

test('two gateways establish a session: mutual peer IDs, the same handshake hash, negotiated Full, frames and control both ways', () => {
  const ka = generateIdentityKeys();
  const kb = generateIdentityKeys();
  const { da, db, fa, fb } = run(side('dialler', ka), side('listener', kb));
  assert.equal(fa, undefined);
  assert.equal(fb, undefined);
  assert.equal(da!.peer.peerId, peerIdHexFromNoiseKey(kb.noisePublicKey));
  assert.equal(db!.peer.peerId, peerIdHexFromNoiseKey(ka.noisePublicKey));
  assert.deepEqual(da!.peer.signingPublicKey, kb.signingPublicKey);
  assert.deepEqual(da!.handshakeHash, db!.handshakeHash);
  assert.equal(da!.negotiated.mode, 'full');
  const sa = new SecureSession({ ciphers: da!.ciphers, maxFrameBytes: 200_000, rekeyInterval: 3 });
  const sb = new SecureSession({ ciphers: db!.ciphers, maxFrameBytes: 200_000, rekeyInterval: 3 });
  // (maxFrameBytes 200,000 so the property below may send frames up to 140,000 bytes)
  for (let i = 0; i < 10; i++) {
    const recs = sa.sealFrame(Uint8Array.of(1, 2, i));
    assert.equal(recs.length, 1);
    assert.notDeepEqual(recs[0].subarray(1, 4), Uint8Array.of(1, 2, i), 'encrypted');
    assert.deepEqual(sb.open(recs[0]), [{ kind: 'frame', data: Uint8Array.of(1, 2, i) }]);
  }
  const big = new Uint8Array(150_000).map((_, i) => i & 0xff);
  const parts = sa.sealFrame(big);
  assert.equal(parts.length, 3, 'chunked into Noise-sized records');
  const opened = parts.map((p) => sb.open(p));
  assert.deepEqual(opened.slice(0, 2), [[], []]);
  assert.deepEqual(opened[2], [{ kind: 'frame', data: big }]);
  const ctl = sb.sealControl('{"t":"ping","b":1}');
  assert.deepEqual(sa.open(ctl[0]), [{ kind: 'control', text: '{"t":"ping","b":1}' }]);
  // a batch of many small messages shares records; a large one straddles records
  const batch = [...Array(300).keys()].map((i) => ({ kind: 0, data: new Uint8Array(300).fill(i & 0xff) }));
  batch.splice(150, 0, { kind: 1, data: new Uint8Array(Buffer.from('{"t":"mid","b":null}')) }, { kind: 0, data: big });
  const recs = sa.seal(batch);
  assert.ok(recs.length < 10, `${recs.length} records for ${batch.length} messages`);
  const got = recs.flatMap((r) => sb.open(r));
  assert.equal(got.length, batch.length);
  got.forEach((m, i) => {
    if (batch[i].kind === 1) assert.deepEqual(m, { kind: 'control', text: '{"t":"mid","b":null}' });
    else assert.deepEqual(m, { kind: 'frame', data: batch[i].data });
  });
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 140_000 })), { maxLength: 6 }), (spec) => {
      const msgs = spec.map(([kind, n]) => ({ kind, data: kind === 1 ? new Uint8Array(Buffer.from(JSON.stringify('x'.repeat(Math.min(n, 60_000))))) : new Uint8Array(n).fill(n & 0xff) }));
      const out = sa.seal(msgs).flatMap((r) => sb.open(r));
      assert.equal(out.length, msgs.length);
    }),
    { numRuns: 25 },
  );
  assert.ok(sa.stats().rekeys >= 4, 'rekeyed every 3 records');
});

test('attack: a peer claiming another gateway\'s peer ID with its own static key is refused as peer-id-mismatch (MG_ERR_HELLO_FAILED)', () => {
  const victim = generateIdentityKeys();
  const attacker = generateIdentityKeys();
  const listener = side('listener', generateIdentityKeys());
  const claimed = peerIdHexFromNoiseKey(victim.noisePublicKey);
  const helloBytes = encodeHello({ version: '1.4.0', peerId: claimed, nickname: 'victim', capabilities: policy.wanted });
  const [lhello] = listener.start();
  listener.receive(record(RECORD_HELLO, helloBytes));
  const noise = new XxHandshake({ initiator: true, staticKeyPair: { privateKey: attacker.noisePrivateKey, publicKey: attacker.noisePublicKey }, prologue: prologue(helloBytes, lhello.subarray(1)) });
  const m2 = listener.receive(record(RECORD_HANDSHAKE, noise.writeMessage())).send[0];
  noise.readMessage(m2.subarray(1));
  const err = (() => {
    try {
      listener.receive(record(RECORD_HANDSHAKE, noise.writeMessage()));
    } catch (e) {
      return e;
    }
  })();
  assert.ok(err instanceof MeshgateError && err.code === 'MG_ERR_HELLO_FAILED');
  assert.equal(sessionFailureReason(err), 'peer-id-mismatch');
});

test('attack: claiming a peer ID with its public key but without its private key fails the Noise handshake (transcript)', () => {
  const victim = generateIdentityKeys();
  const impostor: IdentityKeys = { ...generateIdentityKeys(), noisePublicKey: victim.noisePublicKey };
  // impostor dials: the honest listener cannot authenticate message 3
  const asDialler = run(side('dialler', impostor), side('listener', generateIdentityKeys()));
  assert.equal(asDialler.db, undefined);
  assert.equal(sessionFailureReason(asDialler.fb), 'transcript');
  // impostor listens: the honest dialler cannot authenticate message 2
  const asListener = run(side('dialler', generateIdentityKeys()), side('listener', impostor));
  assert.equal(asListener.da, undefined);
  assert.equal(sessionFailureReason(asListener.fa), 'transcript');
});

test('attack: a relay that strips a capability from a hello breaks the handshake on both sides (transcript), so the downgrade never takes effect', () => {
  const strip: Tamper = (rec, from) => {
    if (rec[0] !== RECORD_HELLO || from !== 'dialler') return rec;
    const h = JSON.parse(Buffer.from(rec.subarray(1)).toString('utf8'));
    h.capabilities &= ~capabilitiesOf(['ProofOfRelay']);
    return record(RECORD_HELLO, new Uint8Array(Buffer.from(JSON.stringify(h))));
  };
  const { da, db, fa, fb } = run(side('dialler', generateIdentityKeys()), side('listener', generateIdentityKeys()), strip);
  assert.equal(da, undefined);
  assert.equal(db, undefined);
  assert.equal(sessionFailureReason(fa), 'transcript', 'the dialler cannot decrypt message 2');
  assert.ok(fa instanceof MeshgateError && fa.code === 'MG_ERR_HELLO_FAILED');
});

test('incompatible peers are refused before Noise starts (MG_ERR_SESSION_INCOMPATIBLE); an old 1.0.0 signed-hello peer is refused as version', () => {
  const old = { ...policy, version: parseVersion('1.1.0'), wanted: capabilitiesOf(['BasicMesh']), required: capabilitiesOf(['BasicMesh']) };
  const { fa, fb } = run(side('dialler', generateIdentityKeys(), { policy: old }), side('listener', generateIdentityKeys()));
  assert.ok(fb instanceof MeshgateError && fb.code === 'MG_ERR_SESSION_INCOMPATIBLE');
  assert.equal(sessionFailureReason(fa), undefined, 'the newer side requires GatewayNodes; the older side is content');
  const l = side('listener', generateIdentityKeys());
  l.start();
  const v1 = JSON.stringify({ type: 'hello', protocol: 'meshgate-gw', version: '1.0.0', peerId: '00'.repeat(8), noisePublicKey: '00'.repeat(32), signingPublicKey: '00'.repeat(32), nonce: '00'.repeat(32), nickname: 'x', capabilities: 0 });
  assert.throws(() => l.receive(record(RECORD_HELLO, new Uint8Array(Buffer.from(v1)))), (e) => sessionFailureReason(e) === 'version');
});

test('records: a tampered, replayed or reordered record fails with MG_ERR_SESSION_DECRYPT; garbage is MG_ERR_SESSION_RECORD', () => {
  const { da, db } = run(side('dialler', generateIdentityKeys()), side('listener', generateIdentityKeys()));
  const sa = new SecureSession({ ciphers: da!.ciphers, maxFrameBytes: 1000 });
  const sb = new SecureSession({ ciphers: db!.ciphers, maxFrameBytes: 1000 });
  const r1 = sa.sealFrame(Uint8Array.of(1))[0];
  const r2 = sa.sealFrame(Uint8Array.of(2))[0];
  const bad = new Uint8Array(r1);
  bad[3] ^= 0x40;
  const code = (c: string) => (e: unknown) => e instanceof MeshgateError && e.code === c;
  assert.throws(() => sb.open(bad), code('MG_ERR_SESSION_DECRYPT'));
  assert.throws(() => sb.open(r2), code('MG_ERR_SESSION_DECRYPT'), 'reordered');
  assert.deepEqual(sb.open(r1), [{ kind: 'frame', data: Uint8Array.of(1) }]);
  assert.throws(() => sb.open(r1), code('MG_ERR_SESSION_DECRYPT'), 'replayed');
  assert.throws(() => sb.open(Uint8Array.of(9, 9)), code('MG_ERR_SESSION_RECORD'));
  const tooBig = sa.sealFrame(new Uint8Array(2000));
  assert.deepEqual(sb.open(r2), [{ kind: 'frame', data: Uint8Array.of(2) }]);
  assert.throws(() => sb.open(tooBig[0]), code('MG_ERR_SESSION_RECORD'), 'over the frame cap');
});

test('property: arbitrary records from another machine only ever fail with a coded session error', () => {
  const identity = generateIdentityKeys();
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 4 }), fc.boolean(), (recs, asHello) => {
      const l = side('listener', identity);
      l.start();
      for (const r of recs) {
        const rec = asHello ? record(RECORD_HELLO, r) : r;
        try {
          l.receive(rec);
        } catch (err) {
          assert.ok(err instanceof MeshgateError, String(err));
          assert.ok(sessionFailureReason(err) !== undefined || err.code === 'MG_ERR_LINK_PROTOCOL', `${err.code}: ${err.message}`);
          return;
        }
      }
    }),
    { numRuns: 300 },
  );
  const { da, db } = run(side('dialler', generateIdentityKeys()), side('listener', generateIdentityKeys()));
  const sb = new SecureSession({ ciphers: db!.ciphers, maxFrameBytes: 1000 });
  void da;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      try {
        sb.open(bytes);
        assert.fail('a forged record opened');
      } catch (err) {
        assert.ok(err instanceof MeshgateError && (err.code === 'MG_ERR_SESSION_DECRYPT' || err.code === 'MG_ERR_SESSION_RECORD'), String(err));
      }
    }),
    { numRuns: 300 },
  );
});

test('records: empty continuation chunks are refused (MG_ERR_SESSION_RECORD), so a chunked message cannot grow without bytes', () => {
  const { da, db } = run(side('dialler', generateIdentityKeys()), side('listener', generateIdentityKeys()));
  const sa = new SecureSession({ ciphers: da!.ciphers, maxFrameBytes: 1000 });
  const sb = new SecureSession({ ciphers: db!.ciphers, maxFrameBytes: 1000 });
  const inner = new Uint8Array(4 * 100);
  for (let i = 0; i < inner.length; i += 4) inner[i] = 0x80; // frame item, MORE, length 0
  const rec = (sa as unknown as { encrypt(b: Uint8Array): Uint8Array }).encrypt(inner);
  assert.throws(() => sb.open(rec), (e: unknown) => e instanceof MeshgateError && e.code === 'MG_ERR_SESSION_RECORD');
});
