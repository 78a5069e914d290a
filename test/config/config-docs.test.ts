/** docs/configuration.md lists every setting with its environment variable, flag, default and restart flag. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SETTINGS } from '../../src/gateway/config.js';

const DOC = readFileSync(fileURLToPath(new URL('../../../docs/configuration.md', import.meta.url)), 'utf8');
const esc = (s: string) => s.replace(/\|/g, '\\|');

test('every setting has a row naming its env variable, flag, default and restart flag', () => {
  const rows = new Map<string, string>();
  for (const line of DOC.split('\n')) {
    const m = /^\| `([A-Za-z.]+)` \|/.exec(line);
    if (m) rows.set(m[1], line);
  }
  for (const s of SETTINGS) {
    const row = rows.get(s.path);
    assert.ok(row, `docs/configuration.md has a row for ${s.path}`);
    if (!s.fileOnly) {
      assert.ok(row.includes(`\`${s.env}\``), `${s.path} row names ${s.env}`);
      assert.ok(row.includes(`\`${s.flag}\``), `${s.path} row names ${s.flag}`);
    }
    const def = Array.isArray(s.default) ? JSON.stringify(s.default) : String(s.default);
    assert.ok(row.includes(`\`${esc(def)}\``), `${s.path} row shows default ${def}`);
    assert.ok(row.includes(`| ${s.restart ? 'yes' : 'no'} |`), `${s.path} row shows restart=${s.restart}`);
  }
  assert.deepEqual([...rows.keys()].filter((p) => !SETTINGS.some((s) => s.path === p)), [], 'no row for a setting that does not exist');
});
