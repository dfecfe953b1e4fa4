// Bundles the compiled CLI and the scan worker into one file each (dist/cli/main.js,
// dist/cli/worker.js), with the data lists beside them (dist/cli/lists). Start-up then resolves
// and compiles one script instead of ~150 modules: `dumptriage FILE` went from 4.7-5.0x to
// 2.4-2.9x the wall time of `node -e 0` (bench/startup.bench.ts has the figures). The modules
// under dist/src stay: they are the library (`import 'dumptriage'`) and the tests' target.
// better-sqlite3 is native and stays external.
import { build } from 'esbuild';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'cli');
mkdirSync(out, { recursive: true });
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3'],
  logLevel: 'warning',
  minifyWhitespace: true,
  minifySyntax: true,
  // yargs and its helpers call require() on Node built-ins: give the ESM bundle one.
  banner: { js: "import { createRequire as __dtCreateRequire } from 'node:module'; const require = __dtCreateRequire(import.meta.url);" },
};
// The CLI as CommonJS (dist/cli/cli.cjs): V8 can cache the compiled code of a classic script
// (vm.Script cachedData), which dist/cli/main.js (scripts/cli-loader.mjs) does. import.meta.url
// becomes the bundle's own file URL.
await build({
  ...common,
  format: 'cjs',
  banner: { js: "const __dtUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__dtUrl' },
  entryPoints: [join(root, 'dist', 'src', 'cli', 'main.js')],
  outfile: join(out, 'cli.cjs'),
});
cpSync(join(root, 'scripts', 'cli-loader.mjs'), join(out, 'main.js'));

// `dumptriage --help` as yargs prints it at the two widths it uses most (100 columns: a pipe or a
// terminal of 100; 110: a terminal of 110 or more), so that the loader can print it without
// loading the CLI. Any other width goes through yargs.
const { execFileSync } = await import('node:child_process');
for (const width of [100, 110]) {
  const script = `Object.defineProperty(process.stdout, 'columns', { value: ${width} }); process.argv = [process.argv[0], 'dumptriage', '--help']; require(${JSON.stringify(join(out, 'cli.cjs'))}).cliMain();`;
  writeFileSync(join(out, `help-${width}.txt`), execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
}
await build({ ...common, entryPoints: [join(root, 'dist', 'src', 'scan', 'worker.js')], outfile: join(out, 'worker.js') });
cpSync(join(root, 'src', 'analysis', 'lists'), join(out, 'lists'), { recursive: true, filter: (p) => !p.endsWith('.ts') && !p.endsWith('.md') });
