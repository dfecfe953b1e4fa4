// Where worker threads start to pay (issue 19: "triage in the main thread and start more workers
// only when the walk shows enough files to pay for them; measure the break-even point"). One
// scan per child process, as one `dumptriage scan` is, over shares of growing size, each way:
//   - main: the main thread alone (workers 'auto' with inlineFiles Infinity);
//   - auto: the default (the main thread alone for the first inlineFilesFor(jobs) files, then
//     `jobs` workers with the main thread beside them);
//   - 1 worker, 2 workers: workers only (workers 'threads'), the scan before this issue.
// Shares: the corpus's real Windows minidumps (../shared/corpus/user-windows, the first 35 by
// name) copied k times, and the synthetic 8.7 KB minidumps of the scan bench. The child runs with
// the V8 tier-up budget the CLI's loader gives a scan (scripts/cli-loader.cjs), and puts V8's
// default back when it starts workers, as the CLI does. Interleaved rounds (BENCH_PAIRS, default
// 3), medians of wall and CPU (user + system of the child).
// Env: BENCH_BREAKEVEN_REAL (copies of the 35, default "1,4,16,32"), BENCH_BREAKEVEN_SYNTH (files,
// default "300,1000,3000,10000"), BENCH_PAIRS.
// Run: `npm run build && node dist/bench/scan-breakeven.bench.js`.

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { CORPUS, HAVE_CORPUS } from '../test/helpers/corpus.js';
import { benchDump, childCpu } from './share-lib.js';

const self = fileURLToPath(import.meta.url);
const here = join(self, '..');

if (process.argv[2] === '--child') {
  // One scan: argv = --child MODE DIR.
  const [, , , mode, dir] = process.argv;
  v8.setFlagsFromString('--interrupt-budget=540672');
  (globalThis as unknown as Record<symbol, unknown>)[Symbol.for('dumptriage.defaultTierUp')] = () => v8.setFlagsFromString('--interrupt-budget=67584');
  const { ShareScan } = (await import(pathToFileURL(join(here, '..', 'src', 'scan', 'scan.js')).href)) as typeof import('../src/scan/scan.js');
  const opts: import('../src/scan/scan.js').ScanOptions = { index: false, keepWorkersMs: 0, workerScript: join(here, '..', 'src', 'scan', 'worker.js') };
  if (mode === 'main') Object.assign(opts, { workers: 'auto', inlineFiles: Number.POSITIVE_INFINITY });
  else if (mode === 'auto') Object.assign(opts, { workers: 'auto' });
  else Object.assign(opts, { workers: 'threads', jobs: Number(mode!.slice(1)) });
  const scan = new ShareScan(dir!, opts);
  for await (const _ of scan);
  process.stdout.write(JSON.stringify({ mode: scan.summary!.mode, jobs: scan.summary!.jobs, ok: scan.summary!.ok }));
  process.exit(0);
}

const PAIRS = Number(process.env.BENCH_PAIRS ?? 3);
const REAL = (process.env.BENCH_BREAKEVEN_REAL ?? '1,4,16,32').split(',').map(Number).filter((n) => n > 0);
const SYNTH = (process.env.BENCH_BREAKEVEN_SYNTH ?? '300,1000,3000,10000').split(',').map(Number).filter((n) => n > 0);
const MODES = ['main', 'auto', 't1', 't2'] as const;
const LABEL: Record<(typeof MODES)[number], string> = { main: 'main thread alone', auto: 'auto (default)', t1: '1 worker', t2: '2 workers' };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Wall and CPU (ms) of one child scan. */
function runChild(mode: string, dir: string): { wall: number; cpu: number } {
  const t = performance.now();
  const r = spawnSync(process.execPath, [self, '--child', mode, dir], { encoding: 'utf8' });
  const wall = performance.now() - t;
  if (r.status !== 0) throw new Error(`${mode} ${dir}: exit ${r.status}: ${r.stderr}`);
  return { wall, cpu: childCpu() };
}

const root = mkdtempSync(join(tmpdir(), 'dumptriage-breakeven-'));
try {
  const shares: Array<{ label: string; dir: string; files: number }> = [];
  if (HAVE_CORPUS) {
    const src = join(CORPUS, 'user-windows');
    const dumps = readdirSync(src).filter((f) => f.endsWith('.dmp')).sort().slice(0, 35);
    for (const k of REAL) {
      const dir = join(root, `real-${k}`);
      for (let c = 0; c < k; c++) {
        mkdirSync(join(dir, `HOST${c}`), { recursive: true });
        for (const f of dumps) copyFileSync(join(src, f), join(dir, `HOST${c}`, f));
      }
      shares.push({ label: 'real', dir, files: k * dumps.length });
    }
  } else console.log('(../shared/corpus not found: the real-dump shares are skipped)');
  for (const n of SYNTH) {
    const dir = join(root, `synth-${n}`);
    for (let i = 0; i < n; i++) {
      const host = join(dir, `HOST${i % 50}`);
      if (i < 50) mkdirSync(host, { recursive: true });
      writeFileSync(join(host, `d${i}.dmp`), benchDump(i));
    }
    shares.push({ label: 'synthetic', dir, files: n });
  }
  console.log(`scan break-even: ${cpus()[0]?.model ?? '?'} x${availableParallelism()}, node ${process.version}; ${PAIRS} interleaved rounds, medians; wall (CPU) per scan\n`);
  console.log(`| files | dumps | ${MODES.map((m) => LABEL[m]).join(' | ')} | fastest |`);
  console.log(`|---|---|${MODES.map(() => '---').join('|')}|---|`);
  childCpu();
  for (const s of shares) {
    const walls: Record<string, number[]> = {};
    const cpus: Record<string, number[]> = {};
    for (let i = 0; i < PAIRS; i++) {
      for (const m of MODES) {
        const r = runChild(m, s.dir);
        (walls[m] ??= []).push(r.wall);
        (cpus[m] ??= []).push(r.cpu);
      }
    }
    const w = Object.fromEntries(MODES.map((m) => [m, median(walls[m]!)]));
    const fastest = MODES.reduce((a, b) => (w[a]! <= w[b]! ? a : b));
    console.log(`| ${s.files.toLocaleString('en')} | ${s.label} | ${MODES.map((m) => `${(w[m]! / 1000).toFixed(2)} s (${(median(cpus[m]!) / 1000).toFixed(2)})`).join(' | ')} | ${LABEL[fastest]} |`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
