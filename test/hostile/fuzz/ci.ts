// The CI campaign, shared by the two shard test files (vitest runs test files in parallel, one
// per core, so two shards use both cores of a CI runner). Fixed seed; the total number of inputs
// comes from DUMPTRIAGE_FUZZ_ITERATIONS (default below). 12,000 since the shaped inputs of
// shapes.ts (a max-list input costs 0.1-1 s): per shard about 30 max-list, 6-12 sparse, 125-140
// shared and 125-140 strings inputs, the same time as the 16,000 classic inputs before.
//
// Timing is not asserted here (house rule: speed belongs in bench/): the per-input budget in
// tests is a 5 s hang guard, and the 1 s budget is enforced by `npm run fuzz`.

import { CORPUS, HAVE_CORPUS, corpusOrSkipMessage } from '../../helpers/corpus.js';
import { formatSummary, runRange, type Stats } from './campaign.js';
import { donorMap, loadSeeds } from './seeds.js';

export const CI_SEED = 20240607;
export const CI_SHARDS = 2;
export const CI_DEFAULT_ITERATIONS = 12_000;

export function ciIterations(): number {
  const env = process.env.DUMPTRIAGE_FUZZ_ITERATIONS;
  const n = env === undefined ? CI_DEFAULT_ITERATIONS : Number(env);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`DUMPTRIAGE_FUZZ_ITERATIONS must be a non-negative integer, got ${env}`);
  return n;
}

export async function runShard(shard: number): Promise<{ stats: Stats; summary: string; from: number }> {
  corpusOrSkipMessage();
  const total = ciIterations();
  const per = Math.ceil(total / CI_SHARDS);
  const from = shard * per;
  const to = Math.min(total, from + per);
  const seeds = await loadSeeds(HAVE_CORPUS ? CORPUS : undefined);
  const stats = await runRange(CI_SEED, from, to, seeds, donorMap(seeds), { budgetMs: 5000, hangMs: 20_000 });
  let summary = formatSummary(stats, CI_SEED, from);
  if (stats.failures.length > 0) {
    summary += `\n  reproduce and save minimised crashers: npm run fuzz -- --seed ${CI_SEED} --start <input> --iterations 1`;
  }
  return { stats, summary, from };
}
