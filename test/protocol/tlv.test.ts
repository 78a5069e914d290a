import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readTlvs, writeTlvs } from '../../src/protocol/tlv.js';
import { MeshgateError, isMeshgateError } from '../../src/errors.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('TLV-8 and TLV-16 records', () => {
  test('TLV-8 records decode in order with their values', () => {
    const recs = readTlvs(hex('0103626f62' + '7f00' + '0201ff'), 1);
    assert.deepEqual(recs.map((r) => [r.type, toHex(r.value)]), [[1, '626f62'], [0x7f, ''], [2, 'ff']]);
  });

  test('TLV-16 lengths are big-endian', () => {
    const value = new Uint8Array(300).fill(7);
    const bytes = writeTlvs([{ type: 3, value }], 2);
    assert.equal(toHex(bytes.subarray(0, 3)), '03012c');
    const [r] = readTlvs(bytes, 2);
    assert.equal(r.value.length, 300);
  });

  test('a value that overruns its container is MG_ERR_BAD_TLV', () => {
    assert.throws(() => readTlvs(hex('0103626f'), 1), (e) => isMeshgateError(e, 'MG_ERR_BAD_TLV'));
    assert.throws(() => readTlvs(hex('010002aa'), 2), (e) => isMeshgateError(e, 'MG_ERR_BAD_TLV'));
  });

  test('trailing bytes too short for a header are ignored, as upstream decoders do', () => {
    assert.equal(readTlvs(hex('0101aa05'), 1).length, 1);
    assert.equal(readTlvs(hex('010001aa0500'), 2).length, 1);
  });

  test('encoding rejects values too long for the length field and non-byte types', () => {
    assert.throws(() => writeTlvs([{ type: 1, value: new Uint8Array(256) }], 1), (e) => isMeshgateError(e, 'MG_ERR_BAD_TLV'));
    assert.throws(() => writeTlvs([{ type: 256, value: new Uint8Array(1) }], 2), (e) => isMeshgateError(e, 'MG_ERR_BAD_TLV'));
  });

  test('property: write then read returns the same records (both widths)', () => {
    const rec = fc.record({ type: fc.integer({ min: 0, max: 255 }), value: fc.uint8Array({ maxLength: 255 }) });
    fc.assert(
      fc.property(fc.array(rec, { maxLength: 8 }), fc.constantFrom<1 | 2>(1, 2), (records, width) => {
        const back = readTlvs(writeTlvs(records, width), width);
        assert.deepEqual(back.map((r) => [r.type, toHex(r.value)]), records.map((r) => [r.type, toHex(r.value)]));
      }),
    );
  });

  test('fuzz: arbitrary bytes either decode or throw a MeshgateError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom<1 | 2>(1, 2), (bytes, width) => {
        try {
          const recs = readTlvs(bytes, width);
          assert.ok(recs.length <= bytes.length / (1 + width));
        } catch (e) {
          assert.ok(e instanceof MeshgateError);
        }
      }),
      { numRuns: 20_000 },
    );
  });
});
