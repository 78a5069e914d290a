/**
 * Interop: the codec against upstream's own published byte vectors
 * (iOS `spec/vectors/wire-format.json`, Android `ClientRewriteWireContractTest.kt`;
 * provenance per vector in test/vectors/upstream-wire-vectors.json).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodePacket, encodePacket } from '../../src/protocol/codec.js';
import { framePreimage, signPacket, signingPreimage, verifyFrame } from '../../src/protocol/signing.js';
import { ed25519PrivateKey } from '../../src/protocol/keys.js';
import { fromHex, toHex } from '../../src/protocol/hex.js';
import { Flags, type BitchatPacket } from '../../src/protocol/packet.js';

interface Vector {
  id: string;
  packet: { version: 1 | 2; type: number; ttl: number; timestamp: string; senderId: string; recipientId: string | null; route: string[] | null; payload: string; signature: string | null; isRsr: boolean };
  encodedUnpadded: string;
  encodedPadded?: string;
  signingTranscript?: string;
  signatureIsReal: boolean;
  ed25519?: { privateKeySeed: string; publicKey: string };
}

const file = fileURLToPath(new URL('../../../test/vectors/upstream-wire-vectors.json', import.meta.url));
const vectors: Vector[] = JSON.parse(readFileSync(file, 'utf8')).packets;

function toPacket(v: Vector): BitchatPacket {
  const p = v.packet;
  return {
    version: p.version,
    type: p.type,
    ttl: p.ttl,
    timestamp: Number(p.timestamp),
    flags: p.isRsr ? Flags.IS_RSR : 0,
    senderID: fromHex(p.senderId),
    recipientID: p.recipientId ? fromHex(p.recipientId) : undefined,
    route: p.route ? p.route.map((h) => fromHex(h)) : undefined,
    payload: fromHex(p.payload),
    signature: p.signature ? fromHex(p.signature) : undefined,
  };
}

/** Timestamps above 2^53 cannot round-trip through a JS number; compare all other bytes then. */
function assertSameFrame(actual: Uint8Array, expectedHex: string, v: Vector): void {
  if (BigInt(v.packet.timestamp) <= BigInt(Number.MAX_SAFE_INTEGER)) {
    assert.equal(toHex(actual), expectedHex);
  } else {
    const e = fromHex(expectedHex);
    assert.equal(actual.length, e.length);
    for (let i = 0; i < e.length; i++) if (i < 3 || i > 10) assert.equal(actual[i], e[i], `byte ${i}`);
  }
}

describe('upstream wire vectors', () => {
  assert.ok(vectors.length >= 8);
  for (const v of vectors) {
    test(`${v.id}: decodes to upstream's fields`, () => {
      for (const hex of [v.encodedUnpadded, v.encodedPadded].filter((h): h is string => !!h)) {
        const d = decodePacket(fromHex(hex));
        const p = d.packet;
        assert.equal(p.version, v.packet.version);
        assert.equal(p.type, v.packet.type);
        assert.equal(p.ttl, v.packet.ttl);
        assert.equal(BigInt(Buffer.from(fromHex(hex).subarray(3, 11)).readBigUInt64BE()), BigInt(v.packet.timestamp));
        assert.equal(p.timestamp, Number(v.packet.timestamp));
        assert.equal(toHex(p.senderID), v.packet.senderId);
        assert.equal(p.recipientID ? toHex(p.recipientID) : null, v.packet.recipientId);
        assert.deepEqual(p.route ? p.route.map(toHex) : null, v.packet.route);
        assert.equal(toHex(p.payload), v.packet.payload);
        assert.equal(p.signature ? toHex(p.signature) : null, v.packet.signature);
        assert.equal((p.flags & Flags.IS_RSR) !== 0, v.packet.isRsr);
        assert.equal(d.length, fromHex(v.encodedUnpadded).length, 'padding is not part of the packet');
      }
    });

    test(`${v.id}: encodes to upstream's bytes`, () => {
      const p = toPacket(v);
      assertSameFrame(encodePacket(p, { pad: false }), v.encodedUnpadded, v);
      if (v.encodedPadded) assertSameFrame(encodePacket(p, { pad: true }), v.encodedPadded, v);
      if (v.signingTranscript) {
        assertSameFrame(signingPreimage(p), v.signingTranscript, v);
        assert.equal(toHex(framePreimage(decodePacket(fromHex(v.encodedUnpadded)))), v.signingTranscript, 'preimage from received bytes');
      }
    });

    if (v.signatureIsReal && v.ed25519) {
      test(`${v.id}: the real signature verifies and is reproduced`, () => {
        const d = decodePacket(fromHex(v.encodedUnpadded));
        assert.ok(verifyFrame(d, fromHex(v.ed25519!.publicKey)));
        const signed = signPacket({ ...toPacket(v), signature: undefined }, ed25519PrivateKey(fromHex(v.ed25519!.privateKeySeed)));
        assert.equal(toHex(signed.signature!), v.packet.signature);
      });
    }
  }
});
