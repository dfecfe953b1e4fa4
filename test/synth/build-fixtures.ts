// Writes dumps-fixtures/<name>.dmp and <name>.expected.json from test/synth/fixtures.ts.
//   npx tsc -p . && node dist/test/synth/build-fixtures.js
// The fixture test (test/formats/minidump/fixtures.test.ts) checks the committed files equal a
// rebuild byte for byte.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURES } from './fixtures.js';

/** The project root: the nearest folder above this file holding package.json. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = resolve(dir, '..');
    if (up === dir) throw new Error('package.json not found above build-fixtures');
    dir = up;
  }
  return dir;
}

export function expectedJson(name: string): string {
  const f = FIXTURES.find((x) => x.name === name)!;
  return `${JSON.stringify({ file: `${f.name}.dmp`, describe: f.describe, ...f.expected }, null, 2)}\n`;
}

export function writeFixtures(outDir = join(projectRoot(), 'dumps-fixtures')): string[] {
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const f of FIXTURES) {
    writeFileSync(join(outDir, `${f.name}.dmp`), f.build());
    writeFileSync(join(outDir, `${f.name}.expected.json`), expectedJson(f.name));
    written.push(`${f.name}.dmp`);
  }
  return written;
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  for (const w of writeFixtures()) process.stdout.write(`wrote dumps-fixtures/${w}\n`);
}
