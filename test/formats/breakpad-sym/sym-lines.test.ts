// Source lines and inline frames from .sym files (SymFile.findSourceLine / findInlines).
//
// Oracles: Google Breakpad's minidump_stackwalk, recorded by scripts/record-breakpad-lines.mjs:
// - expected/breakpad-lines.json: every frame of every thread it printed with `[file : line]` for
//   the corpus's Windows dumps with ../shared/corpus/symbols; the .sym is opened from the corpus
//   and looked up at the address breakpad used (a caller's return address minus 1 on x86 / amd64,
//   minus 4 on arm64; the context frame's own pc), including the line record's start it printed
//   the offset from.
// - expected/breakpad-inlines.json: synthetic .sym files with INLINE records, each walked by
//   minidump_stackwalk over user-other/bp-linux_inline.dmp; the .sym text is in the JSON.
// Then a model of Breakpad's line map over every corpus .sym, randomized INLINE / line records
// against literal models of ContainedRangeMap (equal ranges allowed) and RangeMap, hand-written
// INLINE files, the snapshot a scan's workers receive, and hostile input.

import { afterAll, describe, expect, it } from 'vitest';
import { xorshift32 as rng } from '../../helpers/rng.js';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BytesSource, type ByteSource } from '../../../src/reader/byte-source.js';
import { FileSource } from '../../../src/reader/file-source.js';
import { DumpError, DumpFormatError } from '../../../src/errors.js';
import {
  INLINE_NAME_OMITTED, MAX_FUNC_BLOCK_BYTES, MAX_INLINE_DEPTH, MAX_SYM_LINE_BYTES, SYM_STRUCT, openSymFile, snapshotSymFile, symFileFromSnapshot,
  type SymFile, type SymInlineFrame,
} from '../../../src/formats/breakpad-sym/sym-file.js';
import { HAVE_CORPUS, corpusOrSkipMessage, corpusPath, corpusSymFiles } from '../../helpers/corpus.js';
import { SpySource } from '../../helpers/spy-source.js';

const haveCorpus = corpusOrSkipMessage();
const here = dirname(fileURLToPath(import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'dt-symlines-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const hex = (n: number): string => `0x${n.toString(16)}`;
const MODULE = 'MODULE windows x86_64 0123456789ABCDEF0123456789ABCDEF1 l.pdb';

let fileCount = 0;
/** The same bytes as a BytesSource and as a FileSource in the temp dir. */
function bothSources(bytes: Uint8Array): Array<[string, () => Promise<ByteSource>]> {
  const file = join(tmp, `l${fileCount++}.sym`);
  writeFileSync(file, bytes);
  return [
    ['BytesSource', async () => new BytesSource(bytes, file)],
    ['FileSource', () => FileSource.open(file)],
  ];
}

async function openText(text: string, options?: Parameters<typeof openSymFile>[1]): Promise<SymFile> {
  return openSymFile(new BytesSource(enc(text), 'synthetic.sym'), options);
}

// ---------------------------------------------------------------------------------------------
// 1. minidump_stackwalk on the corpus's Windows dumps.

interface RecordedLine {
  dump: string;
  thread: number;
  frameIndex: number;
  module: string;
  cpu: string;
  debugFile: string;
  debugId: string;
  sym: string;
  trust: string;
  offsetInModule: string;
  lookupOffset: string;
  lineOffset: string;
  function: string;
  file: string;
  line: number;
}

const RECORDED = JSON.parse(readFileSync(join(here, 'expected', 'breakpad-lines.json'), 'utf8')) as { frames: RecordedLine[] };

describe.skipIf(!haveCorpus)('minidump_stackwalk frames with source lines (corpus Windows dumps)', () => {
  const bySym = new Map<string, RecordedLine[]>();
  for (const f of RECORDED.frames) {
    const list = bySym.get(f.sym) ?? [];
    list.push(f);
    bySym.set(f.sym, list);
  }
  const key = (f: RecordedLine): string => `${f.dump} thread ${f.thread} frame ${f.frameIndex}`;
  let matched = 0;
  let differAtReturnAddress = 0;

  it('the recording covers the x86, amd64 and arm64 dumps breakpad has symbols for', () => {
    expect(RECORDED.frames.length).toBe(491);
    expect(new Set(RECORDED.frames.map((f) => f.cpu))).toEqual(new Set(['x86', 'amd64', 'arm64']));
    // breakpad's .sym path: debug file / debug id / debug file without .pdb + .sym
    for (const f of RECORDED.frames) expect(f.sym).toBe(`symbols/${f.debugFile}/${f.debugId}/${f.debugFile.replace(/\.pdb$/i, '')}.sym`);
  });

  it.each([...bySym.keys()])('%s: file, line, line start and function of every frame', async (rel) => {
    const sym = await openSymFile(await FileSource.open(corpusPath(rel)));
    try {
      const got: unknown[] = [];
      const want: unknown[] = [];
      for (const f of bySym.get(rel)!) {
        const at = Number(f.lookupOffset);
        const l = await sym.findSourceLine(at);
        const g = { at: key(f), file: l?.file, line: l?.line, lineStart: l && hex(l.rva), function: (await sym.findFunction(at))?.name };
        const w = { at: key(f), file: f.file, line: f.line, lineStart: f.lineOffset, function: f.function };
        got.push(g);
        want.push(w);
        if (JSON.stringify(g) === JSON.stringify(w)) matched++;
        // What the return address itself would have given: why a caller is looked up one byte back.
        if (f.lookupOffset !== f.offsetInModule) {
          const r = await sym.findSourceLine(Number(f.offsetInModule));
          if (r?.line !== f.line || r?.file !== f.file) differAtReturnAddress++;
        }
        expect(await sym.findInlines(at)).toEqual([]); // these .sym files have no INLINE records
      }
      expect(got).toEqual(want);
    } finally {
      await sym.close();
    }
  });

  it('every recorded frame matches exactly; the return address (not minus 1/4) would differ for some', () => {
    expect(matched).toBe(RECORDED.frames.length);
    expect(differAtReturnAddress).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. minidump_stackwalk on synthetic INLINE files (bp-linux_inline.dmp's module).

interface InlineCaseFrame {
  frameIndex: number;
  inline: boolean;
  physicalFrame: number;
  lookupOffset: string;
  function: string;
  file?: string;
  line?: number;
  lineOffset?: string;
}
interface InlineCase {
  name: string;
  why: string;
  knownDifference?: boolean;
  sym: string;
  frames: InlineCaseFrame[];
}
const INLINE_CASES = (JSON.parse(readFileSync(join(here, 'expected', 'breakpad-inlines.json'), 'utf8')) as { cases: InlineCase[] }).cases;

/** Breakpad prints a frame's file and line only when the file is not empty. */
function printed(file: string | undefined, line: number | undefined): { file?: string; line?: number } {
  return file ? { file, line } : {};
}

describe('minidump_stackwalk inline frames on synthetic .sym files', () => {
  it('the recording has its cases', () => {
    expect(INLINE_CASES.map((c) => c.name)).toContain('nested-new-format');
    expect(INLINE_CASES.length).toBeGreaterThanOrEqual(12);
  });

  it.each(INLINE_CASES.filter((c) => !c.knownDifference).map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    for (const [, make] of bothSources(enc(c.sym))) {
      const sym = await openSymFile(await make(), { chunkBytes: 64 });
      try {
        expect(sym.problems.count).toBe(0);
        const physical = c.frames.filter((f) => !f.inline);
        expect(physical.length).toBeGreaterThan(0);
        for (const p of physical) {
          const at = Number(p.lookupOffset);
          // Breakpad lists inline frames innermost first, then the frame they are inlined into.
          const inl = c.frames.filter((f) => f.inline && f.physicalFrame === p.frameIndex);
          const want = {
            function: p.function,
            line: printed(p.file, p.line),
            ...(p.lineOffset ? { lineStart: p.lineOffset } : {}),
            inlines: inl.reverse().map((f) => ({ name: f.function, ...printed(f.file, f.line) })),
          };
          const l = await sym.findSourceLine(at);
          const frames = await sym.findInlines(at);
          const got = {
            function: (await sym.findFunction(at))?.name,
            line: printed(l?.file, l?.line),
            ...(p.lineOffset ? { lineStart: l && hex(l.rva) } : {}),
            inlines: frames.map((f) => ({ name: f.name, ...printed(f.file, f.line) })),
          };
          expect(got, `${c.name} at ${p.lookupOffset}: ${c.why}`).toEqual(want);
          // An inline frame's call site is where the next frame out is: the outer frame's line for the outermost.
          for (let k = 0; k < frames.length; k++) {
            const outer = k === 0 ? l : frames[k - 1]!;
            expect(printed(frames[k]!.callFile, frames[k]!.callLine)).toEqual(printed(outer?.file, outer?.line));
          }
        }
      } finally {
        await sym.close();
      }
    }
  });

  it('the known difference: records separated from their FUNC by another record are dropped, not attached', async () => {
    const c = INLINE_CASES.find((x) => x.knownDifference)!;
    // breakpad attaches the INLINE and line record that follow a STACK CFI line to the FUNC before it
    expect(c.frames.map((f) => [f.function, f.file, f.line])).toEqual([['x_inl()', '/src/x.cc', 92], ['x_outer()', '/src/x.cc', 91]]);
    const sym = await openText(c.sym);
    expect(sym.dropped).toBe(2);
    expect(sym.problems.count).toBe(0);
    expect(await sym.findFunction(0x161b6)).toMatchObject({ name: 'x_outer()' });
    expect(await sym.findSourceLine(0x161b6)).toBeUndefined();
    expect(await sym.findInlines(0x161b6)).toEqual([]);
    await sym.close();
  });
});

// ---------------------------------------------------------------------------------------------
// 3. A model of Breakpad's line map over every corpus .sym.

const allSymFiles = corpusSymFiles;

interface ModelFunc {
  base: number;
  size: number;
  lines: Array<{ base: number; size: number; line: number; file: number }>;
}

/** basic_source_line_resolver.cc as a test would write it: FILE first wins; line records to the last FUNC; PUBLIC ends it. */
function lineModel(text: string): { files: Map<number, string>; funcs: ModelFunc[] } {
  const files = new Map<number, string>();
  const funcs: ModelFunc[] = [];
  let cur: ModelFunc | undefined;
  for (const l of text.split(/[\r\n]+/)) {
    const t = l.split(' ');
    if (t[0] === 'FILE') {
      const id = Number(t[1]);
      if (!files.has(id)) files.set(id, t.slice(2).join(' '));
    } else if (t[0] === 'FUNC') {
      const k = t[1] === 'm' ? 2 : 1;
      cur = { base: parseInt(t[k]!, 16), size: parseInt(t[k + 1]!, 16), lines: [] };
      funcs.push(cur);
    } else if (t[0] === 'PUBLIC') {
      cur = undefined;
    } else if (/^[0-9a-f]+ [0-9a-f]+ \d+ \d+$/.test(l) && cur) {
      const [a, z, n, f] = t;
      const base = parseInt(a!, 16);
      const size = parseInt(z!, 16);
      if (size > 0 && !cur.lines.some((r) => r.base <= base + size - 1 && base <= r.base + r.size - 1)) cur.lines.push({ base, size, line: Number(n), file: Number(f) });
    }
  }
  return { files, funcs };
}

describe.skipIf(!haveCorpus)('a model of Breakpad\'s line map: every corpus .sym', () => {
  it.each(allSymFiles())('%s: every line record\'s first and last byte, and each FUNC\'s ends', async (rel) => {
    const bytes = new Uint8Array(readFileSync(corpusPath(rel)));
    const model = lineModel(new TextDecoder().decode(bytes));
    const sym = await openSymFile(new BytesSource(bytes, rel));
    try {
      let checked = 0; // probes that have a line
      // The FUNC Breakpad's RangeMap keeps for a range: the first one in file order with it.
      const seen = new Set<string>();
      for (const fn of model.funcs) {
        const id = `${fn.base}+${fn.size}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const found = await sym.findFunction(fn.base);
        if (found?.kind !== 'func' || found.rva !== fn.base || found.size !== fn.size) continue;
        const probes = new Set([fn.base, fn.base + fn.size - 1]);
        for (const r of fn.lines) {
          probes.add(r.base);
          probes.add(r.base + r.size - 1);
        }
        for (const a of probes) {
          if (a < fn.base || a >= fn.base + fn.size) continue;
          const r = fn.lines.find((x) => a >= x.base && a < x.base + x.size);
          const file = r && model.files.get(r.file);
          const want = r && file ? { file, line: r.line, rva: r.base, size: r.size } : undefined;
          const got = await sym.findSourceLine(a);
          if (JSON.stringify(got) !== JSON.stringify(want)) expect({ at: hex(a), got }).toEqual({ at: hex(a), got: want });
          if (want) checked++;
        }
      }
      // PE-only and public-only files (pe_only_symbol_test, win32u, an x86 kernel32) have no FUNC to look in.
      if (model.funcs.some((f) => f.lines.length > 0)) expect(checked).toBeGreaterThan(0);
      else expect(await sym.findSourceLine(model.funcs[0]?.base ?? 0x1000)).toBeUndefined();
    } finally {
      await sym.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Randomized INLINE and line records against literal models of Breakpad's maps.

interface Node {
  base: number;
  high: number;
  entry: number;
  children: Node[];
}

/** ContainedRangeMap::StoreRange with allow_equal_range, children kept by high address. */
function containedStore(node: Node, base: number, size: number, entry: number): boolean {
  if (size <= 0) return false;
  const high = base + size - 1;
  const ch = node.children;
  const at = (v: number): number => {
    let i = 0;
    while (i < ch.length && ch[i]!.high < v) i++;
    return i;
  };
  const ib = at(base);
  const ih = at(high);
  if (ib === ih && ib < ch.length && base >= ch[ib]!.base) return containedStore(ch[ib]!, base, size, entry);
  const containsHigh = ih < ch.length && high >= ch[ih]!.base;
  if ((ib < ch.length && base > ch[ib]!.base) || (containsHigh && high < ch[ih]!.high)) return false;
  const moved = ch.splice(ib, (containsHigh ? ih + 1 : ih) - ib);
  ch.splice(ib, 0, { base, high, entry, children: moved });
  return true;
}

/** RetrieveRanges: innermost first. */
function containedRetrieve(node: Node, addr: number, out: number[]): void {
  const c = node.children.find((x) => x.high >= addr);
  if (!c || addr < c.base) return;
  containedRetrieve(c, addr, out);
  out.push(c.entry);
}


describe('randomized records against models of ContainedRangeMap and RangeMap', () => {
  it.each(Array.from({ length: 40 }, (_, i) => i + 1))('seed %i', async (seed) => {
    const r = rng(seed * 7919);
    const int = (n: number): number => Math.floor(r() * n);
    const FUNC = 0x1000;
    const SPAN = 0x80;
    const lines: string[] = [MODULE, 'FILE 0 a.cc', 'FILE 1 b.h', 'FILE 2 c.h'];
    for (let o = 0; o < 6; o++) lines.push(`INLINE_ORIGIN ${o} origin${o}`);
    lines.push(`FUNC ${FUNC.toString(16)} ${SPAN.toString(16)} 0 f`);
    // INLINE records: nest levels that sometimes skip, ranges that nest, repeat, overlap or are empty.
    const root: Node = { base: 0, high: -1, entry: -1, children: [] };
    const recs: Array<{ origin: number; callLine: number; callFile: number }> = [];
    let last = 0;
    const nInline = 1 + int(14);
    for (let k = 0; k < nInline; k++) {
      const level = int(4);
      const origin = int(7); // 6: no INLINE_ORIGIN record
      const callLine = 1 + int(500);
      const callFile = int(4); // 3: no FILE record
      const ranges: number[] = [];
      for (let j = 1 + int(3); j > 0; j--) {
        const a = FUNC + int(SPAN);
        ranges.push(a, int(6) === 0 ? 0 : 1 + int(FUNC + SPAN - a));
      }
      lines.push(`INLINE ${level} ${callLine} ${callFile} ${origin} ${ranges.map((v) => v.toString(16)).join(' ')}`);
      if (level > last + 1) continue;
      last = level;
      recs.push({ origin, callLine, callFile });
      for (let j = 0; j < ranges.length; j += 2) containedStore(root, ranges[j]!, ranges[j + 1]!, recs.length - 1);
    }
    // Line records: overlapping, empty, some outside the FUNC.
    const kept: Array<{ base: number; size: number; line: number; file: number }> = [];
    for (let k = 0, n = int(20); k < n; k++) {
      const base = FUNC - 8 + int(SPAN + 16);
      const size = int(5) === 0 ? 0 : 1 + int(24);
      const line = int(1000);
      const file = int(4);
      lines.push(`${base.toString(16)} ${size.toString(16)} ${line} ${file}`);
      if (size > 0 && !kept.some((x) => x.base <= base + size - 1 && base <= x.base + x.size - 1)) kept.push({ base, size, line, file });
    }
    const fileName = (id: number): string | undefined => ['a.cc', 'b.h', 'c.h'][id];
    const sym = await openText(`${lines.join('\n')}\n`);
    try {
      for (let a = FUNC; a < FUNC + SPAN; a++) {
        const lr = kept.find((x) => a >= x.base && a < x.base + x.size);
        // ConstructInlineFrames, written out: copies of the frame, named, given their call site, then the swaps.
        const frame = { file: lr ? fileName(lr.file) ?? '' : '', line: lr ? lr.line : 0 };
        const ids: number[] = [];
        containedRetrieve(root, a, ids);
        const inl = ids.map((i) => {
          const rec = recs[i]!;
          return { name: rec.origin < 6 ? `origin${rec.origin}` : INLINE_NAME_OMITTED, file: fileName(rec.callFile) ?? frame.file, line: rec.callLine };
        });
        let parent = { ...frame };
        if (inl.length > 0) {
          frame.file = inl[inl.length - 1]!.file;
          frame.line = inl[inl.length - 1]!.line;
          for (const f of inl) {
            const t = { file: f.file, line: f.line };
            f.file = parent.file;
            f.line = parent.line;
            parent = t;
          }
        }
        const wantLine = frame.file ? { file: frame.file, line: frame.line } : undefined;
        const got = await sym.findSourceLine(a);
        expect(got && { file: got.file, line: got.line }, `seed ${seed} at ${hex(a)}`).toEqual(wantLine);
        if (got && lr) expect([got.rva, got.size]).toEqual([lr.base, lr.size]);
        const want = inl.reverse().map((f) => ({ name: f.name, ...printed(f.file, lr || f !== inl[inl.length - 1] ? f.line : undefined) }));
        const frames = await sym.findInlines(a);
        expect(frames.map((f) => ({ name: f.name, ...printed(f.file, f.line) })), `seed ${seed} at ${hex(a)}`).toEqual(want);
      }
    } finally {
      await sym.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 5. Hand-written INLINE files: the whole answer, both sources, and the workers' snapshot.

const NESTED = [
  MODULE,
  'FILE 0 c:\\src\\app\\main.cc',
  'FILE 1 c:\\src\\app\\vector.h',
  'FILE 2 c:\\src\\app\\alloc.h',
  'INLINE_ORIGIN 0 std::vector<int>::push_back(int)',
  'INLINE_ORIGIN 1 std::allocator<int>::allocate(size_t)',
  'INLINE_ORIGIN 2 operator new(size_t)',
  'FUNC 1000 200 0 main',
  'INLINE 0 12 0 0 1040 80 1100 20',
  'INLINE 1 340 1 1 1050 40',
  'INLINE 2 77 2 2 1060 10',
  '1000 40 10 0',
  '1040 10 12 0',
  '1050 10 341 1',
  '1060 10 78 2',
  '1070 50 342 1',
  '10c0 140 14 0',
  'FUNC 2000 10 4 other',
  '2000 10 99 0',
  'PUBLIC 3000 0 public_only',
  '',
].join('\n');

describe.each(bothSources(enc(NESTED)))('nested inlines through %s', (_s, make) => {
  it('outermost first: names, call sites, the inlinee\'s own line; the frame at the outermost call site', async () => {
    const sym = await openSymFile(await make(), { chunkBytes: 64 });
    try {
      expect(sym.counts).toMatchObject({ file: 3, inlineOrigin: 3, inline: 3, line: 7, func: 2, public: 1 });
      expect(sym.nameIndex).toEqual({ file: 3, inlineOrigin: 3, bytes: 3 * 8 * 2 });
      expect(sym.problems.count).toBe(0);
      const deepest: SymInlineFrame[] = [
        { name: 'std::vector<int>::push_back(int)', callFile: 'c:\\src\\app\\main.cc', callLine: 12, file: 'c:\\src\\app\\vector.h', line: 340 },
        { name: 'std::allocator<int>::allocate(size_t)', callFile: 'c:\\src\\app\\vector.h', callLine: 340, file: 'c:\\src\\app\\alloc.h', line: 77 },
        { name: 'operator new(size_t)', callFile: 'c:\\src\\app\\alloc.h', callLine: 77, file: 'c:\\src\\app\\alloc.h', line: 78 },
      ];
      expect(await sym.findInlines(0x1065)).toEqual(deepest);
      expect(await sym.findSourceLine(0x1065)).toEqual({ file: 'c:\\src\\app\\main.cc', line: 12, rva: 0x1060, size: 0x10 });
      expect(await sym.findInlines(0x1055)).toEqual([deepest[0], { ...deepest[1], file: 'c:\\src\\app\\vector.h', line: 341 }]);
      expect(await sym.findInlines(0x10a0)).toEqual([{ ...deepest[0], line: 342 }]);
      // The second range of the first INLINE record
      expect(await sym.findInlines(0x1110)).toEqual([{ ...deepest[0], file: 'c:\\src\\app\\main.cc', line: 14 }]);
      expect(await sym.findSourceLine(0x1110)).toEqual({ file: 'c:\\src\\app\\main.cc', line: 12, rva: 0x10c0, size: 0x140 });
      // Outside any inline
      expect(await sym.findInlines(0x1020)).toEqual([]);
      expect(await sym.findSourceLine(0x1020)).toEqual({ file: 'c:\\src\\app\\main.cc', line: 10, rva: 0x1000, size: 0x40 });
      expect(await sym.findSourceLine(0x2008)).toEqual({ file: 'c:\\src\\app\\main.cc', line: 99, rva: 0x2000, size: 0x10 });
      expect(await sym.findSourceLine(0x20n)).toBeUndefined();
      // A PUBLIC has no lines; addresses outside a PE image are not looked up.
      expect(await sym.findFunction(0x3004)).toMatchObject({ name: 'public_only' });
      expect(await sym.findSourceLine(0x3004)).toBeUndefined();
      expect(await sym.findInlines(0x3004)).toEqual([]);
      expect(await sym.findSourceLine(0x1_0000_0000n)).toBeUndefined();
      expect(await sym.findSourceLine(-1)).toBeUndefined();
      expect(await sym.findInlines(0.5)).toEqual([]);
      expect(await sym.findSourceLine(0x1065n)).toEqual(await sym.findSourceLine(0x1065));

      // The index shared with a scan's workers answers the same.
      const snap = snapshotSymFile(sym)!;
      const source = await make();
      const copy = symFileFromSnapshot(source, snap);
      try {
        for (const a of [0x1000, 0x1055, 0x1065, 0x10a0, 0x1110, 0x2008, 0x3004]) {
          expect(await copy.findSourceLine(a)).toEqual(await sym.findSourceLine(a));
          expect(await copy.findInlines(a)).toEqual(await sym.findInlines(a));
        }
        expect(copy.nameIndex).toEqual(sym.nameIndex);
        expect(snap.fields.fileId).toBeInstanceOf(Uint32Array);
        expect((snap.fields.fileId as Uint32Array).buffer).toBeInstanceOf(SharedArrayBuffer);
        expect((snap.fields.originOff as Uint32Array).buffer).toBeInstanceOf(SharedArrayBuffer);
      } finally {
        await copy.close();
      }
    } finally {
      await sym.close();
    }
  });
});

describe('lookups read the FUNC block, not the file', () => {
  it('one block read plus a line per name; memory is the index', async () => {
    // 2,000 functions, each with 3 nested inlines and 20 line records.
    const out = [MODULE];
    for (let f = 0; f < 50; f++) out.push(`FILE ${f} c:\\src\\f${f}.cc`);
    for (let o = 0; o < 100; o++) out.push(`INLINE_ORIGIN ${o} inlined_${o}()`);
    for (let i = 0; i < 2000; i++) {
      const base = 0x10000 + i * 0x100;
      out.push(`FUNC ${base.toString(16)} 100 0 fn${i}`);
      out.push(`INLINE 0 ${i} ${i % 50} ${i % 100} ${(base + 0x20).toString(16)} c0`);
      out.push(`INLINE 1 ${i + 1} ${(i + 1) % 50} ${(i + 1) % 100} ${(base + 0x40).toString(16)} 40`);
      out.push(`INLINE 2 ${i + 2} ${(i + 2) % 50} ${(i + 2) % 100} ${(base + 0x50).toString(16)} 10`);
      for (let k = 0; k < 20; k++) out.push(`${(base + k * 8).toString(16)} 8 ${1000 + k} ${i % 50}`);
    }
    const bytes = enc(`${out.join('\n')}\n`);
    const spy = new SpySource(new BytesSource(bytes, 'many.sym'));
    const sym = await openSymFile(spy);
    expect(sym.counts).toMatchObject({ func: 2000, inline: 6000, line: 40000, file: 50, inlineOrigin: 100 });
    expect(sym.nameIndex.bytes).toBe(150 * 8);
    expect(sym.indexBytes).toBe(2000 * 12);
    const before = spy.bytesRead;
    const reads = spy.reads;
    const i = 1234;
    const base = 0x10000 + i * 0x100;
    const frames = await sym.findInlines(base + 0x55);
    expect(frames.map((f) => f.name)).toEqual([`inlined_${i % 100}()`, `inlined_${(i + 1) % 100}()`, `inlined_${(i + 2) % 100}()`]);
    expect(frames.map((f) => f.callLine)).toEqual([i, i + 1, i + 2]);
    expect(frames[2]).toMatchObject({ file: `c:\\src\\f${i % 50}.cc`, line: 1010 });
    expect(await sym.findSourceLine(base + 0x55)).toMatchObject({ file: `c:\\src\\f${i % 50}.cc`, line: i });
    // One block read (16 KiB at most) for both calls, and a line per distinct FILE / INLINE_ORIGIN.
    expect(spy.reads - reads).toBeLessThanOrEqual(1 + 4 + 3 + 2);
    expect(spy.bytesRead - before).toBeLessThanOrEqual(16 * 1024 + 10 * 512);
    await sym.close();
  });
});

// ---------------------------------------------------------------------------------------------
// 6. Hostile input.

async function refusedWith(p: Promise<unknown>): Promise<DumpError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DumpError);
  return e as DumpError;
}

describe('hostile .sym input', () => {
  it('a FUNC followed by 10^6 line records: indexed in one pass, the records past 1 MiB are problems, a lookup reads one bounded block', async () => {
    const n = 1_000_000;
    const parts: string[] = [`${MODULE}\nFILE 0 big.cc\nFUNC 0 ${(n * 4).toString(16)} 0 huge_function\n`];
    for (let k = 0; k < n; k++) parts.push(`${(k * 4).toString(16)} 4 ${k + 1} 0\n`);
    parts.push('FUNC f0000000 10 0 after\nf0000000 10 7 0\n');
    const text = parts.join('');
    const funcLine = `${MODULE}\nFILE 0 big.cc\n`.length;
    // The line records that end within MAX_FUNC_BLOCK_BYTES of the FUNC line.
    let end = text.indexOf('\n', funcLine) + 1;
    let inside = 0;
    for (let k = 0; k < n; k++) {
      const next = text.indexOf('\n', end);
      if (next - funcLine > MAX_FUNC_BLOCK_BYTES) break;
      inside++;
      end = next + 1;
    }
    const spy = new SpySource(new BytesSource(enc(text), 'huge.sym'));
    const t0 = performance.now();
    const sym = await openSymFile(spy);
    expect(performance.now() - t0).toBeLessThan(20_000);
    try {
      expect(sym.counts.line).toBe(n + 1);
      expect(sym.problems.count).toBe(n - inside);
      expect(sym.problems.samples[0]!.reason).toContain(`more than ${MAX_FUNC_BLOCK_BYTES} bytes after its FUNC line`);
      expect(sym.indexBytes).toBe(2 * 12);
      const before = spy.bytesRead;
      const t1 = performance.now();
      expect(await sym.findSourceLine(4 * (inside - 1) + 2)).toEqual({ file: 'big.cc', line: inside, rva: 4 * (inside - 1), size: 4 });
      expect(await sym.findSourceLine(4 * inside)).toBeUndefined(); // past the block
      expect(await sym.findSourceLine(0)).toMatchObject({ line: 1 });
      expect(await sym.findInlines(4 * inside)).toEqual([]);
      expect(performance.now() - t1).toBeLessThan(5_000);
      expect(spy.maxRead).toBeLessThanOrEqual(Math.max(MAX_FUNC_BLOCK_BYTES + MAX_SYM_LINE_BYTES + 1, 1024 * 1024));
      expect(spy.bytesRead - before).toBeLessThan(2 * (MAX_FUNC_BLOCK_BYTES + MAX_SYM_LINE_BYTES + 1) + 64 * 1024);
      expect(await sym.findSourceLine(0xf0000004)).toMatchObject({ file: 'big.cc', line: 7 });
    } finally {
      await sym.close();
    }
  });

  it('line records with huge file ids and line numbers are problems, never another file by truncation', async () => {
    const sym = await openText([
      MODULE,
      'FILE 0 zero.cc',
      'FILE 1 one.cc',
      'FILE 2147483647 max.cc',
      'FILE 4294967296 wraps_to_zero.cc', // Breakpad's int would make this 0; first-wins keeps zero.cc anyway
      'FILE 99999999999999999999 too_long.cc',
      'FUNC 1000 100 0 f',
      '1000 10 5 4294967296', // Breakpad: int(4294967296) = 0 -> zero.cc
      '1010 10 6 4294967297', // -> one.cc
      '1020 10 7 2147483647',
      '1030 10 8 123456', // no such FILE
      '1040 10 4294967296 0', // line past int
      '1050 10 9 99999999999999999999',
      '',
    ].join('\n'));
    try {
      expect(sym.problems.samples.map((p) => p.reason)).toEqual([
        'FILE: id past 2^31 - 1',
        'FILE: needs a decimal id and a name',
        'line record: line number or file id past 2^31 - 1',
        'line record: line number or file id past 2^31 - 1',
        'line record: line number or file id past 2^31 - 1',
        'unknown record',
      ]);
      expect(sym.nameIndex.file).toBe(3);
      expect(await sym.findSourceLine(0x1005)).toBeUndefined();
      expect(await sym.findSourceLine(0x1015)).toBeUndefined();
      expect(await sym.findSourceLine(0x1025)).toEqual({ file: 'max.cc', line: 7, rva: 0x1020, size: 0x10 });
      expect(await sym.findSourceLine(0x1035)).toBeUndefined(); // a line, but no file: breakpad prints none
      expect(await sym.findSourceLine(0x1045)).toBeUndefined();
      expect(await sym.findSourceLine(0x1055)).toBeUndefined();
    } finally {
      await sym.close();
    }
  });

  it('INLINE records: missing and repeated ("cyclic") origins, malformed fields, no FUNC, after a PUBLIC', async () => {
    const sym = await openText([
      MODULE,
      'FILE 0 a.cc',
      'INLINE_ORIGIN 0 a()',
      'INLINE_ORIGIN 1 b()',
      'INLINE_ORIGIN 0 a_again_ignored()',
      'INLINE_ORIGIN x bad_id',
      'INLINE_ORIGIN 3',
      'INLINE_ORIGIN 4294967296 past_int',
      'INLINE 0 1 0 0 1000 10', // no FUNC yet
      'FUNC 1000 100 0 a()',
      // a -> b -> a -> b ... 10 deep, each range inside the last: origins repeat, nothing follows them
      ...Array.from({ length: 10 }, (_, k) => `INLINE ${k} ${k + 1} 0 ${k % 2} ${(0x1000 + k).toString(16)} ${(0x100 - 2 * k).toString(16)}`),
      'INLINE 0 5 0 7 1080 4', // origin 7: none
      'INLINE 0 5 0', // too few fields
      'INLINE -1 5 0 0 1000 10',
      'INLINE 0 5 -2 0 1000 10',
      'INLINE 0 5 0 0 xyz 10',
      'INLINE 0 5 0 0 1000 fffffffffffffffffff',
      'INLINE 0 5 0 4294967296 1000 10',
      '1000 100 100 0',
      'PUBLIC 2000 0 p',
      'INLINE 0 1 0 0 2000 10', // after a PUBLIC (Breakpad: a null function)
      '',
    ].join('\n'));
    try {
      expect(sym.problems.samples.map((p) => p.reason)).toEqual([
        'INLINE_ORIGIN: id is not decimal',
        'INLINE_ORIGIN: needs an id and a name',
        'INLINE_ORIGIN: id past 2^31 - 1',
        'INLINE without a FUNC',
        'INLINE: fewer than 5 fields',
        'INLINE: a number is not decimal or is past 2^31 - 1',
        'INLINE: a number is not decimal or is past 2^31 - 1',
        'INLINE: a range is not hex',
        'INLINE: address + size past 2^53',
        'INLINE: a number is not decimal or is past 2^31 - 1',
      ]);
      expect(sym.problems.count).toBe(11); // and the INLINE after the PUBLIC
      expect(sym.dropped).toBe(1); // the second INLINE_ORIGIN 0
      const frames = await sym.findInlines(0x1009);
      expect(frames.map((f) => f.name)).toEqual(Array.from({ length: 10 }, (_, k) => (k % 2 ? 'b()' : 'a()')));
      expect(frames.map((f) => f.callLine)).toEqual(Array.from({ length: 10 }, (_, k) => k + 1));
      expect(frames[9]).toMatchObject({ file: 'a.cc', line: 100 });
      expect(await sym.findSourceLine(0x1009)).toMatchObject({ file: 'a.cc', line: 1 });
      // origin 7 has no record; its range [0x1080, 0x1084) nests inside all ten
      expect((await sym.findInlines(0x1081)).map((f) => f.name)).toEqual([...Array.from({ length: 10 }, (_, k) => (k % 2 ? 'b()' : 'a()')), INLINE_NAME_OMITTED]);
      expect((await sym.findInlines(0x10fa)).map((f) => f.name)).toEqual(['a()', 'b()', 'a()', 'b()', 'a()', 'b()']);
    } finally {
      await sym.close();
    }
  });

  it('overlapping ranges: partial INLINE overlaps are dropped, equal ones nest, overlapping line records keep the first', async () => {
    const sym = await openText([
      MODULE,
      'FILE 0 a.cc',
      'INLINE_ORIGIN 0 one()',
      'INLINE_ORIGIN 1 two()',
      'INLINE_ORIGIN 2 three()',
      'FUNC 1000 100 0 f',
      'INLINE 0 1 0 0 1000 80',
      'INLINE 0 2 0 1 1040 80', // partially overlaps one(): dropped
      'INLINE 1 3 0 2 1000 80', // equal to one(): inside it
      'INLINE 1 4 0 1 1000 0', // empty: dropped
      '1000 20 10 0',
      '1010 20 11 0', // overlaps: dropped
      '1020 0 12 0', // empty
      '1020 20 13 0',
      '',
    ].join('\n'));
    try {
      expect((await sym.findInlines(0x1050)).map((f) => [f.name, f.callLine])).toEqual([['one()', 1], ['three()', 3]]);
      expect(await sym.findInlines(0x10a0)).toEqual([]);
      expect(await sym.findSourceLine(0x1018)).toEqual({ file: 'a.cc', line: 1, rva: 0x1000, size: 0x20 });
      expect((await sym.findInlines(0x1018)).at(-1)).toMatchObject({ file: 'a.cc', line: 10 });
      expect((await sym.findInlines(0x1028)).at(-1)).toMatchObject({ line: 13 });
    } finally {
      await sym.close();
    }
  });

  it(`nesting deeper than ${MAX_INLINE_DEPTH}: findInlines refuses with a typed error, findSourceLine still answers`, async () => {
    const depth = MAX_INLINE_DEPTH + 1;
    const sym = await openText([
      MODULE,
      'FILE 0 a.cc',
      'INLINE_ORIGIN 0 x()',
      'FUNC 1000 1000 0 f',
      ...Array.from({ length: depth }, (_, k) => `INLINE ${k} ${k + 1} 0 0 ${(0x1000 + k).toString(16)} ${(0x1000 - 2 * k).toString(16)}`),
      '',
    ].join('\n'));
    try {
      const e = await refusedWith(sym.findInlines(0x1800));
      expect(e).toBeInstanceOf(DumpFormatError);
      expect(e).toMatchObject({ code: 'CountTooLarge', struct: SYM_STRUCT });
      expect(await sym.findSourceLine(0x1800)).toMatchObject({ file: 'a.cc', line: 1 });
      expect(await sym.findInlines(0x1000)).toHaveLength(1);
    } finally {
      await sym.close();
    }
  });

  it('a 1 MiB block of 512-field INLINE records (over 100,000 ranges): a lookup stays fast', async () => {
    const head = [MODULE, 'FILE 0 a.cc', 'INLINE_ORIGIN 0 x()', 'FUNC 100000 100000 0 f'];
    const funcAt = head.slice(0, 3).join('\n').length + 1;
    const out = [...head];
    let end = funcAt + head[3]!.length;
    let slot0 = 0; // ranges at slot 0 (0x100000) in records inside the block: equal ranges nest
    let ranges = 0;
    for (let k = 0; end - funcAt <= MAX_FUNC_BLOCK_BYTES; k++) {
      // 254 ranges per record (Breakpad reads 512 fields); 0xffff slots of 16 bytes, so slots repeat
      const slots = Array.from({ length: 254 }, (_, j) => (k * 254 + j) % 0xffff);
      const rec = `INLINE 0 ${k + 1} 0 0 ${slots.map((v) => `${(0x100000 + v * 16).toString(16)} 8`).join(' ')}`;
      out.push(rec);
      end += 1 + rec.length;
      if (end - funcAt <= MAX_FUNC_BLOCK_BYTES) {
        slot0 += slots.filter((v) => v === 0).length;
        ranges += slots.length;
      }
    }
    expect(ranges).toBeGreaterThan(100_000);
    const sym = await openText(`${out.join('\n')}\n`);
    try {
      expect(sym.problems.count).toBe(1); // the record crossing the bound
      const t0 = performance.now();
      expect(await sym.findSourceLine(0x100004)).toEqual({ file: 'a.cc', line: 1, rva: 0x100000, size: 8 });
      const frames = await sym.findInlines(0x100004);
      expect(frames).toHaveLength(slot0);
      expect(slot0).toBe(2);
      expect(frames.map((f) => f.callLine)).toEqual([1, 259]); // 65535 = 258 * 254 + 3: the 259th record
      expect(await sym.findInlines(0x100008)).toEqual([]);
      expect(performance.now() - t0).toBeLessThan(3_000);
    } finally {
      await sym.close();
    }
  });

  it('overlong and garbage lines inside a block are skipped, as the pass skipped them', async () => {
    const sym = await openText([
      MODULE,
      'FILE 0 a.cc',
      'FUNC 1000 100 0 f',
      '1000 10 1 0',
      `STACK ${'x'.repeat(MAX_SYM_LINE_BYTES + 10)}`, // overlong: a problem, not the end of the block
      'garbage here',
      '1010 10 2 0',
      '',
    ].join('\r\n'));
    try {
      expect(sym.problems.count).toBe(2);
      expect(sym.counts.line).toBe(2);
      expect(await sym.findSourceLine(0x1015)).toMatchObject({ line: 2 });
    } finally {
      await sym.close();
    }
  });

  it('a file changed after indexing gives a typed error, not a wrong answer', async () => {
    const text = `${MODULE}\nFILE 0 a.cc\nINLINE_ORIGIN 0 x()\nFUNC 1000 100 0 f\nINLINE 0 1 0 0 1000 10\n1000 10 1 0\n`;
    const bytes = enc(text);
    for (const [at, what] of [[text.indexOf('FUNC 1000'), 'FUNC'], [text.indexOf('FILE 0'), 'FILE'], [text.indexOf('INLINE_ORIGIN'), 'INLINE_ORIGIN']] as const) {
      const copy = bytes.slice();
      const sym = await openSymFile(new BytesSource(copy, 'changing.sym'));
      copy[at] = 0x58; // 'X'
      const e = await refusedWith(sym.findInlines(0x1004).then(() => sym.findSourceLine(0x1004)));
      expect(e, what).toMatchObject({ code: 'BadValue', struct: SYM_STRUCT });
      await sym.close();
    }
  });
});
