// Scan throughput on a share of real dumps: every file of ../shared/corpus (or
// $DUMPTRIAGE_SHARED/corpus) that is a dump by its signature, copied BENCH_COPIES times (default
// 20) into host folders of a temp dir. Real dumps are not the synthetic bench's 8.7 KB files:
// hundreds of modules, heap dumps with thousands of memory ranges, kernel dumps, broken files;
// the scan reads a few hundred bytes to ~300 KiB of each, in up to ~200 reads.
//
// The floor replays, per file, the very reads the scan makes: each file is triaged once in this
// process through a source that records every read that reaches the file (offset, length), the
// way a scan worker opens it (one handle, the signature sniff, the block cache of small files).
// Then, each sample a full pass over the share, same process (Benchmark.js):
//   - the scan without an index, workers kept warm from the scan before (the library default);
//   - the raw-read floor: open each file, replay its reads, close; twice as many files in flight
//     as there are workers, async calls;
//   - the raw-read loop: the same, one file at a time, blocking calls;
//   - the scan with fresh workers (one `dumptriage scan` process's start-up and JIT warm-up).
// BENCH_COLD=1 adds passes of floor, loop and scan from a cold page cache (BENCH_COLD_RUNS,
// default 2). Skipped with a message when the corpus is absent.
//
// Run after the build: `node --expose-gc dist/bench/scan-corpus.bench.js`.

import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readSync, readdirSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ShareScan } from '../src/scan/scan.js';
import { releaseWorkers } from '../src/scan/pool.js';
import { countingSourceFor } from '../src/core.js';
import { triageSource } from '../src/index.js';
import { sniff } from '../src/formats/detect.js';
import type { ByteSource } from '../src/reader/byte-source.js';
import { SyncFileSource } from '../src/reader/file-source.js';
import { CORPUS, HAVE_CORPUS } from '../test/helpers/corpus.js';
import { evict, mean, mib, runSuite, type RunStats } from './share-lib.js';

const COPIES = Number(process.env.BENCH_COPIES ?? 20);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const JOBS = Number(process.env.BENCH_JOBS ?? availableParallelism());

interface Range {
  offset: number;
  length: number;
}

/** Passes reads through and writes down the ones that reached the file, with what they returned. */
class RecordingSource implements ByteSource {
  readonly ranges: Range[] = [];
  constructor(private readonly inner: ByteSource) {}
  get size(): number {
    return this.inner.size;
  }
  get name(): string {
    return this.inner.name;
  }
  async read(offset: number, length: number, struct?: string): Promise<Uint8Array> {
    const out = await this.inner.read(offset, length, struct);
    this.ranges.push({ offset, length: out.length });
    return out;
  }
  async readAvailable(offset: number, length: number, struct?: string): Promise<Uint8Array> {
    const out = await this.inner.readAvailable(offset, length, struct);
    this.ranges.push({ offset, length: out.length });
    return out;
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The reads a scan worker makes on `path` (scan/file-job.ts: sniff, then triage through the same handle). */
async function recordReads(path: string): Promise<Range[]> {
  const rec = new RecordingSource(SyncFileSource.open(path));
  const source = countingSourceFor(rec);
  try {
    const head = await source.readAvailable(0, 8, 'signature');
    if (sniff(head)) await triageSource(source, path, {}).catch(() => undefined);
  } finally {
    await source.close();
  }
  return rec.ranges;
}

function dumpFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'expected') out.push(...dumpFilesUnder(p));
    } else if (e.isFile()) {
      const fd = openSync(p, 'r');
      const head = Buffer.alloc(8);
      try {
        readSync(fd, head, 0, 8, 0);
      } finally {
        closeSync(fd);
      }
      if (sniff(head)) out.push(p);
    }
  }
  return out.sort();
}

/** A corpus file's name in a host folder of the share: its corpus path, flattened. */
function flatName(src: string): string {
  return relative(CORPUS, src).replace(/[\\/]/g, '__');
}

async function main(): Promise<void> {
  if (!HAVE_CORPUS) {
    console.log(`*** scan-corpus bench SKIPPED: no corpus at ${CORPUS} ***`);
    return;
  }
  const originals = dumpFilesUnder(CORPUS);
  const root = mkdtempSync(join(tmpdir(), 'dt-bench-corpus-'));
  const reads = new Map<string, Range[]>();
  const files: string[] = [];
  let totalBytes = 0;
  for (let k = 1; k <= COPIES; k++) {
    const host = join(root, `HOST${String(k).padStart(2, '0')}`);
    mkdirSync(host);
    for (const src of originals) {
      const dst = join(host, flatName(src));
      copyFileSync(src, dst);
      files.push(dst);
      totalBytes += statSync(dst).size;
    }
  }
  // Recorded on the first copy; every copy is the same bytes, so the same reads.
  for (const src of originals) reads.set(flatName(src), await recordReads(join(root, 'HOST01', flatName(src))));
  const rangesOf = (p: string): Range[] => reads.get(p.slice(p.lastIndexOf('/') + 1)) ?? [];
  const floorBytes = files.reduce((n, p) => n + rangesOf(p).reduce((m, r) => m + r.length, 0), 0);
  const floorReads = files.reduce((n, p) => n + rangesOf(p).length, 0);
  console.log(`scan-corpus bench: ${originals.length} corpus dumps × ${COPIES} = ${files.length} files (${mib(totalBytes)} MiB) in ${root}; ${JOBS} jobs; ${cpus()[0]?.model ?? '?'} ×${cpus().length}; node ${process.version}`);

  // One scan first: its counts are what every later pass must give, and its bytes read must be
  // what the recording saw (else the floor would replay other reads than the scan's).
  const first = new ShareScan(root, { index: false, jobs: JOBS });
  for await (const _ of first) {
    // drain
  }
  const expected = first.summary!;
  if (expected.bytesRead !== floorBytes) console.log(`(note: the scan read ${expected.bytesRead} B, the recorded reads ${floorBytes} B)`);
  console.log(`scan: ${expected.ok} analysed, ${expected.failed} failed, ${expected.skipped} skipped; bytes read ${mib(expected.bytesRead)} MiB = ${(expected.bytesRead / files.length).toFixed(0)} B/file in ${(floorReads / files.length).toFixed(1)} reads/file`);

  const scanOnce = async (fresh: boolean): Promise<void> => {
    if (fresh) await releaseWorkers();
    const scan = new ShareScan(root, { index: false, jobs: JOBS, ...(fresh ? { keepWorkersMs: 0 } : {}) });
    for await (const _ of scan) {
      // drain
    }
    const s = scan.summary!;
    if (s.ok !== expected.ok || s.failed !== expected.failed || s.skipped !== expected.skipped) throw new Error(`bad scan: ${JSON.stringify({ ok: s.ok, failed: s.failed, skipped: s.skipped, errors: s.errors })}`);
  };
  const scratch = Buffer.allocUnsafe(1 << 20);
  const floorOnce = async (): Promise<void> => {
    let next = 0;
    await Promise.all(
      Array.from({ length: JOBS * 2 }, async () => {
        const buf = Buffer.allocUnsafe(1 << 20);
        while (next < files.length) {
          const p = files[next++]!;
          const fh = await open(p, 'r');
          try {
            for (const r of rangesOf(p)) await fh.read(buf, 0, Math.min(r.length, buf.length), r.offset);
          } finally {
            await fh.close();
          }
        }
      }),
    );
  };
  const loopOnce = async (): Promise<void> => {
    for (const p of files) {
      const fd = openSync(p, 'r');
      try {
        for (const r of rangesOf(p)) readSync(fd, scratch, 0, Math.min(r.length, scratch.length), r.offset);
      } finally {
        closeSync(fd);
      }
    }
  };
  const results = await runSuite(
    'scan-corpus',
    [
      ['scan --no-index', () => scanOnce(false)],
      ['raw-read floor', floorOnce],
      ['raw-read loop, one file at a time', loopOnce],
      ['scan --no-index, fresh workers', () => scanOnce(true)],
    ],
    RUNS,
  );
  const floor = results.get('raw-read floor')!;
  const loop = results.get('raw-read loop, one file at a time')!;
  const rate = (ms: number): string => `${((files.length * 1000) / ms).toFixed(0)} files/s`;
  for (const [name, r] of results) {
    console.log(`${name.padEnd(36)} ${rate(r.mean).padStart(14)}  mean ${(r.mean / 1000).toFixed(3)} s ±${r.rme.toFixed(1)}%, best ${(r.min / 1000).toFixed(3)} s, ${r.runs} runs; ${(r.mean / floor.mean).toFixed(2)}x the floor, ${(r.mean / loop.mean).toFixed(2)}x the loop`);
  }
  const cold = { scan: [] as number[], floor: [] as number[], loop: [] as number[], verified: false };
  if (process.env.BENCH_COLD === '1') {
    await scanOnce(false); // warm workers again: the cold passes measure the cache, not the JIT
    for (let r = 0; r < Number(process.env.BENCH_COLD_RUNS ?? 2); r++) {
      for (const which of ['floor', 'loop', 'scan'] as const) {
        cold.verified = evict(root, files) || cold.verified;
        const t0 = performance.now();
        if (which === 'floor') await floorOnce();
        else if (which === 'loop') await loopOnce();
        else await scanOnce(false);
        cold[which].push(performance.now() - t0);
      }
    }
    console.log(`cold cache (${cold.scan.length} passes each${cold.verified ? ', eviction checked with fincore' : ', eviction not checked: no fincore'}): scan ${(mean(cold.scan) / 1000).toFixed(3)} s, floor ${(mean(cold.floor) / 1000).toFixed(3)} s, loop ${(mean(cold.loop) / 1000).toFixed(3)} s; scan ${(mean(cold.scan) / mean(cold.floor)).toFixed(2)}x the floor, ${(mean(cold.scan) / mean(cold.loop)).toFixed(2)}x the loop`);
  }
  const verdict = (r: RunStats, base: RunStats): string => `${(r.mean / base.mean).toFixed(2)}x${r.mean / base.mean <= 3 ? '' : ' (NOT within 3x)'}`;
  const warm = results.get('scan --no-index')!;
  console.log(`target 3x: warm workers ${verdict(warm, floor)} of the floor, ${verdict(warm, loop)} of the loop`);
  console.log(JSON.stringify({ bench: 'scan-corpus', files: files.length, originals: originals.length, jobs: JOBS, bytesRead: expected.bytesRead, readsPerFile: floorReads / files.length, runs: Object.fromEntries(results), cold }));
  await releaseWorkers();
  rmSync(root, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
