// Where the shared corpus lives (../shared/corpus beside the checkout) and a visible skip when
// it is absent.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The folder holding package.json above this file: the same from test/ and from dist/test/ (the benches). */
function findProjectRoot(from: string): string {
  for (let d = from; ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return d;
    if (dirname(d) === d) return resolve(from, '..', '..');
  }
}
export const PROJECT_ROOT = findProjectRoot(here);
export const SHARED = process.env.DUMPTRIAGE_SHARED ?? resolve(PROJECT_ROOT, '..', 'shared');
export const CORPUS = join(SHARED, 'corpus');
export const HAVE_CORPUS = existsSync(join(CORPUS, 'MANIFEST.tsv'));

let warned = false;
/** Call at the top of a corpus-dependent describe: prints a visible message once when absent. */
export function corpusOrSkipMessage(): boolean {
  if (!HAVE_CORPUS && !warned) {
    warned = true;
    console.warn(`\n*** ../shared/corpus not found at ${CORPUS}: corpus tests are SKIPPED ***\n`);
  }
  return HAVE_CORPUS;
}

export function corpusPath(...parts: string[]): string {
  return join(CORPUS, ...parts);
}

/** Every .sym file of the corpus (symbols/ and pdb/), as corpus-relative paths, sorted; none without the corpus. */
export function corpusSymFiles(): string[] {
  if (!HAVE_CORPUS) return [];
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(corpusPath(rel))) {
      const r = `${rel}/${name}`;
      if (statSync(corpusPath(r)).isDirectory()) walk(r);
      else if (name.endsWith('.sym')) out.push(r);
    }
  };
  walk('symbols');
  walk('pdb');
  return out.sort();
}
