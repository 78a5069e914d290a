/** docs/errors.md and src/errors.ts list the same codes (modelled on fastify's test/internals/errors.test.js). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, MeshgateError, errorCodeOf, isMeshgateError } from '../src/errors.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('every error code is documented in docs/errors.md, and every documented code exists', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');
  const documented = new Set([...doc.matchAll(/`(MG_ERR_[A-Z0-9_]+)`/g)].map((m) => m[1]));
  const codes = Object.keys(ERROR_CODES);
  assert.deepEqual(codes.filter((c) => !documented.has(c)), [], 'codes missing from docs/errors.md');
  assert.deepEqual([...documented].filter((c) => !(c in ERROR_CODES)), [], 'documented codes that do not exist');
});

test('every code used in src/ is registered', () => {
  const used = new Set<string>();
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.ts')) for (const m of readFileSync(p, 'utf8').matchAll(/'(MG_ERR_[A-Z0-9_]+)'/g)) used.add(m[1]);
    }
  };
  walk(join(ROOT, 'src'));
  assert.ok(used.size > 10);
  assert.deepEqual([...used].filter((c) => !(c in ERROR_CODES)), []);
});

test('MeshgateError carries its code and is recognised', () => {
  const e = new MeshgateError('MG_ERR_BAD_VERSION', 'v9', { version: 9 });
  assert.equal(e.code, 'MG_ERR_BAD_VERSION');
  assert.match(e.message, /^MG_ERR_BAD_VERSION: v9$/);
  assert.ok(isMeshgateError(e, 'MG_ERR_BAD_VERSION'));
  assert.ok(!isMeshgateError(new Error('x')));
  assert.equal(errorCodeOf(new Error('x')), 'MG_ERR_UNKNOWN');
});
