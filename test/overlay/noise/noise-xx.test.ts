/**
 * Noise_XX_25519_ChaChaPoly_SHA256 against the published cacophony and snow vectors
 * (test/vectors/noise-xx.json), and the failure rules of rev 34 §5.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CipherState, XxHandshake, generateNoiseKeyPair, noiseKeyPairFromPrivate, NOISE_PROTOCOL_NAME } from '../../../src/overlay/noise/index.js';
import { MeshgateError } from '../../../src/errors.js';

interface Vector {
  source: string;
  protocol_name: string;
  init_prologue: string;
  init_static: string;
  init_ephemeral: string;
  resp_prologue: string;
  resp_static: string;
  resp_ephemeral: string;
  handshake_hash?: string;
  messages: Array<{ payload: string; ciphertext: string }>;
}
const file = fileURLToPath(new URL('../../../../test/vectors/noise-xx.json', import.meta.url));
const vectors = (JSON.parse(readFileSync(file, 'utf8')) as { vectors: Vector[] }).vectors;
const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const code = (c: string) => (err: unknown) => err instanceof MeshgateError && err.code === c;

for (const v of vectors) {
  test(`${v.source} vector: ${v.protocol_name} matches byte for byte (handshake and transport)`, () => {
    assert.equal(v.protocol_name, NOISE_PROTOCOL_NAME);
    const i = new XxHandshake({ initiator: true, prologue: hex(v.init_prologue), staticKeyPair: noiseKeyPairFromPrivate(hex(v.init_static)), ephemeralKeyPair: noiseKeyPairFromPrivate(hex(v.init_ephemeral)) });
    const r = new XxHandshake({ initiator: false, prologue: hex(v.resp_prologue), staticKeyPair: noiseKeyPairFromPrivate(hex(v.resp_static)), ephemeralKeyPair: noiseKeyPairFromPrivate(hex(v.resp_ephemeral)) });
    for (let k = 0; k < 3; k++) {
      const [s, d] = k % 2 === 0 ? [i, r] : [r, i];
      const m = v.messages[k];
      const written = s.writeMessage(hex(m.payload));
      assert.equal(toHex(written), m.ciphertext, `handshake message ${k + 1}`);
      assert.equal(toHex(d.readMessage(written)), m.payload);
    }
    assert.ok(i.complete && r.complete);
    assert.deepEqual(i.handshakeHash, r.handshakeHash);
    if (v.handshake_hash) assert.equal(toHex(i.handshakeHash), v.handshake_hash);
    assert.deepEqual(i.remoteStaticKey, noiseKeyPairFromPrivate(hex(v.resp_static)).publicKey);
    assert.deepEqual(r.remoteStaticKey, noiseKeyPairFromPrivate(hex(v.init_static)).publicKey);
    const ti = i.split();
    const tr = r.split();
    for (let k = 3; k < v.messages.length; k++) {
      const m = v.messages[k];
      const [send, recv] = k % 2 === 0 ? [ti.send, tr.receive] : [tr.send, ti.receive];
      const c = send.encryptWithAd(new Uint8Array(0), hex(m.payload));
      assert.equal(toHex(c), m.ciphertext, `transport message ${k + 1}`);
      assert.equal(toHex(recv.decryptWithAd(new Uint8Array(0), c)), m.payload);
    }
  });
}

function handshake(prologueI = 'p', prologueR = 'p') {
  const i = new XxHandshake({ initiator: true, prologue: Buffer.from(prologueI), staticKeyPair: generateNoiseKeyPair() });
  const r = new XxHandshake({ initiator: false, prologue: Buffer.from(prologueR), staticKeyPair: generateNoiseKeyPair() });
  return { i, r };
}

test('different prologues (an edited hello) fail the handshake at message 2 with MG_ERR_NOISE_DECRYPT', () => {
  const { i, r } = handshake('hello A', 'hello A but edited');
  r.readMessage(i.writeMessage());
  assert.throws(() => i.readMessage(r.writeMessage()), code('MG_ERR_NOISE_DECRYPT'));
  assert.equal(i.complete, false);
  assert.throws(() => i.writeMessage(), code('MG_ERR_NOISE_STATE'), 'a failed handshake stays failed');
});

test('a tampered handshake message fails; calls out of turn and early split throw MG_ERR_NOISE_STATE', () => {
  const { i, r } = handshake();
  assert.throws(() => r.writeMessage(), code('MG_ERR_NOISE_STATE'));
  r.readMessage(i.writeMessage());
  const m2 = r.writeMessage(Buffer.from('x'));
  m2[40] ^= 1;
  assert.throws(() => i.readMessage(m2), code('MG_ERR_NOISE_DECRYPT'));
  assert.throws(() => i.split(), code('MG_ERR_NOISE_STATE'));
  const short = new XxHandshake({ initiator: false, staticKeyPair: generateNoiseKeyPair() });
  assert.throws(() => short.readMessage(new Uint8Array(31)), code('MG_ERR_NOISE_STATE'));
});

test('transport: tampered, replayed and reordered messages fail without advancing the nonce; rekey keeps both sides in step', () => {
  const { i, r } = handshake();
  r.readMessage(i.writeMessage());
  i.readMessage(r.writeMessage());
  r.readMessage(i.writeMessage());
  const a = i.split();
  const b = r.split();
  const ad = new Uint8Array(0);
  const first = a.send.encryptWithAd(ad, Buffer.from('first'));
  const second = a.send.encryptWithAd(ad, Buffer.from('second'));
  const tampered = new Uint8Array(first);
  tampered[0] ^= 1;
  assert.throws(() => b.receive.decryptWithAd(ad, tampered), code('MG_ERR_NOISE_DECRYPT'));
  assert.throws(() => b.receive.decryptWithAd(ad, second), code('MG_ERR_NOISE_DECRYPT'), 'reordered');
  assert.equal(Buffer.from(b.receive.decryptWithAd(ad, first)).toString(), 'first');
  assert.throws(() => b.receive.decryptWithAd(ad, first), code('MG_ERR_NOISE_DECRYPT'), 'replayed');
  assert.equal(Buffer.from(b.receive.decryptWithAd(ad, second)).toString(), 'second');
  a.send.rekey();
  b.receive.rekey();
  assert.equal(Buffer.from(b.receive.decryptWithAd(ad, a.send.encryptWithAd(ad, Buffer.from('after rekey')))).toString(), 'after rekey');
  const keyless = new CipherState();
  assert.deepEqual(keyless.encryptWithAd(ad, Buffer.from('plain')), Buffer.from('plain'));
});
