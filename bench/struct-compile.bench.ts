// How long V8's optimizing compiler spends on each struct decoder once it is hot (issue 19):
// every struct of native-structs is decoded 20,000 times in a child process run with
// --trace-opt, and the longest "completed/aborted optimizing ... took A, B, C ms" line (B: the
// background compile) is that struct's cost. binary-parser's generated function for
// KDDEBUGGER_DATA64 (168 fields) took 38-42 s here, and a kernel-dump scan's process waited for it
// at exit; wide scalar structs are now read by a DataView field plan (src/reader/struct-codec.ts).
// Goal: no decoder over 100 ms. Exit status 1 when one is. Run: `npx tsc -p . && node
// dist/bench/struct-compile.bench.js` (BENCH_STRUCTS=KDDEBUGGER to run some).

import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { StructDef } from '../native-structs/define.js';
import { decodeStruct, decodedByPlan } from '../src/reader/struct-codec.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const structsDir = resolve(here, '..', 'native-structs');
const GOAL_MS = 100;
const ROUNDS = 20_000;

async function allStructs(): Promise<Map<string, StructDef>> {
  const files = (d: string): string[] => readdirSync(d).flatMap((f) => {
    const p = join(d, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.js') ? [p] : [];
  });
  const out = new Map<string, StructDef>();
  for (const f of files(structsDir)) {
    const m = (await import(pathToFileURL(f).href)) as Record<string, unknown>;
    for (const v of Object.values(m)) {
      const d = v as StructDef;
      if (d && typeof d === 'object' && Array.isArray(d.fields) && typeof d.size === 'number' && !out.has(d.name)) out.set(d.name, d);
    }
  }
  return out;
}

async function child(name: string): Promise<void> {
  const def = (await allStructs()).get(name)!;
  const bytes = new Uint8Array(def.size);
  let sink = 0;
  for (let i = 0; i < ROUNDS; i++) {
    bytes[i % bytes.length] = i & 0xff;
    sink += Object.keys(decodeStruct<Record<string, unknown>>(def, bytes)).length;
  }
  if (sink < 0) console.log(sink);
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv[3]!);
  const only = process.env.BENCH_STRUCTS?.split(',');
  const rows: Array<{ name: string; fields: number; plan: boolean; worst: number; exitMs: number }> = [];
  for (const [name, def] of await allStructs()) {
    if (only && !only.some((o) => name.includes(o))) continue;
    const t = performance.now();
    const r = spawnSync(process.execPath, ['--trace-opt', fileURLToPath(import.meta.url), '--child', name], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
    const exitMs = performance.now() - t;
    let worst = 0;
    for (const m of r.stdout.matchAll(/(?:completed|aborted) (?:optimizing|compiling)[^\n]*took ([\d.]+), ([\d.]+), ([\d.]+) ms/g)) worst = Math.max(worst, Number(m[2]));
    rows.push({ name, fields: def.fields.length, plan: decodedByPlan(def), worst, exitMs });
  }
  rows.sort((a, b) => b.worst - a.worst);
  console.log('| struct | fields | decoder | longest optimizing compile | child process |\n|---|---|---|---|---|');
  for (const r of rows.slice(0, 12)) console.log(`| ${r.name} | ${r.fields} | ${r.plan ? 'field plan' : 'binary-parser'} | ${r.worst.toFixed(1)} ms | ${(r.exitMs / 1000).toFixed(2)} s |`);
  const over = rows.filter((r) => r.worst > GOAL_MS);
  console.log(`\n${rows.length} structs; ${over.length ? `NOT met: ${over.map((r) => `${r.name} ${r.worst.toFixed(0)} ms`).join(', ')}` : `goal met: every decoder under ${GOAL_MS} ms`}`);
  process.exitCode = over.length ? 1 : 0;
}

await main();
