// Where the shared corpus lives (../shared/corpus beside the checkout) and a visible skip when
// it is absent.

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const PROJECT_ROOT = resolve(here, '..', '..');
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
