// The body of a CI fuzz shard test (fuzz.test.ts is shard 0, fuzz-shard1.test.ts shard 1: two
// files so that vitest runs them on both cores).
import { describe, expect, it } from 'vitest';
import { CI_DEFAULT_ITERATIONS, ciIterations, runShard } from './ci.js';

export function defineShardTest(shard: number): void {
  describe('fuzz campaign (CI, fixed seed)', () => {
    it(`shard ${shard}: every mutated input gives a result or a typed error, within budget`, async () => {
      const { stats, summary } = await runShard(shard);
      console.log(summary);
      expect(stats.failures.map((f) => `${f.signature} (input ${f.index}, ${f.seed}): ${f.message}`)).toEqual([]);
      // The campaign really ran: inputs, and both outcomes (results and typed errors) occurred.
      expect(stats.inputs).toBeGreaterThan(0);
      expect(stats.error).toBeGreaterThan(0);
      expect(stats.ok + stats.partial).toBeGreaterThan(0);
      // Every generator of shapes.ts met the code a few times (the default sample: 12-30 shaped
      // inputs of each kind per shard; a smaller DUMPTRIAGE_FUZZ_ITERATIONS may miss the rarest).
      if (ciIterations() >= CI_DEFAULT_ITERATIONS) {
        for (const s of ['max-list', 'shared', 'strings', 'sparse']) expect(stats.strategies[s] ?? 0, s).toBeGreaterThanOrEqual(5);
      }
    }, 900_000);
  });
}
