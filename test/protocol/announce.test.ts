import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Capability,
  announceMatchesSender,
  capabilityBits,
  capabilityList,
  decodeAnnounce,
  decodeCapabilities,
  encodeAnnounce,
  encodeCapabilities,
  hasCapability,
  withCapability,
  type AnnouncePayload,
} from '../../src/protocol/announce.js';
import { generateIdentityKeys, peerIdFromNoiseKey } from '../../src/protocol/keys.js';
import { MeshgateError, isMeshgateError } from '../../src/errors.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const K11 = new Uint8Array(32).fill(0x11);
const K22 = new Uint8Array(32).fill(0x22);

describe('announce payload (TLV-8)', () => {
  test('legacy announce encodes as nickname, Noise key, signing key', () => {
    const bytes = encodeAnnounce({ nickname: 'peer', noisePublicKey: K11, signingPublicKey: K22 });
    assert.equal(toHex(bytes), '010470656572' + '0220' + '11'.repeat(32) + '0320' + '22'.repeat(32));
    const a = decodeAnnounce(bytes);
    assert.equal(a.nickname, 'peer');
    assert.equal(a.capabilities, undefined);
    assert.equal(a.neighbors, undefined);
    assert.equal(a.unknown, undefined);
  });

  test('all optional TLVs round-trip: neighbours, capabilities, bridge geohash, unknown', () => {
    const input: AnnouncePayload = {
      nickname: 'gateway ☃',
      noisePublicKey: K11,
      signingPublicKey: K22,
      neighbors: [hex('0102030405060708'), hex('a1a2a3a4a5a6a7a8')],
      capabilities: capabilityBits(Capability.GATEWAY, Capability.BRIDGE, Capability.PRIVATE_MEDIA),
      bridgeGeohash: 'u4pruyd',
      unknown: [{ type: 0x7f, value: hex('cafe') }],
    };
    const a = decodeAnnounce(encodeAnnounce(input));
    assert.equal(a.nickname, input.nickname);
    assert.deepEqual(a.neighbors?.map(toHex), ['0102030405060708', 'a1a2a3a4a5a6a7a8']);
    assert.equal(a.capabilities, 0x184n);
    assert.equal(a.bridgeGeohash, 'u4pruyd');
    assert.deepEqual(a.unknown?.map((u) => [u.type, toHex(u.value)]), [[0x7f, 'cafe']]);
  });

  test('a missing nickname, Noise key or signing key is MG_ERR_BAD_ANNOUNCE', () => {
    const nick = '0103626f62';
    const noise = '0220' + '11'.repeat(32);
    const signing = '0320' + '22'.repeat(32);
    for (const bytes of [noise + signing, nick + signing, nick + noise]) {
      assert.throws(() => decodeAnnounce(hex(bytes)), (e) => isMeshgateError(e, 'MG_ERR_BAD_ANNOUNCE'));
    }
  });

  test('a key of the wrong length is MG_ERR_BAD_ANNOUNCE on decode and MG_ERR_BAD_KEY on encode', () => {
    assert.throws(() => decodeAnnounce(hex('0103626f62' + '021f' + '11'.repeat(31) + '0320' + '22'.repeat(32))), (e) => isMeshgateError(e, 'MG_ERR_BAD_ANNOUNCE'));
    assert.throws(() => encodeAnnounce({ nickname: 'x', noisePublicKey: K11.subarray(1), signingPublicKey: K22 }), (e) => isMeshgateError(e, 'MG_ERR_BAD_KEY'));
  });

  test('a TLV that overruns the payload is MG_ERR_BAD_TLV (Android contract negative vector)', () => {
    assert.throws(() => decodeAnnounce(hex('0103626f62022011')), (e) => isMeshgateError(e, 'MG_ERR_BAD_TLV'));
  });

  test('a nickname over 255 UTF-8 bytes is an encode error, even if under 255 characters', () => {
    assert.throws(() => encodeAnnounce({ nickname: 'é'.repeat(128), noisePublicKey: K11, signingPublicKey: K22 }), (e) => isMeshgateError(e, 'MG_ERR_BAD_TLV'));
    assert.doesNotThrow(() => encodeAnnounce({ nickname: 'é'.repeat(127), noisePublicKey: K11, signingPublicKey: K22 }));
  });

  test('more than 10 neighbours, a non-8-byte neighbour or a 13-byte geohash is an encode error', () => {
    const base = { nickname: 'x', noisePublicKey: K11, signingPublicKey: K22 };
    const ids = Array.from({ length: 11 }, (_, i) => new Uint8Array(8).fill(i));
    assert.throws(() => encodeAnnounce({ ...base, neighbors: ids }), (e) => isMeshgateError(e, 'MG_ERR_BAD_TLV'));
    assert.throws(() => encodeAnnounce({ ...base, neighbors: [new Uint8Array(7)] }), (e) => isMeshgateError(e, 'MG_ERR_BAD_TLV'));
    assert.throws(() => encodeAnnounce({ ...base, bridgeGeohash: 'u4pruydqqvjxx' }), (e) => isMeshgateError(e, 'MG_ERR_BAD_TLV'));
  });

  test('malformed optional TLVs are not interpreted but kept in unknown (iOS ignores them)', () => {
    const legacy = toHex(encodeAnnounce({ nickname: 'p', noisePublicKey: K11, signingPublicKey: K22 }));
    const a = decodeAnnounce(hex(legacy + '0403010203' + '060d' + '61'.repeat(13)));
    assert.equal(a.neighbors, undefined);
    assert.equal(a.bridgeGeohash, undefined);
    assert.deepEqual(a.unknown?.map((u) => u.type), [4, 6]);
  });

  test('a later duplicate TLV replaces the earlier one, as upstream decoders do', () => {
    const a = decodeAnnounce(hex('0101610101620220' + '11'.repeat(32) + '0320' + '22'.repeat(32)));
    assert.equal(a.nickname, 'b');
  });

  test('sender binding: senderID must be SHA-256(Noise key)[0..8]', () => {
    const keys = generateIdentityKeys();
    const a = { noisePublicKey: keys.noisePublicKey };
    assert.equal(announceMatchesSender(a, peerIdFromNoiseKey(keys.noisePublicKey)), true);
    assert.equal(announceMatchesSender(a, new Uint8Array(8)), false);
    assert.equal(announceMatchesSender(a, new Uint8Array(7)), false);
  });

  test('fuzz: arbitrary bytes either decode or throw a MeshgateError', () => {
    const noise = hex('0220' + '11'.repeat(32));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.boolean(), (bytes, withKey) => {
        const input = withKey ? Buffer.concat([noise, bytes]) : bytes;
        try {
          const a = decodeAnnounce(input);
          assert.equal(a.noisePublicKey.length, 32);
          assert.equal(a.signingPublicKey.length, 32);
        } catch (e) {
          assert.ok(e instanceof MeshgateError, String(e));
        }
      }),
      { numRuns: 20_000 },
    );
  });

  test('property: encode then decode is the identity on valid announces', () => {
    const id8 = fc.uint8Array({ minLength: 8, maxLength: 8 });
    const arb = fc.record({
      nickname: fc.string({ maxLength: 60 }),
      noisePublicKey: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      signingPublicKey: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      neighbors: fc.option(fc.array(id8, { minLength: 1, maxLength: 10 }), { nil: undefined }),
      capabilities: fc.option(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { nil: undefined }),
      bridgeGeohash: fc.option(fc.stringMatching(/^[0-9b-hjkmnp-z]{1,12}$/), { nil: undefined }),
    });
    fc.assert(
      fc.property(arb, (input) => {
        const out = decodeAnnounce(encodeAnnounce(input));
        assert.equal(out.nickname, input.nickname);
        assert.equal(toHex(out.noisePublicKey), toHex(input.noisePublicKey));
        assert.deepEqual(out.neighbors?.map(toHex), input.neighbors?.map(toHex));
        assert.equal(out.capabilities, input.capabilities);
        assert.equal(out.bridgeGeohash, input.bridgeGeohash);
      }),
      { numRuns: 500 },
    );
  });
});

describe('capability bitfield (TLV 0x05)', () => {
  test('minimal little-endian encoding with at least one byte (iOS PeerCapabilitiesTests)', () => {
    assert.equal(toHex(encodeCapabilities(0)), '00');
    assert.equal(toHex(encodeCapabilities(capabilityBits(Capability.PREKEYS))), '01');
    assert.equal(toHex(encodeCapabilities(capabilityBits(Capability.MESH_DIAGNOSTICS))), '40');
    assert.equal(toHex(encodeCapabilities(capabilityBits(Capability.PRIVATE_MEDIA))), '0001');
    assert.equal(toHex(encodeCapabilities(capabilityBits(Capability.PRIVATE_MEDIA_RECEIPTS))), '0002');
  });

  test('decoding keeps unknown bits and the low 64 bits only', () => {
    assert.equal(decodeCapabilities(hex('ffff')), 0xffffn);
    assert.equal(hasCapability(decodeCapabilities(hex('ffff')), Capability.GATEWAY), true);
    assert.equal(decodeCapabilities(hex('01' + '00'.repeat(7) + 'aabb')), 1n);
    assert.equal(decodeCapabilities(new Uint8Array(0)), 0n);
  });

  test('helpers build, test and list bits', () => {
    const caps = withCapability(capabilityBits(Capability.GATEWAY), Capability.BRIDGE);
    assert.equal(caps, 0x84n);
    assert.equal(hasCapability(caps, Capability.BRIDGE), true);
    assert.equal(hasCapability(caps, Capability.GROUPS), false);
    assert.equal(hasCapability(undefined, Capability.GATEWAY), false);
    assert.deepEqual(capabilityList(caps), [2, 7]);
    assert.throws(() => capabilityBits(64), (e) => isMeshgateError(e, 'MG_ERR_BAD_TLV'));
    assert.throws(() => encodeCapabilities(1n << 64n), (e) => isMeshgateError(e, 'MG_ERR_BAD_TLV'));
  });

  test('property: decode(encode(x)) = x and the encoding has no trailing zero byte', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (v) => {
        const b = encodeCapabilities(v);
        assert.equal(decodeCapabilities(b), v);
        assert.ok(b.length >= 1 && b.length <= 8);
        if (b.length > 1) assert.notEqual(b[b.length - 1], 0);
      }),
    );
  });
});
