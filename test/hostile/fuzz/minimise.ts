// Delta debugging for crashers: first over the mutation list (ddmin, Zeller & Hildebrandt), then
// over the bytes (shortest failing prefix, then zeroing chunks so the saved file compresses).
// The predicate is "same failure signature", so a minimised input fails the same way.

import { applyMutations, type Mutation } from './mutate.js';
import { runOne, type Outcome, type RunOptions } from './run-one.js';

export interface MinimiseResult {
  mutations: Mutation[];
  bytes: Uint8Array;
  outcome: Outcome;
  runs: number;
}

export async function minimise(
  base: Uint8Array,
  mutations: readonly Mutation[],
  donors: ReadonlyMap<string, Uint8Array>,
  signature: string,
  opts: RunOptions & { maxRuns?: number } = {},
): Promise<MinimiseResult> {
  const maxRuns = opts.maxRuns ?? 1500;
  let runs = 0;
  let lastFail: Outcome | undefined;
  const fails = async (bytes: Uint8Array): Promise<boolean> => {
    if (runs >= maxRuns) return false;
    runs++;
    const o = await runOne(bytes, opts);
    const same = o.failure?.signature === signature;
    if (same) lastFail = o;
    return same;
  };

  // 1. ddmin over the mutation list.
  let muts = [...mutations];
  let n = 2;
  while (muts.length >= 2 && runs < maxRuns) {
    const chunk = Math.ceil(muts.length / n);
    let reduced = false;
    for (let i = 0; i < muts.length; i += chunk) {
      const complement = [...muts.slice(0, i), ...muts.slice(i + chunk)];
      if (complement.length > 0 && (await fails(applyMutations(base, complement, donors)))) {
        muts = complement;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (n >= muts.length) break;
      n = Math.min(muts.length, n * 2);
    }
  }
  let bytes = applyMutations(base, muts, donors);
  if (!(await fails(bytes))) {
    // Flaky (timing) failure: keep the original input.
    bytes = applyMutations(base, mutations, donors);
    muts = [...mutations];
  }

  // 2. Shortest failing prefix (coarse to fine).
  for (let step = 1 << Math.floor(Math.log2(Math.max(1, bytes.length))); step >= 1 && runs < maxRuns; step >>= 1) {
    while (bytes.length > step && (await fails(bytes.subarray(0, bytes.length - step)))) {
      bytes = bytes.subarray(0, bytes.length - step);
    }
  }
  bytes = new Uint8Array(bytes);

  // 3. Zero whatever chunks are not needed (keeps offsets; the file then compresses well).
  for (let size = Math.max(16, 1 << Math.floor(Math.log2(Math.max(16, bytes.length / 8)))); size >= 16 && runs < maxRuns; size >>= 1) {
    for (let at = 0; at < bytes.length && runs < maxRuns; at += size) {
      const end = Math.min(bytes.length, at + size);
      if (bytes.subarray(at, end).every((b) => b === 0)) continue;
      const trial = new Uint8Array(bytes);
      trial.fill(0, at, end);
      if (await fails(trial)) bytes = trial;
    }
  }
  const outcome = lastFail ?? (await runOne(bytes, opts));
  return { mutations: muts, bytes, outcome, runs };
}
