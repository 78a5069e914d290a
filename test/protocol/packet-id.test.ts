import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { duplicateKey, packetId, packetIdHex } from '../../src/protocol/packet-id.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const sha = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();

describe('packet ID (gossip sync)', () => {
  test('is SHA-256(type | senderID | timestamp u64 BE | payload)[0..16]', () => {
    const sender = hex('0102030405060708');
    const payload = new TextEncoder().encode('bitchat');
    const preimage = hex('01' + '0102030405060708' + '0000018bcfe56800' + Buffer.from('bitchat').toString('hex'));
    const expected = sha(preimage).subarray(0, 16).toString('hex');
    assert.equal(packetIdHex(1, sender, 1_700_000_000_000, payload), expected);
    assert.equal(Buffer.from(packetId(1, sender, 1_700_000_000_000n, payload)).toString('hex'), expected);
  });

  test('timestamps above 2^32 and u64 bigints are encoded big-endian', () => {
    const sender = new Uint8Array(8);
    const expected = sha(hex('02' + '00'.repeat(8) + '0102030405060708')).subarray(0, 16).toString('hex');
    assert.equal(packetIdHex(2, sender, 0x0102030405060708n, new Uint8Array(0)), expected);
  });

  test('property: number and bigint timestamps give the same ID; any field change changes it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.uint8Array({ maxLength: 64 }),
        (type, sender, ts, payload) => {
          const a = packetIdHex(type, sender, ts, payload);
          assert.equal(a, packetIdHex(type, sender, BigInt(ts), payload));
          assert.equal(a.length, 32);
          assert.notEqual(a, packetIdHex((type + 1) & 0xff, sender, ts, payload));
          assert.notEqual(a, packetIdHex(type, sender, ts + 1, payload));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('duplicate key (iOS BLEReceivePipeline)', () => {
  test('is "<sender hex>-<timestamp>-<type>-<first 4 bytes of SHA-256(payload) hex>"', () => {
    const payload = new TextEncoder().encode('hello');
    const digest8 = sha(payload).subarray(0, 4).toString('hex');
    assert.equal(duplicateKey(hex('a1b2c3d4e5f60718'), 1_700_000_000_123, 2, payload), `a1b2c3d4e5f60718-1700000000123-2-${digest8}`);
  });

  test('distinct payloads with the same sender, timestamp and type get distinct keys', () => {
    const s = hex('0000000000000001');
    assert.notEqual(duplicateKey(s, 1, 2, hex('00')), duplicateKey(s, 1, 2, hex('01')));
    assert.equal(duplicateKey(s, 1, 2, hex('00')), duplicateKey(s, 1n, 2, hex('00')));
  });
});
