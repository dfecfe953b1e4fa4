// Copies the non-TypeScript assets the compiled code reads at run time (data lists,
// the JSON Schema) next to the compiled files, so dist/ works on its own.
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const assets = [['src/analysis/lists', 'dist/src/analysis/lists']];
for (const [from, to] of assets) {
  const src = join(root, from);
  if (!existsSync(src)) continue;
  mkdirSync(join(root, to), { recursive: true });
  cpSync(src, join(root, to), { recursive: true, filter: (p) => !p.endsWith('.ts') });
}
