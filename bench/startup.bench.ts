// Start-up (issue 19): the CLI users run (dist/cli/main.js, the bundle) against `node -e 0`,
// interleaved as child processes (BENCH_PAIRS pairs, default 11), wall-time medians and the
// ratio, for: --version, --help, a small minidump, a kernel small dump, a minidump with a
// 60,000-range MemoryList (generated), and `scan --no-index` over the corpus's real Windows
// minidumps (CPU time: user + system of the whole process tree, as the issue measures scans;
// wall time beside it). Every case runs BENCH_PAIRS (>= 9) interleaved pairs; the first run of
// each case writes its code cache (the median leaves it out).
// The per-module build (dist/src/cli/main.js) is measured the same way, as the "before".
// Goals: FILE <= 2x, --version/--help <= 1.3x, the scan <= 5x node -e 0's CPU.
// Run: `npm run build && node dist/bench/startup.bench.js`.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { manyRangesMinidump } from '../test/synth/many-ranges.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '..', '..');
const BUNDLE = join(root, 'dist', 'cli', 'main.js');
const MODULES = join(root, 'dist', 'src', 'cli', 'main.js');
const PAIRS = Math.max(9, Number(process.env.BENCH_PAIRS ?? 11));
const corpusCandidates = [...(process.env.DUMPTRIAGE_SHARED ? [join(process.env.DUMPTRIAGE_SHARED, 'corpus')] : []), resolve(root, '..', 'shared', 'corpus')];
const corpus = corpusCandidates.find((c) => existsSync(join(c, 'MANIFEST.tsv')));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Wall-time medians of `node -e 0` and of `node ...args`, interleaved. */
function pair(args: string[]): { base: number; cmd: number; ratio: number } {
  const base: number[] = [];
  const cmd: number[] = [];
  for (let i = 0; i < PAIRS; i++) {
    let t = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    base.push(performance.now() - t);
    t = performance.now();
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'ignore'] });
    cmd.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`${args.join(' ')}: exit ${r.status}`);
  }
  const b = median(base);
  const c = median(cmd);
  return { base: b, cmd: c, ratio: c / b };
}

/** CPU (user + system, ms) and wall time of one child process tree, via a shell's `times`. */
function cpuOf(args: string[]): { cpu: number; wall: number } {
  const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  const t = performance.now();
  const r = spawnSync('bash', ['-c', `${[process.execPath, ...args].map(q).join(' ')} >/dev/null 2>&1; times`], { encoding: 'utf8' });
  const wall = performance.now() - t;
  // `times` prints the shell's and then its children's user/system times: "0m1.234s 0m0.100s".
  const line = r.stdout.trim().split('\n').pop() ?? '';
  const secs = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { cpu: (secs[0]! + secs[1]!) * 1000, wall };
}

/** CPU medians (and wall medians) of `node -e 0` and of `node ...args`, interleaved. */
function cpuPair(args: string[]): { base: number; cmd: number; ratio: number; baseWall: number; cmdWall: number } {
  const base: Array<{ cpu: number; wall: number }> = [];
  const cmd: Array<{ cpu: number; wall: number }> = [];
  for (let i = 0; i < PAIRS; i++) {
    base.push(cpuOf(['-e', '0']));
    cmd.push(cpuOf(args));
  }
  const b = median(base.map((x) => x.cpu));
  const c = median(cmd.map((x) => x.cpu));
  return { base: b, cmd: c, ratio: c / b, baseWall: median(base.map((x) => x.wall)), cmdWall: median(cmd.map((x) => x.wall)) };
}

const dir = mkdtempSync(join(tmpdir(), 'dumptriage-startup-'));
try {
  const small = join(root, 'dumps-fixtures', 'sample-app-crash-x64.dmp');
  const ranges = join(dir, 'ranges-60k.dmp');
  writeFileSync(ranges, manyRangesMinidump(60_000));
  const kernel = corpus ? join(corpus, 'kernel', readdirSync(join(corpus, 'kernel')).filter((f) => f.endsWith('.dmp')).sort()[0]!) : undefined;
  const share = join(dir, 'share');
  if (corpus) {
    mkdirSync(share);
    const src = join(corpus, 'user-windows');
    for (const f of readdirSync(src).filter((x) => x.endsWith('.dmp')).sort().slice(0, 35)) copyFileSync(join(src, f), join(share, f));
  } else console.log('(../shared/corpus not found: the kernel dump and the 35-dump scan are skipped)');

  const cases: Array<[string, string[], number]> = [
    ['--version', ['--version'], 1.3],
    ['--help', ['--help'], 1.3],
    ['small minidump (human)', [small], 2],
    ['small minidump --json', ['--json', small], 2],
    ['60,000-range minidump --json', ['--json', ranges], 2],
    ...(kernel ? ([['kernel small dump --json', ['--json', kernel], 2]] as Array<[string, string[], number]>) : []),
  ];
  console.log(`start-up: ${PAIRS} interleaved pairs each, wall-time medians (node ${process.version})\n`);
  console.log('| case | node -e 0 | modules (dist/src) | ratio | bundle (dist/cli) | ratio | goal |\n|---|---|---|---|---|---|---|');
  for (const [name, args, goal] of cases) {
    const m = pair([MODULES, ...args]);
    const b = pair([BUNDLE, ...args]);
    console.log(`| ${name} | ${b.base.toFixed(0)} ms | ${m.cmd.toFixed(0)} ms | ${m.ratio.toFixed(2)}x | ${b.cmd.toFixed(0)} ms | ${b.ratio.toFixed(2)}x | <= ${goal}x ${b.ratio <= goal ? 'met' : 'NOT met'} |`);
  }
  if (corpus) {
    const m = cpuPair([MODULES, 'scan', '--no-index', share]);
    const b = cpuPair([BUNDLE, 'scan', '--no-index', share]);
    console.log(`| scan --no-index, 35 real dumps (CPU) | ${b.base.toFixed(0)} ms | ${m.cmd.toFixed(0)} ms | ${m.ratio.toFixed(2)}x | ${b.cmd.toFixed(0)} ms | ${b.ratio.toFixed(2)}x | <= 5x ${b.ratio <= 5 ? 'met' : 'NOT met'} |`);
    console.log(`| (the same, wall time) | ${b.baseWall.toFixed(0)} ms | ${m.cmdWall.toFixed(0)} ms | ${(m.cmdWall / m.baseWall).toFixed(2)}x | ${b.cmdWall.toFixed(0)} ms | ${(b.cmdWall / b.baseWall).toFixed(2)}x | |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
