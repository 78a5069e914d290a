/** Configuration: defaults, precedence (defaults < file < env < flags), coercion, validation messages, freezing. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { isMeshgateError, type MeshgateError } from '../../src/errors.js';
import { CONFIG_SCHEMA, SETTINGS, defaultConfig, envNameFor, flagNameFor, loadConfig, type ConfigIssue } from '../../src/gateway/config.js';

const dirs: string[] = [];
function yamlFile(text: string): string {
  const d = mkdtempSync(join(tmpdir(), 'meshgate-config-'));
  dirs.push(d);
  const p = join(d, 'meshgate.yaml');
  writeFileSync(p, text);
  return p;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Assert `fn` throws `code` and return the error. */
function throwsCode(fn: () => unknown, code: 'MG_ERR_CONFIG_INVALID' | 'MG_ERR_CONFIG_READ'): MeshgateError {
  try {
    fn();
  } catch (e) {
    assert.ok(isMeshgateError(e, code), `expected ${code}, got ${String(e)}`);
    return e;
  }
  assert.fail(`expected ${code}, nothing thrown`);
}
const issues = (e: MeshgateError) => e.details?.issues as ConfigIssue[];
const at = (obj: unknown, path: string): unknown => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], obj);

describe('defaults', () => {
  test('with no file, env or flags the embedded defaults apply', () => {
    const c = loadConfig();
    assert.equal(c.version, 1);
    assert.equal(c.stateDir, './data');
    assert.equal(c.nickname, 'meshgate');
    assert.equal(c.logLevel, 'info');
    assert.deepEqual(c.http, { host: '0.0.0.0', port: 8787 });
    assert.deepEqual(c.lan, { enabled: true, host: '0.0.0.0', port: 7777, peers: [], maxFrameBytes: 66047 });
    assert.deepEqual(c.gateway, { enabled: true, host: '0.0.0.0', port: 7778, peers: [], helloTimeoutMs: 10000, allowedPeers: [] });
    assert.deepEqual(c.mesh, {
      dedupCapacity: 10000,
      dedupWindowMs: 300000,
      announceIntervalMinMs: 15000,
      announceIntervalMaxMs: 30000,
      peerExpiryMs: 180000,
      maxClockSkewMs: 120000,
      relayJitter: true,
    });
    assert.deepEqual(c.clock, { source: 'auto' });
  });

  test('every SETTINGS default is the value at its path, and the zod schema fills the same defaults', () => {
    const c = defaultConfig();
    for (const s of SETTINGS) assert.deepEqual(at(c, s.path), s.default, s.path);
    assert.deepEqual(CONFIG_SCHEMA.parse({}), JSON.parse(JSON.stringify(c)));
  });

  test('the result is deep-frozen', () => {
    const c = loadConfig({ flags: { '--lan-peers': 'a:1' } });
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.http) && Object.isFrozen(c.mesh) && Object.isFrozen(c.lan.peers));
    assert.throws(() => {
      (c.http as { port: number }).port = 1;
    }, TypeError);
    assert.throws(() => (c.lan.peers as string[]).push('b:2'), TypeError);
    assert.equal(defaultConfig().lan.peers.length, 0, 'defaults are not shared with a loaded config');
  });
});

describe('names', () => {
  test('env and flag names follow the path: MESHGATE_ + SNAKE, -- + kebab', () => {
    assert.equal(envNameFor('mesh.dedupCapacity'), 'MESHGATE_MESH_DEDUP_CAPACITY');
    assert.equal(envNameFor('stateDir'), 'MESHGATE_STATE_DIR');
    assert.equal(flagNameFor('mesh.dedupCapacity'), '--mesh-dedup-capacity');
    assert.equal(flagNameFor('mesh.announceIntervalMinMs'), '--mesh-announce-interval-min-ms');
    for (const s of SETTINGS) {
      assert.equal(s.env, envNameFor(s.path));
      assert.equal(s.flag, flagNameFor(s.path));
      assert.match(s.env, /^MESHGATE_[A-Z0-9_]+$/);
      assert.ok(s.description.length > 10, `${s.path} has a description`);
      assert.equal(typeof s.restart, 'boolean');
    }
    assert.equal(new Set(SETTINGS.map((s) => s.env)).size, SETTINGS.length, 'env names are unique');
    assert.equal(new Set(SETTINGS.map((s) => s.flag)).size, SETTINGS.length, 'flags are unique');
  });
});

describe('precedence: defaults < file < env < flags', () => {
  test('each layer overrides the one below, setting by setting', () => {
    const file = yamlFile('version: 1\nnickname: from-file\nhttp:\n  port: 1000\nmesh:\n  dedupCapacity: 2000\n');
    const env = { MESHGATE_HTTP_PORT: '2000', MESHGATE_NICKNAME: 'from-env' };
    const flags = { '--http-port': '3000' };
    const c = loadConfig({ file, env, flags });
    assert.equal(c.http.port, 3000, 'flag beats env and file');
    assert.equal(c.nickname, 'from-env', 'env beats file');
    assert.equal(c.mesh.dedupCapacity, 2000, 'file beats default');
    assert.equal(c.lan.port, 7777, 'default where nothing is set');
    assert.equal(loadConfig({ file, env }).http.port, 2000);
    assert.equal(loadConfig({ file }).http.port, 1000);
  });

  test('flags are accepted with or without the leading dashes', () => {
    assert.equal(loadConfig({ flags: { 'state-dir': '/srv/mg' } }).stateDir, '/srv/mg');
  });

  test('environment variables that are not settings are ignored', () => {
    assert.deepEqual(loadConfig({ env: { MESHGATE_CONFIG: '/x.yaml', MESHGATE_VERSION: '7', PATH: '/bin' } }), defaultConfig());
  });
});

describe('coercion of env and flag strings', () => {
  test('integers, booleans in every spelling, lists and enums', () => {
    for (const [raw, want] of [['true', true], ['FALSE', false], ['1', true], ['0', false], ['yes', true], ['No', false], ['on', true], ['off', false]] as const) {
      assert.equal(loadConfig({ env: { MESHGATE_LAN_ENABLED: raw } }).lan.enabled, want, raw);
    }
    const c = loadConfig({
      env: { MESHGATE_MESH_DEDUP_CAPACITY: ' 20000 ', MESHGATE_LAN_PEERS: ' 10.0.0.2:7777 , [fd00::1]:7777,, ', MESHGATE_CLOCK_SOURCE: 'synced' },
      flags: { '--gateway-peers': 'ws://a:7778/meshgate,wss://b.example.org/x' },
    });
    assert.equal(c.mesh.dedupCapacity, 20000);
    assert.deepEqual(c.lan.peers, ['10.0.0.2:7777', '[fd00::1]:7777']);
    assert.deepEqual(c.gateway.peers, ['ws://a:7778/meshgate', 'wss://b.example.org/x']);
    assert.equal(c.clock.source, 'synced');
  });

  test('an empty env variable is unset for scalars, and the empty list for lists', () => {
    const file = yamlFile('lan:\n  port: 9000\n  peers: [a:1]\n');
    const c = loadConfig({ file, env: { MESHGATE_LAN_PORT: '', MESHGATE_LAN_PEERS: '' } });
    assert.equal(c.lan.port, 9000);
    assert.deepEqual(c.lan.peers, []);
  });

  test('property: an integer from the environment is accepted exactly when it is in range', () => {
    fc.assert(
      fc.property(fc.integer({ min: -100_000, max: 200_000 }), (n) => {
        const ok = n >= 0 && n <= 65535 && n !== 7777 && n !== 7778;
        try {
          const c = loadConfig({ env: { MESHGATE_HTTP_PORT: String(n) } });
          assert.ok(ok, `${n} accepted`);
          assert.equal(c.http.port, n);
        } catch (e) {
          assert.ok(!ok, `${n} refused: ${String(e)}`);
          assert.ok(isMeshgateError(e, 'MG_ERR_CONFIG_INVALID'));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('validation names the field and the source', () => {
  test('a bad env value', () => {
    const e = throwsCode(() => loadConfig({ env: { MESHGATE_HTTP_PORT: 'abc' } }), 'MG_ERR_CONFIG_INVALID');
    assert.equal(e.message, 'MG_ERR_CONFIG_INVALID: http.port: expected integer 0..65535 (from MESHGATE_HTTP_PORT="abc")');
    assert.deepEqual(issues(e).map((i) => [i.path, i.source]), [['http.port', 'env']]);
  });

  test('a bad flag value', () => {
    const e = throwsCode(() => loadConfig({ flags: { '--log-level': 'loud' } }), 'MG_ERR_CONFIG_INVALID');
    assert.equal(e.message, 'MG_ERR_CONFIG_INVALID: logLevel: expected one of trace|debug|info|warn|error|fatal|silent (from --log-level="loud")');
  });

  test('a bad file value, with the value that was found', () => {
    const file = yamlFile('mesh:\n  dedupCapacity: 999\n  relayJitter: "yes"\n');
    const e = throwsCode(() => loadConfig({ file }), 'MG_ERR_CONFIG_INVALID');
    assert.match(e.message, /mesh\.dedupCapacity: expected integer 1000\.\.1000000, got 999 \(from file .*meshgate\.yaml\)/);
    assert.match(e.message, /mesh\.relayJitter: expected boolean \(true or false\), got "yes"/);
    assert.deepEqual(issues(e).map((i) => i.source), ['file', 'file']);
  });

  test('a bad list item names its index', () => {
    const e = throwsCode(() => loadConfig({ flags: { '--lan-peers': 'a:1,nohost' } }), 'MG_ERR_CONFIG_INVALID');
    assert.match(e.message, /lan\.peers\[1\]: expected host:port, got "nohost" \(from --lan-peers="a:1,nohost"\)/);
    const g = throwsCode(() => loadConfig({ env: { MESHGATE_GATEWAY_PEERS: 'http://a:1/' } }), 'MG_ERR_CONFIG_INVALID');
    assert.match(g.message, /gateway\.peers\[0\]: expected a ws:\/\/ or wss:\/\/ URL/);
    throwsCode(() => loadConfig({ flags: { '--lan-peers': 'a:70000' } }), 'MG_ERR_CONFIG_INVALID');
  });

  test('lists are bounded at 64 entries', () => {
    const many = Array.from({ length: 65 }, (_, i) => `10.0.0.${i}:7777`).join(',');
    const e = throwsCode(() => loadConfig({ flags: { '--lan-peers': many } }), 'MG_ERR_CONFIG_INVALID');
    assert.match(e.message, /lan\.peers: expected list of at most 64 host:port/);
    assert.equal(loadConfig({ flags: { '--lan-peers': many.split(',').slice(0, 64).join(',') } }).lan.peers.length, 64);
  });

  test('a nickname must fit the 255-byte announce TLV', () => {
    assert.equal(loadConfig({ flags: { '--nickname': 'é'.repeat(127) } }).nickname.length, 127);
    throwsCode(() => loadConfig({ flags: { '--nickname': 'é'.repeat(128) } }), 'MG_ERR_CONFIG_INVALID');
    throwsCode(() => loadConfig({ flags: { '--nickname': '' } }), 'MG_ERR_CONFIG_INVALID');
  });

  test('unknown keys in the file are errors that name the key (with a suggestion)', () => {
    const file = yamlFile('version: 1\nhttp:\n  prot: 8080\nstate_dir: /x\ncolour: blue\n');
    const e = throwsCode(() => loadConfig({ file }), 'MG_ERR_CONFIG_INVALID');
    assert.match(e.message, /http\.prot: unknown setting \(did you mean http\.port\?\)/);
    assert.match(e.message, /state_dir: unknown setting \(did you mean stateDir\?\)/);
    assert.match(e.message, /colour: unknown setting \(from file /);
    assert.deepEqual(issues(e).map((i) => i.path), ['http.prot', 'state_dir', 'colour']);
  });

  test('a section that is not a mapping is an error', () => {
    const e = throwsCode(() => loadConfig({ file: yamlFile('mesh: 5\n') }), 'MG_ERR_CONFIG_INVALID');
    assert.match(e.message, /^MG_ERR_CONFIG_INVALID: mesh: expected a section/);
  });

  test('unknown flags and flags for file-only settings are errors', () => {
    assert.match(throwsCode(() => loadConfig({ flags: { '--http-prot': '1' } }), 'MG_ERR_CONFIG_INVALID').message, /--http-prot: unknown flag \(did you mean --http-port\?\)/);
    assert.match(throwsCode(() => loadConfig({ flags: { '--version': '1' } }), 'MG_ERR_CONFIG_INVALID').message, /version: can only be set in the configuration file/);
  });

  test('every problem is reported at once', () => {
    const e = throwsCode(() => loadConfig({ env: { MESHGATE_HTTP_PORT: 'x', MESHGATE_LAN_PORT: '-1' }, flags: { '--clock-source': 'gps' } }), 'MG_ERR_CONFIG_INVALID');
    assert.deepEqual(issues(e).map((i) => i.path).sort(), ['clock.source', 'http.port', 'lan.port']);
  });

  test('cross-field: announce interval min <= max, naming both sources', () => {
    const file = yamlFile('mesh:\n  announceIntervalMaxMs: 10000\n');
    const e = throwsCode(() => loadConfig({ file }), 'MG_ERR_CONFIG_INVALID');
    assert.match(e.message, /mesh\.announceIntervalMinMs: must be <= mesh\.announceIntervalMaxMs \(10000\), got 15000 \(from file /);
    assert.equal(loadConfig({ file, flags: { '--mesh-announce-interval-min-ms': '10000' } }).mesh.announceIntervalMinMs, 10000);
  });

  test('cross-field: two enabled listeners may not share a non-zero port', () => {
    const e = throwsCode(() => loadConfig({ flags: { '--lan-port': '8787' } }), 'MG_ERR_CONFIG_INVALID');
    assert.match(e.message, /lan\.port: port 8787 is also http\.port.*\(from --lan-port="8787"\)/);
    assert.equal(loadConfig({ flags: { '--lan-port': '8787', '--lan-enabled': 'false' } }).lan.port, 8787, 'a disabled listener may');
    assert.equal(loadConfig({ flags: { '--lan-port': '8787', '--lan-host': '127.0.0.1', '--http-host': '127.0.0.2' } }).lan.port, 8787, 'distinct addresses may');
    const zero = loadConfig({ flags: { '--http-port': '0', '--lan-port': '0', '--gateway-port': '0' } });
    assert.deepEqual([zero.http.port, zero.lan.port, zero.gateway.port], [0, 0, 0], 'port 0 (any free port) may repeat');
  });
});

describe('the file', () => {
  test('an empty file, or empty sections and values, mean the defaults', () => {
    assert.deepEqual(loadConfig({ file: yamlFile('') }), defaultConfig());
    assert.deepEqual(loadConfig({ file: yamlFile('# nothing yet\n') }), defaultConfig());
    assert.deepEqual(loadConfig({ file: yamlFile('version: 1\nhttp:\nlan:\n  port:\n  peers:\n') }), defaultConfig());
  });

  test('a missing file, a directory, or a file over 1 MiB is MG_ERR_CONFIG_READ', () => {
    const d = mkdtempSync(join(tmpdir(), 'meshgate-config-'));
    dirs.push(d);
    const missing = throwsCode(() => loadConfig({ file: join(d, 'nope.yaml') }), 'MG_ERR_CONFIG_READ');
    assert.equal(missing.details?.errno, 'ENOENT');
    mkdirSync(join(d, 'dir.yaml'));
    throwsCode(() => loadConfig({ file: join(d, 'dir.yaml') }), 'MG_ERR_CONFIG_READ');
    throwsCode(() => loadConfig({ file: yamlFile(`nickname: x\n${'#'.repeat(1024 * 1024)}\n`) }), 'MG_ERR_CONFIG_READ');
  });

  test('YAML syntax errors and duplicate keys are MG_ERR_CONFIG_READ with the line', () => {
    const e = throwsCode(() => loadConfig({ file: yamlFile('version: 1\nhttp: {port: 1\n') }), 'MG_ERR_CONFIG_READ');
    assert.equal(typeof e.details?.line, 'number');
    assert.match(e.message, /not valid YAML: .*line \d+/);
    throwsCode(() => loadConfig({ file: yamlFile('nickname: a\nnickname: b\n') }), 'MG_ERR_CONFIG_READ');
  });

  test('a YAML alias bomb is refused', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    throwsCode(() => loadConfig({ file: yamlFile(lines.join('\n') + '\n') }), 'MG_ERR_CONFIG_READ');
  });

  test('a file that is not a mapping is MG_ERR_CONFIG_INVALID', () => {
    throwsCode(() => loadConfig({ file: yamlFile('- a\n- b\n') }), 'MG_ERR_CONFIG_INVALID');
    throwsCode(() => loadConfig({ file: yamlFile('just a string\n') }), 'MG_ERR_CONFIG_INVALID');
  });

  test('property: any valid configuration written as YAML loads back unchanged', () => {
    const arb = fc.record({
      nickname: fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== '' || s.length > 0),
      logLevel: fc.constantFrom('trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'),
      http: fc.record({ host: fc.constantFrom('127.0.0.1', '::1', 'pi.local'), port: fc.integer({ min: 1, max: 20_000 }) }),
      lan: fc.record({
        enabled: fc.boolean(),
        port: fc.integer({ min: 20_001, max: 40_000 }),
        peers: fc.array(fc.tuple(fc.constantFrom('10.0.0.1', 'host-a', '[fd00::1]'), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`), { maxLength: 5 }),
      }),
      gateway: fc.record({ port: fc.integer({ min: 40_001, max: 65_535 }), helloTimeoutMs: fc.integer({ min: 100, max: 600_000 }) }),
      mesh: fc.record({ dedupCapacity: fc.integer({ min: 1000, max: 1_000_000 }), relayJitter: fc.boolean() }),
      clock: fc.record({ source: fc.constantFrom('auto', 'synced', 'unsynced') }),
    });
    fc.assert(
      fc.property(arb, (partial) => {
        const c = loadConfig({ file: yamlFile(stringify({ version: 1, ...partial })) });
        assert.equal(c.nickname, partial.nickname);
        assert.equal(c.logLevel, partial.logLevel);
        assert.deepEqual(c.http, { ...partial.http });
        assert.deepEqual(c.lan, { ...defaultConfig().lan, ...partial.lan });
        assert.deepEqual(c.gateway, { ...defaultConfig().gateway, ...partial.gateway });
        assert.deepEqual(c.mesh, { ...defaultConfig().mesh, ...partial.mesh });
        assert.deepEqual(c.clock, { ...partial.clock });
      }),
      { numRuns: 60 },
    );
  });
});
