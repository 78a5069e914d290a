#!/usr/bin/env node
// Regenerates docs/errors.md from src/errors.ts (via the build in dist/). Run after `npm run build`.
import { writeFileSync } from 'node:fs';
const { ERROR_CODES } = await import(new URL('../dist/src/errors.js', import.meta.url));
const areas = {};
for (const [code, { area, description }] of Object.entries(ERROR_CODES)) (areas[area] ??= []).push([code, description]);
let out = `# Error codes

Every error meshgate throws or counts is a \`MeshgateError\` with one of these stable codes
(\`src/errors.ts\`). Code never branches on messages. Bad input from the air or the network
never escapes a link: it is counted per link and per code (see \`drops\` on \`/api/status\`),
logged at debug and dropped. The CLI prints \`error: <code>: <message>\` and exits 1
(2 for usage errors). \`test/errors.test.ts\` keeps this page and the code in step.
`;
for (const [area, rows] of Object.entries(areas)) {
  out += `\n## ${area}\n\n| code | meaning |\n|---|---|\n`;
  for (const [code, d] of rows) out += `| \`${code}\` | ${d} |\n`;
}
writeFileSync(new URL('../docs/errors.md', import.meta.url), out);
console.log(`wrote docs/errors.md (${Object.keys(ERROR_CODES).length} codes)`);
