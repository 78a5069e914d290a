#!/usr/bin/env node
// Rewrites the detection.* rows of docs/configuration.md from SETTINGS (via dist/). Run after the build.
import { readFileSync, writeFileSync } from 'node:fs';
const { SETTINGS } = await import(new URL('../dist/src/gateway/config-settings.js', import.meta.url));
const esc = (s) => s.replace(/\|/g, '\\|');
const rows = SETTINGS.filter((s) => s.path.startsWith('detection.')).map((s) => {
  const def = Array.isArray(s.default) ? JSON.stringify(s.default) : String(s.default);
  return `| \`${s.path}\` | ${esc(s.expected)} | \`${esc(def)}\` | \`${s.env}\` | \`${s.flag}\` | ${s.restart ? 'yes' : 'no'} | ${esc(s.description)} |`;
});
const url = new URL('../docs/configuration.md', import.meta.url);
const lines = readFileSync(url, 'utf8').split('\n');
const first = lines.findIndex((l) => l.startsWith('| `detection.'));
const kept = lines.filter((l) => !l.startsWith('| `detection.'));
kept.splice(first, 0, ...rows);
writeFileSync(url, kept.join('\n'));
console.log(`wrote ${rows.length} detection rows`);
