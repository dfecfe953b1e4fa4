#!/usr/bin/env node
// dumptriage's command-line entry (copied to dist/cli/main.js by scripts/bundle.mjs): runs the
// bundled CLI (dist/cli/cli.cjs) through V8's code cache. The first run compiles it and saves
// the compiled code to the user's cache folder; later runs skip most of the compilation. V8
// checks the cache against the source and its own version and flags, and ignores a cache that
// does not match (it is then written again), so a stale or damaged file only costs a compile.
// Cache folder: $DUMPTRIAGE_CACHE_DIR, else $XDG_CACHE_HOME/dumptriage, else ~/.cache/dumptriage;
// DUMPTRIAGE_NO_CODE_CACHE=1 turns it off.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const here = dirname(fileURLToPath(import.meta.url));
// `--version` alone needs none of the CLI: the package's own version, printed at once.
const argv = process.argv.slice(2);
/** The whole output when the loader can answer alone (--version, --help). */
let answered;
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  try {
    const version = JSON.parse(readFileSync(join(here, '..', '..', 'package.json'), 'utf8')).version;
    if (typeof version === 'string') answered = `${version}\n`;
  } catch {
    // No package.json beside the build: the CLI answers.
  }
}
// `--help` alone: the text the build saved at this width (scripts/bundle.mjs), else the CLI's.
if (answered === undefined && argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
  const width = Math.min(110, process.stdout.columns || 100);
  try {
    answered = readFileSync(join(here, `help-${width}.txt`), 'utf8');
  } catch {
    // Not saved for this width: the CLI answers.
  }
}
if (answered !== undefined) {
  // The write ends the process once flushed; a closed pipe ends it quietly, as the CLI does.
  process.stdout.on('error', () => process.exit(0));
  process.stdout.write(answered);
} else runBundle();

function runBundle() {
  const file = join(here, 'cli.cjs');
  const source = readFileSync(file, 'utf8').replace(/^#!.*/, '');
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const off = process.env.DUMPTRIAGE_NO_CODE_CACHE === '1';
  let cacheFile;
  if (!off) {
    const base = process.env.DUMPTRIAGE_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'dumptriage');
    // One file per bundle and Node version: the size and a cheap hash of the source name it.
    let h = 0;
    for (let i = 0; i < source.length; i += 97) h = (h * 31 + source.charCodeAt(i)) | 0;
    cacheFile = join(base, `cli-${process.version}-${source.length}-${(h >>> 0).toString(16)}.v8cache`);
  }
  let cachedData;
  try {
    if (cacheFile) cachedData = readFileSync(cacheFile);
  } catch {
    // No cache yet.
  }
  const script = new vm.Script(wrapped, { filename: file, cachedData, importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER });
  if (cacheFile && (cachedData === undefined || script.cachedDataRejected)) {
    // Saved at exit, when the functions this run used are compiled too.
    process.once('exit', () => {
      try {
        mkdirSync(dirname(cacheFile), { recursive: true, mode: 0o700 });
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        renameSync(tmp, cacheFile);
        // The caches of earlier builds and Node versions are of no more use.
        for (const f of readdirSync(dirname(cacheFile))) if (/^cli-.*\.v8cache$/.test(f) && join(dirname(cacheFile), f) !== cacheFile) rmSync(join(dirname(cacheFile), f), { force: true });
      } catch {
        // A cache that cannot be written only costs the next run a compile.
      }
    });
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  module.exports.cliMain();
}
