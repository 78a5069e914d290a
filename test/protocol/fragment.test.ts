import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ANDROID_MAX_CHUNK_SIZE,
  FRAGMENT_HEADER_SIZE,
  decodeFragmentPayload,
  encodeFragmentPayload,
  fragmentChunkSize,
  fragmentPayloads,
  planFragments,
} from '../../src/protocol/fragment.js';
import { MeshgateError, isMeshgateError } from '../../src/errors.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const FID = hex('0001020304050607');

describe('fragment payload codec', () => {
  test('13-byte header: ID, u16 BE index, u16 BE total, original type, then the chunk', () => {
    const bytes = encodeFragmentPayload({ fragmentId: FID, index: 0x0102, total: 0x0103, originalType: 0x22, chunk: hex('aabb') });
    assert.equal(toHex(bytes), '0001020304050607' + '0102' + '0103' + '22' + 'aabb');
  });

  test('decode rejects short payloads, total 0, total over the cap and index >= total', () => {
    const cases = [
      '00'.repeat(12),
      '0001020304050607' + '0000' + '0000' + '02',
      '0001020304050607' + '0000' + '0101' + '02',
      '0001020304050607' + '0003' + '0003' + '02',
    ];
    for (const c of cases) assert.throws(() => decodeFragmentPayload(hex(c)), (e) => isMeshgateError(e, 'MG_ERR_BAD_FRAGMENT'), c);
    // A higher cap (iOS accepts up to 10,000) lets total 257 through.
    assert.equal(decodeFragmentPayload(hex('0001020304050607' + '0000' + '0101' + '02'), { maxTotal: 10_000 }).total, 257);
  });

  test('header-only payload decodes with an empty chunk', () => {
    assert.equal(decodeFragmentPayload(hex('0001020304050607' + '0000' + '0001' + '02')).chunk.length, 0);
  });

  test('encode validates its fields', () => {
    const ok = { fragmentId: FID, index: 0, total: 1, originalType: 2, chunk: new Uint8Array(1) };
    assert.throws(() => encodeFragmentPayload({ ...ok, fragmentId: new Uint8Array(7) }), (e) => isMeshgateError(e, 'MG_ERR_BAD_FRAGMENT'));
    assert.throws(() => encodeFragmentPayload({ ...ok, index: 1 }), (e) => isMeshgateError(e, 'MG_ERR_BAD_FRAGMENT'));
    assert.throws(() => encodeFragmentPayload({ ...ok, total: 0x10000 }), (e) => isMeshgateError(e, 'MG_ERR_BAD_FRAGMENT'));
    assert.throws(() => encodeFragmentPayload({ ...ok, originalType: 256 }), (e) => isMeshgateError(e, 'MG_ERR_BAD_FRAGMENT'));
  });

  test('fuzz: arbitrary bytes either decode or throw a MeshgateError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        try {
          const f = decodeFragmentPayload(bytes);
          assert.ok(f.index < f.total && f.total <= 256);
          assert.equal(f.chunk.length, bytes.length - FRAGMENT_HEADER_SIZE);
        } catch (e) {
          assert.ok(e instanceof MeshgateError);
        }
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('fragment planning', () => {
  test('a frame is cut into ceil(len / chunk) chunks that concatenate back to the frame', () => {
    const frame = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    const plan = planFragments(frame, { chunkSize: ANDROID_MAX_CHUNK_SIZE, fragmentId: FID });
    assert.deepEqual(plan.map((p) => [p.index, p.total, p.chunk.length]), [[0, 3, 469], [1, 3, 469], [2, 3, 62]]);
    assert.equal(toHex(Buffer.concat(plan.map((p) => p.chunk))), toHex(frame));
  });

  test('more than 256 fragments is MG_ERR_FRAGMENT_LIMIT; exactly 256 is fine', () => {
    assert.equal(planFragments(new Uint8Array(256 * 10), { chunkSize: 10, fragmentId: FID }).length, 256);
    assert.throws(() => planFragments(new Uint8Array(256 * 10 + 1), { chunkSize: 10, fragmentId: FID }), (e) => isMeshgateError(e, 'MG_ERR_FRAGMENT_LIMIT'));
  });

  test('bad plan arguments are MG_ERR_BAD_FRAGMENT', () => {
    assert.throws(() => planFragments(new Uint8Array(0), { chunkSize: 10, fragmentId: FID }), (e) => isMeshgateError(e, 'MG_ERR_BAD_FRAGMENT'));
    assert.throws(() => planFragments(new Uint8Array(5), { chunkSize: 0, fragmentId: FID }), (e) => isMeshgateError(e, 'MG_ERR_BAD_FRAGMENT'));
    assert.throws(() => planFragments(new Uint8Array(5), { chunkSize: 2, fragmentId: new Uint8Array(3) }), (e) => isMeshgateError(e, 'MG_ERR_BAD_FRAGMENT'));
  });

  test('fragmentPayloads returns decodable payloads carrying the original type', () => {
    const frame = Uint8Array.from({ length: 50 }, (_, i) => i);
    const payloads = fragmentPayloads(frame, 0x22, 20, FID);
    const decoded = payloads.map((p) => decodeFragmentPayload(p));
    assert.deepEqual(decoded.map((d) => [d.index, d.total, d.originalType, toHex(d.fragmentId)]), [
      [0, 3, 0x22, '0001020304050607'],
      [1, 3, 0x22, '0001020304050607'],
      [2, 3, 0x22, '0001020304050607'],
    ]);
    assert.equal(toHex(Buffer.concat(decoded.map((d) => d.chunk))), toHex(frame));
  });

  test('chunk size for a 512-byte packet matches Android (469) and shrinks for routes', () => {
    assert.equal(fragmentChunkSize(), 469);
    assert.equal(fragmentChunkSize({ hasRecipient: false }), 469); // capped
    assert.equal(fragmentChunkSize({ routeHops: 2 }), 512 - (16 + 8 + 8 + 17 + 13));
    assert.equal(fragmentChunkSize({ frameLimit: 100, routeHops: 5 }), 64); // floored
    assert.equal(fragmentChunkSize({ frameLimit: 185 }), 185 - 43);
  });
});
