// Scan throughput: dumps/second and bytes read for a share of BENCH_FILES (default 1,000)
// synthetic minidumps generated into a temp dir at startup. Benchmark.js runs, in the same
// process, each a full pass over the share:
//   - the scan without an index (worker threads, every file read and triaged), with the workers
//     the last scan of the process left warm (the library's default, keepWorkersMs);
//   - the scan as users run it the first time (the same, writing the SQLite index);
//   - a rescan with nothing changed (the index answers; no dump is read);
//   - the raw-read floor: open each file, read the bytes the scan read from it (sniff + triage,
//     from report.input.bytesRead: for these small files the whole file, which is also what the
//     scan reads, in one read), close; twice as many reads in flight as there are workers;
//   - the same reads as a plain loop, one file at a time, with blocking calls;
//   - the scan without an index with fresh workers (none adopted, none kept): what one
//     `dumptriage scan` process pays, start-up and JIT warm-up of every worker included.
// Then `dumptriage scan --no-index` itself, as a child process, end to end (BENCH_CLI_SCANS
// runs, default 2). The single-file CLI in a loop (`node dist/cli/main.js --json <file>`) is
// timed on a sample and extrapolated. RSS is sampled every 50 ms during a first scan (peak and at each quarter of
// the files) to show that memory stays flat. BENCH_COLD=1 adds passes of the scan and of the floor
// from a cold page cache (each file dropped from the cache first). Run after the build: `node
// --expose-gc dist/bench/scan.bench.js` (BENCH_FILES=10000 for the memory target; BENCH_RUNS =
// minimum samples per contender, default 3).

import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ShareScan } from '../src/scan/scan.js';
import { releaseWorkers } from '../src/scan/pool.js';
import { benchDump, evict, mean, mib, runSuite } from './share-lib.js';

const N = Number(process.env.BENCH_FILES ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CLI_SAMPLE = Number(process.env.BENCH_CLI_SAMPLE ?? 20);
const CLI_SCANS = Number(process.env.BENCH_CLI_SCANS ?? 2);
const JOBS = Number(process.env.BENCH_JOBS ?? availableParallelism());
/** The scan's --slow-io-ms (default: the scan's own). */
const SLOW_IO_MS = process.env.BENCH_SLOW_IO_MS !== undefined ? Number(process.env.BENCH_SLOW_IO_MS) : undefined;
const here = fileURLToPath(new URL('.', import.meta.url));
const projectRoot = resolve(here, '..', '..');
const cliMain = join(projectRoot, 'dist', 'cli', 'main.js');

const synthDump = (i: number): Uint8Array => benchDump(i);

/** The share, written by a child process so that its garbage is not in this process's RSS. */
function generate(root: string): void {
  for (let i = 0; i < N; i++) {
    const dir = join(root, `HOST${String(i % 50).padStart(2, '0')}`, 'Minidump');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `Mini${String(i).padStart(6, '0')}.dmp`), synthDump(i));
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === '--generate') return generate(process.argv[3]!);
  const root = mkdtempSync(join(tmpdir(), 'dt-bench-scan-'));
  const gen = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--generate', root], { stdio: 'inherit', env: process.env });
  if (gen.status !== 0) throw new Error('generating the share failed');
  const files: string[] = [];
  let totalBytes = 0;
  for (const host of readdirSync(root).sort()) {
    for (const name of readdirSync(join(root, host, 'Minidump')).sort()) {
      const p = join(root, host, 'Minidump', name);
      totalBytes += statSync(p).size;
      files.push(p);
    }
  }
  if (files.length !== N) throw new Error(`generated ${files.length} of ${N} files`);
  console.log(`scan bench: ${N} synthetic minidumps (${mib(totalBytes)} MiB) in ${root}; ${JOBS} jobs; ${cpus()[0]?.model ?? '?'} ×${cpus().length}; node ${process.version}`);

  // 1. One scan (worker threads, no index) with RSS sampled every 50 ms: the memory profile, and
  //    the bytes read from each file, which the floor then reads.
  const perFile = new Map<string, number>();
  (globalThis as { gc?: () => void }).gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const rssQuarters: number[] = [];
  let done = 0;
  const timer = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
  const first = new ShareScan(root, { index: false, jobs: JOBS, workers: 'auto' });
  for await (const item of first) {
    done++;
    if (done % Math.max(1, Math.floor(N / 4)) === 0) rssQuarters.push(process.memoryUsage().rss);
    if (item.digest.status === 'ok') {
      const rep = JSON.parse(item.reportJson()!) as { input: { bytesRead: number } };
      perFile.set(item.path, rep.input.bytesRead); // the signature sniff included (same counted source)
    }
  }
  clearInterval(timer);
  const s1 = first.summary!;
  if (s1.ok !== N) throw new Error(`scan analysed ${s1.ok} of ${N} (failed ${s1.failed}: ${JSON.stringify(s1.errors)})`);
  const bytesRead = s1.bytesRead;
  const mode = `${s1.mode} ×${s1.jobs}`;

  // 2. The contenders, each a full pass over the share, same process, Benchmark.js deferred runs.
  const indexDir = mkdtempSync(join(tmpdir(), 'dt-bench-index-'));
  let indexRun = 0;
  const scanOnce = async (opts: ConstructorParameters<typeof ShareScan>[1], expectRead: boolean): Promise<void> => {
    if (opts?.keepWorkersMs === 0) await releaseWorkers();
    const scan = new ShareScan(root, { jobs: JOBS, workers: 'auto', ...(SLOW_IO_MS !== undefined ? { slowIoMs: SLOW_IO_MS } : {}), ...opts });
    for await (const _item of scan) {
      // drain
    }
    const s = scan.summary!;
    if (s.ok !== N || (expectRead ? s.read !== N : s.reused !== N)) throw new Error(`bad scan: ${JSON.stringify({ ok: s.ok, read: s.read, reused: s.reused, errors: s.errors })}`);
  };
  const rescanIndex = join(indexDir, 'rescan.sqlite');
  await scanOnce({ index: rescanIndex }, true);
  const floorOnce = async (): Promise<void> => {
    let next = 0;
    let total = 0;
    await Promise.all(
      Array.from({ length: JOBS * 2 }, async () => {
        while (next < files.length) {
          const p = files[next++]!;
          const want = perFile.get(p) ?? 0;
          const fh = await open(p, 'r');
          try {
            const buf = Buffer.allocUnsafe(Math.max(1, want));
            const { bytesRead: got } = await fh.read(buf, 0, want, 0);
            total += got;
          } finally {
            await fh.close();
          }
        }
      }),
    );
    if (total === 0) throw new Error('floor read nothing');
  };
  const loopScratch = Buffer.allocUnsafe(1 << 20);
  const loopOnce = async (): Promise<void> => {
    let total = 0;
    for (const p of files) {
      const fd = openSync(p, 'r');
      try {
        total += readSync(fd, loopScratch, 0, Math.min(perFile.get(p) ?? 0, loopScratch.length), 0);
      } finally {
        closeSync(fd);
      }
    }
    if (total === 0) throw new Error('loop read nothing');
  };
  const results = await runSuite(
    'scan',
    [
      ['scan --no-index', () => scanOnce({ index: false }, true)],
      ['scan, first run (writes the index)', () => scanOnce({ index: join(indexDir, `first-${indexRun++}.sqlite`) }, true)],
      ['rescan, nothing changed (index)', () => scanOnce({ index: rescanIndex }, false)],
      ['raw-read floor', floorOnce],
      ['raw-read loop, one file at a time', loopOnce],
      // last: it leaves no worker parked for the ones after it
      ['scan --no-index, fresh workers', () => scanOnce({ index: false, keepWorkersMs: 0 }, true)],
    ],
    RUNS,
  );
  rmSync(indexDir, { recursive: true, force: true });
  const floor = results.get('raw-read floor')!;
  const scanNoIndex = results.get('scan --no-index')!;
  const bytesPerDump = bytesRead / N;
  const rate = (ms: number): string => `${((N * 1000) / ms).toFixed(0)} dumps/s`;
  console.log(`bytes read: ${mib(bytesRead)} MiB = ${bytesPerDump.toFixed(0)} B/dump of ${(totalBytes / N).toFixed(0)} B (each file read whole, in one read); ${mode}`);
  for (const [name, r] of results) {
    console.log(`${name.padEnd(36)} ${rate(r.mean).padStart(14)}  mean ${(r.mean / 1000).toFixed(2)} s ±${r.rme.toFixed(1)}%, best ${(r.min / 1000).toFixed(2)} s, ${r.runs} runs; ${(r.mean / floor.mean).toFixed(2)}x the floor (best/best ${(r.min / floor.min).toFixed(2)}x)`);
  }
  console.log(`(raw-read floor: open each file, read the bytes the scan read from it, close; ${JOBS * 2} concurrent reads. The loop: the same, one file at a time, blocking calls.)`);
  console.log('(scan --no-index: workers kept warm from the scan before, the library default; fresh workers: none adopted, as in one CLI process)');
  console.log(`RSS peak ${mib(rssPeak)} MiB (target ≤ 200 MiB); before the scan ${mib(rssBefore)} MiB, at each quarter of the files: ${rssQuarters.map(mib).join(', ')} MiB`);
  // 2b. Cold page cache (BENCH_COLD=1): before each pass every file of the share is dropped from
  //     the page cache (`dd iflag=nocache count=0`: posix_fadvise DONTNEED, no root needed;
  //     checked with fincore when it is installed), so that both read from the disk. Passes
  //     alternate, floor, loop, then scan (warm workers), BENCH_COLD_RUNS (default 2) of each.
  const cold = { scan: [] as number[], floor: [] as number[], loop: [] as number[], verified: false };
  if (process.env.BENCH_COLD === '1') {
    const runs = Number(process.env.BENCH_COLD_RUNS ?? 2);
    // The fresh-worker contender left no worker parked: warm them first, so that every cold pass
    // measures the cache, not the JIT warm-up.
    await scanOnce({ index: false }, true);
    for (let r = 0; r < runs; r++) {
      for (const which of ['floor', 'loop', 'scan'] as const) {
        cold.verified = evict(root, files) || cold.verified;
        const t0 = performance.now();
        if (which === 'floor') await floorOnce();
        else if (which === 'loop') await loopOnce();
        else await scanOnce({ index: false }, true);
        cold[which].push(performance.now() - t0);
      }
    }
    console.log(`cold cache (${runs} passes each${cold.verified ? ', eviction checked with fincore' : ', eviction not checked: no fincore'}):`);
    console.log(`  scan --no-index ${rate(mean(cold.scan)).padStart(14)}  mean ${(mean(cold.scan) / 1000).toFixed(2)} s (${cold.scan.map((x) => (x / 1000).toFixed(2)).join(', ')})`);
    console.log(`  raw-read floor  ${rate(mean(cold.floor)).padStart(14)}  mean ${(mean(cold.floor) / 1000).toFixed(2)} s (${cold.floor.map((x) => (x / 1000).toFixed(2)).join(', ')})`);
    console.log(`  raw-read loop   ${rate(mean(cold.loop)).padStart(14)}  mean ${(mean(cold.loop) / 1000).toFixed(2)} s (${cold.loop.map((x) => (x / 1000).toFixed(2)).join(', ')})`);
    console.log(`  scan / floor: ${(mean(cold.scan) / mean(cold.floor)).toFixed(2)}x; scan / loop: ${(mean(cold.scan) / mean(cold.loop)).toFixed(2)}x`);
  }
  const best = scanNoIndex.mean;
  const floorBest = floor.mean;
  const scanRate = (N * 1000) / best;
  const floorRate = (N * 1000) / floorBest;
  // 3. `dumptriage scan --no-index` end to end in a child process: process start, fresh workers.
  const cliScans: number[] = [];
  for (let r = 0; r < CLI_SCANS; r++) {
    const t = performance.now();
    // --strict: exit 1 if any file failed; the summary table goes to /dev/null
    const out = spawnSync(process.execPath, [cliMain, 'scan', '--no-index', '--strict', '--jobs', String(JOBS), root], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    cliScans.push(performance.now() - t);
    if (out.status !== 0) throw new Error(`dumptriage scan failed: ${out.status} ${out.stderr.slice(0, 500)}`);
  }
  const cliScanMean = cliScans.reduce((a, b) => a + b, 0) / Math.max(1, cliScans.length);
  if (cliScans.length) console.log(`dumptriage scan --no-index --strict (child process, end to end) ${rate(cliScanMean).padStart(14)}  mean ${(cliScanMean / 1000).toFixed(2)} s (${cliScans.map((x) => (x / 1000).toFixed(2)).join(', ')}); ${(cliScanMean / floor.mean).toFixed(2)}x the floor`);
  // 4. The single-file CLI in a loop, on a sample, extrapolated.
  const sample = files.slice(0, Math.min(CLI_SAMPLE, files.length));
  const t0 = performance.now();
  let cliFailed = 0;
  for (const f of sample) {
    const r = spawnSync(process.execPath, [cliMain, '--json', f], { encoding: 'utf8' });
    if (r.status !== 0) cliFailed++;
  }
  const cliPerFile = (performance.now() - t0) / sample.length;
  const cliRate = 1000 / cliPerFile;
  if (cliFailed) console.log(`(the CLI failed on ${cliFailed} of ${sample.length} sample files: its time is not comparable)`);
  console.log(`CLI loop    ${cliRate.toFixed(1)} dumps/s  (${cliPerFile.toFixed(0)} ms per file over ${sample.length} files → ${((cliPerFile * N) / 1000).toFixed(0)} s for ${N})`);
  console.log(`scan is ${(scanRate / cliRate).toFixed(0)}x the CLI loop`);
  const fresh = results.get('scan --no-index, fresh workers')!;
  const loop = results.get('raw-read loop, one file at a time')!;
  const verdict = (ms: number, base: number): string => `${(ms / base).toFixed(2)}x${ms / base <= 3 ? '' : ' (NOT within 3x)'}`;
  console.log(`target 3x: warm workers ${verdict(best, floorBest)} of the floor, ${verdict(best, loop.mean)} of the loop; fresh workers ${verdict(fresh.mean, floorBest)} of the floor, ${verdict(fresh.mean, loop.mean)} of the loop`);
  console.log(JSON.stringify({ bench: 'scan', files: N, jobs: JOBS, scanDumpsPerSec: scanRate, floorDumpsPerSec: floorRate, cliDumpsPerSec: cliRate, ratio: best / floorBest, cliScanMs: cliScans, runs: Object.fromEntries(results), cold, bytesRead, bytesPerDump, rssPeakMiB: rssPeak / 1048576, rssQuartersMiB: rssQuarters.map((x) => x / 1048576) }));
  rmSync(root, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
