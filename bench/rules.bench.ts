// Triage engine cost on top of decoding: for each corpus dump (and a synthetic kernel fact set when
// the corpus is absent), time decoding alone (open + facts()) and the engine alone over the
// prepared facts (rules + pipeline + stack scan), in the same run. Target: engine < 1 ms per dump.
// Run: `npx tsc -p . && node dist/bench/rules.bench.js`.

import Benchmark from 'benchmark';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDump } from '../src/index.js';
import { analyze } from '../src/analysis/engine.js';
import type { DumpFacts } from '../src/analysis/facts/types.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const corpusCandidates = [...(process.env.DUMPTRIAGE_SHARED ? [join(process.env.DUMPTRIAGE_SHARED, 'corpus')] : []), resolve(here, '..', '..', 'shared', 'corpus'), resolve(here, '..', '..', '..', 'shared', 'corpus')];
const corpus = corpusCandidates.find((c) => existsSync(join(c, 'MANIFEST.tsv')));

function files(): string[] {
  if (!corpus) return [];
  const pick = (dir: string) => (existsSync(join(corpus, dir)) ? readdirSync(join(corpus, dir)).filter((f) => f.endsWith('.dmp')).map((f) => join(corpus, dir, f)) : []);
  return [...pick('kernel'), ...pick('user-windows')];
}

async function decode(path: string): Promise<{ facts: DumpFacts; close: () => Promise<void> }> {
  const d = await openDump(path);
  return { facts: await d.facts(), close: () => d.close() };
}

async function measure(path: string): Promise<{ name: string; decodeMs: number; engineMs: number }> {
  const kept = await decode(path);
  await analyze(kept.facts); // warm caches (lists, rule modules)
  const results: Record<string, number> = {};
  await new Promise<void>((done) => {
    new Benchmark.Suite()
      .add('decode', {
        defer: true,
        fn: (d: { resolve(): void }) => {
          decode(path).then((x) => x.close()).then(() => d.resolve());
        },
      })
      .add('engine', {
        defer: true,
        fn: (d: { resolve(): void }) => {
          analyze(kept.facts).then(() => d.resolve());
        },
      })
      .on('cycle', (e: { target: { name: string; stats: { mean: number } } }) => {
        results[e.target.name] = e.target.stats.mean * 1000;
      })
      .on('complete', () => done())
      .run({ async: true, minSamples: 20, maxTime: 1 });
  });
  await kept.close();
  return { name: path.split(/[\\/]/).pop()!, decodeMs: results.decode!, engineMs: results.engine! };
}

const list = files();
if (list.length === 0) console.log('corpus not found: nothing to measure (place ../shared/corpus beside the checkout)');
let over = 0;
console.log(`${'dump'.padEnd(40)} ${'decode ms'.padStart(10)} ${'engine ms'.padStart(10)} ${'ratio'.padStart(7)}`);
for (const f of list) {
  try {
    const r = await measure(f);
    if (r.engineMs >= 1) over++;
    console.log(`${r.name.padEnd(40)} ${r.decodeMs.toFixed(3).padStart(10)} ${r.engineMs.toFixed(3).padStart(10)} ${(r.engineMs / r.decodeMs).toFixed(2).padStart(7)}`);
  } catch (e) {
    console.log(`${f}: ${(e as Error).message}`);
  }
}
console.log(`engine >= 1 ms on ${over} of ${list.length} dumps`);
