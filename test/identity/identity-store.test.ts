/** The identity file: created once (0600 in a 0700 directory), reloaded with the same peer ID, refused when malformed. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMeshgateError } from '../../src/errors.js';
import { silentLogger, type Logger } from '../../src/ports/logger.js';
import { toHex } from '../../src/protocol/hex.js';
import { generateIdentityKeys, peerIdHexFromNoiseKey } from '../../src/protocol/keys.js';
import { identityFilePath, loadOrCreateIdentity, serializeIdentity } from '../../src/gateway/identity-store.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'meshgate-identity-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A logger that records every call as JSON text. */
function recordingLogger(): Logger & { lines: { level: string; text: string }[] } {
  const lines: { level: string; text: string }[] = [];
  const fn = (level: string) => (a: unknown, b?: unknown) => lines.push({ level, text: JSON.stringify([a, b]) });
  const logger = {
    lines,
    trace: fn('trace'),
    debug: fn('debug'),
    info: fn('info'),
    warn: fn('warn'),
    error: fn('error'),
    child: () => logger,
    isLevelEnabled: () => true,
  };
  return logger;
}

const identityError = (field?: string) => (e: unknown) => isMeshgateError(e, 'MG_ERR_IDENTITY') && (field === undefined || e.details?.field === field);

describe('identity store', () => {
  test('first use creates identity.json (0600) in a new state directory (0700)', () => {
    const stateDir = join(tempDir(), 'state');
    const id = loadOrCreateIdentity({ logger: silentLogger }, { stateDir });
    assert.equal(id.created, true);
    assert.match(id.peerId, /^[0-9a-f]{16}$/);
    assert.equal(id.peerId, peerIdHexFromNoiseKey(id.keys.noisePublicKey));
    assert.equal(statSync(identityFilePath(stateDir)).mode & 0o777, 0o600);
    assert.equal(statSync(stateDir).mode & 0o077, 0, 'directory not accessible to group/other');
    assert.deepEqual(readdirSync(stateDir), ['identity.json'], 'no temporary file left behind');
    const doc = JSON.parse(readFileSync(identityFilePath(stateDir), 'utf8'));
    assert.equal(doc.version, 1);
    assert.equal(doc.peerId, id.peerId);
    assert.equal(doc.noisePublicKey, toHex(id.keys.noisePublicKey));
  });

  test('reloading gives the same keys and peer ID, and created=false', () => {
    const stateDir = tempDir();
    const a = loadOrCreateIdentity({ logger: silentLogger }, { stateDir });
    const b = loadOrCreateIdentity({ logger: silentLogger }, { stateDir });
    assert.equal(b.created, false);
    assert.equal(b.peerId, a.peerId);
    assert.deepEqual(b.keys, a.keys);
  });

  test('a file with a wider mode is loaded, logged at warn and narrowed to 0600', () => {
    const stateDir = tempDir();
    const a = loadOrCreateIdentity({ logger: silentLogger }, { stateDir });
    chmodSync(identityFilePath(stateDir), 0o644);
    const log = recordingLogger();
    const b = loadOrCreateIdentity({ logger: log }, { stateDir });
    assert.equal(b.peerId, a.peerId);
    assert.equal(statSync(identityFilePath(stateDir)).mode & 0o777, 0o600);
    assert.ok(log.lines.some((l) => l.level === 'warn' && l.text.includes('644')));
  });

  test('private keys never reach the logger', () => {
    const stateDir = tempDir();
    const log = recordingLogger();
    const a = loadOrCreateIdentity({ logger: log }, { stateDir });
    chmodSync(identityFilePath(stateDir), 0o640);
    loadOrCreateIdentity({ logger: log }, { stateDir });
    assert.ok(log.lines.length >= 2);
    const all = log.lines.map((l) => l.text).join('\n');
    assert.ok(!all.includes(toHex(a.keys.noisePrivateKey)));
    assert.ok(!all.includes(toHex(a.keys.signingPrivateKey)));
  });

  test('an existing hand-written identity is adopted as is', () => {
    const stateDir = tempDir();
    const keys = generateIdentityKeys();
    writeFileSync(identityFilePath(stateDir), serializeIdentity(keys), { mode: 0o600 });
    const id = loadOrCreateIdentity({ logger: silentLogger }, { stateDir });
    assert.equal(id.created, false);
    assert.deepEqual(id.keys, keys);
  });

  describe('refuses, with MG_ERR_IDENTITY, and leaves the file untouched', () => {
    const cases: [string, (doc: Record<string, unknown>) => string, string | undefined][] = [
      ['a file that is not JSON', () => '{"version": 1, "noisePrivateKey": ', undefined],
      ['an empty file', () => '', undefined],
      ['a JSON array', () => '[]', undefined],
      ['an unknown version', (d) => JSON.stringify({ ...d, version: 2 }), 'version'],
      ['a missing key', (d) => JSON.stringify({ ...d, signingPrivateKey: undefined }), 'signingPrivateKey'],
      ['a key of the wrong length', (d) => JSON.stringify({ ...d, noisePublicKey: (d.noisePublicKey as string).slice(0, 62) }), 'noisePublicKey'],
      ['a key that is not hex', (d) => JSON.stringify({ ...d, noisePrivateKey: 'zz'.repeat(32) }), 'noisePrivateKey'],
      ['a Noise public key that does not match its private key', (d) => JSON.stringify({ ...d, noisePublicKey: toHex(generateIdentityKeys().noisePublicKey) }), 'noisePublicKey'],
      ['a signing public key that does not match its private key', (d) => JSON.stringify({ ...d, signingPublicKey: toHex(generateIdentityKeys().signingPublicKey) }), 'signingPublicKey'],
      ['a peerId that does not match the Noise key', (d) => JSON.stringify({ ...d, peerId: '0123456789abcdef' }), 'peerId'],
    ];
    for (const [what, mutate, field] of cases) {
      test(what, () => {
        const stateDir = tempDir();
        const good = JSON.parse(serializeIdentity(generateIdentityKeys()));
        const text = mutate(good);
        writeFileSync(identityFilePath(stateDir), text, { mode: 0o600 });
        assert.throws(() => loadOrCreateIdentity({ logger: silentLogger }, { stateDir }), identityError(field));
        assert.equal(readFileSync(identityFilePath(stateDir), 'utf8'), text);
      });
    }

    test('the error message names the field but never contains key material', () => {
      const stateDir = tempDir();
      const keys = generateIdentityKeys();
      const doc = JSON.parse(serializeIdentity(keys));
      doc.signingPublicKey = toHex(generateIdentityKeys().signingPublicKey);
      writeFileSync(identityFilePath(stateDir), JSON.stringify(doc), { mode: 0o600 });
      try {
        loadOrCreateIdentity({ logger: silentLogger }, { stateDir });
        assert.fail('should throw');
      } catch (e) {
        const text = String(e) + JSON.stringify((e as { details?: unknown }).details);
        assert.match(text, /signingPublicKey/);
        assert.ok(!text.includes(toHex(keys.signingPrivateKey)));
        assert.ok(!text.includes(toHex(keys.noisePrivateKey)));
      }
    });

    test('a directory in place of the file', () => {
      const stateDir = tempDir();
      mkdirSync(identityFilePath(stateDir));
      assert.throws(() => loadOrCreateIdentity({ logger: silentLogger }, { stateDir }), identityError());
    });
  });
});
