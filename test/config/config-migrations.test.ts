/** Configuration file migrations: older files move forward before validation; newer files are refused. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMeshgateError } from '../../src/errors.js';
import { CONFIG_MIGRATIONS, CONFIG_VERSION, loadConfig, migrateConfigDocument, type ConfigMigration } from '../../src/gateway/config.js';

const dirs: string[] = [];
function yamlFile(text: string): string {
  const d = mkdtempSync(join(tmpdir(), 'meshgate-config-'));
  dirs.push(d);
  writeFileSync(join(d, 'meshgate.yaml'), text);
  return join(d, 'meshgate.yaml');
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fake format 0 that called the status port `http.listenPort` and the state directory `dataDir`. */
const v0ToV1: ConfigMigration = {
  from: 0,
  to: 1,
  name: 'rename http.listenPort → http.port, dataDir → stateDir',
  migrate(doc) {
    const out = { ...doc };
    if (out.dataDir !== undefined) {
      out.stateDir = out.dataDir;
      delete out.dataDir;
    }
    const http = out.http as Record<string, unknown> | undefined;
    if (http && 'listenPort' in http) {
      const { listenPort, ...rest } = http;
      out.http = { ...rest, port: listenPort };
    }
    return out;
  },
};

describe('configuration file migrations', () => {
  test('this build is at version 1 and its migration list leads nowhere past it', () => {
    assert.equal(CONFIG_VERSION, 1);
    assert.ok(CONFIG_MIGRATIONS.every((m) => m.to <= CONFIG_VERSION && m.from < m.to));
  });

  test('a v0 file is migrated to v1 and then validated', () => {
    const file = yamlFile('version: 0\ndataDir: /srv/old\nhttp:\n  host: 127.0.0.1\n  listenPort: 9090\n');
    const c = loadConfig({ file, migrations: [v0ToV1] });
    assert.equal(c.version, 1);
    assert.equal(c.stateDir, '/srv/old');
    assert.deepEqual(c.http, { host: '127.0.0.1', port: 9090 });
  });

  test('env and flags still override a migrated file', () => {
    const file = yamlFile('version: 0\nhttp:\n  listenPort: 9090\n');
    assert.equal(loadConfig({ file, migrations: [v0ToV1], env: { MESHGATE_HTTP_PORT: '9191' } }).http.port, 9191);
  });

  test('without a migration from its version, an old file is refused', () => {
    const file = yamlFile('version: 0\nhttp:\n  listenPort: 9090\n');
    assert.throws(() => loadConfig({ file }), (e) => isMeshgateError(e, 'MG_ERR_CONFIG_INVALID') && /version: no migration from version 0 to 1/.test(e.message));
  });

  test('a file newer than the build is refused, naming the version', () => {
    const file = yamlFile('version: 2\n');
    assert.throws(
      () => loadConfig({ file }),
      (e) => isMeshgateError(e, 'MG_ERR_CONFIG_INVALID') && /version: the file is version 2, this build reads up to version 1/.test(e.message) && e.message.includes(file),
    );
  });

  test('a version that is not a non-negative integer is refused', () => {
    for (const v of ['"1"', '1.5', '-1', '[1]']) {
      assert.throws(() => loadConfig({ file: yamlFile(`version: ${v}\n`) }), (e) => isMeshgateError(e, 'MG_ERR_CONFIG_INVALID') && /^MG_ERR_CONFIG_INVALID: version:/.test(e.message), v);
    }
  });

  test('migrateConfigDocument chains steps in order and reports them; a file without version is current', () => {
    const steps: ConfigMigration[] = [
      { from: 1, to: 2, name: 'b', migrate: (d) => ({ ...d, b: true }) },
      { from: 0, to: 1, name: 'a', migrate: (d) => ({ ...d, a: true }) },
    ];
    const r = migrateConfigDocument({ version: 0 }, 'test', steps, 2);
    assert.deepEqual(r, { doc: { version: 2, a: true, b: true }, from: 0, applied: ['a', 'b'] });
    const none = migrateConfigDocument({ nickname: 'x' }, 'test', steps, 2);
    assert.deepEqual(none, { doc: { nickname: 'x', version: 2 }, from: 2, applied: [] });
  });
});
