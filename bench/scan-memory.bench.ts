// Scan memory (issue 18, finding 7): peak RSS of `dumptriage scan` as a child process, per
// output mode, for shares of 10,000, 50,000 and 100,000 small synthetic minidumps
// (BENCH_SCAN_MEMORY_FILES="10000,50000,100000" to change; ~5 KB of disk a file). Goal: under
// 200 MiB at 100,000 files in every mode. Worker threads live in the CLI process, so its peak RSS
// covers them: a `--require` preload (main thread only) writes at exit the process's `VmHWM`
// from /proc/self/status. Not `process.resourceUsage().maxRSS` (getrusage): Linux carries the
// high-water mark of the forked parent's memory across exec into it, so a child spawned by a
// bench that held 240 MiB reported 240 MiB whatever it used itself.
//
// Modes, each one CLI run (the index ones in this order, on the same index):
//   summary --no-index · --json (NDJSON to a file) --no-index · --csv FILE --no-index ·
//   --report FILE.html --no-index · summary, first scan writing the index · rescan with the index
//   (nothing changed: every row reused) · --report with the index (rescan).
// Each share is written by a child process (its garbage is not measured) and deleted at the end.
// Run after the build: `node dist/bench/scan-memory.bench.js`. BENCH_CLI=path runs another
// build's `dist/cli/main.js` (to compare before / after); BENCH_JOBS sets --jobs;
// BENCH_SCAN_MEMORY_MODES="summary,json" runs some modes only; BENCH_KEEP=1 keeps the shares.

import { benchDump } from './share-lib.js';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SIZES = (process.env.BENCH_SCAN_MEMORY_FILES ?? '10000,50000,100000').split(',').map((s) => Number(s.trim())).filter((n) => n > 0);
const GOAL_MIB = 200;
const here = fileURLToPath(new URL('.', import.meta.url));
const projectRoot = resolve(here, '..', '..');
const cliMain = process.env.BENCH_CLI ? resolve(process.env.BENCH_CLI) : join(projectRoot, 'dist', 'cli', 'main.js');

const synthDump = (i: number): Uint8Array => benchDump(i, 0x400);

/** `<root>/HOSTnn/Minidump/MiniNNNNNN.dmp`, 200 hosts. */
function generate(root: string, n: number): void {
  for (let i = 0; i < n; i++) {
    const dir = join(root, `HOST${String(i % 200).padStart(3, '0')}`, 'Minidump');
    if (i < 200) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `Mini${String(i).padStart(6, '0')}.dmp`), synthDump(i));
  }
}

/**
 * Preload: the main thread writes its process's peak RSS (KiB) to $DT_MAXRSS_OUT at exit: VmHWM
 * (this process's own high-water mark), else getrusage's maxRSS (not Linux).
 */
const PRELOAD = `const { isMainThread } = require('node:worker_threads');
if (isMainThread && process.env.DT_MAXRSS_OUT) {
  process.on('exit', () => {
    const fs = require('node:fs');
    let kib = process.resourceUsage().maxRSS;
    try {
      const m = /VmHWM:\\s*(\\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
      if (m) kib = Number(m[1]);
    } catch {}
    fs.writeFileSync(process.env.DT_MAXRSS_OUT, String(kib));
  });
}
`;

interface Mode {
  name: string;
  args: (root: string, out: string) => string[];
  /** stdout to this file (in `out`) instead of being dropped. */
  stdoutFile?: string;
}

const MODES: Mode[] = [
  { name: 'summary', args: (r) => ['scan', r, '--no-index'] },
  { name: '--json', args: (r) => ['scan', r, '--no-index', '--json'], stdoutFile: 'scan.ndjson' },
  { name: '--csv', args: (r, o) => ['scan', r, '--no-index', '--csv', join(o, 'scan.csv')] },
  { name: '--report', args: (r, o) => ['scan', r, '--no-index', '--report', join(o, 'scan.html')] },
  { name: 'index, first scan', args: (r, o) => ['scan', r, '--index', join(o, 'index.sqlite')] },
  { name: 'index, rescan', args: (r, o) => ['scan', r, '--index', join(o, 'index.sqlite')] },
  { name: 'index, rescan --report', args: (r, o) => ['scan', r, '--index', join(o, 'index.sqlite'), '--report', join(o, 'scan-index.html')] },
];

interface Run {
  rssKiB: number;
  ms: number;
  outBytes: number;
}

function runCli(mode: Mode, root: string, out: string, preload: string): Run {
  const rssFile = join(out, 'maxrss');
  rmSync(rssFile, { force: true });
  const args = mode.args(root, out);
  if (process.env.BENCH_JOBS) args.push('--jobs', process.env.BENCH_JOBS);
  const t0 = performance.now();
  // stdout straight to a file (`> scan.ndjson`): this process never holds it.
  const stdoutFd = openSync(join(out, mode.stdoutFile ?? 'stdout.txt'), 'w');
  let r;
  try {
    r = spawnSync(process.execPath, ['--require', preload, cliMain, ...args], { stdio: ['ignore', stdoutFd, 'inherit'], env: { ...process.env, DT_MAXRSS_OUT: rssFile } });
  } finally {
    closeSync(stdoutFd);
  }
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`dumptriage ${args.join(' ')} exited ${r.status ?? r.signal}`);
  const outFile = mode.name === '--csv' ? 'scan.csv' : mode.name.includes('--report') ? (mode.name.startsWith('index') ? 'scan-index.html' : 'scan.html') : (mode.stdoutFile ?? 'stdout.txt');
  return { rssKiB: Number(readFileSync(rssFile, 'utf8')), ms, outBytes: statSync(join(out, outFile)).size };
}

function main(): void {
  if (process.argv[2] === '--generate') return generate(process.argv[3]!, Number(process.argv[4]));
  const only = process.env.BENCH_SCAN_MEMORY_MODES?.split(',').map((s) => s.trim());
  const modes = only ? MODES.filter((m) => only.some((o) => m.name === o || m.name === `--${o}` || m.name.startsWith(o))) : MODES;
  const work = mkdtempSync(join(tmpdir(), 'dt-bench-scanmem-'));
  const preload = join(work, 'maxrss.cjs');
  writeFileSync(preload, PRELOAD);
  const results = new Map<string, Map<number, Run>>();
  console.log(`dumptriage scan peak RSS (${cliMain === join(projectRoot, 'dist', 'cli', 'main.js') ? 'this build' : process.env.BENCH_CLI}); sizes ${SIZES.join(', ')}; modes ${modes.map((m) => m.name).join(', ')}`);
  try {
    for (const n of SIZES) {
      const root = join(work, `share-${n}`);
      const out = join(work, `out-${n}`);
      mkdirSync(root, { recursive: true });
      mkdirSync(out, { recursive: true });
      const g0 = performance.now();
      const gen = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--generate', root, String(n)], { stdio: 'inherit' });
      if (gen.status !== 0) throw new Error('generating the share failed');
      console.log(`${n} files generated in ${((performance.now() - g0) / 1000).toFixed(1)} s`);
      for (const mode of modes) {
        const r = runCli(mode, root, out, preload);
        if (!results.has(mode.name)) results.set(mode.name, new Map());
        results.get(mode.name)!.set(n, r);
        console.log(`  ${n} ${mode.name}: peak RSS ${(r.rssKiB / 1024).toFixed(1)} MiB, ${(r.ms / 1000).toFixed(1)} s, output ${(r.outBytes / 1048576).toFixed(1)} MiB`);
      }
      if (!process.env.BENCH_KEEP) {
        rmSync(root, { recursive: true, force: true });
        rmSync(out, { recursive: true, force: true });
      }
    }
  } finally {
    if (!process.env.BENCH_KEEP) rmSync(work, { recursive: true, force: true });
    else console.log(`shares kept in ${work}`);
  }
  const head = `| mode | ${SIZES.map((n) => `${n.toLocaleString('en-US')} files`).join(' | ')} |`;
  const rows = [...results].map(([name, m]) => `| ${name} | ${SIZES.map((n) => {
    const r = m.get(n);
    return r ? `${(r.rssKiB / 1024).toFixed(0)} MiB (${(r.ms / 1000).toFixed(1)} s)` : '-';
  }).join(' | ')} |`);
  console.log(`\nPeak RSS of the CLI process (wall time)\n\n${head}\n|---|${SIZES.map(() => '---|').join('')}\n${rows.join('\n')}\n`);
  const largest = Math.max(...SIZES);
  const worst = Math.max(...[...results.values()].map((m) => m.get(largest)?.rssKiB ?? 0)) / 1024;
  console.log(`Goal: peak RSS under ${GOAL_MIB} MiB at ${largest.toLocaleString('en-US')} files in every mode: ${worst < GOAL_MIB ? 'met' : 'NOT met'} (worst ${worst.toFixed(0)} MiB)${largest < 100_000 ? ' (the goal is stated at 100,000 files)' : ''}`);
}

main();
