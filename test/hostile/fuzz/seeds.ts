// Fuzz seeds: every file of the shared corpus (read at run time, never copied into the project)
// plus synthetic dumps from the test/synth builders. The list is sorted by name so that a
// (seed, index) pair names the same input on every machine that has the same corpus.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Seed } from './mutate.js';
import { synthSeeds } from './synth-seeds.js';

/** Corpus folders that hold dumps (logs/ and expected/ are text, not dumps). */
export const CORPUS_DUMP_DIRS = ['kernel', 'user-windows', 'user-other'] as const;

/** Largest corpus file taken as a seed (a full MEMORY.DMP would not fit the memory budget). */
const MAX_SEED_BYTES = 64 * 1024 * 1024;

export function corpusSeeds(corpusDir: string): Seed[] {
  const out: Seed[] = [];
  for (const sub of CORPUS_DUMP_DIRS) {
    const dir = join(corpusDir, sub);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const st = statSync(path);
      if (!st.isFile() || st.size > MAX_SEED_BYTES) continue;
      out.push({ name: `corpus:${sub}/${name}`, bytes: new Uint8Array(readFileSync(path)) });
    }
  }
  return out;
}

export async function loadSeeds(corpusDir: string | undefined): Promise<Seed[]> {
  const seeds = [...(corpusDir ? corpusSeeds(corpusDir) : []), ...(await synthSeeds())];
  seeds.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return seeds;
}

export function donorMap(seeds: readonly Seed[]): Map<string, Uint8Array> {
  return new Map(seeds.map((s) => [s.name, s.bytes]));
}
