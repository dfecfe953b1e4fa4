// Setup file (vitest.config.ts): fails a test file that leaves a file handle open for the garbage
// collector to close. Node warns (DEP0137) only when the collector runs, so after each file's
// tests this forces two collections (the worker runs with --expose-gc) and turns any warning
// into a failure naming the file.

import { afterAll, beforeAll, expect } from 'vitest';

const leaked: string[] = [];
let file = '';

function onWarning(w: Error & { code?: string }): void {
  if (w.code === 'DEP0137' || /on garbage collection/.test(w.message)) leaked.push(w.message);
}

beforeAll(() => {
  file = expect.getState().testPath ?? '';
  process.on('warning', onWarning);
});

afterAll(async () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    for (let i = 0; i < 2; i++) {
      gc();
      // Warnings are emitted on a later tick.
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  process.off('warning', onWarning);
  if (leaked.length > 0) {
    const n = leaked.length;
    leaked.length = 0;
    throw new Error(`${file}: ${n} file handle(s) closed by the garbage collector, not by the code that opened them`);
  }
});
