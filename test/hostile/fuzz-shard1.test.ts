// CI fuzz campaign, shard 1 of 2 (shard 0: fuzz.test.ts). See fuzz/ci.ts.
import { describe, expect, it } from 'vitest';
import { runShard } from './fuzz/ci.js';

describe('fuzz campaign (CI, fixed seed)', () => {
  it('shard 1: every mutated input gives a result or a typed error, within budget', async () => {
    const { stats, summary } = await runShard(1);
    console.log(summary);
    expect(stats.failures.map((f) => `${f.signature} (input ${f.index}, ${f.seed}): ${f.message}`)).toEqual([]);
    // The campaign really ran: inputs, and both outcomes (results and typed errors) occurred.
    expect(stats.inputs).toBeGreaterThan(0);
    expect(stats.error).toBeGreaterThan(0);
    expect(stats.ok + stats.partial).toBeGreaterThan(0);
  }, 900_000);
});
