#!/usr/bin/env node
// dumptriage's command-line entry (copied to dist/cli/main.js by scripts/bundle.mjs; CommonJS, as
// dist/cli/package.json says: an ES module entry costs Node its ESM loader, ~5 ms of every run):
// runs the bundled CLI (dist/cli/cli.cjs) through V8's code cache. The first run compiles it and
// saves the compiled code to the user's cache folder; later runs skip most of the compilation.
// V8 checks the cache against the source and its own version and flags, and ignores a cache that
// does not match (it is then written again), so a stale or damaged file only costs a compile.
// A cache holds the functions its first run compiled: `scan` keeps a cache of its own, so that
// neither kind of run compiles the other's code again and again (a scan with the cache of a
// `dumptriage FILE` run cost 18 ms more).
// Cache folder: $DUMPTRIAGE_CACHE_DIR, else $XDG_CACHE_HOME/dumptriage, else ~/.cache/dumptriage;
// DUMPTRIAGE_NO_CODE_CACHE=1 turns it off.
'use strict';
const { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { homedir } = require('node:os');
const { dirname, join } = require('node:path');

const here = __dirname;
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

/**
 * V8's tier-up budget (--interrupt-budget) for a scan, and V8's own default, by V8 version
 * (Node 20: V8 11.3). A scan of a small share lasts 0.1-0.5 s: the optimizing compiler
 * (TurboFan, on a background thread) compiled functions that ran a few more times before the
 * process exited; a scan of 35 real dumps in the main thread spent ~30% of its CPU there (535 ms
 * against 338 ms with a budget 8x V8's, bench/README.md, startup). With the budget raised, only
 * what runs long is optimised. A scan that starts worker threads (a long run) puts the default back first
 * (src/util/tier-up.ts). Untouched on other V8 versions (their defaults and tiers differ: not
 * measured) and when the user's own Node options name the budget.
 */
function lazyTierUp() {
  const defaults = { '11.3': 67584 };
  const budget = defaults[process.versions.v8.split('.').slice(0, 2).join('.')];
  const own = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.includes('interrupt-budget'));
  if (budget === undefined || own) return () => undefined;
  const v8 = require('node:v8');
  const lazy = () => v8.setFlagsFromString(`--interrupt-budget=${budget * 8}`);
  lazy();
  globalThis[Symbol.for('dumptriage.defaultTierUp')] = () => v8.setFlagsFromString(`--interrupt-budget=${budget}`);
  // V8 checks a code cache against its flags: the cache is written under the same ones it is read.
  return lazy;
}

function runBundle() {
  // Only for `scan` (which has a code cache of its own, read and written under these flags): a
  // single `dumptriage FILE` ran ~10 ms longer with it (V8 optimised its few hot loops on the
  // other core while the main thread went on).
  const cacheFlags = argv[0] === 'scan' ? lazyTierUp() : () => undefined;
  const vm = require('node:vm');
  const file = join(here, 'cli.cjs');
  const source = readFileSync(file, 'utf8').replace(/^#!.*/, '');
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const off = process.env.DUMPTRIAGE_NO_CODE_CACHE === '1';
  let cacheFile;
  let build;
  if (!off) {
    const base = process.env.DUMPTRIAGE_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'dumptriage');
    // One file per bundle and Node version (the size and a cheap hash of the source name it),
    // and per kind of run.
    let h = 0;
    for (let i = 0; i < source.length; i += 97) h = (h * 31 + source.charCodeAt(i)) | 0;
    build = `cli-${process.version}-${source.length}-${(h >>> 0).toString(16)}`;
    cacheFile = join(base, `${build}-${argv[0] === 'scan' ? 'scan' : 'main'}.v8cache`);
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
        cacheFlags();
        mkdirSync(dirname(cacheFile), { recursive: true, mode: 0o700 });
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        renameSync(tmp, cacheFile);
        // The caches of earlier builds and Node versions are of no more use.
        for (const f of readdirSync(dirname(cacheFile))) if (/^cli-.*\.v8cache$/.test(f) && !f.startsWith(`${build}-`)) rmSync(join(dirname(cacheFile), f), { force: true });
      } catch {
        // A cache that cannot be written only costs the next run a compile.
      }
    });
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require('node:module').createRequire(file), module, file, dirname(file));
  module.exports.cliMain();
}
