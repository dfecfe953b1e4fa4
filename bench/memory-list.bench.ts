// Memory range tables (issue 18 finding 1, issue 19 goal): a whole triage of a minidump whose
// MemoryList holds 10^4, 10^5 and 10^6 ranges (test/synth/many-ranges.ts: distinct pages, one
// shared data block, the stack pointer in the first range so the walk reads the map), against a
// hand-written floor in the same run: copy the table out and find the last range's address by a
// linear DataView pass (what any reader of the whole table must at least do).
// Goal: under 20 ms per 10^5 ranges, linear. Run: `npx tsc -p . && node --expose-gc dist/bench/memory-list.bench.js`.

import Benchmark from 'benchmark';
import { openDumpFromBytes, triage } from '../src/core.js';
import { manyRangesMinidump, RANGES_BASE } from '../test/synth/many-ranges.js';

const MAX_TIME = Number(process.env.BENCH_MAX_TIME ?? 2);

async function ours(bytes: Uint8Array): Promise<void> {
  const d = await openDumpFromBytes(bytes, 'ranges.dmp');
  try {
    const r = await triage(d);
    if (r.threads[0]?.frames?.[0]?.sp !== '0x10000100') throw new Error('the stack walk did not read the map');
  } finally {
    await d.close();
  }
}

/** The floor: the table copied once, the last range's address found by one pass over it. */
function floor(bytes: Uint8Array): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dirRva = dv.getUint32(12, true);
  const streams = dv.getUint32(8, true);
  let rva = 0;
  for (let i = 0; i < streams; i++) if (dv.getUint32(dirRva + i * 12, true) === 5) rva = dv.getUint32(dirRva + i * 12 + 8, true);
  const copy = bytes.slice(rva, rva + 4 + dv.getUint32(rva, true) * 16);
  const t = new DataView(copy.buffer);
  const n = t.getUint32(0, true);
  const sp = RANGES_BASE + BigInt(n - 1) * 0x2000n;
  for (let i = 0; i < n; i++) {
    const start = t.getBigUint64(4 + i * 16, true);
    if (sp >= start && sp < start + BigInt(t.getUint32(12 + i * 16, true))) return;
  }
  throw new Error('no range');
}

function run(n: number, bytes: Uint8Array): Promise<{ ours: number; floor: number }> {
  return new Promise((done) => {
    const ms: Record<string, number> = {};
    new Benchmark.Suite(`${n} ranges`)
      .add('dumptriage triage', {
        defer: true,
        maxTime: MAX_TIME,
        fn: (d: { resolve(): void }) => void ours(bytes).then(() => d.resolve(), (e) => { console.error(e); d.resolve(); }),
      })
      .add('DataView floor', { maxTime: MAX_TIME, fn: () => floor(bytes) })
      .on('cycle', (ev: Benchmark.Event) => {
        const b = ev.target as Benchmark.Target & { hz: number; stats: { rme: number } };
        ms[String(b.name)] = 1000 / b.hz;
        console.log(`  ${String(b.name).padEnd(20)} ${(1000 / b.hz).toFixed(2).padStart(9)} ms  ±${b.stats.rme.toFixed(1)}%  (${((1000 / b.hz) * (100_000 / n)).toFixed(2)} ms per 10^5 ranges)`);
      })
      .on('complete', () => done({ ours: ms['dumptriage triage']!, floor: ms['DataView floor']! }))
      .run({ async: true });
  });
}

const rows: string[] = [];
for (const n of [10_000, 100_000, 1_000_000]) {
  console.log(`\n${n.toLocaleString('en-US')} MemoryList ranges (${((4 + n * 16) / 1e6).toFixed(1)} MB table)`);
  const r = await run(n, manyRangesMinidump(n));
  const per = r.ours * (100_000 / n);
  rows.push(`| ${n.toLocaleString('en-US')} | ${r.ours.toFixed(2)} ms | ${per.toFixed(2)} ms | ${r.floor.toFixed(2)} ms | ${(r.ours / r.floor).toFixed(2)}x | ${per <= 20 ? 'met' : 'NOT met'} |`);
}
console.log('\n| ranges | triage | per 10^5 ranges | DataView floor | ratio | goal (<= 20 ms per 10^5) |\n|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
