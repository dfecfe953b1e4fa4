// Symbols: what naming frames costs at scale, and what a huge symbol file costs in memory.
//
// 1. A scan of BENCH_SYMS_DUMPS synthetic dumps (default 1,000) that share 30 modules, each with a
//    symbol file on the symbol path (.sym for half of them, PDB for the other half): how many times
//    each file is loaded (target: once per scan), inline and with worker threads, and the scan's
//    time against the same scan without symbols.
// 2. Peak memory: a child process opens one huge symbol file (a BENCH_BIG_SYM_MB, default 200, MB
//    .sym; a BENCH_BIG_PDB_MB, default 1024, MB PDB), names 10,000 addresses in it, and reports its
//    peak RSS against a twin child that loads the same code and opens nothing (interleaved, 3 pairs,
//    medians). Target: at most 100 MiB more.
//
// Run: `npm run build && node --expose-gc dist/bench/symbols.bench.js`.

import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SynthMinidump } from '../test/synth/minidump.js';
import { scanDumps } from '../src/scan/scan.js';
import { releaseWorkers } from '../src/scan/pool.js';
import { closeAllSymbolFiles, symbolCacheStats } from '../src/formats/breakpad-sym/store.js';
import { FileSource } from '../src/reader/file-source.js';
import { openSymFile } from '../src/formats/breakpad-sym/sym-file.js';
import { pdbCacheStats } from '../src/unwind/symbol-path.js';

const DUMPS = Number(process.env.BENCH_SYMS_DUMPS ?? 1000);
const MODULES = 30;
const BIG_SYM_MB = Number(process.env.BENCH_BIG_SYM_MB ?? 200);
const BIG_PDB_MB = Number(process.env.BENCH_BIG_PDB_MB ?? 1024);

const BASE = 0x7ff6_0000_0000n;
const SPAN = 0x0010_0000n; // 1 MiB apart
const MOD_SIZE = 0x8_0000; // 512 KiB each
const FUNCS = 2000; // 0x100 bytes each

function guidOf(i: number): { guid: string; debugId: string } {
  const hex = (0x1000_0000 + i).toString(16).toUpperCase();
  const guid = `${hex}-0000-4000-8000-0000000000${(i % 256).toString(16).padStart(2, '0').toUpperCase()}`;
  return { guid, debugId: `${guid.replace(/-/g, '')}1` };
}

/** A .sym naming FUNCS functions of module i. */
function smallSym(i: number): string {
  const lines = [`MODULE windows x86_64 ${guidOf(i).debugId} mod${i}.pdb`, 'FILE 0 c:\\src\\mod.cpp'];
  for (let f = 0; f < FUNCS; f++) lines.push(`FUNC ${(0x1000 + f * 0x100).toString(16)} 100 0 mod${i}::function_${f}(int)`);
  return `${lines.join('\n')}\n`;
}

/** A dump whose crashing thread has a return address into each of the 30 modules. */
function dumpOf(n: number): Uint8Array {
  const stackStart = 0x0000_00a0_0000_0000n;
  const stack = new Uint8Array(0x1000);
  const dv = new DataView(stack.buffer);
  for (let k = 0; k < MODULES; k++) dv.setBigUint64(8 + k * 16, BASE + BigInt((k + n) % MODULES) * SPAN + 0x1000n + BigInt(((n * 31 + k * 7) % FUNCS) * 0x100 + 0x20), true);
  const d = new SynthMinidump({ arch: 'x64', timestamp: 1_700_000_000 + n }).addSystemInfo({ arch: 'x64', major: 10, minor: 0, build: 19045, cpus: 8 });
  for (let i = 0; i < MODULES; i++) d.addModule({ name: `C:\\app\\mod${i}.dll`, base: BASE + BigInt(i) * SPAN, size: MOD_SIZE, pdb: { name: `mod${i}.pdb`, guid: guidOf(i).guid, age: 1 } });
  return d
    .addThread({ id: 7, context: { rip: BASE + 0x1010n, rsp: stackStart }, stack: { start: stackStart, bytes: stack } })
    .addException({ threadId: 7, code: 0xc0000005, address: BASE + 0x1010n, parameters: [0n, 0n] })
    .build();
}

async function part1(mode: 'inline' | 'threads'): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'dt-bench-syms30-'));
  try {
    const store = join(root, 'symbols');
    const share = join(root, 'share');
    const { writePdb } = await import('../test/synth/pdb.js');
    for (let i = 0; i < MODULES; i++) {
      const dir = join(store, `mod${i}.pdb`, guidOf(i).debugId);
      mkdirSync(dir, { recursive: true });
      // Half the modules have a .sym, half a PDB (symstore layout: NAME.pdb/GUIDAGE/NAME.pdb).
      if (i % 2 === 0) writeFileSync(join(dir, `mod${i}.sym`), smallSym(i));
      else {
        const procs = Array.from({ length: FUNCS }, (_, f) => ({ name: `mod${i}::function_${f}`, section: 1, offset: f * 0x100, size: 0x100 }));
        writePdb(join(dir, `mod${i}.pdb`), { guid: guidOf(i).guid.replace(/-/g, ''), age: 1, modules: [{ name: `mod${i}.obj`, procs }] });
      }
    }
    mkdirSync(share);
    for (let n = 0; n < DUMPS; n++) writeFileSync(join(share, `d${n}.dmp`), dumpOf(n));
    const scan = async (symbols: boolean) => {
      const t = performance.now();
      let named = 0;
      let frames = 0;
      for await (const r of scanDumps(share, { index: false, workers: mode, jobs: 2, ...(symbols ? { symbolPaths: [store] } : {}) })) {
        if (!r.ok || !r.report) continue;
        for (const f of r.report.threads[0]?.frames ?? []) {
          frames++;
          if (f.function) named++;
        }
      }
      return { ms: performance.now() - t, named, frames };
    };
    const plain = await scan(false);
    await releaseWorkers();
    const before = symbolCacheStats().loads;
    const pdbBefore = pdbCacheStats().loads;
    const withSyms = await scan(true);
    await releaseWorkers();
    const loads = symbolCacheStats().loads - before + pdbCacheStats().loads - pdbBefore;
    console.log(
      `  ${mode.padEnd(7)}: ${DUMPS} dumps x ${MODULES} modules: ${withSyms.named}/${withSyms.frames} frames named; symbol files loaded ${loads} times for ${MODULES} files ` +
        `(target: ${MODULES}): ${loads === MODULES ? 'MET' : 'NOT MET'}; ${(plain.ms / 1000).toFixed(2)} s without symbols, ${(withSyms.ms / 1000).toFixed(2)} s with (${(withSyms.ms / plain.ms).toFixed(2)}x)`,
    );
  } finally {
    await closeAllSymbolFiles();
    rmSync(root, { recursive: true, force: true });
  }
}

/** A .sym of about `mb` MB: FUNC + LINE + STACK CFI records, as dump_syms writes them. */
function writeBigSym(path: string, mb: number): void {
  const fd = openSync(path, 'w');
  const target = mb * 1024 * 1024;
  let written = 0;
  let buf: string[] = [];
  let pending = 0;
  const flush = () => {
    const s = buf.join('');
    writeSync(fd, s);
    written += Buffer.byteLength(s);
    buf = [];
    pending = 0;
  };
  buf.push(`MODULE windows x86_64 ${guidOf(99).debugId} big.pdb\nFILE 0 c:\\src\\big.cpp\n`);
  for (let rva = 0x1000, f = 0; written + pending < target; rva += 0x40, f++) {
    const h = rva.toString(16);
    const s = `FUNC ${h} 40 0 big::namespace_${f % 97}::function_${f}(int, char const *)\n${h} 20 ${f % 5000} 0\n${(rva + 0x20).toString(16)} 20 ${(f % 5000) + 1} 0\nSTACK CFI INIT ${h} 40 .cfa: $rsp 8 + .ra: .cfa 8 - ^\nSTACK CFI ${(rva + 4).toString(16)} .cfa: $rsp 48 +\n`;
    buf.push(s);
    pending += s.length;
    if (pending > 1 << 20) flush();
  }
  flush();
  closeSync(fd);
}

/** Child: open `kind` file at `path` (or nothing, `none`), name 10,000 addresses; print peak RSS in MiB. */
async function memoryChild(kind: 'none' | 'sym' | 'pdb', path: string): Promise<void> {
  const { openPdb } = await import('../src/formats/pdb/pdb-file.js');
  globalThis.gc?.();
  const lookups = 10_000;
  let named = 0;
  if (kind !== 'none') {
    const src = await FileSource.open(path);
    const file = kind === 'sym' ? await openSymFile(src) : await openPdb(src);
    for (let i = 0; i < lookups; i++) {
      const f = await file.findFunction(0x1000 + ((i * 7919) % 1_000_000) * 0x40);
      if (f) named++;
    }
    await file.close();
  }
  process.stdout.write(JSON.stringify({ peakMiB: process.resourceUsage().maxRSS / 1024, named }));
}

function part2(): void {
  const root = mkdtempSync(join(tmpdir(), 'dt-bench-bigsym-'));
  try {
    const sym = join(root, 'big.sym');
    let t = performance.now();
    writeBigSym(sym, BIG_SYM_MB);
    console.log(`  generated a ${BIG_SYM_MB} MB .sym in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const pdb = join(root, 'big.pdb');
    t = performance.now();
    let havePdb = false;
    try {
      execFileSync(process.execPath, [process.argv[1]!, '--write-pdb', pdb, String(BIG_PDB_MB)], { stdio: 'inherit' });
      havePdb = true;
      console.log(`  generated a ${BIG_PDB_MB} MB PDB in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    } catch (e) {
      console.log(`  PDB generation failed (${(e as Error).message.split('\n')[0]}): the PDB row is skipped`);
    }
    const run = (kind: string, path: string) => JSON.parse(execFileSync(process.execPath, ['--expose-gc', process.argv[1]!, '--memory-child', kind, path], { encoding: 'utf8' })) as { peakMiB: number; named: number };
    const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
    for (const [kind, path, mb] of [['sym', sym, BIG_SYM_MB], ...(havePdb ? [['pdb', pdb, BIG_PDB_MB]] : [])] as Array<[string, string, number]>) {
      const base: number[] = [];
      const with_: number[] = [];
      let named = 0;
      for (let r = 0; r < 3; r++) {
        const pair = r % 2 ? [kind, 'none'] : ['none', kind];
        for (const k of pair) {
          const out = run(k, path);
          if (k === 'none') base.push(out.peakMiB);
          else {
            with_.push(out.peakMiB);
            named = out.named;
          }
        }
      }
      const delta = med(with_) - med(base);
      console.log(`  ${kind} ${mb} MB: peak RSS ${med(with_).toFixed(0)} MiB against ${med(base).toFixed(0)} MiB opening nothing: +${delta.toFixed(0)} MiB (target <= 100): ${delta <= 100 ? 'MET' : 'NOT MET'}; ${named}/10000 addresses named`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--memory-child') {
  await memoryChild(process.argv[3] as 'none' | 'sym' | 'pdb', process.argv[4]!);
} else if (process.argv[2] === '--write-pdb') {
  const { writeBigPdb } = await import('../test/synth/pdb.js');
  await writeBigPdb(process.argv[3]!, Number(process.argv[4]));
} else if (process.argv[2] === '--scan-only') {
  await part1(process.argv[3] as 'inline' | 'threads');
} else {
  console.log(`=== symbols: a scan of ${DUMPS} dumps sharing ${MODULES} modules`);
  for (const mode of ['inline', 'threads']) execFileSync(process.execPath, ['--expose-gc', process.argv[1]!, '--scan-only', mode], { stdio: 'inherit' });
  console.log('\n=== symbols: peak memory of one huge symbol file');
  part2();
}
