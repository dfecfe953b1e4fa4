// A fuzz campaign: inputs [start, start + iterations) of a seed, run in-process (vitest) or on
// worker threads (the CLI, compiled). Worker threads give a real watchdog: a worker whose
// heartbeat stops for `hangMs` is terminated, the input is recorded as a hang, and a new worker
// resumes after it. A worker that dies (out of memory) is recorded the same way.

import { createHash } from 'node:crypto';
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Worker } from 'node:worker_threads';
import { buildInput, generateCase, type Mutation, type Seed } from './mutate.js';
import { DEFAULT_BUDGET_MS, DEFAULT_MEM_BUDGET, runOne, type Outcome, type RunOptions } from './run-one.js';
import { minimise } from './minimise.js';
import { sparseSize } from './shapes.js';

export interface FailureRecord {
  index: number;
  seed: string;
  mutations: Mutation[];
  kind: string;
  phase: string;
  signature: string;
  message: string;
  stack?: string;
  /** How many inputs failed with this signature. */
  count: number;
  /** The first inputs that failed with it (at most MAX_INDICES): re-run them one by one. */
  indices?: number[];
}

const MAX_INDICES = 200;

export interface Stats {
  inputs: number;
  ok: number;
  partial: number;
  error: number;
  failure: number;
  errorCodes: Record<string, number>;
  warningCodes: Record<string, number>;
  worstMs: { ms: number; index: number };
  worstMem: { bytes: number; index: number };
  /** Inputs by time: < 10 ms, < 100 ms, < 500 ms, < 1 s, >= 1 s. */
  timeHistogram: number[];
  /** Inputs by generator (classic, max-list, shared, strings, sparse). */
  strategies: Record<string, number>;
  /** Biggest input run (bytes in memory, or the sparse file's size). */
  biggest: number;
  failures: FailureRecord[];
  elapsedMs: number;
}

export function emptyStats(): Stats {
  return {
    inputs: 0, ok: 0, partial: 0, error: 0, failure: 0, errorCodes: {}, warningCodes: {},
    worstMs: { ms: 0, index: -1 }, worstMem: { bytes: 0, index: -1 }, timeHistogram: [0, 0, 0, 0, 0], strategies: {}, biggest: 0, failures: [], elapsedMs: 0,
  };
}

function bump(map: Record<string, number>, key: string, n = 1): void {
  map[key] = (map[key] ?? 0) + n;
}

function addFailure(s: Stats, f: Omit<FailureRecord, 'count'>, count = 1): void {
  const known = s.failures.find((x) => x.signature === f.signature);
  const indices = f.indices ?? [f.index];
  if (known) {
    known.count += count;
    known.indices = [...new Set([...(known.indices ?? [known.index]), ...indices])].sort((a, b) => a - b).slice(0, MAX_INDICES);
    if (f.index < known.index) Object.assign(known, { ...f, count: known.count, indices: known.indices });
  } else s.failures.push({ ...f, count, indices: indices.slice(0, MAX_INDICES) });
}

export const TIME_BUCKETS = [10, 100, 500, 1000, Infinity];

export function record(s: Stats, index: number, seed: string, mutations: Mutation[], o: Outcome, strategy = 'classic', size = 0): void {
  s.inputs++;
  bump(s.strategies, strategy);
  if (size > s.biggest) s.biggest = size;
  s[o.status]++;
  if (o.code) bump(s.errorCodes, o.code);
  for (const w of o.warnings ?? []) bump(s.warningCodes, w);
  if (o.ms > s.worstMs.ms) s.worstMs = { ms: o.ms, index };
  s.timeHistogram[TIME_BUCKETS.findIndex((limit) => o.ms < limit)]!++;
  if (o.memBytes > s.worstMem.bytes) s.worstMem = { bytes: o.memBytes, index };
  if (o.failure) addFailure(s, { index, seed, mutations, ...o.failure });
}

export function mergeStats(into: Stats, from: Stats): void {
  into.inputs += from.inputs;
  into.ok += from.ok;
  into.partial += from.partial;
  into.error += from.error;
  into.failure += from.failure;
  for (const [k, v] of Object.entries(from.errorCodes)) bump(into.errorCodes, k, v);
  for (const [k, v] of Object.entries(from.warningCodes)) bump(into.warningCodes, k, v);
  for (const [k, v] of Object.entries(from.strategies ?? {})) bump(into.strategies, k, v);
  if ((from.biggest ?? 0) > into.biggest) into.biggest = from.biggest;
  from.timeHistogram.forEach((n, i) => (into.timeHistogram[i]! += n));
  if (from.worstMs.ms > into.worstMs.ms) into.worstMs = from.worstMs;
  if (from.worstMem.bytes > into.worstMem.bytes) into.worstMem = from.worstMem;
  for (const f of from.failures) addFailure(into, f, f.count);
}

/** Run inputs [from, to) in this thread. `beat` is told the index before each input. */
export async function runRange(
  seed: number,
  from: number,
  to: number,
  seeds: readonly Seed[],
  donors: ReadonlyMap<string, Uint8Array>,
  opts: RunOptions,
  beat?: (index: number) => void,
): Promise<Stats> {
  const s = emptyStats();
  const t0 = performance.now();
  for (let i = from; i < to; i++) {
    beat?.(i);
    const c = generateCase(seed, i, seeds);
    const bytes = buildInput(c, seeds, donors);
    const sparse = sparseSize(c.mutations, bytes.length);
    const size = sparse ?? bytes.length;
    const o = sparse === undefined ? await runOne(bytes, inputOptions(opts, c.strategy)) : await runSparse(bytes, sparse, inputOptions(opts, c.strategy));
    record(s, i, c.seed, c.mutations, o, c.strategy, size);
  }
  s.elapsedMs = performance.now() - t0;
  return s;
}

/**
 * The memory budget of one input. An input at a count limit (max-list, sparse) is legal; the
 * round-two goal for such an input is every default path under 1 s and 256 MiB for the whole
 * process (docs/hostile.md), so its growth budget is 192 MiB (Node itself is ~60 MiB). Other
 * inputs keep the 64 MiB budget. Its time budget is doubled: one fuzz input runs triage, the
 * renderers and `dump` (two CLI commands' work), and the goal is 1 s for each.
 */
export function inputOptions(opts: RunOptions, strategy: string): RunOptions {
  if (strategy !== 'max-list' && strategy !== 'sparse') return opts;
  return {
    ...opts,
    memBudget: Math.max(opts.memBudget ?? DEFAULT_MEM_BUDGET, LIMIT_INPUT_MEM_BUDGET),
    budgetMs: Math.max(opts.budgetMs ?? DEFAULT_BUDGET_MS, 2 * DEFAULT_BUDGET_MS),
  };
}
export const LIMIT_INPUT_MEM_BUDGET = 192 * 1024 * 1024;

/** Write `head` to a temp file, extend it (sparse) to `size` bytes, run it through openDump, delete it. */
export async function runSparse(head: Uint8Array, size: number, opts: RunOptions): Promise<Outcome> {
  // A folder per input, removed after it (worker threads are terminated: no exit hook runs there).
  const dir = mkdtempSync(join(tmpdir(), 'dumptriage-fuzz-sparse-'));
  const file = join(dir, 'input.dmp');
  try {
    const fd = openSync(file, 'w');
    try {
      writeSync(fd, head);
      ftruncateSync(fd, size);
    } finally {
      closeSync(fd);
    }
    return await runOne(head, { ...opts, path: file });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ worker threads

export interface ParallelOptions {
  seed: number;
  start: number;
  iterations: number;
  jobs: number;
  corpusDir: string | undefined;
  run: RunOptions;
  /** Inputs per work unit handed to a worker. */
  chunk?: number;
  /** Called about every few seconds. */
  onProgress?: (done: number, stats: Stats) => void;
  /** Worker script (compiled worker.js). */
  workerUrl: URL;
}

export interface WorkerInit {
  corpusDir: string | undefined;
  seed: number;
  run: RunOptions;
  cell: SharedArrayBuffer;
}

export async function runParallel(o: ParallelOptions): Promise<Stats> {
  const total = emptyStats();
  const t0 = performance.now();
  const chunk = o.chunk ?? 250;
  const queue: Array<[number, number]> = [];
  for (let i = o.start; i < o.start + o.iterations; i += chunk) queue.push([i, Math.min(o.start + o.iterations, i + chunk)]);
  const hangMs = o.run.hangMs ?? Math.max(5 * (o.run.budgetMs ?? 1000), 5000);
  let done = 0;

  const lane = async (): Promise<void> => {
    // One worker at a time in this lane; replaced when it hangs or dies.
    let pending: [number, number] | undefined = queue.shift();
    while (pending) {
      const cell = new SharedArrayBuffer(8);
      const view = new Int32Array(cell);
      Atomics.store(view, 0, -1);
      const init: WorkerInit = { corpusDir: o.corpusDir, seed: o.seed, run: o.run, cell };
      const worker = new Worker(o.workerUrl, { workerData: init, resourceLimits: { maxOldGenerationSizeMb: 1024 } });
      const result = await new Promise<{ kind: 'idle' } | { kind: 'dead'; index: number; why: string; hang: boolean }>((resolve) => {
        let last = -2;
        let lastChange = Date.now();
        let finished = false;
        const finish = (r: { kind: 'idle' } | { kind: 'dead'; index: number; why: string; hang: boolean }): void => {
          if (finished) return;
          finished = true;
          clearInterval(watch);
          resolve(r);
        };
        const watch = setInterval(() => {
          const i = Atomics.load(view, 0);
          const beats = Atomics.load(view, 1);
          if (i !== last || beats !== 0) {
            last = i;
            Atomics.store(view, 1, 0);
            lastChange = Date.now();
          } else if (Date.now() - lastChange > hangMs && i >= 0) {
            void worker.terminate();
            finish({ kind: 'dead', index: i, why: `no progress for ${hangMs} ms (synchronous loop?)`, hang: true });
          }
        }, 250);
        worker.on('message', (m: { type: 'ready' } | { type: 'done'; stats: Stats }) => {
          if (m.type === 'done') {
            mergeStats(total, m.stats);
            done += m.stats.inputs;
            o.onProgress?.(done, total);
            pending = queue.shift();
          }
          if (pending) worker.postMessage({ from: pending[0], to: pending[1] });
          else {
            void worker.terminate();
            finish({ kind: 'idle' });
          }
        });
        worker.on('error', (e) => finish({ kind: 'dead', index: Atomics.load(view, 0), why: `worker died: ${e.message}`, hang: false }));
        worker.on('exit', (code) => finish({ kind: 'dead', index: Atomics.load(view, 0), why: `worker exited with code ${code}`, hang: false }));
      });
      if (result.kind === 'idle') return;
      // Record the input that killed the worker, then resume right after it.
      const i = result.index;
      if (i >= 0 && pending) {
        const s = emptyStats();
        s.inputs = 1;
        s.failure = 1;
        addFailure(s, { index: i, seed: '?', mutations: [], kind: result.hang ? 'hang' : 'crash', phase: 'any', signature: result.hang ? 'hang' : 'crash', message: result.why });
        mergeStats(total, s);
        done += i - pending[0] + 1;
        pending = i + 1 < pending[1] ? [i + 1, pending[1]] : queue.shift();
      } else {
        pending = queue.shift();
      }
    }
  };

  await Promise.all(Array.from({ length: Math.max(1, o.jobs) }, () => lane()));
  total.elapsedMs = performance.now() - t0;
  return total;
}

// ------------------------------------------------------------------ crashers

export interface RegressionCase {
  /** Campaign seed and input index that found it: `npm run fuzz -- --seed S --start I --iterations 1`. */
  seed: number;
  index: number;
  /** The corpus or synthetic file it was mutated from. */
  baseSeed: string;
  /** Minimised mutation list (informative: the saved bytes are what the test replays). */
  mutations: Mutation[];
  failure: { kind: string; phase: string; signature: string; message: string };
  /** Which generator made it (shapes.ts). */
  strategy?: string;
  /** A sparse input: the saved bytes are its head, run from a file of this many bytes. */
  sparseSize?: number;
  /** What the fixed code must do: never fail; optionally a specific outcome. */
  expected: { status: 'no-failure' | 'ok' | 'partial' | 'error'; code?: string };
  file: string;
  size: number;
  sha256: string;
  found: string;
}

/** Minimise each distinct failure and save it under `outDir` as <name>.json + <name>.bin[.gz]. */
export async function saveCrashers(
  outDir: string,
  campaignSeed: number,
  failures: readonly FailureRecord[],
  seeds: readonly Seed[],
  donors: ReadonlyMap<string, Uint8Array>,
  run: RunOptions,
  log: (line: string) => void,
  doMinimise = true,
): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const saved: string[] = [];
  for (const f of failures) {
    const c = generateCase(campaignSeed, f.index, seeds);
    const base = seeds.find((s) => s.name === c.seed)!.bytes;
    let bytes = buildInput(c, seeds, donors);
    let mutations = c.mutations;
    const sparse = sparseSize(c.mutations, bytes.length);
    if (doMinimise && f.kind !== 'hang' && f.kind !== 'crash' && sparse === undefined) {
      const m = await minimise(base, c.mutations, donors, f.signature, { ...inputOptions(run, c.strategy), maxRuns: f.kind === 'slow' || f.kind === 'memory' ? 60 : 1500 });
      log(`  minimised ${f.signature}: ${c.mutations.length} → ${m.mutations.length} mutations, ${bytes.length} → ${m.bytes.length} bytes (${m.runs} runs)`);
      bytes = m.bytes;
      mutations = m.mutations;
    }
    const sha = createHash('sha256').update(bytes).digest('hex');
    const name = `${f.kind}-${sha.slice(0, 12)}`;
    const gz = bytes.length > 4096;
    const file = `${name}.bin${gz ? '.gz' : ''}`;
    writeFileSync(join(outDir, file), gz ? gzipSync(bytes, { level: 9 }) : bytes);
    const rc: RegressionCase = {
      seed: campaignSeed,
      index: f.index,
      baseSeed: c.seed,
      strategy: c.strategy,
      ...(sparse !== undefined ? { sparseSize: sparse } : {}),
      mutations,
      failure: { kind: f.kind, phase: f.phase, signature: f.signature, message: f.message },
      expected: { status: 'no-failure' },
      file,
      size: bytes.length,
      sha256: sha,
      found: new Date().toISOString().slice(0, 10),
    };
    writeFileSync(join(outDir, `${name}.json`), `${JSON.stringify(rc, null, 2)}\n`);
    saved.push(join(outDir, `${name}.json`));
  }
  return saved;
}

// ------------------------------------------------------------------ summary

const mib = (b: number): string => `${(b / 1048576).toFixed(2)} MiB`;

export function formatSummary(s: Stats, seed: number, start: number): string {
  const lines: string[] = [];
  const rate = s.elapsedMs > 0 ? Math.round((s.inputs / s.elapsedMs) * 1000) : 0;
  lines.push(`fuzz: seed ${seed}, inputs ${start}..${start + s.inputs - 1}: ${s.inputs} inputs in ${(s.elapsedMs / 1000).toFixed(1)} s (${rate}/s)`);
  lines.push(`  results: ok ${s.ok}, partial ${s.partial} (with warnings), typed errors ${s.error}, FAILURES ${s.failure}`);
  const codes = Object.entries(s.errorCodes).sort((a, b) => b[1] - a[1]);
  lines.push(`  typed errors by code: ${codes.map(([k, v]) => `${k} ${v}`).join(', ') || '-'}`);
  const warns = Object.entries(s.warningCodes).sort((a, b) => b[1] - a[1]).slice(0, 12);
  lines.push(`  warnings by code (top): ${warns.map(([k, v]) => `${k} ${v}`).join(', ') || '-'}`);
  const h = s.timeHistogram;
  const strat = Object.entries(s.strategies).sort((a, b) => b[1] - a[1]);
  lines.push(`  inputs by strategy: ${strat.map(([k, v]) => `${k} ${v}`).join(', ') || '-'}; biggest input ${mib(s.biggest)}`);
  lines.push(`  time per input: <10 ms ${h[0]}, 10-100 ms ${h[1]}, 100-500 ms ${h[2]}, 0.5-1 s ${h[3]}, >=1 s ${h[4]}`);
  lines.push(`  worst time: ${s.worstMs.ms.toFixed(1)} ms (input ${s.worstMs.index}); worst memory: ${mib(s.worstMem.bytes)} (input ${s.worstMem.index})`);
  for (const f of s.failures) {
    lines.push(`  FAILURE ${f.signature} ×${f.count}: first input ${f.index} (${f.seed}): ${f.message}`);
    if (f.indices && f.indices.length > 1) lines.push(`    inputs: ${f.indices.join(' ')}${f.count > f.indices.length ? ' ...' : ''}`);
  }
  return lines.join('\n');
}
