/**
 * Upstream byte vectors (test/vectors/upstream-wire-vectors.json) for the announce,
 * capability, fragment, request-sync and sync-type-flag codecs. Packet-level vectors in
 * the same file are exercised by the codec tests.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeAnnounce, encodeAnnounce, capabilityList, decodeCapabilities, encodeCapabilities } from '../../src/protocol/announce.js';
import { decodeFragmentPayload, encodeFragmentPayload } from '../../src/protocol/fragment.js';
import { decodeRequestSync, encodeRequestSync, syncTypeFlags, syncTypesOf } from '../../src/protocol/request-sync.js';
import { isMeshgateError, type ErrorCode } from '../../src/errors.js';

interface Source { repo: string; path: string; commit?: string; test?: string }
interface Invalid { id: string; source: Source; hex: string; meshgateError: ErrorCode }
interface Vectors {
  packets: { id: string; source: Source }[];
  payloads: {
    announce: { id: string; source: Source; hex: string; roundTrip: boolean; expected: { nickname: string; noisePublicKey: string; signingPublicKey: string; capabilities?: string; capabilityBits?: number[]; unknown: { type: number; value: string }[] } }[];
    announceInvalid: Invalid[];
    capabilities: { encode: { value: string; hex: string }[]; decode: { hex: string; value: string }[] }[];
    fragment: { id: string; hex: string; roundTrip: boolean; expected: { fragmentId: string; index: number; total: number; originalType: number; chunk: string } }[];
    fragmentInvalid: Invalid[];
    requestSync: { id: string; hex: string; roundTrip: boolean; expected: { p: number; m: number; data: string; types?: string; typesMessageTypes?: number[]; sinceTimestamp?: string } }[];
    requestSyncInvalid: Invalid[];
    syncTypeFlags: { messageTypes: number[]; hex: string; direction: 'both' | 'decode' }[];
  };
}

const vectors = JSON.parse(readFileSync(new URL('../../../test/vectors/upstream-wire-vectors.json', import.meta.url), 'utf8')) as Vectors;
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const le = (h: string): bigint => {
  let v = 0n;
  const b = hex(h);
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
};

describe('upstream vectors: file shape', () => {
  test('every vector names its upstream repository and path', () => {
    const all = [
      ...vectors.packets,
      ...vectors.payloads.announce,
      ...vectors.payloads.announceInvalid,
      ...vectors.payloads.fragmentInvalid,
      ...vectors.payloads.requestSyncInvalid,
    ];
    assert.ok(all.length >= 15);
    for (const v of all) assert.match(`${v.source.repo}/${v.source.path}`, /^permissionlesstech\/bitchat(-android)?\/.+/, v.id);
  });
});

describe('upstream vectors: announce', () => {
  for (const v of vectors.payloads.announce) {
    test(`${v.id} decodes to the expected fields`, () => {
      const a = decodeAnnounce(hex(v.hex));
      assert.equal(a.nickname, v.expected.nickname);
      assert.equal(toHex(a.noisePublicKey), v.expected.noisePublicKey);
      assert.equal(toHex(a.signingPublicKey), v.expected.signingPublicKey);
      if (v.expected.capabilities !== undefined) {
        assert.equal(a.capabilities, BigInt(v.expected.capabilities));
        assert.deepEqual(capabilityList(a.capabilities as bigint), v.expected.capabilityBits);
      }
      assert.deepEqual((a.unknown ?? []).map((u) => ({ type: u.type, value: toHex(u.value) })), v.expected.unknown);
      if (v.roundTrip) assert.equal(toHex(encodeAnnounce(a)), v.hex);
    });
  }
  for (const v of vectors.payloads.announceInvalid) {
    test(`${v.id} is rejected with ${v.meshgateError}`, () => {
      assert.throws(() => decodeAnnounce(hex(v.hex)), (e) => isMeshgateError(e, v.meshgateError));
    });
  }
  test('capability bitfield vectors (iOS PeerCapabilitiesTests, Android IdentityAnnouncementTest)', () => {
    for (const set of vectors.payloads.capabilities) {
      for (const e of set.encode) assert.equal(toHex(encodeCapabilities(BigInt(e.value))), e.hex, e.value);
      for (const d of set.decode) assert.equal(decodeCapabilities(hex(d.hex)), BigInt(d.value), d.hex);
    }
  });
});

describe('upstream vectors: fragment payload', () => {
  for (const v of vectors.payloads.fragment) {
    test(`${v.id} decodes and re-encodes byte-exact`, () => {
      const f = decodeFragmentPayload(hex(v.hex));
      assert.deepEqual(
        { fragmentId: toHex(f.fragmentId), index: f.index, total: f.total, originalType: f.originalType, chunk: toHex(f.chunk) },
        v.expected,
      );
      if (v.roundTrip) assert.equal(toHex(encodeFragmentPayload(f)), v.hex);
    });
  }
  for (const v of vectors.payloads.fragmentInvalid) {
    test(`${v.id} is rejected with ${v.meshgateError}`, () => {
      assert.throws(() => decodeFragmentPayload(hex(v.hex)), (e) => isMeshgateError(e, v.meshgateError));
    });
  }
});

describe('upstream vectors: request-sync', () => {
  for (const v of vectors.payloads.requestSync) {
    test(`${v.id} decodes to the expected fields`, () => {
      const r = decodeRequestSync(hex(v.hex));
      assert.equal(r.p, v.expected.p);
      assert.equal(r.m, v.expected.m);
      assert.equal(toHex(r.data), v.expected.data);
      assert.equal(r.types, v.expected.types === undefined ? undefined : BigInt(v.expected.types));
      if (v.expected.typesMessageTypes) assert.deepEqual(syncTypesOf(r.types as bigint), v.expected.typesMessageTypes);
      assert.equal(r.sinceTimestamp, v.expected.sinceTimestamp === undefined ? undefined : BigInt(v.expected.sinceTimestamp));
      if (v.roundTrip) assert.equal(toHex(encodeRequestSync(r)), v.hex);
    });
  }
  for (const v of vectors.payloads.requestSyncInvalid) {
    test(`${v.id} is rejected with ${v.meshgateError}`, () => {
      assert.throws(() => decodeRequestSync(hex(v.hex)), (e) => isMeshgateError(e, v.meshgateError));
    });
  }
  test('sync type flag vectors (Android SyncTypeFlagsTest, iOS SyncTypeFlagsTests)', () => {
    for (const v of vectors.payloads.syncTypeFlags) {
      assert.deepEqual(syncTypesOf(le(v.hex)), v.messageTypes, v.hex);
      if (v.direction === 'both') assert.equal(syncTypeFlags(v.messageTypes), le(v.hex));
    }
  });
});
