// Minidumps: open + modules + threads + exception per dump (our facts()), in dumps/second and bytes
// read per dump, over the corpus minidumps (skipped with a message when ../shared/corpus is absent)
// and over synthetic dumps generated at startup (a small crash, a 2,000-module / 500-thread dump,
// and a sparse 4 GiB full-memory dump), against a hand-written DataView baseline in the same run
// that reads the same fields (header, directory, SystemInfo, module entries + names + CodeView
// PDB names, thread entries + ip/sp, exception record) with one positioned read per structure.
// Run: `npx tsc -p . && node dist/bench/minidump.bench.js`.

import Benchmark from 'benchmark';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { open, truncate } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CountingSource } from '../src/reader/byte-source.js';
import { FileSource } from '../src/reader/file-source.js';
import { openMinidump } from '../src/formats/minidump/index.js';
import { SynthMinidump } from '../test/synth/minidump.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const corpusCandidates = [
  ...(process.env.DUMPTRIAGE_SHARED ? [join(process.env.DUMPTRIAGE_SHARED, 'corpus')] : []),
  resolve(here, '..', '..', 'shared', 'corpus'),
  resolve(here, '..', '..', '..', 'shared', 'corpus'),
];
const corpus = corpusCandidates.find((c) => existsSync(join(c, 'MANIFEST.tsv')));
const MAX_TIME = Number(process.env.BENCH_MAX_TIME ?? 2);

interface Work { bytes: number; modules: number; threads: number; code?: number }

/** Our path: open + facts() (modules, threads, exception, system). */
async function ours(path: string): Promise<Work> {
  const src = new CountingSource(await FileSource.open(path));
  const d = await openMinidump(src, {});
  try {
    const f = await d.facts();
    return { bytes: src.bytesRead, modules: f.modules.length, threads: f.threads.length, code: f.exception?.code };
  } finally {
    await d.close();
  }
}

/** Hand-written baseline: DataView over one positioned read per structure, no validation. */
async function baseline(path: string): Promise<Work> {
  const fh = await open(path, 'r');
  let bytes = 0;
  const read = async (off: number, len: number): Promise<DataView> => {
    const b = Buffer.allocUnsafe(len);
    const { bytesRead } = await fh.read(b, 0, len, off);
    bytes += bytesRead;
    return new DataView(b.buffer, b.byteOffset, bytesRead);
  };
  const str = async (rva: number): Promise<string> => {
    if (!rva) return '';
    const n = (await read(rva, 4)).getUint32(0, true);
    const dv = await read(rva + 4, Math.min(n, 2048));
    return Buffer.from(dv.buffer, dv.byteOffset, dv.byteLength).toString('utf16le');
  };
  try {
    const h = await read(0, 32);
    const n = h.getUint32(8, true);
    const dir = await read(h.getUint32(12, true), n * 12);
    const streams = new Map<number, { size: number; rva: number }>();
    for (let i = 0; i < n; i++) {
      const t = dir.getUint32(i * 12, true);
      if (!streams.has(t)) streams.set(t, { size: dir.getUint32(i * 12 + 4, true), rva: dir.getUint32(i * 12 + 8, true) });
    }
    const sys = streams.get(7);
    const arch = sys ? (await read(sys.rva, 56)).getUint16(0, true) : 9;
    const w: Work = { bytes: 0, modules: 0, threads: 0 };
    const ml = streams.get(4);
    if (ml) {
      const count = (await read(ml.rva, 4)).getUint32(0, true);
      const skip = ml.size === 8 + count * 108 ? 8 : 4;
      const t = await read(ml.rva + skip, count * 108);
      for (let i = 0; i < count; i++) {
        await str(t.getUint32(i * 108 + 0x14, true));
        const cvSize = t.getUint32(i * 108 + 0x4c, true);
        const cvRva = t.getUint32(i * 108 + 0x50, true);
        if (cvSize >= 24 && cvSize < 32768) await read(cvRva, cvSize);
      }
      w.modules = count;
    }
    const ipOff = arch === 0 ? 0xb8 : arch === 12 ? 0x108 : 0xf8;
    const tl = streams.get(3);
    if (tl) {
      const count = (await read(tl.rva, 4)).getUint32(0, true);
      const skip = tl.size === 8 + count * 48 ? 8 : 4;
      const t = await read(tl.rva + skip, count * 48);
      for (let i = 0; i < count; i++) {
        const rva = t.getUint32(i * 48 + 0x2c, true);
        if (rva) await read(rva, ipOff + 8);
      }
      w.threads = count;
    }
    const ex = streams.get(6);
    if (ex) {
      const e = await read(ex.rva, 168);
      w.code = e.getUint32(8, true);
      const rva = e.getUint32(0xa4, true);
      if (rva) await read(rva, ipOff + 8);
    }
    w.bytes = bytes;
    return w;
  } finally {
    await fh.close();
  }
}

function synthSmall(): Uint8Array {
  const stack = new Uint8Array(0x2000);
  return new SynthMinidump({ arch: 'x64', timestamp: 1_711_000_000 })
    .addSystemInfo({ major: 10, minor: 0, build: 19045, cpus: 8 })
    .addMiscInfo({ processId: 100 })
    .addModule({ name: 'C:\\app\\app.exe', base: 0x140000000n, size: 0x20000, timestamp: 0x60000000, pdb: { name: 'app.pdb', guid: '11111111-2222-3333-4444-555555555555' } })
    .addModule({ name: 'C:\\Windows\\System32\\ntdll.dll', base: 0x7ff800000000n, size: 0x1f0000, version: [10, 0, 19041, 1], pdb: { name: 'ntdll.pdb', guid: '1EB9FACB-04C7-3C5D-EA71-60764CD333D0' } })
    .addThread({ id: 1, context: { rip: 0x140001234n, rsp: 0x5000n }, stack: { start: 0x5000n, bytes: stack } })
    .addException({ threadId: 1, code: 0xc0000005, address: 0x140001234n, parameters: [0n, 0n] })
    .build();
}

function synthBig(): Uint8Array {
  const s = new SynthMinidump({ arch: 'x64', timestamp: 1_711_000_000 }).addSystemInfo({}).addMiscInfo({ processId: 1 });
  for (let i = 0; i < 2000; i++) {
    s.addModule({ name: `C:\\Program Files\\Big\\component${i}.dll`, base: 0x7ff000000000n + BigInt(i) * 0x100000n, size: 0x80000, version: [1, 0, i, 0], pdb: { name: `component${i}.pdb`, guid: '11111111-2222-3333-4444-555555555555', age: i } });
  }
  const stack = new Uint8Array(0x400);
  for (let i = 0; i < 500; i++) s.addThread({ id: 1000 + i, context: { rip: 0x7ff000001000n + BigInt(i), rsp: 0x100000n + BigInt(i) * 0x10000n }, stack: { start: 0x100000n + BigInt(i) * 0x10000n, bytes: stack } });
  return s.addException({ threadId: 1000, code: 0xc0000005, address: 0x7ff000001000n }).build();
}

/** A full-memory dump whose single Memory64List range is patched to run to 4 GiB (sparse file). */
async function writeSparseFull(path: string): Promise<number> {
  const bytes = new SynthMinidump({ arch: 'x64', flags: 0x2n }).addSystemInfo({}).addMiscInfo({ processId: 1 })
    .addModule({ name: 'C:\\app\\full.exe', base: 0x140000000n, size: 0x1000 })
    .addThread({ id: 1, context: { rip: 0x140000100n, rsp: 0x10000n }, stackInMemoryList: false })
    .addException({ threadId: 1, code: 0x80000003, address: 0x140000100n })
    .addMemory64(0x10000n, new Uint8Array(0x1000))
    .build();
  const dv = new DataView(bytes.buffer);
  const n = dv.getUint32(8, true);
  const size = 4 * 1024 ** 3;
  for (let i = 0; i < n; i++) {
    if (dv.getUint32(32 + i * 12, true) !== 9) continue;
    const rva = dv.getUint32(32 + i * 12 + 8, true);
    const base = Number(dv.getBigUint64(rva + 8, true));
    dv.setBigUint64(rva + 16 + 8, BigInt(size - base), true);
  }
  writeFileSync(path, bytes);
  await truncate(path, size);
  return size;
}

function runPair(title: string, files: string[]): Promise<void> {
  return new Promise((done) => {
    const suite = new Benchmark.Suite(title);
    const each = (fn: (p: string) => Promise<Work>) => (d: { resolve(): void }) => {
      Promise.all(files.map(fn)).then(() => d.resolve(), (e) => { console.error(e); d.resolve(); });
    };
    suite
      .add('dumptriage facts()', { defer: true, maxTime: MAX_TIME, fn: each(ours) })
      .add('DataView baseline', { defer: true, maxTime: MAX_TIME, fn: each(baseline) })
      .on('cycle', (ev: Benchmark.Event) => {
        const b = ev.target as Benchmark.Target & { hz: number; stats: { rme: number } };
        console.log(`  ${String(b.name).padEnd(20)} ${(b.hz * files.length).toFixed(0).padStart(8)} dumps/s  ±${b.stats.rme.toFixed(1)}%`);
      })
      .on('complete', function (this: Benchmark.Suite) {
        console.log(`  Fastest is ${this.filter('fastest').map('name')}`);
        done();
      })
      .run({ async: true });
  });
}

async function bytesTable(files: string[]): Promise<void> {
  let a = 0;
  let b = 0;
  for (const f of files) {
    const o = await ours(f);
    const x = await baseline(f);
    if (o.modules !== x.modules || o.threads !== x.threads || (o.code ?? -1) !== (x.code ?? -1)) {
      console.log(`  note: ${f.split('/').pop()}: ours ${o.modules}/${o.threads}/${o.code} vs baseline ${x.modules}/${x.threads}/${x.code} (modules/threads/code)`);
    }
    a += o.bytes;
    b += x.bytes;
  }
  console.log(`  bytes read per dump: dumptriage ${Math.round(a / files.length)}, baseline ${Math.round(b / files.length)} (${files.length} dumps)`);
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}`);
  if (corpus) {
    const pick = (dir: string) => readdirSync(join(corpus, dir)).map((f) => join(corpus, dir, f));
    const files = [...pick('user-windows'), ...pick('user-other')].filter((f) => /\.dmp$/.test(f) && !/microdump|r2-|rm-invalid-r/.test(f));
    console.log(`\ncorpus: ${files.length} minidumps (${corpus})`);
    await bytesTable(files);
    await runPair('corpus', files);
  } else {
    console.log('\n*** ../shared/corpus not found: corpus part SKIPPED ***');
  }
  const dir = mkdtempSync(join(tmpdir(), 'dt-mdmp-bench-'));
  try {
    const small = join(dir, 'small.dmp');
    writeFileSync(small, synthSmall());
    const big = join(dir, 'big-2000-modules.dmp');
    writeFileSync(big, synthBig());
    const sparse = join(dir, 'full-4GiB.dmp');
    const size = await writeSparseFull(sparse);
    for (const [label, f] of [['synthetic small crash', small], ['synthetic 2,000 modules / 500 threads', big], [`synthetic full-memory dump, ${size / 1024 ** 3} GiB sparse`, sparse]] as const) {
      console.log(`\n${label}`);
      await bytesTable([f]);
      await runPair(label, [f]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
