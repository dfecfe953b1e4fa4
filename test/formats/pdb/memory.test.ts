// Opening and querying a big PDB in bounded memory: a PDB written by test/synth/pdb.ts's
// writeBigPdb (1,000,000 procedures in 20,000 modules, a public and two lines each, the rest type
// records), opened from a file; heap + ArrayBuffer growth while opening and after thousands of
// lookups stays under 100 MiB, opening reads a small part of the file in bounded pieces, and a
// lookup reads about one module. DUMPTRIAGE_PDB_BIG_MB sets another size (the index does not
// depend on it: the type filler is never read).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSource } from '../../../src/reader/file-source.js';
import { openPdb } from '../../../src/formats/pdb/pdb-file.js';
import { largeProc, writeBigPdb } from '../../synth/pdb.js';
import { GcSpySource, mib, settle, usedBytes } from '../../helpers/live-memory.js';

// 256 MB by default: the 1,000,000 procedures and their index are all there; the rest of a 1 GB file
// is type filler that is never read (bench/symbols.bench.ts measures the 1 GB one, in a child process).
const MB = Number(process.env.DUMPTRIAGE_PDB_BIG_MB ?? 256);
const PROCS = 1_000_000;
const tmp = mkdtempSync(join(tmpdir(), 'dt-pdbmem-'));
const file = join(tmp, 'big.pdb');

beforeAll(() => {
  writeBigPdb(file, MB);
}, 300_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));


describe(`a generated ${MB} MB PDB`, () => {
  it('opens and answers lookups with heap + ArrayBuffer growth under 100 MiB', async () => {
    const size = statSync(file).size;
    expect(size).toBeGreaterThan(MB * 1024 * 1024 * 0.95);
    await settle();
    const before = usedBytes();
    const spy = new GcSpySource(await FileSource.open(file), 8);
    const pdb = await openPdb(spy);
    try {
      await settle();
      const afterOpen = usedBytes() - before;
      const openRead = spy.bytesRead;
      // the index: 13 bytes a public and 14 a code contribution, plus the directory
      expect(pdb.indexBytes).toBeLessThan(PROCS * 32);
      expect(afterOpen, `after open ${mib(afterOpen)}`).toBeLessThan(100 * 1048576);
      expect(spy.livePeak - before, `peak while opening ${mib(spy.livePeak - before)}`).toBeLessThan(100 * 1048576);
      // positioned reads of bounded size; the module symbols and types are not read
      expect(spy.maxRead).toBeLessThanOrEqual(4 * 1048576);
      // the global symbols and the section contributions: ~90 bytes a procedure, whatever the file's size
      expect(openRead).toBeLessThan(PROCS * 128);

      let named = 0;
      let lines = 0;
      const lookups = 2000;
      for (let i = 0; i < lookups; i++) {
        const k = (i * 7919) % PROCS;
        const p = largeProc(k);
        const f = await pdb.findFunction(0x1000 + p.offset + 5);
        if (f?.kind === 'func' && f.name === `${p.name}(int)` && f.size === p.size) named++;
        const l = await pdb.findSourceLine(0x1000 + p.offset + p.size / 2 + 1);
        if (l?.line === 101 && l.file === 'c:\\src\\big\\generated.cpp') lines++;
      }
      expect(named).toBe(lookups);
      expect(lines).toBe(lookups);
      // a lookup reads about one module (50 procedures: ~12 KiB) and a few names
      expect((spy.bytesRead - openRead) / lookups).toBeLessThan(64 * 1024);
      await settle();
      const retained = usedBytes() - before;
      expect(retained, `after lookups ${mib(retained)}`).toBeLessThan(100 * 1048576);
      expect(spy.livePeak - before, `peak ${mib(spy.livePeak - before)}`).toBeLessThan(100 * 1048576);
    } finally {
      await pdb.close();
    }
  });
});
