// The worst case of each count limit in src/limits.ts, measured (issue 18): an input generated at
// the limit with its data really present, run through the compiled CLI as a child process, with
// the child's wall time, peak RSS (process.resourceUsage() at exit, through a preload) and output
// bytes. `node -e 0` is run the same way first, as the floor. The figures in src/limits.ts and
// docs/hostile.md come from this run. Run: `npx tsc -p . && node dist/bench/limits.bench.js`
// (BENCH_LIMITS=threads,ranges to run some).

import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DumpType } from '../native-structs/constants/kernel.js';
import { populate } from '../test/formats/kernel/populate.js';
import { SynthKernelDump } from '../test/synth/kernel.js';
import { manyHandlesMinidump, manyInfoMinidump, manyMemory64Head, manyModulesMinidump, manyRangesMinidump, manyStreamsMinidump } from '../test/synth/many-ranges.js';
import { sharedThreadsMinidump } from '../test/synth/shared-threads.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const cli = resolve(here, '..', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'dumptriage-limits-'));
const preload = join(dir, 'rss.cjs');
writeFileSync(preload, "process.on('exit', () => { try { require('fs').writeFileSync(process.env.RSS_OUT, String(process.resourceUsage().maxRSS)); } catch {} });\n");

interface Case { limit: string; what: string; make: (file: string) => void }

const write = (bytes: Uint8Array) => (file: string) => writeFileSync(file, bytes);
const LONG = `${'d'.repeat(1020)}.sys`;

const cases: Case[] = [
  { limit: 'maxStreams', what: '4,096 directory entries, one 64 KiB blob', make: (f) => write(manyStreamsMinidump(4096))(f) },
  { limit: 'maxModules', what: '16,384 modules, 250-character paths, CodeView each', make: (f) => write(manyModulesMinidump(16_384))(f) },
  { limit: 'maxThreads', what: '65,536 threads sharing one CONTEXT and stack', make: (f) => write(sharedThreadsMinidump(65_536))(f) },
  { limit: 'maxMemoryRanges', what: '10^6 MemoryList ranges (16 MB)', make: (f) => write(manyRangesMinidump(1_000_000))(f) },
  { limit: 'maxMemoryRanges', what: '10^6 Memory64List ranges (64 GiB sparse)', make: (f) => {
    const m = manyMemory64Head(1_000_000);
    const fd = openSync(f, 'w');
    try {
      writeSync(fd, m.head);
      ftruncateSync(fd, m.fileSize);
    } finally {
      closeSync(fd);
    }
  } },
  { limit: 'maxMemoryRanges', what: '10^6 MemoryInfoList entries (48 MB)', make: (f) => write(manyInfoMinidump(1_000_000))(f) },
  { limit: 'maxHandles', what: '10^6 handles sharing two names (40 MB)', make: (f) => write(manyHandlesMinidump(1_000_000))(f) },
  { limit: 'maxModules (kernel)', what: '16,384 drivers with one 1,024-character name', make: (f) => {
    const s = new SynthKernelDump({ dumpType: DumpType.Triage, cpus: 1, bugcheck: { code: 0xd1, args: [0, 2, 0, 0] } });
    for (let i = 0; i < 16_384; i++) s.addDriver({ name: LONG, path: LONG, base: 0xfffff800_00000000n + BigInt(i) * 0x10000n, size: 0x10000 });
    writeFileSync(f, s.build());
  } },
  { limit: 'maxListWalk', what: 'complete dump, 16,384 drivers in the loader list, one 1,024-character name', make: (f) => {
    const s = populate(new SynthKernelDump({ dumpType: DumpType.Full, cpus: 2 }));
    for (let i = 0; i < 16_384; i++) s.addDriver({ name: LONG, path: LONG, base: 0xfffff806_40000000n + BigInt(i) * 0x10000n, size: 0x10000 });
    writeFileSync(f, s.build());
  } },
];

interface Run { ms: number; rssMiB: number; outBytes: number; code: number | null }

function run(args: string[]): Run {
  const out = join(dir, 'out');
  const rss = join(dir, 'rss');
  const fd = openSync(out, 'w');
  const t = performance.now();
  const r = spawnSync(process.execPath, ['--require', preload, ...args], { stdio: ['ignore', fd, 'ignore'], env: { ...process.env, RSS_OUT: rss } });
  const ms = performance.now() - t;
  closeSync(fd);
  const kib = Number(readFileSync(rss, 'utf8'));
  return { ms, rssMiB: kib / 1024, outBytes: statSync(out).size, code: r.status };
}

const fmt = (r: Run): string => `${(r.ms / 1000).toFixed(2)} s, ${r.rssMiB.toFixed(0)} MiB, ${r.outBytes >= 1e6 ? `${(r.outBytes / 1e6).toFixed(1)} MB` : `${(r.outBytes / 1e3).toFixed(0)} KB`}`;

const only = process.env.BENCH_LIMITS?.split(',');
try {
  const floor = run(['-e', '0']);
  console.log(`node -e 0: ${fmt(floor)}\n`);
  console.log('| limit | input | `dumptriage F --json` | `dump --json` | `dump --json --all` |\n|---|---|---|---|---|');
  for (const c of cases) {
    if (only && !only.some((o) => c.limit.toLowerCase().includes(o) || c.what.toLowerCase().includes(o))) continue;
    const file = join(dir, 'input.dmp');
    c.make(file);
    const a = run([cli, '--json', file]);
    const d = run([cli, 'dump', '--json', file]);
    const all = run([cli, 'dump', '--json', '--all', file]);
    console.log(`| ${c.limit} | ${c.what} | ${fmt(a)} | ${fmt(d)} | ${fmt(all)} |`);
    rmSync(file, { force: true });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
