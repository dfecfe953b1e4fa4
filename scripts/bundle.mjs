// Bundles the compiled CLI and the scan worker into one file each (dist/cli/cli.cjs, started by
// dist/cli/main.js, and dist/cli/worker.js); the data lists are in the code (scripts/embed-lists.mjs). Start-up then resolves
// and compiles one script instead of ~150 modules: `dumptriage FILE` went from 4.7-5.0x to
// 2.4-2.9x the wall time of `node -e 0` (bench/startup.bench.ts has the figures). The modules
// under dist/src stay: they are the library (`import 'dumptriage'`) and the tests' target.
// better-sqlite3 is native and stays external: an optional dependency, required only when the
// scan index is used (src/scan/sqlite.ts), so that the CLI runs without it.
import { build } from 'esbuild';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'cli');
mkdirSync(out, { recursive: true });
// string-width (yargs's help layout: three copies) builds an Intl.Segmenter as it loads: ICU's
// break iterator, ~18 ms, paid by every command that goes through yargs (`scan`, `dump`, ...)
// though only help text and usage errors measure widths (and printable ASCII never asks it). The
// bundle builds it on first use instead; a string-width that no longer has that line is bundled
// as it is.
const lazySegmenter = {
  name: 'lazy-intl-segmenter',
  setup(b) {
    b.onLoad({ filter: /[\\/]string-width[\\/]index\.js$/ }, async (args) => {
      const src = await readFile(args.path, 'utf8');
      const eager = 'const segmenter = new Intl.Segmenter();';
      const lazy = 'let segmenterBuilt; const segmenter = { segment: (text) => (segmenterBuilt ??= new Intl.Segmenter()).segment(text) };';
      return { contents: src.includes(eager) ? src.replace(eager, lazy) : src, loader: 'js' };
    });
  },
};
// Both bundles are CommonJS: V8 can cache the compiled code of a classic script (vm.Script
// cachedData), which dist/cli/main.js (scripts/cli-loader.cjs) does for the CLI; import.meta.url
// becomes the bundle's own file URL.
const commonjs = {
  bundle: true,
  plugins: [lazySegmenter],
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // pg (node-postgres, for --db) is loaded from node_modules only when a database is used: kept
  // out, the bundle every start-up parses stays smaller.
  external: ['better-sqlite3', 'pg'],
  logLevel: 'warning',
  minifyWhitespace: true,
  minifySyntax: true,
  banner: { js: "const __dtUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__dtUrl' },
};
await build({ ...commonjs, entryPoints: [join(root, 'dist', 'src', 'cli', 'main.js')], outfile: join(out, 'cli.cjs') });
// dist/cli is CommonJS (the package is "type": "module"): the entry dist/cli/main.js then starts
// without Node's ESM loader (~5 ms of every run), and the scan worker (worker.js) is CommonJS too.
writeFileSync(join(out, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
cpSync(join(root, 'scripts', 'cli-loader.cjs'), join(out, 'main.js'));

// `dumptriage --help` as yargs prints it at the two widths it uses most (100 columns: a pipe or a
// terminal of 100; 110: a terminal of 110 or more), so that the loader can print it without
// loading the CLI. Any other width goes through yargs.
const { execFileSync } = await import('node:child_process');
for (const width of [100, 110]) {
  const script = `Object.defineProperty(process.stdout, 'columns', { value: ${width} }); process.argv = [process.argv[0], 'dumptriage', '--help']; require(${JSON.stringify(join(out, 'cli.cjs'))}).cliMain();`;
  writeFileSync(join(out, `help-${width}.txt`), execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
}
await build({ ...commonjs, entryPoints: [join(root, 'dist', 'src', 'scan', 'worker.js')], outfile: join(out, 'worker.js') });
