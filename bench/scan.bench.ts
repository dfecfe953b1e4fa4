// Scan throughput: dumps/second and bytes read for a share of BENCH_FILES (default 1,000)
// synthetic minidumps generated into a temp dir at startup, against
//   - a raw-read floor in the same run: open each file, read the same number of bytes the scan
//     read from it (sniff + triage, from report.input.bytesRead) in one read, close — with the
//     same parallelism;
//   - the single-file CLI in a loop: `node dist/src/cli/main.js --json <file>` on a sample,
//     extrapolated to the whole share.
// RSS is sampled every 50 ms during the scan (peak and at each quarter of the files) to show that
// memory stays flat. Run after the build: `node dist/bench/scan.bench.js` (BENCH_FILES=10000 for
// the memory target). Best of BENCH_RUNS (default 3) runs for the scan and the floor.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ShareScan } from '../src/scan/scan.js';
import { SynthMinidump } from '../test/synth/minidump.js';

const N = Number(process.env.BENCH_FILES ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CLI_SAMPLE = Number(process.env.BENCH_CLI_SAMPLE ?? 20);
const JOBS = Number(process.env.BENCH_JOBS ?? availableParallelism());
const here = fileURLToPath(new URL('.', import.meta.url));
const projectRoot = resolve(here, '..', '..');
const cliMain = join(projectRoot, 'dist', 'src', 'cli', 'main.js');

function synthDump(i: number): Uint8Array {
  const mods = ['alpha.dll', 'beta.dll', 'gamma.dll', 'delta.dll', 'eps.sys'];
  const mod = mods[i % mods.length]!;
  const base = 0x7ff600000000n + BigInt(i % mods.length) * 0x100000n;
  const stack = new Uint8Array(0x800);
  return new SynthMinidump({ arch: 'x64', timestamp: 1_711_000_000 + i * 600 })
    .addSystemInfo({ major: 10, minor: 0, build: 19045, cpus: 8 })
    .addModule({ name: 'C:\\app\\app.exe', base: 0x140000000n, size: 0x20000, timestamp: 0x60000000 })
    .addModule({ name: 'C:\\Windows\\System32\\ntdll.dll', base: 0x7ff800000000n, size: 0x1f0000, timestamp: 0x61000000 })
    .addModule({ name: `C:\\app\\${mod}`, base, size: 0x10000, timestamp: 0x5f000000 + (i % 7) })
    .addThread({ id: 100, context: { rip: base + 0x1234n, rsp: 0x5000n }, stack: { start: 0x5000n, bytes: stack } })
    .addThread({ id: 101, context: { rip: 0x7ff800009000n, rsp: 0x9000n }, stack: { start: 0x9000n, bytes: stack } })
    .addException({ threadId: 100, code: 0xc0000005, address: base + 0x1234n, parameters: [0n, 0x10n] })
    .build();
}

function mib(n: number): string {
  return (n / 1048576).toFixed(1);
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'dt-bench-scan-'));
  const files: string[] = [];
  let totalBytes = 0;
  for (let i = 0; i < N; i++) {
    const dir = join(root, `HOST${String(i % 50).padStart(2, '0')}`, 'Minidump');
    mkdirSync(dir, { recursive: true });
    const p = join(dir, `Mini${String(i).padStart(6, '0')}.dmp`);
    const bytes = synthDump(i);
    writeFileSync(p, bytes);
    totalBytes += bytes.length;
    files.push(p);
  }
  console.log(`scan bench: ${N} synthetic minidumps (${mib(totalBytes)} MiB) in ${root}; ${JOBS} jobs; ${cpus()[0]?.model ?? '?'} ×${cpus().length}; node ${process.version}`);

  // 1. The scan (worker threads, no index: every file is read).
  const perFile = new Map<string, number>();
  let best = Infinity;
  let bytesRead = 0;
  let mode = '';
  let rssPeak = 0;
  let rssQuarters: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    (globalThis as { gc?: () => void }).gc?.();
    const rssStart = process.memoryUsage().rss;
    let peak = rssStart;
    const quarters: number[] = [];
    let done = 0;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const t0 = performance.now();
    const scan = new ShareScan(root, { index: false, jobs: JOBS, workers: 'auto' });
    for await (const item of scan) {
      done++;
      if (done % Math.max(1, Math.floor(N / 4)) === 0) quarters.push(process.memoryUsage().rss);
      if (run === 0 && item.digest.status === 'ok') {
        const rep = JSON.parse(item.reportJson()!) as { input: { bytesRead: number } };
        perFile.set(item.path, rep.input.bytesRead + 8); // + the 8-byte signature sniff
      }
    }
    const ms = performance.now() - t0;
    clearInterval(timer);
    const s = scan.summary!;
    if (s.ok !== N) throw new Error(`scan analysed ${s.ok} of ${N} (failed ${s.failed}: ${JSON.stringify(s.errors)})`);
    if (ms < best) best = ms;
    bytesRead = s.bytesRead;
    mode = `${s.mode} ×${s.jobs}`;
    rssPeak = Math.max(rssPeak, peak);
    if (run === 0) rssQuarters = quarters;
  }
  const scanRate = (N * 1000) / best;

  // 2. Raw-read floor: the same bytes per file, one read each, same parallelism.
  let floorBest = Infinity;
  for (let run = 0; run < RUNS; run++) {
    let next = 0;
    let total = 0;
    const t0 = performance.now();
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
    const ms = performance.now() - t0;
    if (ms < floorBest) floorBest = ms;
    if (total === 0) throw new Error('floor read nothing');
  }
  const floorRate = (N * 1000) / floorBest;

  const bytesPerDump = bytesRead / N;
  console.log(`scan        ${scanRate.toFixed(0)} dumps/s  (${(best / 1000).toFixed(2)} s for ${N}, ${mode}), ${mib(bytesRead)} MiB read = ${bytesPerDump.toFixed(0)} B/dump of ${(totalBytes / N).toFixed(0)} B`);
  console.log(`raw floor   ${floorRate.toFixed(0)} dumps/s  (${(floorBest / 1000).toFixed(2)} s, same bytes, ${JOBS * 2} concurrent reads)`);
  console.log(`scan / floor time ratio: ${(best / floorBest).toFixed(2)}x (target ≤ 3x)`);
  console.log(`RSS peak ${mib(rssPeak)} MiB (target ≤ 200 MiB); at each quarter of the files: ${rssQuarters.map(mib).join(', ')} MiB`);
  // 3. The single-file CLI in a loop, on a sample, extrapolated.
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
  console.log(`Fastest is scan${best / floorBest <= 3 ? ' (within 3x of the raw-read floor)' : ' (NOT within 3x of the floor)'}`);
  console.log(JSON.stringify({ bench: 'scan', files: N, jobs: JOBS, scanDumpsPerSec: scanRate, floorDumpsPerSec: floorRate, cliDumpsPerSec: cliRate, ratio: best / floorBest, bytesRead, bytesPerDump, rssPeakMiB: rssPeak / 1048576, rssQuartersMiB: rssQuarters.map((x) => x / 1048576) }));
  rmSync(root, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
