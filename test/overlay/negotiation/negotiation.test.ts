/**
 * The negotiation truth table of issue 6, case by case, plus capability pinning.
 * Policy under test: we speak 1.4.0, want every 1.x feature, require BasicMesh and
 * GatewayNodes, accept from 1.0.0, and serve peers one major apart in Legacy mode.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { capabilitiesOf, checkAndPin, checkPolicy, MemoryCapabilityPinStore, negotiate, parseVersion, type NegotiationPolicy } from '../../../src/overlay/negotiation/index.js';
import { MeshgateError } from '../../../src/errors.js';

const ALL_1X = ['BasicMesh', 'GatewayNodes', 'EnhancedRouting', 'CompressionV2', 'ProofOfRelay'];
const policy: NegotiationPolicy = checkPolicy({
  version: parseVersion('1.4.0'),
  wanted: capabilitiesOf(ALL_1X),
  required: capabilitiesOf(['BasicMesh', 'GatewayNodes']),
  minimumVersion: parseVersion('1.0.0'),
  legacyMajors: 1,
});
const caps = (...names: string[]) => capabilitiesOf(names);

test('same version, same capabilities → Full with every wanted feature', () => {
  const r = negotiate(policy, { version: '1.4.0', capabilities: caps(...ALL_1X) });
  assert.equal(r.mode, 'full');
  assert.deepEqual(r.features, ALL_1X);
  assert.deepEqual(r.disabled, []);
  assert.equal(r.inferred, false);
});

test('newer minor peer (1.5.0) offering everything → Full; older minor peer (1.2.0) → Limited with the newer features switched off', () => {
  assert.equal(negotiate(policy, { version: '1.5.0', capabilities: caps(...ALL_1X) }).mode, 'full');
  const r = negotiate(policy, { version: '1.2.0', capabilities: caps('BasicMesh', 'GatewayNodes', 'EnhancedRouting') });
  assert.equal(r.mode, 'limited');
  assert.deepEqual(r.features, ['BasicMesh', 'GatewayNodes', 'EnhancedRouting']);
  assert.deepEqual(r.disabled, ['CompressionV2', 'ProofOfRelay']);
});

test('patch-only differences never change features (property over patches, with and without a bitfield)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 999 }), fc.option(fc.integer({ min: 0, max: 63 }), { nil: undefined }), (major, minor, patch, bits) => {
      const a = negotiate(policy, { version: `${major}.${minor}.0`, capabilities: bits });
      const b = negotiate(policy, { version: `${major}.${minor}.${patch}`, capabilities: bits });
      assert.equal(b.mode, a.mode);
      assert.deepEqual(b.features, a.features);
    }),
  );
  assert.equal(negotiate(policy, { version: '1.4.9', capabilities: undefined }).mode, 'full');
});

test('below the minimum version → Incompatible', () => {
  const strict = { ...policy, minimumVersion: parseVersion('1.2.0') };
  const r = negotiate(strict, { version: '1.1.9', capabilities: caps('BasicMesh', 'GatewayNodes') });
  assert.equal(r.mode, 'incompatible');
  assert.match(r.reason!, /below the minimum 1\.2\.0/);
  assert.deepEqual(r.features, []);
});

test('major mismatch inside the legacy window → Legacy, limited to the older major\'s features', () => {
  const r = negotiate(policy, { version: '2.0.0', capabilities: 0b111111 });
  assert.equal(r.mode, 'legacy');
  assert.deepEqual(r.features, ALL_1X, 'CrossChainBridge (2.0.0) is not carried in a 1.x session');
  const ours2 = checkPolicy({ ...policy, version: parseVersion('2.0.0'), wanted: 0b111111 });
  const back = negotiate(ours2, { version: '1.4.0', capabilities: caps(...ALL_1X) });
  assert.equal(back.mode, 'legacy');
  assert.deepEqual(back.disabled, ['CrossChainBridge']);
});

test('major mismatch outside the legacy window → Incompatible (3.x with window 1; 2.x with window 0)', () => {
  assert.equal(negotiate(policy, { version: '3.1.0', capabilities: 0b111111 }).mode, 'incompatible');
  const r = negotiate({ ...policy, legacyMajors: 0 }, { version: '2.0.0', capabilities: 0b111111 });
  assert.equal(r.mode, 'incompatible');
  assert.match(r.reason!, /outside the legacy window/);
});

test('missing required capability → Incompatible naming the feature', () => {
  const r = negotiate(policy, { version: '1.4.0', capabilities: caps('BasicMesh', 'ProofOfRelay') });
  assert.equal(r.mode, 'incompatible');
  assert.deepEqual(r.missing, ['GatewayNodes']);
});

test('no bitfield → capabilities inferred from the version table; a bitfield is never second-guessed by the table', () => {
  const r = negotiate(policy, { version: '1.2.3', capabilities: undefined });
  assert.equal(r.inferred, true);
  assert.equal(r.mode, 'limited');
  assert.deepEqual(r.features, ['BasicMesh', 'GatewayNodes', 'EnhancedRouting']);
  const sent = negotiate(policy, { version: '1.4.0', capabilities: caps('BasicMesh', 'GatewayNodes') });
  assert.equal(sent.inferred, false);
  assert.deepEqual(sent.features, ['BasicMesh', 'GatewayNodes']);
  assert.equal(negotiate(policy, { version: '1.0.0', capabilities: undefined }).mode, 'incompatible', '1.0.0 implies BasicMesh only');
  assert.equal(negotiate(policy, { version: 'v1', capabilities: 3 }).mode, 'incompatible', 'malformed version');
});

test('policy check refuses features our version does not have and required features not wanted', () => {
  assert.throws(() => checkPolicy({ ...policy, wanted: 0b111111 }), (e) => e instanceof MeshgateError && e.code === 'MG_ERR_CONFIG_INVALID');
  assert.throws(() => checkPolicy({ ...policy, wanted: caps('BasicMesh'), required: caps('BasicMesh', 'GatewayNodes') }), (e) => e instanceof MeshgateError && e.code === 'MG_ERR_CONFIG_INVALID');
  assert.throws(() => capabilitiesOf(['Teleport']), (e) => e instanceof MeshgateError && e.code === 'MG_ERR_CONFIG_INVALID');
});

test('capability pins: a later session lacking a pinned security-relevant capability, or on an older major, is a downgrade', () => {
  const store = new MemoryCapabilityPinStore();
  const mask = caps('ProofOfRelay', 'EnhancedRouting');
  const peer = '0011223344556677';
  assert.equal(checkAndPin(store, peer, { sent: caps(...ALL_1X), major: 1, now: 1, securityMask: mask }).ok, true);
  const down = checkAndPin(store, peer, { sent: caps('BasicMesh', 'GatewayNodes', 'EnhancedRouting'), major: 1, now: 2, securityMask: mask });
  assert.equal(down.ok, false);
  assert.deepEqual(!down.ok && down.missing, ['ProofOfRelay']);
  assert.equal(checkAndPin(store, peer, { sent: undefined, major: 1, now: 3, securityMask: mask }).ok, false, 'no bitfield cannot satisfy a pin');
  assert.equal(checkAndPin(store, peer, { sent: caps(...ALL_1X, 'CrossChainBridge'), major: 2, now: 4, securityMask: mask }).ok, true, 'upgrades are fine');
  assert.equal(checkAndPin(store, peer, { sent: caps(...ALL_1X), major: 1, now: 5, securityMask: mask }).ok, false, 'older major than pinned');
  assert.equal(checkAndPin(store, peer, { sent: caps('BasicMesh', 'GatewayNodes', 'EnhancedRouting', 'ProofOfRelay', 'CompressionV2'), major: 2, now: 6, securityMask: mask }).ok, true, 'non-security bits may come and go');
  assert.equal(store.get(peer)!.firstSeen, 1);
});
