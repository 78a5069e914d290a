/** The `meshgate` command line as a user runs it: real processes, exit codes, printed JSON. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../helpers/processes.js';
import { encodePacket } from '../../src/protocol/codec.js';
import { signPacket } from '../../src/protocol/signing.js';
import { encodeAnnounce } from '../../src/protocol/announce.js';
import { ed25519PrivateKey, generateIdentityKeys, peerIdFromNoiseKey } from '../../src/protocol/keys.js';
import { toHex } from '../../src/protocol/hex.js';
import { MessageType } from '../../src/protocol/packet.js';

function run(args: string[], input?: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const keys = generateIdentityKeys();
const sk = ed25519PrivateKey(keys.signingPrivateKey);
const senderID = peerIdFromNoiseKey(keys.noisePublicKey);
const signedMessage = toHex(encodePacket(signPacket({ version: 1, type: MessageType.MESSAGE, ttl: 7, timestamp: 1_700_000_000_000, flags: 0, senderID, payload: new TextEncoder().encode('hi mesh') }, sk)));
const announce = toHex(
  encodePacket(signPacket({ version: 1, type: MessageType.ANNOUNCE, ttl: 7, timestamp: 1_700_000_000_000, flags: 0, senderID, payload: encodeAnnounce({ nickname: 'alice', noisePublicKey: keys.noisePublicKey, signingPublicKey: keys.signingPublicKey, capabilities: 0x84n }) }, sk)),
);

describe('meshgate packet', () => {
  test('decode prints upstream field names, hex IDs and the message text', () => {
    const r = run(['packet', 'decode', signedMessage]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.version, 1);
    assert.equal(j.type, 2);
    assert.equal(j.ttl, 7);
    assert.equal(j.timestamp, 1_700_000_000_000);
    assert.equal(j.senderID, toHex(senderID));
    assert.equal(j.recipientID, null);
    assert.equal(j.payload, toHex(new TextEncoder().encode('hi mesh')));
    assert.match(j.signature, /^[0-9a-f]{128}$/);
    assert.equal(j.text, 'hi mesh');
  });

  test('decode of an announce also decodes its TLVs', () => {
    const j = JSON.parse(run(['packet', 'decode', announce]).stdout);
    assert.equal(j.announce.nickname, 'alice');
    assert.equal(j.announce.noisePublicKey, toHex(keys.noisePublicKey));
    assert.equal(j.announce.signingPublicKey, toHex(keys.signingPublicKey));
    assert.equal(j.announce.capabilities, 0x84);
  });

  test('decode | encode gives back the same bytes', () => {
    const decoded = run(['packet', 'decode', signedMessage]).stdout;
    const r = run(['packet', 'encode'], decoded);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), signedMessage);
  });

  test('encode --sign-key signs, and verify accepts only the right key', () => {
    const unsigned = { version: 1, type: 2, ttl: 7, timestamp: 1_700_000_000_001, flags: 0, senderID: toHex(senderID), recipientID: null, route: null, payload: toHex(new TextEncoder().encode('signed by cli')), signature: null };
    const enc = run(['packet', 'encode', '--sign-key', toHex(keys.signingPrivateKey)], JSON.stringify(unsigned));
    assert.equal(enc.code, 0, enc.stderr);
    const hex = enc.stdout.trim();
    assert.equal(run(['packet', 'verify', hex, '--key', toHex(keys.signingPublicKey)]).code, 0);
    const other = generateIdentityKeys();
    const bad = run(['packet', 'verify', hex, '--key', toHex(other.signingPublicKey)]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /MG_ERR_BAD_SIGNATURE/);
  });

  test('bad input exits non-zero with the error code', () => {
    const cases: Array<[string[], string | undefined, RegExp]> = [
      [['packet', 'decode', 'zz'], undefined, /MG_ERR_BAD_HEX/],
      [['packet', 'decode', '0901'], undefined, /MG_ERR_BAD_VERSION/],
      [['packet', 'decode', '0102'], undefined, /MG_ERR_FRAME_TOO_SHORT/],
      [['packet', 'encode'], 'not json', /MG_ERR_BAD_PACKET_JSON/],
      [['packet', 'encode'], '{"version":3}', /MG_ERR_BAD_PACKET_JSON: version/],
      [['packet', 'verify', signedMessage, '--key', 'abcd'], undefined, /MG_ERR_BAD_HEX/],
    ];
    for (const [args, input, re] of cases) {
      const r = run(args, input);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, re, args.join(' '));
    }
  });
});

describe('meshgate identity and configuration', () => {
  test('identity creates keys (mode 0600) on first use and prints the same peer ID afterwards', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshgate-cli-'));
    try {
      const a = run(['identity', '--state-dir', dir, '--nickname', 'pi-one']);
      assert.equal(a.code, 0, a.stderr);
      const j = JSON.parse(a.stdout);
      assert.match(j.peerId, /^[0-9a-f]{16}$/);
      assert.equal(j.nickname, 'pi-one');
      assert.match(j.noisePublicKey, /^[0-9a-f]{64}$/);
      assert.equal(j.created, true);
      assert.equal(statSync(join(dir, 'identity.json')).mode & 0o777, 0o600);
      const b = JSON.parse(run(['identity'], undefined, { MESHGATE_STATE_DIR: dir }).stdout);
      assert.equal(b.peerId, j.peerId);
      assert.equal(b.created, false);
      assert.ok(!a.stdout.includes('rivate'), 'no private key printed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an invalid setting stops start-up with a message naming the field', () => {
    const r = run(['start', '--http-port', 'abc']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /MG_ERR_CONFIG_INVALID/);
    assert.match(r.stderr, /http\.port/);
    const e = run(['start'], undefined, { MESHGATE_MESH_DEDUP_CAPACITY: '10' });
    assert.equal(e.code, 1);
    assert.match(e.stderr, /mesh\.dedupCapacity/);
    assert.match(e.stderr, /MESHGATE_MESH_DEDUP_CAPACITY/);
  });

  test('--help lists the commands', () => {
    const r = run(['--help']);
    assert.equal(r.code, 0);
    for (const c of ['start', 'identity', 'packet', 'phone']) assert.match(r.stdout, new RegExp(`\\b${c}\\b`));
  });
});
