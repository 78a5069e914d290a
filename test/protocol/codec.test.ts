import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodePacket, encodePacket, withTtl, asSyncResponse } from '../../src/protocol/codec.js';
import { signPacket, verifyFrame, signingPreimage, framePreimage } from '../../src/protocol/signing.js';
import { generateIdentityKeys, ed25519PrivateKey, ed25519PublicKey } from '../../src/protocol/keys.js';
import { pad, unpad, optimalBlockSize } from '../../src/protocol/padding.js';
import { shouldCompress, decompressPayload } from '../../src/protocol/compression.js';
import { BROADCAST_ID, Flags, MessageType, isBroadcast, type BitchatPacket } from '../../src/protocol/packet.js';
import { MeshgateError } from '../../src/errors.js';

const sender = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
const recipient = new Uint8Array([9, 10, 11, 12, 13, 14, 15, 16]);

function base(overrides: Partial<BitchatPacket> = {}): BitchatPacket {
  return {
    version: 1,
    type: MessageType.MESSAGE,
    ttl: 7,
    timestamp: 1_700_000_000_123,
    flags: 0,
    senderID: sender,
    payload: new TextEncoder().encode('hello mesh'),
    ...overrides,
  };
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): void {
  assert.deepEqual(a ? Array.from(a) : undefined, b ? Array.from(b) : undefined);
}

function assertRoundTrip(p: BitchatPacket, opts?: Parameters<typeof encodePacket>[1]): void {
  const bytes = encodePacket(p, opts);
  const d = decodePacket(bytes).packet;
  assert.equal(d.version, p.version);
  assert.equal(d.type, p.type);
  assert.equal(d.ttl, p.ttl);
  assert.equal(d.timestamp, p.timestamp);
  sameBytes(d.senderID, p.senderID);
  sameBytes(d.recipientID, p.recipientID);
  sameBytes(d.payload, p.payload);
  sameBytes(d.signature, p.signature);
  if (p.version === 2 && p.route && p.route.length) assert.deepEqual(d.route!.map((r) => Array.from(r)), p.route.map((r) => Array.from(r)));
  else assert.equal(d.route, undefined);
  assert.equal(d.flags & Flags.IS_RSR, p.flags & Flags.IS_RSR);
}

describe('bitchat codec', () => {
  test('v1 header layout: 14-byte header, big-endian fields, sender after header', () => {
    const bytes = encodePacket(base({ recipientID: recipient }));
    assert.equal(bytes[0], 1);
    assert.equal(bytes[1], 0x02);
    assert.equal(bytes[2], 7);
    assert.equal(Buffer.from(bytes.subarray(3, 11)).readBigUInt64BE(), 1_700_000_000_123n);
    assert.equal(bytes[11], Flags.HAS_RECIPIENT);
    assert.equal((bytes[12] << 8) | bytes[13], 10);
    sameBytes(bytes.subarray(14, 22), sender);
    sameBytes(bytes.subarray(22, 30), recipient);
    assert.equal(bytes.length, 14 + 8 + 8 + 10);
  });

  test('v2 header has a 4-byte payload length and carries a route', () => {
    const route = [new Uint8Array(8).fill(0xaa), new Uint8Array(8).fill(0xbb)];
    const bytes = encodePacket(base({ version: 2, recipientID: recipient, route }));
    assert.equal(bytes[11], Flags.HAS_RECIPIENT | Flags.HAS_ROUTE);
    assert.equal(Buffer.from(bytes.subarray(12, 16)).readUInt32BE(), 10);
    assert.equal(bytes[32], 2); // route count after 16 header + 8 sender + 8 recipient
    assertRoundTrip(base({ version: 2, recipientID: recipient, route }));
  });

  test('route flag is ignored in v1', () => {
    const bytes = encodePacket(base());
    bytes[11] |= Flags.HAS_ROUTE;
    const d = decodePacket(bytes);
    assert.equal(d.packet.route, undefined);
    sameBytes(d.packet.payload, base().payload);
  });

  test('both broadcast shapes are broadcasts', () => {
    assert.ok(isBroadcast(decodePacket(encodePacket(base())).packet));
    assert.ok(isBroadcast(decodePacket(encodePacket(base({ recipientID: BROADCAST_ID }))).packet));
    assert.ok(!isBroadcast(decodePacket(encodePacket(base({ recipientID: recipient }))).packet));
  });

  test('compressible payloads are raw-DEFLATE compressed with the original size, in v1 and v2', () => {
    const text = new TextEncoder().encode('the quick brown fox '.repeat(20));
    for (const version of [1, 2] as const) {
      const bytes = encodePacket(base({ version, payload: text }));
      const d = decodePacket(bytes);
      assert.ok(d.compressed);
      assert.ok(bytes.length < text.length);
      const hs = version === 1 ? 14 : 16;
      const sizeField = version === 1 ? (bytes[hs + 8] << 8) | bytes[hs + 9] : Buffer.from(bytes.subarray(hs + 8, hs + 12)).readUInt32BE();
      assert.equal(sizeField, text.length);
      sameBytes(d.packet.payload, text);
    }
  });

  test('compression rules: under 100 bytes or high entropy is not compressed', () => {
    assert.equal(shouldCompress(new Uint8Array(99)), false);
    assert.equal(shouldCompress(new Uint8Array(100)), true);
    const random = new Uint8Array(256).map((_, i) => i);
    assert.equal(shouldCompress(random), false);
    assert.equal(decodePacket(encodePacket(base({ payload: random }))).compressed, false);
  });

  test('decompression guards: wrong size, bombs, garbage', () => {
    const text = new TextEncoder().encode('a'.repeat(1000));
    const bytes = encodePacket(base({ payload: text }));
    const off = 14 + 8;
    const wrong = new Uint8Array(bytes);
    wrong[off + 1] = 0xe7; // declared 999 instead of 1000
    wrong[off] = 0x03;
    assert.throws(() => decodePacket(wrong), (e: unknown) => e instanceof MeshgateError && e.code === 'MG_ERR_DECOMPRESS');
    assert.throws(() => decompressPayload(new Uint8Array([1, 2]), 200_000), (e: unknown) => e instanceof MeshgateError && e.code === 'MG_ERR_COMPRESSION_BOMB');
    assert.throws(() => decompressPayload(new Uint8Array(10), 20_000_000), (e: unknown) => e instanceof MeshgateError && e.code === 'MG_ERR_COMPRESSION_BOMB');
    assert.throws(() => decompressPayload(new Uint8Array([0xff, 0xff, 0xff, 0xff]), 100), (e: unknown) => e instanceof MeshgateError && e.code === 'MG_ERR_DECOMPRESS');
  });

  test('decompression: a stream that inflates past its declared size is refused on both inflate paths, and ratios above DEFLATE\'s 1,032:1 are bombs', async () => {
    const { deflateRawSync } = await import('node:zlib');
    const { FFLATE_MAX_INPUT, MAX_COMPRESSION_RATIO } = await import('../../src/protocol/compression.js');
    const zeros = deflateRawSync(Buffer.alloc(5_000_000));
    for (const size of [FFLATE_MAX_INPUT - 10, FFLATE_MAX_INPUT * 8]) {
      const chunk = new Uint8Array(zeros.subarray(0, size));
      assert.throws(() => decompressPayload(chunk, 100), (e: unknown) => e instanceof MeshgateError && e.code === 'MG_ERR_DECOMPRESS', `input ${size} bytes`);
    }
    const honest = deflateRawSync(Buffer.alloc(1_000_000));
    assert.ok(1_000_000 / honest.length <= MAX_COMPRESSION_RATIO, 'the most compressible honest stream stays under the ratio cap');
    assert.equal(decompressPayload(new Uint8Array(honest), 1_000_000).length, 1_000_000);
    assert.throws(() => decompressPayload(new Uint8Array(honest), honest.length * (MAX_COMPRESSION_RATIO + 1)), (e: unknown) => e instanceof MeshgateError && e.code === 'MG_ERR_COMPRESSION_BOMB');
  });

  test('padding: PKCS#7 to 256/512/1024/2048, none beyond 255 bytes of pad', () => {
    assert.equal(optimalBlockSize(10), 256);
    assert.equal(optimalBlockSize(240), 256);
    assert.equal(optimalBlockSize(241), 512);
    assert.equal(optimalBlockSize(2033), 2000 + 33); // no block fits
    const data = new Uint8Array(100).fill(7);
    const padded = pad(data);
    assert.equal(padded.length, 256);
    assert.ok(padded.subarray(100).every((b) => b === 156));
    sameBytes(unpad(padded), data);
    assert.equal(pad(new Uint8Array(300)).length, 512, '512 - 300 = 212 pad bytes fit');
    assert.equal(pad(new Uint8Array(300), 1024).length, 300, 'a 724-byte pad is refused');
    const bad = new Uint8Array(padded);
    bad[200] = 1;
    assert.equal(unpad(bad).length, 256, 'invalid padding left alone');
  });

  test('Noise packets are padded on the air, others are not; padded frames decode', () => {
    const noise = encodePacket(base({ type: MessageType.NOISE_ENCRYPTED, recipientID: recipient }));
    assert.equal(noise.length, 256);
    assert.equal(encodePacket(base()).length, 32);
    const d = decodePacket(noise);
    assert.equal(d.length, 14 + 16 + 10);
    sameBytes(d.packet.payload, base().payload);
  });

  test('sign and verify: the preimage is padded, TTL 0, signature and RSR clear; relayed packets still verify', () => {
    const keys = generateIdentityKeys();
    const priv = ed25519PrivateKey(keys.signingPrivateKey);
    const pub = ed25519PublicKey(keys.signingPublicKey);
    const signed = signPacket(base({ payload: new TextEncoder().encode('signed hello '.repeat(12)) }), priv);
    const bytes = encodePacket(signed);
    const d = decodePacket(bytes);
    assert.equal(d.signatureOffset, d.length - 64);
    assert.ok(verifyFrame(d, pub));
    const pre = signingPreimage(signed);
    assert.equal(pre.length, 256);
    assert.equal(pre[2], 0);
    sameBytes(framePreimage(d), pre);
    // relayed: TTL patched, RSR set
    assert.ok(verifyFrame(decodePacket(withTtl(bytes, 3)), pub));
    assert.ok(verifyFrame(decodePacket(asSyncResponse(bytes)), pub));
    // tampered
    const t = new Uint8Array(bytes);
    t[20] ^= 1;
    assert.ok(!verifyFrame(decodePacket(t), pub));
    const other = generateIdentityKeys();
    assert.ok(!verifyFrame(d, other.signingPublicKey));
    assert.ok(!verifyFrame(decodePacket(encodePacket(base())), pub), 'unsigned frame does not verify');
  });

  test('withTtl patches only byte 2 and keeps trailing padding', () => {
    const bytes = encodePacket(base({ type: MessageType.NOISE_HANDSHAKE }));
    const r = withTtl(bytes, 4);
    assert.equal(r.length, bytes.length);
    for (let i = 0; i < bytes.length; i++) assert.equal(r[i], i === 2 ? 4 : bytes[i]);
  });

  test('rejections are typed: short frames, bad version, overrunning lengths', () => {
    const codeOf = (b: Uint8Array): string => {
      try {
        decodePacket(b);
        return 'ok';
      } catch (e) {
        assert.ok(e instanceof MeshgateError);
        return e.code;
      }
    };
    assert.equal(codeOf(new Uint8Array(0)), 'MG_ERR_FRAME_TOO_SHORT');
    assert.equal(codeOf(new Uint8Array([3, 1, 1])), 'MG_ERR_BAD_VERSION');
    assert.equal(codeOf(new Uint8Array(21).fill(1)), 'MG_ERR_FRAME_TOO_SHORT');
    const bytes = encodePacket(base());
    const long = new Uint8Array(bytes);
    long[12] = 0xff; // payload length 65,290+ overruns the frame
    assert.equal(codeOf(long), 'MG_ERR_FRAME_TOO_SHORT');
    const v2 = encodePacket(base({ version: 2 }));
    v2[12] = 0xff; // 4 GiB declared
    assert.equal(codeOf(v2), 'MG_ERR_FRAME_TOO_SHORT');
    const comp = new Uint8Array(bytes);
    comp[11] |= Flags.IS_COMPRESSED;
    comp[12] = 0;
    comp[13] = 1;
    assert.equal(codeOf(comp), 'MG_ERR_BAD_LENGTH');
    assert.throws(() => encodePacket(base({ version: 1, payload: new Uint8Array(70_000).map((_, i) => (i * 7919) & 0xff) })), (e: unknown) => e instanceof MeshgateError && e.code === 'MG_ERR_FRAME_TOO_LARGE');
  });

  test('property: every packet shape round-trips', () => {
    const id = fc.uint8Array({ minLength: 8, maxLength: 8 });
    const arb = fc.record({
      version: fc.constantFrom(1 as const, 2 as const),
      type: fc.integer({ min: 0, max: 255 }),
      ttl: fc.integer({ min: 0, max: 255 }),
      timestamp: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      rsr: fc.boolean(),
      recipientID: fc.option(id, { nil: undefined }),
      route: fc.option(fc.array(id, { maxLength: 5 }), { nil: undefined }),
      payload: fc.oneof(fc.uint8Array({ maxLength: 600 }), fc.string({ maxLength: 400 }).map((s) => new TextEncoder().encode(s.repeat(3)))),
      signature: fc.option(fc.uint8Array({ minLength: 64, maxLength: 64 }), { nil: undefined }),
      pad: fc.boolean(),
    });
    fc.assert(
      fc.property(arb, (a) => {
        assertRoundTrip(
          { version: a.version, type: a.type, ttl: a.ttl, timestamp: a.timestamp, flags: a.rsr ? Flags.IS_RSR : 0, senderID: sender, recipientID: a.recipientID, route: a.route, payload: a.payload, signature: a.signature },
          { pad: a.pad },
        );
      }),
      { numRuns: 2000 },
    );
  });

  test('fuzz: 100,000 random and mutated frames decode or throw a coded MeshgateError', () => {
    const keys = generateIdentityKeys();
    const priv = ed25519PrivateKey(keys.signingPrivateKey);
    const seeds = [
      encodePacket(base()),
      encodePacket(signPacket(base({ recipientID: recipient }), priv)),
      encodePacket(base({ version: 2, route: [recipient], recipientID: recipient })),
      encodePacket(base({ payload: new TextEncoder().encode('compress me '.repeat(30)) })),
      encodePacket(base({ type: MessageType.NOISE_ENCRYPTED })),
    ];
    const frame = fc.oneof(
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
      {
        weight: 3,
        arbitrary: fc
          .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat())
          .map(([s, muts, cut]) => {
            const b = new Uint8Array(s);
            for (const [pos, val] of muts) b[pos % b.length] = val;
            return cut % 4 === 0 ? b.subarray(0, cut % (b.length + 1)) : b;
          }),
      },
    );
    let ok = 0;
    let coded = 0;
    fc.assert(
      fc.property(frame, (b) => {
        try {
          decodePacket(b);
          ok++;
        } catch (e) {
          if (!(e instanceof MeshgateError)) throw e;
          coded++;
        }
      }),
      { numRuns: 100_000 },
    );
    assert.equal(ok + coded, 100_000);
    assert.ok(ok > 1000 && coded > 1000, `both outcomes exercised (ok=${ok}, coded=${coded})`);
  });
});
