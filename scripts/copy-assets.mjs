// Run after tsc (`npm run build`): makes dist/ what the package ships. The compiled code reads no
// asset at run time any more (the knowledge lists are embedded: scripts/embed-lists.mjs), so
// nothing is copied; what earlier builds left in dist/ and this one no longer writes is removed,
// because `files` in package.json publishes dist/src, dist/native-structs and dist/cli whole: the
// copied lists (dist/src/analysis/lists, dist/cli/lists), source maps (*.js.map: tsconfig.json no
// longer emits them; they pointed at src/, which is not published), and the output of sources
// that were moved or deleted (tsc never removes a .js whose .ts is gone).
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
for (const stale of ['dist/src/analysis/lists', 'dist/cli/lists']) rmSync(join(root, stale), { recursive: true, force: true });
if (existsSync(dist)) {
  for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.js.map')) rmSync(join(entry.parentPath, entry.name), { force: true });
  }
}
for (const shipped of ['src', 'native-structs']) {
  const out = join(dist, shipped);
  if (!existsSync(out)) continue;
  for (const entry of readdirSync(out, { recursive: true, withFileTypes: true })) {
    const m = entry.isFile() ? /^(.*)\.(js|d\.ts)$/.exec(entry.name) : null;
    if (!m) continue;
    const source = join(root, relative(dist, entry.parentPath), `${m[1]}.ts`);
    if (!existsSync(source)) rmSync(join(entry.parentPath, entry.name), { force: true });
  }
}
