// Stacks: what walking every thread costs, and what symbol files cost.
//
// 1. Per corpus dump, no symbols: triageFile now against triageFile of the revision before the
//    walker (BENCH_BASELINE_REV, default d7326bc: the stack was a scan of the focus thread),
//    built into a temporary git worktree; interleaved child processes (one library each, the
//    order swapped every round), each timing 8 warm passes over the corpus. Target: at most 1.20x.
// 2. With symbols: a scan of BENCH_SYM_DUMPS synthetic dumps (default 1,000) whose module has a
//    generated Breakpad .sym of BENCH_SYM_MB (default 50) MB, inline and with worker threads
//    (each in its own process): how many times the .sym is indexed (target: once per scan; the
//    workers get the main thread's index in shared memory), the scan's time against the same
//    scan without --symbols, and the process's peak RSS (target: under 200 MiB).
//
// Run: `npm run build && node --expose-gc dist/bench/stacks.bench.js`.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CORPUS, HAVE_CORPUS, PROJECT_ROOT } from '../test/helpers/corpus.js';
import { SynthMinidump } from '../test/synth/minidump.js';
import { triageFile } from '../src/triage-file.js';
import { scanDumps } from '../src/scan/scan.js';
import { releaseWorkers } from '../src/scan/pool.js';
import { symbolCacheStats, closeAllSymbolFiles } from '../src/formats/breakpad-sym/store.js';

type TriageFn = (path: string, opts?: Record<string, unknown>) => Promise<unknown>;

const BASE_REV = process.env.BENCH_BASELINE_REV ?? 'd7326bc';
const SYM_MB = Number(process.env.BENCH_SYM_MB ?? 50);
const SYM_DUMPS = Number(process.env.BENCH_SYM_DUMPS ?? 1000);

/** Builds BASE_REV into a temporary worktree and imports its triageFile. */
function buildBaseline(): { dir: string; cleanup(): void } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'dt-bench-base-'));
  const cleanup = () => {
    try {
      execFileSync('git', ['-C', PROJECT_ROOT, 'worktree', 'remove', '--force', dir], { stdio: 'ignore' });
    } catch {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    execFileSync('git', ['-C', PROJECT_ROOT, 'worktree', 'add', '--detach', dir, BASE_REV], { stdio: 'ignore' });
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(dir, 'node_modules'));
    execFileSync(process.execPath, [join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')], { stdio: 'inherit' });
    execFileSync(process.execPath, [join(dir, 'scripts', 'copy-assets.mjs')], { stdio: 'inherit' });
  } catch (e) {
    console.log(`baseline ${BASE_REV} could not be built (${(e as Error).message}): part 1 skipped`);
    cleanup();
    return undefined;
  }
  return { cleanup, dir };
}

/** Child mode: `stacks.bench.js --passes LIB N`: N warm passes of LIB's triageFile over the corpus dumps. */
async function passesChild(lib: string, n: number): Promise<void> {
  const { triageFile: tf } = (await import(pathToFileURL(lib).href)) as { triageFile: TriageFn };
  const files = corpusDumps();
  for (let i = 0; i < 3; i++) for (const f of files) await tf(f);
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    for (const f of files) await tf(f);
    times.push(performance.now() - t);
  }
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({ median: times[times.length >> 1], cpu: (cpu.user + cpu.system) / 1000 / n, files: files.length }));
}

function corpusDumps(): string[] {
  return [
    ...readdirSync(join(CORPUS, 'user-windows')).filter((f) => f.endsWith('.dmp')).map((f) => join(CORPUS, 'user-windows', f)),
    ...readdirSync(join(CORPUS, 'kernel')).filter((f) => f.endsWith('.dmp')).map((f) => join(CORPUS, 'kernel', f)),
  ];
}

async function part1(): Promise<void> {
  if (!HAVE_CORPUS) {
    console.log('*** ../shared/corpus not found: part 1 (corpus dumps) SKIPPED ***');
    return;
  }
  const built = buildBaseline();
  if (!built) return;
  try {
    // Interleaved child processes, one library each: two copies of the library in one process
    // share binary-parser and its inline caches and slow each other down unevenly.
    const libs: Array<[string, string]> = [
      [`baseline ${BASE_REV} (focus-thread scan)`, join(built.dir, 'dist', 'src', 'index.js')],
      ['walker (every thread)', join(PROJECT_ROOT, 'dist', 'src', 'index.js')],
    ];
    const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
    const wall = new Map<string, number[]>();
    const cpu = new Map<string, number[]>();
    let files = 0;
    for (let r = 0; r < rounds; r++) {
      for (const [label, lib] of r % 2 ? [...libs].reverse() : libs) {
        const out = JSON.parse(execFileSync(process.execPath, [process.argv[1]!, '--passes', lib, '8'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })) as { median: number; cpu: number; files: number };
        files = out.files;
        (wall.get(label) ?? wall.set(label, []).get(label)!).push(out.median);
        (cpu.get(label) ?? cpu.set(label, []).get(label)!).push(out.cpu);
      }
    }
    const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
    for (const [label] of libs) {
      console.log(`  ${label.padEnd(40)} ${(med(wall.get(label)!) / files).toFixed(3)} ms/dump wall, ${(med(cpu.get(label)!) / files).toFixed(3)} ms/dump CPU (median of ${rounds} processes x 8 passes of ${files} dumps)`);
    }
    const ratio = med(wall.get(libs[1]![0])!) / med(wall.get(libs[0]![0])!);
    const cpuRatio = med(cpu.get(libs[1]![0])!) / med(cpu.get(libs[0]![0])!);
    console.log(`  walker / baseline: ${ratio.toFixed(2)}x wall, ${cpuRatio.toFixed(2)}x CPU (target <= 1.20x): ${ratio <= 1.2 ? 'MET' : 'NOT MET'}`);
  } finally {
    built.cleanup();
  }
}

const MODULE_BASE = 0x7ff6_1000_0000n;
const MODULE_SIZE = 0x0400_0000; // 64 MiB of code: room for a 50 MB .sym worth of functions
const DEBUG_ID = '0123456789ABCDEF0123456789ABCDEF1';

/** A Breakpad .sym of about `mb` MB: FUNC + LINE + STACK CFI records covering the module. */
function writeBigSym(path: string, mb: number): { functions: number } {
  const fd = openSync(path, 'w');
  let written = 0;
  const target = mb * 1024 * 1024;
  const chunks: string[] = [];
  let pending = 0;
  const flush = () => {
    const s = chunks.join('');
    writeSync(fd, s);
    written += Buffer.byteLength(s);
    chunks.length = 0;
    pending = 0;
  };
  const emit = (s: string) => {
    chunks.push(s);
    pending += s.length;
    if (pending > 1 << 20) flush();
  };
  emit(`MODULE windows x86_64 ${DEBUG_ID} bench.pdb\nINFO CODE_ID 6500000004000000 bench.dll\nFILE 0 c:\\src\\bench.cpp\n`);
  let functions = 0;
  for (let rva = 0x1000; rva + 0x40 < MODULE_SIZE && written + pending < target; rva += 0x40) {
    const h = rva.toString(16);
    emit(`FUNC ${h} 40 0 bench::function_${functions}(int, char const*)\n${h} 10 ${functions % 5000} 0\n${(rva + 0x10).toString(16)} 30 ${(functions % 5000) + 1} 0\n`);
    emit(`STACK CFI INIT ${h} 40 .cfa: $rsp 8 + .ra: .cfa 8 - ^\nSTACK CFI ${(rva + 4).toString(16)} .cfa: $rsp 48 +\n`);
    functions++;
  }
  flush();
  closeSync(fd);
  return { functions };
}

/** One crash in bench.dll whose stack holds return addresses into it. */
function benchDump(i: number): Uint8Array {
  const stackStart = 0x0000_00a0_0000_0000n;
  const stack = new Uint8Array(0x2000);
  const dv = new DataView(stack.buffer);
  // A return address every 48 bytes, as the CFI says the frames are laid out.
  for (let o = 40, k = 0; o + 8 <= stack.length; o += 48, k++) dv.setBigUint64(o, MODULE_BASE + 0x1000n + BigInt(((i * 7 + k * 13) % 4000) * 0x40 + 0x20), true);
  return new SynthMinidump({ arch: 'x64', timestamp: 1_700_000_000 + i })
    .addSystemInfo({ arch: 'x64', major: 10, minor: 0, build: 19045, cpus: 8 })
    .addModule({ name: 'C:\\Program Files\\Bench\\bench.dll', base: MODULE_BASE, size: MODULE_SIZE, pdb: { name: 'bench.pdb', guid: '01234567-89AB-CDEF-0123-456789ABCDEF', age: 1 } })
    .addThread({ id: 100 + i, context: { rip: MODULE_BASE + 0x1000n + BigInt((i % 4000) * 0x40 + 8), rsp: stackStart }, stack: { start: stackStart, bytes: stack } })
    .addException({ threadId: 100 + i, code: 0xc0000005, address: MODULE_BASE + 0x1008n, parameters: [0n, 0x10n] })
    .build();
}

async function part2(only?: 'inline' | 'threads'): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'dt-bench-syms-'));
  try {
    const store = join(root, 'symbols');
    const share = join(root, 'share');
    mkdirSync(join(store, 'bench.pdb', DEBUG_ID), { recursive: true });
    const t0 = performance.now();
    const { functions } = writeBigSym(join(store, 'bench.pdb', DEBUG_ID, 'bench.sym'), SYM_MB);
    console.log(`  generated a ${SYM_MB} MB .sym (${functions} functions) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    mkdirSync(join(share, 'HOST1'), { recursive: true });
    for (let i = 0; i < SYM_DUMPS; i++) writeFileSync(join(share, 'HOST1', `d${i}.dmp`), benchDump(i));
    // Check the dumps unwind by the generated CFI at all (in the inline process only: in the
    // threaded one the main thread indexes the file when a worker first asks, as a scan does).
    if (only !== 'threads') {
    const one = (await triageFile(join(share, 'HOST1', 'd0.dmp'), { symbolPaths: [store] })) as { threads: Array<{ frames?: Array<{ trust: string }> }> };
    const cfi = one.threads[0]!.frames!.filter((f) => f.trust === 'cfi').length;
    console.log(`  one dump: ${one.threads[0]!.frames!.length} frames, ${cfi} by CFI from the .sym; RSS now ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB, peak ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
    await closeAllSymbolFiles();
    }

    const scanWith = async (workers: 'inline' | 'threads', symbols: boolean) => {
      const t = performance.now();
      let n = 0;
      for await (const r of scanDumps(share, { index: false, workers, jobs: 2, symbolPaths: symbols ? [store] : undefined })) if (r) n++;
      return { ms: performance.now() - t, n };
    };
    for (const workers of only ? [only] : (['inline', 'threads'] as const)) {
      const before = symbolCacheStats();
      const plain = await scanWith(workers, false);
      const plainPeak = process.resourceUsage().maxRSS / 1024;
      const withSyms = await scanWith(workers, true);
      const after = symbolCacheStats();
      console.log(
        `  scan ${SYM_DUMPS} dumps, ${workers.padEnd(7)}: ${(plain.ms / 1000).toFixed(2)} s without symbols, ${(withSyms.ms / 1000).toFixed(2)} s with (${(withSyms.ms / plain.ms).toFixed(2)}x)` +
          `; .sym indexed ${after.loads - before.loads} time(s) in this process for ${withSyms.n} dumps` +
          `; peak RSS ${plainPeak.toFixed(0)} MiB after the scan without symbols, ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB after the one with`,
      );
      await releaseWorkers();
    }
    const rss = process.resourceUsage().maxRSS / 1024;
    console.log(`  peak RSS of this process (${only ?? 'both'}): ${rss.toFixed(0)} MiB (target < 200 MiB): ${rss < 200 ? 'MET' : 'NOT MET'}`);
  } finally {
    await closeAllSymbolFiles();
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--passes') {
  await passesChild(process.argv[3]!, Number(process.argv[4]));
} else if (process.argv[2] === '--symbols-only') {
  await part2(process.argv[3] as 'inline' | 'threads' | undefined);
} else {
  console.log('=== stacks: the walker against the pre-walker triage, no symbols');
  await part1();
  // Each scan mode in its own process: its peak RSS is its own.
  console.log('\n=== stacks: a scan with a big symbol file');
  for (const mode of ['inline', 'threads']) execFileSync(process.execPath, ['--expose-gc', process.argv[1]!, '--symbols-only', mode], { stdio: 'inherit' });
}
