// Indexing a 50 MB symbol file in bounded memory: one pass of chunk-sized reads, and heap +
// ArrayBuffer growth (peak while indexing and retained after) well under the file size.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSource } from '../../../src/reader/file-source.js';
import { openSymFile, SYM_CHUNK_BYTES } from '../../../src/formats/breakpad-sym/sym-file.js';
import { GcSpySource, mib, settle, usedBytes } from '../../helpers/live-memory.js';

const TARGET = 50 * 1024 * 1024;
const tmp = mkdtempSync(join(tmpdir(), 'dt-symmem-'));
const file = join(tmp, 'big.sym');
let functions = 0;

/** FUNC + 4 line records + STACK CFI INIT + 1 delta per function (~290 bytes), like dump_syms writes. */
beforeAll(() => {
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, 'MODULE windows x86_64 0123456789ABCDEF0123456789ABCDEF1 big.pdb\nINFO CODE_ID 5C8AD05F12000 big.dll\nFILE 0 c:\\src\\big\\module.cc\n');
    let written = 0;
    while (written < TARGET) {
      let chunk = '';
      while (chunk.length < 1 << 20) {
        const a = 0x1000 + functions * 0x40;
        const h = a.toString(16);
        chunk +=
          `FUNC ${h} 40 8 mozilla::detail::SomeNamespace::SomeClass<int>::Method${functions}(int, char const*)\n` +
          `${h} 10 ${100 + (functions % 900)} 0\n${(a + 0x10).toString(16)} 10 101 0\n${(a + 0x20).toString(16)} 10 102 0\n${(a + 0x30).toString(16)} 10 103 0\n` +
          `STACK CFI INIT ${h} 40 .cfa: $rsp 8 + .ra: .cfa 8 - ^\nSTACK CFI ${(a + 4).toString(16)} .cfa: $rsp 48 + $rbx: .cfa 16 - ^\n`;
        functions++;
      }
      written += writeSync(fd, chunk);
    }
  } finally {
    closeSync(fd);
  }
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));



describe('a generated 50 MB .sym', () => {
  it('is indexed in one pass of bounded reads; live memory stays well under the file size', async () => {
    const size = statSync(file).size;
    expect(size).toBeGreaterThanOrEqual(TARGET);
    const spy = new GcSpySource(await FileSource.open(file), 4);
    await settle();
    const before = usedBytes();
    const t0 = performance.now();
    const sym = await openSymFile(spy);
    const ms = performance.now() - t0;
    try {
      await settle();
      const retained = usedBytes() - before;
      // one pass, never more than a chunk per read
      expect(spy.bytesRead).toBe(size);
      expect(spy.maxRead).toBeLessThanOrEqual(SYM_CHUNK_BYTES);
      expect(spy.reads).toBe(Math.ceil(size / SYM_CHUNK_BYTES));
      expect(sym.counts.func).toBe(functions);
      expect(sym.indexed.func).toBe(functions);
      expect(sym.indexed.stackCfiInit).toBe(functions);
      expect(sym.counts.line).toBe(4 * functions);
      expect(sym.problems.count).toBe(0);
      // the index: 12 bytes per FUNC, 16 per CFI INIT
      expect(sym.indexBytes).toBe(functions * 28);
      expect(sym.indexBytes).toBeLessThan(size / 8);
      // what stays is the index; what the pass held at its peak (lists growing, one chunk) is a fraction of the file
      expect(retained, `retained ${mib(retained)}`).toBeLessThan(sym.indexBytes + 2 * 1048576);
      expect(spy.livePeak - before, `live peak ${mib(spy.livePeak - before)}`).toBeLessThan(size / 4);
      expect(ms).toBeLessThan(30_000);
      // lookups read a line or a block, not the file
      const readsBefore = spy.bytesRead;
      const last = 0x1000 + (functions - 1) * 0x40;
      expect(await sym.findFunction(last + 0x3f)).toMatchObject({ name: `mozilla::detail::SomeNamespace::SomeClass<int>::Method${functions - 1}(int, char const*)`, paramSize: 8 });
      expect(await sym.findCfiRules(last + 0x10)).toMatchObject({ cfa: '$rsp 48 +', ra: '.cfa 8 - ^', registers: new Map([['$rbx', '.cfa 16 - ^']]) });
      expect(spy.bytesRead - readsBefore).toBeLessThan(4096);
    } finally {
      await sym.close();
    }
  });

  it('without forced collections, heap + ArrayBuffer growth (garbage included) stays under the file size', async () => {
    const size = statSync(file).size;
    const src = await FileSource.open(file);
    await settle();
    const before = usedBytes();
    let peak = before;
    const timer = setInterval(() => {
      peak = Math.max(peak, usedBytes());
    }, 2);
    const sym = await openSymFile(src).finally(() => clearInterval(timer));
    peak = Math.max(peak, usedBytes());
    await sym.close();
    // Read buffers are garbage as soon as their lines are indexed; V8 reclaims them on its own
    // schedule, so this bound is loose. The live bound is the test above.
    expect(peak - before, `raw peak ${mib(peak - before)}`).toBeLessThan(size);
  });
});
