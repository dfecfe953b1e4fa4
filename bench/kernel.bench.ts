// Kernel dumps: header + loaded drivers, time and bytes read per dump, for sparse synthetic
// complete dumps (type 1, x64, real page tables) from 1 MiB to 64 GiB and the two corpus small
// dumps, against a hand-written DataView baseline doing the same work in the same run (header
// fields, run map, 4-level walk, PsLoadedModuleList / triage driver list). The point: the cost
// does not grow with the dump size. Run: `npx tsc -p . && node dist/bench/kernel.bench.js`.

import Benchmark from 'benchmark';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CountingSource } from '../src/reader/byte-source.js';
import { FileSource } from '../src/reader/file-source.js';
import { openKernelDump, type KernelDumpFile } from '../src/formats/kernel/index.js';
import { SynthKernelDump } from '../test/synth/kernel.js';
import { populate } from '../test/formats/kernel/populate.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const corpus = resolve(here, '..', '..', '..', 'shared', 'corpus', 'kernel');

/** Our path: open + modules. Returns bytes read. */
async function ours(path: string): Promise<{ bytes: number; drivers: number }> {
  const src = new CountingSource(await FileSource.open(path));
  const d = (await openKernelDump(src, 64, {})) as KernelDumpFile;
  const mods = await d.modules();
  await d.close();
  return { bytes: src.bytesRead, drivers: mods.length };
}

/** Hand-written DataView baseline (x64 only, no validation beyond bounds). */
async function baseline(path: string): Promise<{ bytes: number; drivers: number }> {
  const fh: FileHandle = await open(path, 'r');
  let bytes = 0;
  const read = async (off: number, len: number): Promise<DataView> => {
    const b = Buffer.alloc(len);
    const { bytesRead } = await fh.read(b, 0, len, off);
    bytes += bytesRead;
    return new DataView(b.buffer, b.byteOffset, bytesRead);
  };
  try {
    const h = await read(0, 0x2000);
    const dumpType = h.getUint32(0xf98, true);
    const drivers: bigint[] = [];
    if (dumpType === 4) {
      const t = await read(0x2000, 0x80);
      const off = t.getUint32(0x30, true);
      const n = t.getUint32(0x34, true);
      const list = await read(off, n * 0x90);
      for (let i = 0; i < n; i++) drivers.push(list.getBigUint64(i * 0x90 + 8 + 0x30, true));
      return { bytes, drivers: drivers.length };
    }
    const nruns = h.getUint32(0x88, true);
    const runs: [bigint, bigint, bigint][] = [];
    let acc = 0n;
    for (let i = 0; i < nruns; i++) {
      const b = h.getBigUint64(0x98 + i * 16, true);
      const c = h.getBigUint64(0xa0 + i * 16, true);
      runs.push([b, c, acc]);
      acc += c;
    }
    const phys = async (pa: bigint, len: number): Promise<DataView | undefined> => {
      const pfn = pa >> 12n;
      for (const [b, c, before] of runs) if (pfn >= b && pfn < b + c) return read(Number(0x2000n + (before + pfn - b) * 0x1000n + (pa & 0xfffn)), len);
      return undefined;
    };
    const cr3 = h.getBigUint64(0x10, true) & 0x000ffffffffff000n;
    const virt = async (va: bigint, len: number): Promise<DataView | undefined> => {
      let t = cr3;
      for (const shift of [39n, 30n, 21n, 12n]) {
        const e = await phys(t + 8n * ((va >> shift) & 0x1ffn), 8);
        if (!e) return undefined;
        const v = e.getBigUint64(0, true);
        if (!(v & 1n)) return undefined;
        t = v & 0x000ffffffffff000n;
      }
      return phys(t + (va & 0xfffn), len);
    };
    const head = h.getBigUint64(0x20, true);
    let e = (await virt(head, 8))!.getBigUint64(0, true);
    while (e !== head && drivers.length < 4096) {
      const ent = await virt(e, 0xa0);
      if (!ent) break;
      drivers.push(ent.getBigUint64(0x30, true));
      e = ent.getBigUint64(0, true);
    }
    return { bytes, drivers: drivers.length };
  } finally {
    await fh.close();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dt-kbench-'));
  const inputs: { label: string; path: string; size: number }[] = [];
  try {
    for (const [label, pages] of [['1 MiB', 256], ['64 MiB', 16384], ['1 GiB', 262144], ['16 GiB', 4194304], ['64 GiB', 16777216]] as const) {
      const s = populate(new SynthKernelDump({ dumpType: 1, ramPages: pages }));
      for (let i = 0; i < 60; i++) s.addDriver({ name: `drv${i}.sys`, base: 0xfffff804_90000000n + BigInt(i) * 0x100000n, size: 0x10000, timestamp: 0x60000000 + i });
      const path = join(dir, `complete-${pages}.dmp`);
      const size = await s.writeFile(path);
      inputs.push({ label: `complete x64 ${label} (sparse)`, path, size });
    }
    for (const f of ['rz-triage_x64.dmp', 'rz-triage_arm64.dmp']) {
      const p = join(corpus, f);
      if (existsSync(p)) inputs.push({ label: `corpus ${f}`, path: p, size: 0 });
      else console.log(`(corpus ${f} not found at ${p}: skipped)`);
    }
    console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'}`);
    for (const inp of inputs) {
      const a = await ours(inp.path);
      const b = await baseline(inp.path);
      const suite = new Benchmark.Suite(inp.label);
      await new Promise<void>((done) => {
        suite
          .add('dumptriage open+drivers', { defer: true, fn: (d: { resolve(): void }) => void ours(inp.path).then(() => d.resolve()) })
          .add('DataView baseline', { defer: true, fn: (d: { resolve(): void }) => void baseline(inp.path).then(() => d.resolve()) })
          .on('complete', function (this: Benchmark.Suite) {
            const rows = this.map((x: Benchmark) => `${x.name}: ${(1000 / x.hz).toFixed(3)} ms/dump (±${x.stats.rme.toFixed(1)}%)`);
            const fast = this.filter('fastest').map('name');
            console.log(`${inp.label}: ${rows.join('; ')}; bytes read ours ${a.bytes} (${a.drivers} drivers), baseline ${b.bytes} (${b.drivers}); fastest is ${fast}`);
            done();
          })
          .run({ async: true });
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
