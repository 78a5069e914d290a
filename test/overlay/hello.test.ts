import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  AUTH_CONTEXT,
  HelloHandshake,
  authTranscript,
  helloFailureReason,
  majorVersion,
  type HelloFailureReason,
  type HelloHandshakeInit,
  type HelloRole,
} from '../../src/overlay/index.js';
import { ed25519PrivateKey, ed25519Sign, ed25519Verify, generateIdentityKeys, peerIdHexFromNoiseKey, type IdentityKeys } from '../../src/protocol/keys.js';
import { isMeshgateError } from '../../src/errors.js';

const nonce = () => new Uint8Array(randomBytes(32));
const A = generateIdentityKeys();
const B = generateIdentityKeys();

function hs(identity: IdentityKeys, role: HelloRole, extra: Partial<HelloHandshakeInit> = {}): HelloHandshake {
  return new HelloHandshake({ identity, role, nonce: nonce(), nickname: role === 'dialler' ? 'dialler-gw' : 'listener-gw', ...extra });
}

function fails(fn: () => unknown, reason: HelloFailureReason): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isMeshgateError(err, 'MG_ERR_HELLO_FAILED'), `expected MG_ERR_HELLO_FAILED, got ${String(err)}`);
    assert.equal(helloFailureReason(err), reason);
    return true;
  });
}

/** Run a full exchange; returns both results. */
function exchange(d: HelloHandshake, l: HelloHandshake) {
  const dAuth = d.receive(l.localHello());
  const lAuth = l.receive(d.localHello());
  assert.ok(dAuth.send && lAuth.send && !dAuth.done && !lAuth.done);
  const dDone = d.receive(lAuth.send);
  const lDone = l.receive(dAuth.send);
  return { dDone, lDone, dAuth: dAuth.send, lAuth: lAuth.send };
}

/** A hello text with some fields replaced (as another implementation might send). */
function mutated(h: HelloHandshake, patch: Record<string, unknown>): string {
  return JSON.stringify({ ...JSON.parse(h.localHello()), ...patch });
}

describe('gateway hello: success', () => {
  test('two gateways authenticate each other and learn peer ID, nickname, keys and version', () => {
    const d = hs(A, 'dialler');
    const l = hs(B, 'listener');
    const { dDone, lDone } = exchange(d, l);
    assert.equal(dDone.done?.peerId, peerIdHexFromNoiseKey(B.noisePublicKey));
    assert.equal(lDone.done?.peerId, peerIdHexFromNoiseKey(A.noisePublicKey));
    assert.equal(dDone.done?.nickname, 'listener-gw');
    assert.equal(lDone.done?.nickname, 'dialler-gw');
    assert.deepEqual(lDone.done?.noisePublicKey, A.noisePublicKey);
    assert.deepEqual(lDone.done?.signingPublicKey, A.signingPublicKey);
    assert.equal(lDone.done?.version, '1.0.0');
    assert.equal(lDone.done?.capabilities, 0);
    assert.ok(d.isDone && l.isDone);
  });

  test('the hello carries every field of the wire format', () => {
    const n = nonce();
    const h = new HelloHandshake({ identity: A, role: 'dialler', nonce: n, nickname: 'pi' });
    const o = JSON.parse(h.localHello());
    assert.deepEqual(Object.keys(o).sort(), ['capabilities', 'nickname', 'noisePublicKey', 'nonce', 'peerId', 'protocol', 'signingPublicKey', 'type', 'version']);
    assert.equal(o.type, 'hello');
    assert.equal(o.protocol, 'meshgate-gw');
    assert.equal(o.peerId, createHash('sha256').update(A.noisePublicKey).digest().subarray(0, 8).toString('hex'));
    assert.equal(o.noisePublicKey, Buffer.from(A.noisePublicKey).toString('hex'));
    assert.equal(o.signingPublicKey, Buffer.from(A.signingPublicKey).toString('hex'));
    assert.equal(o.nonce, Buffer.from(n).toString('hex'));
    assert.equal(o.capabilities, 0);
    assert.equal(h.localHello(), h.localHello(), 'stable text (it is hashed into the transcript)');
  });

  test('unknown fields are ignored, a newer minor version and upper-case hex are accepted (hand-built peer)', () => {
    const d = hs(A, 'dialler');
    const ln = nonce();
    const lHello = JSON.stringify({
      type: 'hello',
      protocol: 'meshgate-gw',
      version: '1.7.2',
      peerId: peerIdHexFromNoiseKey(B.noisePublicKey).toUpperCase(),
      noisePublicKey: Buffer.from(B.noisePublicKey).toString('hex').toUpperCase(),
      signingPublicKey: Buffer.from(B.signingPublicKey).toString('hex'),
      nonce: Buffer.from(ln).toString('hex'),
      nickname: 'hand-built',
      capabilities: 5,
      future: { noise: 'XX', versions: ['1.7.2', '2.0.0'] },
    });
    const dAuth = d.receive(lHello);
    assert.ok(dAuth.send);
    const dNonce = Buffer.from(JSON.parse(d.localHello()).nonce, 'hex');
    const transcript = authTranscript({
      signerRole: 'listener',
      diallerNonce: dNonce,
      listenerNonce: ln,
      diallerHelloText: d.localHello(),
      listenerHelloText: lHello,
      signerPeerId: Buffer.from(peerIdHexFromNoiseKey(B.noisePublicKey), 'hex'),
    });
    const sig = ed25519Sign(transcript, ed25519PrivateKey(B.signingPrivateKey));
    const step = d.receive(JSON.stringify({ type: 'auth', signature: Buffer.from(sig).toString('hex'), extra: 1 }));
    assert.equal(step.done?.peerId, peerIdHexFromNoiseKey(B.noisePublicKey));
    assert.equal(step.done?.version, '1.7.2');
    assert.equal(step.done?.capabilities, 5);
    assert.equal(step.done?.nickname, 'hand-built');
  });

  test('the auth signature is over the documented 156-byte transcript (independent construction)', () => {
    const dn = nonce();
    const ln = nonce();
    const d = new HelloHandshake({ identity: A, role: 'dialler', nonce: dn, nickname: 'a' });
    const l = new HelloHandshake({ identity: B, role: 'listener', nonce: ln, nickname: 'b' });
    const { dAuth, lAuth } = exchange(d, l);
    const sha = (s: string) => createHash('sha256').update(Buffer.from(s, 'utf8')).digest();
    const manual = (role: number, signer: IdentityKeys) =>
      Buffer.concat([
        Buffer.from('meshgate-gw-auth-v1', 'ascii'),
        Buffer.from([role]),
        dn,
        ln,
        sha(d.localHello()),
        sha(l.localHello()),
        createHash('sha256').update(signer.noisePublicKey).digest().subarray(0, 8),
      ]);
    assert.equal(manual(0, A).length, 156);
    assert.equal(AUTH_CONTEXT.length, 19);
    const dSig = Buffer.from(JSON.parse(dAuth).signature, 'hex');
    const lSig = Buffer.from(JSON.parse(lAuth).signature, 'hex');
    assert.ok(ed25519Verify(manual(0, A), dSig, A.signingPublicKey), 'dialler signs role 0');
    assert.ok(ed25519Verify(manual(1, B), lSig, B.signingPublicKey), 'listener signs role 1');
    assert.ok(!ed25519Verify(manual(1, A), dSig, A.signingPublicKey), 'role byte is bound');
    const lib = authTranscript({
      signerRole: 'dialler',
      diallerNonce: dn,
      listenerNonce: ln,
      diallerHelloText: d.localHello(),
      listenerHelloText: l.localHello(),
      signerPeerId: createHash('sha256').update(A.noisePublicKey).digest().subarray(0, 8),
    });
    assert.deepEqual(Buffer.from(lib), manual(0, A));
  });

  test('majorVersion parses semver and rejects non-semver', () => {
    assert.equal(majorVersion('1.0.0'), 1);
    assert.equal(majorVersion('12.3.4-rc.1'), 12);
    assert.equal(majorVersion('1.0'), undefined);
    assert.equal(majorVersion('01.0.0'), undefined);
    assert.equal(majorVersion('v1.0.0'), undefined);
  });
});

describe('gateway hello: every failure is MG_ERR_HELLO_FAILED with a reason', () => {
  test('version: a 2.x hello is refused', () => {
    const l = hs(B, 'listener');
    fails(() => l.receive(mutated(hs(A, 'dialler'), { version: '2.0.0' })), 'version');
  });

  test('version: a 0.x hello, a non-semver version and another protocol are refused', () => {
    fails(() => hs(B, 'listener').receive(mutated(hs(A, 'dialler'), { version: '0.9.0' })), 'version');
    fails(() => hs(B, 'listener').receive(mutated(hs(A, 'dialler'), { version: 'one' })), 'version');
    fails(() => hs(B, 'listener').receive(mutated(hs(A, 'dialler'), { protocol: 'other-gw' })), 'version');
  });

  test('version is checked before the other fields, so a future major may reshape them', () => {
    fails(() => hs(B, 'listener').receive(JSON.stringify({ type: 'hello', protocol: 'meshgate-gw', version: '2.0.0', keys: {} })), 'version');
  });

  test('peer-id-mismatch: the claimed peer ID is not SHA-256(noise key)[0..8]', () => {
    const other = peerIdHexFromNoiseKey(generateIdentityKeys().noisePublicKey);
    fails(() => hs(B, 'listener').receive(mutated(hs(A, 'dialler'), { peerId: other })), 'peer-id-mismatch');
  });

  test('bad-signature: auth signed with a key other than the announced signing key', () => {
    const C = generateIdentityKeys();
    const impostor: IdentityKeys = { ...A, signingPrivateKey: C.signingPrivateKey };
    const d = hs(impostor, 'dialler');
    const l = hs(B, 'listener');
    const dAuth = d.receive(l.localHello());
    l.receive(d.localHello());
    fails(() => l.receive(dAuth.send!), 'bad-signature');
  });

  test('bad-signature: a signature replayed from another session (other nonces) does not verify', () => {
    const d1 = hs(A, 'dialler');
    const l1 = hs(B, 'listener');
    const old = d1.receive(l1.localHello()).send!;
    const l2 = hs(B, 'listener');
    l2.receive(d1.localHello()); // same dialler hello replayed, fresh listener nonce
    fails(() => l2.receive(old), 'bad-signature');
  });

  test('bad-signature: a flipped signature bit', () => {
    const d = hs(A, 'dialler');
    const l = hs(B, 'listener');
    const sig = Buffer.from(JSON.parse(d.receive(l.localHello()).send!).signature, 'hex');
    sig[10] ^= 1;
    l.receive(d.localHello());
    fails(() => l.receive(JSON.stringify({ type: 'auth', signature: sig.toString('hex') })), 'bad-signature');
  });

  test('self: a gateway that dials itself', () => {
    const d = hs(A, 'dialler');
    fails(() => hs(A, 'listener').receive(d.localHello()), 'self');
    fails(() => d.receive(hs(A, 'listener').localHello()), 'self');
  });

  test('not-allowed: a peer outside the allow-list; inside it is accepted', () => {
    const idA = peerIdHexFromNoiseKey(A.noisePublicKey);
    fails(() => hs(B, 'listener', { allowedPeers: ['0011223344556677'] }).receive(hs(A, 'dialler').localHello()), 'not-allowed');
    const l = hs(B, 'listener', { allowedPeers: [idA.toUpperCase()] });
    assert.ok(l.receive(hs(A, 'dialler').localHello()).send);
  });

  test('malformed: not JSON, not an object, wrong type, missing or bad fields, oversized', () => {
    const good = hs(A, 'dialler');
    const cases: string[] = [
      'garbage',
      '[1,2,3]',
      'null',
      JSON.stringify({ type: 'auth', signature: '00' }),
      mutated(good, { nonce: 'abcd' }),
      mutated(good, { noisePublicKey: 42 }),
      mutated(good, { signingPublicKey: 'zz'.repeat(32) }),
      mutated(good, { peerId: 'xyz' }),
      mutated(good, { nickname: 'n'.repeat(256) }),
      mutated(good, { nickname: undefined }),
      mutated(good, { capabilities: -1 }),
      mutated(good, { capabilities: 1.5 }),
      mutated(good, { version: 1 }),
      mutated(good, { padding: 'x'.repeat(20_000) }),
    ];
    for (const text of cases) fails(() => hs(B, 'listener').receive(text), 'malformed');
  });

  test('malformed: a second hello where the auth is expected, or an auth without a signature', () => {
    const l = hs(B, 'listener');
    const d = hs(A, 'dialler');
    l.receive(d.localHello());
    fails(() => l.receive(d.localHello()), 'malformed');
    const l2 = hs(B, 'listener');
    l2.receive(d.localHello());
    fails(() => l2.receive(JSON.stringify({ type: 'auth' })), 'malformed');
  });

  test('timeout: decided by the adapter, recorded by the machine, which then stays failed', () => {
    const l = hs(B, 'listener');
    const err = l.fail('timeout', 'no hello within 200 ms');
    assert.equal(helloFailureReason(err), 'timeout');
    fails(() => l.receive(hs(A, 'dialler').localHello()), 'timeout');
  });

  test('a failed machine rethrows its failure; a done machine refuses more input', () => {
    const l = hs(B, 'listener');
    fails(() => l.receive('garbage'), 'malformed');
    fails(() => l.receive(hs(A, 'dialler').localHello()), 'malformed');
    const d = hs(A, 'dialler');
    const l2 = hs(B, 'listener');
    exchange(d, l2);
    assert.throws(() => d.receive('{}'), (e: unknown) => isMeshgateError(e, 'MG_ERR_LINK_PROTOCOL'));
  });

  test('bad init: a nonce that is not 32 bytes', () => {
    assert.throws(() => new HelloHandshake({ identity: A, role: 'dialler', nonce: new Uint8Array(8), nickname: 'x' }), (e: unknown) => isMeshgateError(e, 'MG_ERR_CONFIG_INVALID'));
  });

  test('property: any text fed to a fresh machine either yields an auth or throws MG_ERR_HELLO_FAILED', () => {
    const base = JSON.parse(hs(A, 'dialler').localHello());
    const arb = fc.oneof(
      fc.string(),
      fc.json(),
      fc.record({ field: fc.constantFrom(...Object.keys(base)), value: fc.jsonValue() }).map(({ field, value }) => JSON.stringify({ ...base, [field]: value })),
    );
    fc.assert(
      fc.property(arb, (text) => {
        try {
          const step = hs(B, 'listener').receive(text);
          assert.ok(step.send, 'success yields an auth');
        } catch (err) {
          assert.ok(isMeshgateError(err, 'MG_ERR_HELLO_FAILED'), String(err));
          assert.ok(helloFailureReason(err) !== undefined);
        }
      }),
      { numRuns: 500 },
    );
  });
});
