// Every frame Google Breakpad's minidump_stackwalk names in the corpus's Windows user dumps (all
// threads, recorded by scripts/record-breakpad-names.mjs with ../shared/corpus/symbols) gets the
// same function name from us, two ways:
// - the lookup itself: the module's symbols, asked at the frame's instruction (a caller's return
//   address minus one, as breakpad looks it up), give breakpad's name, for every row;
// - the walk: wherever our report has the same frame (thread, index, address), it carries that name.
//   Our walk stops earlier on the other threads (16 frames each, a shared stack budget), so not every
//   row has a counterpart there; the count that does is asserted exactly.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDump, triageFile } from '../../src/triage-file.js';
import { closeAllSymbolFiles } from '../../src/formats/breakpad-sym/store.js';
import { closeSymbolPathBinaries, localSymbolSource } from '../../src/unwind/symbol-path.js';
import { createUnwinderFactory } from '../../src/unwind/sources.js';
import { walkArch } from '../../src/analysis/stacks.js';
import { corpusOrSkipMessage, corpusPath, PROJECT_ROOT } from '../helpers/corpus.js';

type Row = [thread: number, frame: number, module: string | null, address: string, offset: string | null, fn: string];
const expected = JSON.parse(readFileSync(join(PROJECT_ROOT, 'test', 'unwind', 'expected', 'breakpad-names.json'), 'utf8')) as Record<string, Row[]>;

/** Named frames per dump in breakpad's output, and how many of them our walk reaches (same thread, index and address). */
const TABLE: Record<string, { named: number; walked: number }> = {
  'bp-minidump2.dmp': { named: 4, walked: 4 },
  'bp-minidump_32bit_crash_addr.dmp': { named: 4, walked: 4 },
  'moz-windows-aarch64.dmp': { named: 517, walked: 347 },
  'moz-windows-x86_64.dmp': { named: 1042, walked: 504 },
  'ue4-editor-ensure-UE4Minidump.dmp': { named: 13, walked: 12 },
};

afterAll(async () => {
  await closeAllSymbolFiles();
  await closeSymbolPathBinaries();
});

describe.runIf(corpusOrSkipMessage())('every frame minidump_stackwalk names, named the same', () => {
  it('the table covers every dump breakpad names frames in', () => {
    expect(Object.keys(TABLE).sort()).toEqual(Object.keys(expected).sort());
    for (const [f, rows] of Object.entries(expected)) expect(rows.length, f).toBe(TABLE[f]!.named);
  });
  for (const [file, rows] of Object.entries(expected)) {
    it(`${file}: ${rows.length} names by lookup, ${TABLE[file]!.walked} in the walk`, async () => {
      const symbols = localSymbolSource([corpusPath('symbols')]);
      const dump = await openDump(corpusPath('user-windows', file));
      try {
        const facts = await dump.facts();
        const arch = walkArch(facts)!;
        const factory = createUnwinderFactory(facts, arch, { symbols });
        const wrong: string[] = [];
        for (const [thread, index, module, , offset, fn] of rows) {
          const m = facts.modules.find((x) => x.name.split(/[\\/]/).pop()!.toLowerCase() === module!.toLowerCase());
          const u = m && (await factory(m));
          const rva = Number(offset) - (index > 0 ? 1 : 0);
          const got = await u?.functionAt?.(rva);
          if (got?.name !== fn) wrong.push(`thread ${thread} #${index} ${module}+${offset}: breakpad ${fn}, ours ${got?.name}`);
        }
        expect(wrong).toEqual([]);
      } finally {
        await dump.close();
      }
      const r = await triageFile(corpusPath('user-windows', file), { symbolPaths: [corpusPath('symbols')] });
      let walked = 0;
      const wrong: string[] = [];
      for (const [thread, index, , address, , fn] of rows) {
        const f = r.threads[thread]?.frames?.[index];
        if (!f || f.address !== address) continue;
        walked++;
        if (f.function !== fn) wrong.push(`thread ${thread} #${index} ${address}: breakpad ${fn}, ours ${f.function}`);
      }
      expect(wrong).toEqual([]);
      expect(walked).toBe(TABLE[file]!.walked);
    });
  }
});
