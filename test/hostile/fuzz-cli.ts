// `npm run fuzz -- --iterations N --seed S`: the fuzz campaign from the command line (compiled to
// dist/test/hostile/fuzz-cli.js). Exit code 0 when no input failed, 1 when some did (crashers
// are minimised and saved under --out), 2 on a usage error.

import { availableParallelism } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { formatSummary, runParallel, runRange, saveCrashers } from './fuzz/campaign.js';
import { donorMap, loadSeeds } from './fuzz/seeds.js';
import { DEFAULT_BUDGET_MS, DEFAULT_MEM_BUDGET, findProjectRoot, haveGc, runOne, type RunOptions } from './fuzz/run-one.js';

const USAGE = `usage: npm run fuzz -- [options]
  --iterations N   inputs to run (default 10000)
  --seed S         campaign seed (default 1)
  --start I        first input index (default 0): resume or reproduce a single input
  --budget-ms MS   per-input time budget (default ${DEFAULT_BUDGET_MS})
  --mem-mib MIB    per-input heap+ArrayBuffer growth budget (default ${DEFAULT_MEM_BUDGET / 1048576})
  --corpus DIR     real dumps to mutate (default ../shared/corpus beside the project)
  --out DIR        where minimised crashers go (default test/hostile/regressions)
  --jobs N         worker threads (default: all cores); 0 = in this thread, no hang watchdog
  --no-minimise    save crashers as found
  --no-schema      skip JSON Schema validation of reports
  --replay FILE    run one saved input (.bin or .bin.gz) and print its outcome
`;

async function main(): Promise<number> {
  let a;
  try {
    a = parseArgs({
      options: {
        iterations: { type: 'string', default: '10000' },
        seed: { type: 'string', default: '1' },
        start: { type: 'string', default: '0' },
        'budget-ms': { type: 'string', default: String(DEFAULT_BUDGET_MS) },
        'mem-mib': { type: 'string', default: String(DEFAULT_MEM_BUDGET / 1048576) },
        corpus: { type: 'string' },
        out: { type: 'string' },
        jobs: { type: 'string', default: String(availableParallelism()) },
        'no-minimise': { type: 'boolean', default: false },
        'no-schema': { type: 'boolean', default: false },
        replay: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (a.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const num = (name: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${v}`);
    return n;
  };
  let iterations: number, seed: number, start: number, budgetMs: number, memMib: number, jobs: number;
  try {
    iterations = num('iterations', a.iterations);
    seed = num('seed', a.seed);
    start = num('start', a.start);
    budgetMs = num('budget-ms', a['budget-ms']);
    memMib = num('mem-mib', a['mem-mib']);
    jobs = num('jobs', a.jobs);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const root = findProjectRoot();
  const run: RunOptions = { budgetMs, memBudget: memMib * 1048576, validateSchema: !a['no-schema'] };

  if (a.replay) {
    const raw = readFileSync(a.replay);
    const bytes = new Uint8Array(a.replay.endsWith('.gz') ? gunzipSync(raw) : raw);
    const o = await runOne(bytes, run);
    process.stdout.write(`${JSON.stringify(o, null, 2)}\n`);
    return o.status === 'failure' ? 1 : 0;
  }

  const corpusDir = resolve(a.corpus ?? process.env.DUMPTRIAGE_CORPUS ?? join(root, '..', 'shared', 'corpus'));
  const haveCorpus = existsSync(corpusDir);
  if (!haveCorpus) process.stderr.write(`fuzz: corpus ${corpusDir} not found: synthetic seeds only\n`);
  const outDir = resolve(a.out ?? join(root, 'test', 'hostile', 'regressions'));
  const seeds = await loadSeeds(haveCorpus ? corpusDir : undefined);
  const donors = donorMap(seeds);
  process.stderr.write(`fuzz: ${seeds.length} seeds (${seeds.filter((s) => s.name.startsWith('corpus:')).length} from the corpus), ${jobs || 'in-thread'} job(s), gc ${haveGc ? 'exposed' : 'not exposed'}\n`);

  let lastPrint = 0;
  const reported = new Set<string>();
  const stats = jobs === 0
    ? await runRange(seed, start, start + iterations, seeds, donors, run)
    : await runParallel({
        seed, start, iterations, jobs, corpusDir: haveCorpus ? corpusDir : undefined, run,
        workerUrl: new URL('./fuzz/worker.js', import.meta.url),
        onProgress: (done, s) => {
          for (const f of s.failures) {
            if (reported.has(f.signature)) continue;
            reported.add(f.signature);
            process.stderr.write(`fuzz: NEW FAILURE ${f.signature} at input ${f.index} (${f.seed}): ${f.message}\n${f.stack ?? ''}\n`);
          }
          const now = Date.now();
          if (now - lastPrint < 10_000 && done < iterations) return;
          lastPrint = now;
          process.stderr.write(`fuzz: ${done}/${iterations} inputs, ${s.failure} failures, errors ${s.error}, partial ${s.partial}, ok ${s.ok}, worst ${s.worstMs.ms.toFixed(0)} ms / ${(s.worstMem.bytes / 1048576).toFixed(1)} MiB\n`);
        },
      });
  process.stdout.write(`${formatSummary(stats, seed, start)}\n`);
  if (stats.failures.length > 0) {
    const saved = await saveCrashers(outDir, seed, stats.failures, seeds, donors, run, (l) => process.stderr.write(`${l}\n`), !a['no-minimise']);
    process.stdout.write(`  crashers saved: ${saved.join(', ')}\n`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
