/**
 * The dependency rule (DESIGN.md §2): core logic does no I/O and reads no wall clock.
 * Core files may not import sockets, files, SQLite, BLE or serial libraries, nor call
 * Date.now()/setTimeout/setInterval or read Math.random (randomness is injected); ports import nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const CORE = ['protocol', 'mesh', 'routing', 'detection', 'qos', 'ledger', 'sync'];
const FORBIDDEN_IMPORT = /from\s+['"](node:)?(net|dgram|fs|fs\/promises|http|https|http2|child_process|tls)['"]|from\s+['"](ws|better-sqlite3|serialport|pino|@stoprocent\/[a-z-]+)['"]/;
const FORBIDDEN_CALL = /\bMath\.random\b|\bDate\.now\(|(?<![.\w])setTimeout\(|(?<![.\w])setInterval\(|(?<![.\w])setImmediate\(|\bnew Date\(\)/;

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

test('core logic imports no I/O library and reads no wall clock', () => {
  const files = CORE.flatMap((d) => tsFiles(join(SRC, d)));
  // overlay protocol state machines are core too; their transports are adapters
  files.push(...tsFiles(join(SRC, 'overlay')).filter((f) => !f.includes(`${join('overlay', 'transports')}`)));
  assert.ok(files.length > 5, 'found the core files');
  const offenders: string[] = [];
  for (const f of files) {
    const code = stripComments(readFileSync(f, 'utf8'));
    code.split('\n').forEach((line, i) => {
      if (FORBIDDEN_IMPORT.test(line) || FORBIDDEN_CALL.test(line)) offenders.push(`${f.slice(SRC.length)}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(offenders, []);
});

test('ports import nothing but other ports', () => {
  for (const f of tsFiles(join(SRC, 'ports'))) {
    const code = readFileSync(f, 'utf8');
    for (const m of code.matchAll(/from\s+['"]([^'"]+)['"]/g)) assert.match(m[1], /^\.\/[a-z-]+\.js$/, `${f} imports ${m[1]}`);
  }
});
