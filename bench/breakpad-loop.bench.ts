// Per-dump cost against breakpad's process loop (issue 19: "over 1,000+ dumps at least 10x cheaper
// per dump than breakpad's process loop"). Breakpad: `minidump_stackwalk FILE` once per dump, one
// after the other (its usual use: a shell loop; no symbols, every thread walked, as ours);
// dumptriage: one `dumptriage scan --no-index DIR` process (dist/cli/main.js, the default jobs)
// over the same files. Wall and CPU (user + system of the children) per dump, medians of
// BENCH_RUNS (default 3) interleaved runs.
// Shares: the corpus's Windows minidumps (../shared/corpus/user-windows) copied to at least
// BENCH_BREAKPAD_FILES (default 1,000) files, and as many synthetic 8.7 KB minidumps of the scan
// bench. minidump_stackwalk: $BREAKPAD_STACKWALK, else ../oracle/breakpad/src/processor/
// minidump_stackwalk beside the checkout; skipped with a message when absent.
// Run: `npm run build && node dist/bench/breakpad-loop.bench.js`.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORPUS, HAVE_CORPUS, PROJECT_ROOT } from '../test/helpers/corpus.js';
import { benchDump, childCpu } from './share-lib.js';

const FILES = Number(process.env.BENCH_BREAKPAD_FILES ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CLI = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'cli', 'main.js');
const STACKWALK = process.env.BREAKPAD_STACKWALK ?? resolve(PROJECT_ROOT, '..', 'oracle', 'breakpad', 'src', 'processor', 'minidump_stackwalk');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timed(fn: () => void): { wall: number; cpu: number } {
  childCpu();
  const t = performance.now();
  fn();
  return { wall: performance.now() - t, cpu: childCpu() };
}

function breakpadLoop(files: string[]): void {
  for (const f of files) {
    const r = spawnSync(STACKWALK, [f], { stdio: 'ignore' });
    if (r.error) throw r.error;
  }
}

function dumptriageScan(dir: string): void {
  const r = spawnSync(process.execPath, [CLI, 'scan', '--no-index', dir], { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`dumptriage scan ${dir}: exit ${r.status}`);
}

if (!existsSync(STACKWALK)) {
  console.log(`(minidump_stackwalk not found at ${STACKWALK}: set BREAKPAD_STACKWALK; skipped)`);
  process.exit(0);
}
const root = mkdtempSync(join(tmpdir(), 'dumptriage-breakpad-'));
try {
  const shares: Array<{ label: string; dir: string; files: string[] }> = [];
  if (HAVE_CORPUS) {
    const src = join(CORPUS, 'user-windows');
    const dumps = readdirSync(src).filter((f) => f.endsWith('.dmp')).sort();
    const dir = join(root, 'real');
    const files: string[] = [];
    for (let c = 0; files.length < FILES; c++) {
      mkdirSync(join(dir, `HOST${c}`), { recursive: true });
      for (const f of dumps) {
        const to = join(dir, `HOST${c}`, f);
        copyFileSync(join(src, f), to);
        files.push(to);
      }
    }
    shares.push({ label: `corpus Windows minidumps (${dumps.length} distinct)`, dir, files });
  } else console.log('(../shared/corpus not found: the real-dump share is skipped)');
  {
    const dir = join(root, 'synth');
    const files: string[] = [];
    for (let i = 0; i < FILES; i++) {
      const host = join(dir, `HOST${i % 50}`);
      if (i < 50) mkdirSync(host, { recursive: true });
      const to = join(host, `d${i}.dmp`);
      writeFileSync(to, benchDump(i));
      files.push(to);
    }
    shares.push({ label: 'synthetic 8.7 KB minidumps', dir, files });
  }
  console.log(`breakpad loop: ${cpus()[0]?.model ?? '?'} x${availableParallelism()}, node ${process.version}; ${RUNS} interleaved runs, medians; per dump, wall (CPU)\n`);
  console.log('| share | files | minidump_stackwalk per file | dumptriage scan | ratio wall | ratio CPU |');
  console.log('|---|---|---|---|---|---|');
  for (const s of shares) {
    const bp: Array<{ wall: number; cpu: number }> = [];
    const dt: Array<{ wall: number; cpu: number }> = [];
    dumptriageScan(s.dir); // the code cache, and the page cache, warm for both
    for (let i = 0; i < RUNS; i++) {
      bp.push(timed(() => breakpadLoop(s.files)));
      dt.push(timed(() => dumptriageScan(s.dir)));
    }
    const n = s.files.length;
    const [bw, bc, dw, dc] = [median(bp.map((x) => x.wall)) / n, median(bp.map((x) => x.cpu)) / n, median(dt.map((x) => x.wall)) / n, median(dt.map((x) => x.cpu)) / n];
    console.log(`| ${s.label} | ${n.toLocaleString('en')} | ${bw.toFixed(2)} ms (${bc.toFixed(2)}) | ${dw.toFixed(2)} ms (${dc.toFixed(2)}) | ${(bw / dw).toFixed(2)}x | ${(bc / dc).toFixed(2)}x |`);
  }
  console.log('\n(ratio: breakpad per dump / dumptriage per dump; goal >= 10x)');
} finally {
  rmSync(root, { recursive: true, force: true });
}
