import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeRequestSync,
  encodeRequestSync,
  syncTypeFlags,
  syncTypesCovered,
  syncTypesOf,
} from '../../src/protocol/request-sync.js';
import { MessageType } from '../../src/protocol/packet.js';
import { MeshgateError, isMeshgateError } from '../../src/errors.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('request-sync payload (TLV-16)', () => {
  test('base fields encode as P, M (u32 BE), data', () => {
    const bytes = encodeRequestSync({ p: 7, m: 12_800, data: hex('010203') });
    assert.equal(toHex(bytes), '01000107' + '020004' + '00003200' + '030003010203');
    assert.deepEqual(decodeRequestSync(bytes), { p: 7, m: 12_800, data: hex('010203') });
  });

  test('types bitfield, since timestamp and fragment-ID filter round-trip', () => {
    const r = {
      p: 8,
      m: 25_600,
      data: hex('0a141e'),
      types: syncTypeFlags([MessageType.ANNOUNCE, MessageType.MESSAGE, MessageType.GROUP_MESSAGE]),
      sinceTimestamp: 1_700_000_000_000n,
      fragmentIds: [hex('00112233445566aa'), hex('ffeeddccbbaa9988')],
    };
    const bytes = encodeRequestSync(r);
    assert.ok(toHex(bytes).includes('040002' + '0304'));
    assert.ok(Buffer.from(bytes).includes(Buffer.from('00112233445566aa,ffeeddccbbaa9988')));
    const back = decodeRequestSync(bytes);
    assert.equal(back.types, 0x403n);
    assert.equal(back.sinceTimestamp, 1_700_000_000_000n);
    assert.deepEqual(back.fragmentIds?.map(toHex), ['00112233445566aa', 'ffeeddccbbaa9988']);
  });

  test('zero type flags are omitted, as upstream encoders do', () => {
    assert.equal(toHex(encodeRequestSync({ p: 1, m: 1, data: new Uint8Array(0), types: 0n })), '01000101' + '02000400000001' + '030000');
  });

  test('missing P, M or data, P > 32 or M = 0 is MG_ERR_BAD_GCS', () => {
    const cases = [
      '02000400003200' + '030000',
      '01000107' + '030000',
      '01000107' + '02000400003200',
      '01000121' + '02000400003200' + '030000',
      '01000107' + '02000400000000' + '030000',
      '0100020007' + '02000400003200' + '030000', // P with the wrong length is ignored → missing
    ];
    for (const c of cases) assert.throws(() => decodeRequestSync(hex(c)), (e) => isMeshgateError(e, 'MG_ERR_BAD_GCS'), c);
  });

  test('a filter over 1024 bytes is rejected; an oversized fragment filter is ignored (iOS)', () => {
    const big = encodeRequestSync({ p: 7, m: 128, data: new Uint8Array(1024) });
    assert.doesNotThrow(() => decodeRequestSync(big));
    const over = Buffer.concat([hex('01000107' + '02000400000080' + '030401'), new Uint8Array(1025)]);
    assert.throws(() => decodeRequestSync(over), (e) => isMeshgateError(e, 'MG_ERR_BAD_GCS'));
    const fid = Buffer.concat([encodeRequestSync({ p: 7, m: 128, data: hex('01') }), hex('060401'), Buffer.alloc(1025, 0x61)]);
    assert.equal(decodeRequestSync(fid).fragmentIds, undefined);
  });

  test('malformed fragment-ID tokens are skipped (iOS decodeFragmentIdFilter)', () => {
    const text = Buffer.from('zzzz,0011,0011223344556677,');
    const bytes = Buffer.concat([encodeRequestSync({ p: 7, m: 128, data: hex('01') }), hex('0600' + text.length.toString(16).padStart(2, '0')), text]);
    assert.deepEqual(decodeRequestSync(bytes).fragmentIds?.map(toHex), ['0011223344556677']);
  });

  test('encode rejects more than 60 fragment IDs, non-8-byte IDs and out-of-range P/M', () => {
    const ok = { p: 7, m: 128, data: new Uint8Array(0) };
    assert.throws(() => encodeRequestSync({ ...ok, fragmentIds: Array.from({ length: 61 }, () => new Uint8Array(8)) }), (e) => isMeshgateError(e, 'MG_ERR_BAD_TLV'));
    assert.throws(() => encodeRequestSync({ ...ok, fragmentIds: [new Uint8Array(7)] }), (e) => isMeshgateError(e, 'MG_ERR_BAD_TLV'));
    assert.throws(() => encodeRequestSync({ ...ok, p: 33 }), (e) => isMeshgateError(e, 'MG_ERR_BAD_GCS'));
    assert.throws(() => encodeRequestSync({ ...ok, m: 0 }), (e) => isMeshgateError(e, 'MG_ERR_BAD_GCS'));
  });

  test('60 fragment IDs encode to 1019 bytes, within the decoder budget', () => {
    const ids = Array.from({ length: 60 }, (_, i) => Uint8Array.of(0, 0, 0, 0, 0, 0, 0, i));
    const decoded = decodeRequestSync(encodeRequestSync({ p: 7, m: 128, data: hex('01'), fragmentIds: ids }));
    assert.equal(decoded.fragmentIds?.length, 60);
  });

  test('sync type flags map message types to upstream bit positions', () => {
    assert.equal(syncTypeFlags([MessageType.ANNOUNCE, MessageType.MESSAGE, MessageType.FRAGMENT, MessageType.FILE_TRANSFER]), 0xa3n);
    assert.equal(syncTypeFlags([MessageType.NOSTR_CARRIER, MessageType.PING]), 0n);
    assert.deepEqual(syncTypesOf(0xa0n), [MessageType.FRAGMENT, MessageType.FILE_TRANSFER]);
    assert.deepEqual(syncTypesOf(0xf800n), []);
    assert.equal(syncTypesCovered(undefined, MessageType.MESSAGE), true);
    assert.equal(syncTypesCovered(undefined, MessageType.FRAGMENT), false);
    assert.equal(syncTypesCovered(0xa0n, MessageType.FRAGMENT), true);
  });

  test('fuzz: arbitrary bytes either decode or throw a MeshgateError', () => {
    const valid = encodeRequestSync({ p: 7, m: 128, data: hex('0102') });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (bytes, prefix) => {
        const input = prefix ? Buffer.concat([valid, bytes]) : bytes;
        try {
          const r = decodeRequestSync(input);
          assert.ok(r.p >= 1 && r.p <= 32 && r.m >= 1);
        } catch (e) {
          assert.ok(e instanceof MeshgateError);
        }
      }),
      { numRuns: 20_000 },
    );
  });
});
