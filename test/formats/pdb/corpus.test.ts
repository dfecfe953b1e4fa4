// The six MSVC PDBs of Breakpad's dump_syms test data against the .sym files dump_syms (through
// Microsoft DIA) wrote from them: the MODULE debug id; every FUNC and PUBLIC record (address, size,
// parameter size, the multiple flag and the name), OMAP'd ones included; every LINE record (its
// range, line and file) as listLines gives it and as findSourceLine finds it; and, for a sweep of
// addresses, findFunction and findSourceLine against SymFile's own answers on the .sym.
// Match counts are asserted as exact equality with the .sym's record counts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { FileSource } from '../../../src/reader/file-source.js';
import { DumpError } from '../../../src/errors.js';
import { openPdb, type PdbFile, type PdbFunction, type PdbSourceLine } from '../../../src/formats/pdb/pdb-file.js';
import { openSymFile, type SymFile } from '../../../src/formats/breakpad-sym/sym-file.js';
import { corpusOrSkipMessage, corpusPath } from '../../helpers/corpus.js';

const haveCorpus = corpusOrSkipMessage();

/**
 * Per PDB: its debug id, machine and the .sym's record counts: FUNC, PUBLIC, LINE, LINE of
 * non-zero size, and LINE records that Breakpad's resolver (SymFile) finds at their own first and
 * last byte (the rest lie outside the FUNC piece their records follow, under OMAP, or behind an
 * earlier record).
 */
const TABLE = [
  { file: 'dump_syms_regtest', id: '9214611565FA4C538FE724A797B860F71', machine: 0x14c, omap: false, func: 158, pub: 4, line: 2219, lineSized: 2189, lineSelf: 2189 },
  { file: 'dump_syms_regtest64', id: '72E103A85CB249078B76B2E7C06257B13', machine: 0x8664, omap: false, func: 246, pub: 2, line: 3599, lineSized: 3538, lineSelf: 3535 },
  { file: 'omap_reorder_bbs', id: '99302CF6F3C244F2B8E048BA0268A12F1', machine: 0x14c, omap: true, func: 953, pub: 4, line: 2463, lineSized: 2433, lineSelf: 1243 },
  { file: 'omap_reorder_funcs', id: '11F7284EDE764667AA5234B0E7B07EEF1', machine: 0x14c, omap: true, func: 158, pub: 4, line: 2219, lineSized: 2189, lineSelf: 2189 },
  { file: 'omap_stretched', id: 'ABDA3C53D8074326AA40F41DD53824571', machine: 0x14c, omap: true, func: 175, pub: 4, line: 2325, lineSized: 2295, lineSelf: 2079 },
  { file: 'omap_stretched_filled', id: '79B9AD4B6BDE4A5283EB6870045001E91', machine: 0x14c, omap: true, func: 158, pub: 4, line: 2219, lineSized: 2189, lineSelf: 2189 },
];

interface SymRecords {
  id: string;
  files: Map<number, string>;
  funcs: Array<{ text: string; rva: number; size: number; lines: PdbSourceLine[] }>;
  pubs: Array<{ text: string; rva: number }>;
  lineCount: number;
}

/** The FUNC, PUBLIC and LINE records of a .sym (LINE records under the FUNC before them). */
function readSym(path: string): SymRecords {
  const out: SymRecords = { id: '', files: new Map(), funcs: [], pubs: [], lineCount: 0 };
  const pending: Array<{ rva: number; size: number; line: number; file: number }> = [];
  for (const raw of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const t = raw.split(' ');
    if (t[0] === 'MODULE') out.id = t[3]!;
    else if (t[0] === 'FILE') out.files.set(Number(t[1]), t.slice(2).join(' '));
    else if (t[0] === 'FUNC') {
      const m = t[1] === 'm' ? 1 : 0;
      const rva = parseInt(t[1 + m]!, 16);
      const size = parseInt(t[2 + m]!, 16);
      out.funcs.push({ text: funcText(rva, size, parseInt(t[3 + m]!, 16), m === 1, t.slice(4 + m).join(' ')), rva, size, lines: [] });
    } else if (t[0] === 'PUBLIC') {
      const m = t[1] === 'm' ? 1 : 0;
      const rva = parseInt(t[1 + m]!, 16);
      out.pubs.push({ text: pubText(rva, parseInt(t[2 + m]!, 16), m === 1, t.slice(3 + m).join(' ')), rva });
    } else if (/^[0-9a-f]+ [0-9a-f]+ \d+ \d+$/.test(raw)) {
      out.lineCount++;
      pending.push({ rva: parseInt(t[0]!, 16), size: parseInt(t[1]!, 16), line: Number(t[2]), file: Number(t[3]) });
      out.funcs[out.funcs.length - 1]!.lines.push({ rva: parseInt(t[0]!, 16), size: parseInt(t[1]!, 16), line: Number(t[2]), file: `#${t[3]}` });
    }
  }
  for (const f of out.funcs) for (const l of f.lines) l.file = out.files.get(Number(l.file.slice(1)))!;
  return out;
}

const funcText = (rva: number, size: number, ps: number, m: boolean, name: string): string => `FUNC ${m ? 'm ' : ''}${rva.toString(16)} ${size.toString(16)} ${ps.toString(16)} ${name}`;
const pubText = (rva: number, ps: number, m: boolean, name: string): string => `PUBLIC ${m ? 'm ' : ''}${rva.toString(16)} ${ps.toString(16)} ${name}`;
const asFunc = (f: PdbFunction): string => funcText(f.rva, f.size!, f.paramSize, f.multiple, f.name);
const asPub = (f: PdbFunction): string => pubText(f.rva, f.paramSize, f.multiple, f.name);
const fnKey = (f: { kind: string; rva: number; size?: number; paramSize: number; multiple: boolean; name: string } | undefined): string =>
  f ? `${f.kind} ${f.rva.toString(16)} ${f.size ?? '-'} ${f.paramSize} ${f.multiple} ${f.name}` : '-';
const lineKey = (l: { rva: number; size: number; line: number; file: string } | undefined): string => (l ? `${l.rva.toString(16)} ${l.size} ${l.line} ${l.file}` : '-');

/** Elements of `a` matched by one in `b` (multiset intersection size). */
function matched(a: string[], b: string[]): number {
  const left = new Map<string, number>();
  for (const x of b) left.set(x, (left.get(x) ?? 0) + 1);
  let n = 0;
  for (const x of a) {
    const c = left.get(x) ?? 0;
    if (c > 0) {
      n++;
      left.set(x, c - 1);
    }
  }
  return n;
}

describe.skipIf(!haveCorpus).each(TABLE.map((row) => [row.file, row] as const))('%s.pdb against its .sym', (_name, row) => {
  let pdb: PdbFile;
  let sym: SymFile;
  let records: SymRecords;
  beforeAll(async () => {
    pdb = await openPdb(await FileSource.open(corpusPath('pdb', `${row.file}.pdb`)));
    sym = await openSymFile(await FileSource.open(corpusPath('pdb', `${row.file}.sym`)));
    records = readSym(corpusPath('pdb', `${row.file}.sym`));
  });
  afterAll(async () => {
    await pdb?.close();
    await sym?.close();
  });

  it('has the MODULE line\'s debug id, machine and OMAP', () => {
    expect(records.id).toBe(row.id);
    expect(pdb.debugId).toBe(row.id);
    expect(pdb.machine).toBe(row.machine);
    expect(pdb.hasOmap).toBe(row.omap);
    expect(pdb.problems).toEqual([]);
  });

  it('opens when the expected debug id matches (any case) and refuses another build, naming both ids', async () => {
    const again = await openPdb(await FileSource.open(corpusPath('pdb', `${row.file}.pdb`)), { expectDebugId: row.id.toLowerCase() });
    await again.close();
    const wrong = `${row.id.slice(0, -1)}F`;
    const src = await FileSource.open(corpusPath('pdb', `${row.file}.pdb`));
    const e = await openPdb(src, { expectDebugId: wrong }).catch((x: unknown) => x);
    await src.close();
    expect(e).toBeInstanceOf(DumpError);
    expect((e as DumpError).code).toBe('BadSignature');
    expect((e as DumpError).message).toContain(row.id);
    expect((e as DumpError).message).toContain(wrong);
  });

  it('lists every FUNC record of the .sym (address, size, parameter size, m, name), and no other', async () => {
    const mine = (await pdb.listFunctions()).map(asFunc);
    const theirs = records.funcs.map((f) => f.text);
    expect(theirs.length).toBe(row.func);
    expect(matched(mine, theirs)).toBe(row.func);
    expect(mine.length).toBe(row.func);
    expect([...mine].sort()).toEqual([...theirs].sort());
  });

  it('lists every PUBLIC record of the .sym, and no other', async () => {
    const mine = (await pdb.listPublics()).map(asPub);
    const theirs = records.pubs.map((p) => p.text);
    expect(theirs.length).toBe(row.pub);
    expect(matched(mine, theirs)).toBe(row.pub);
    expect([...mine].sort()).toEqual([...theirs].sort());
  });

  it('gives every FUNC the LINE records written after it (range, line, file)', async () => {
    let lines = 0;
    const bad: string[] = [];
    for (const f of records.funcs) {
      if (f.lines.length === 0) continue;
      const mine = (await pdb.listLines(f.rva)).map(lineKey);
      const theirs = f.lines.map(lineKey);
      lines += matched(mine, theirs);
      if (mine.join('\n') !== theirs.join('\n')) bad.push(`FUNC ${f.rva.toString(16)}`);
    }
    expect(bad).toEqual([]);
    expect(lines).toBe(row.line);
    expect(records.lineCount).toBe(row.line);
  });

  it('at each LINE record\'s first and last byte, finds the line SymFile finds there', async () => {
    let sized = 0;
    let agree = 0;
    let self = 0;
    for (const f of records.funcs) {
      for (const l of f.lines) {
        if (l.size === 0) continue; // a .sym reader drops them
        sized++;
        const ends = [l.rva, l.rva + l.size - 1];
        const mine = await Promise.all(ends.map((r) => pdb.findSourceLine(r)));
        const theirs = await Promise.all(ends.map((r) => sym.findSourceLine(r)));
        if (mine.map(lineKey).join() === theirs.map(lineKey).join()) agree++;
        if (mine.every((m) => lineKey(m) === lineKey(l))) self++;
      }
    }
    expect(sized).toBe(row.lineSized);
    expect(agree).toBe(row.lineSized);
    expect(self).toBe(row.lineSelf);
  });

  it('answers findFunction and findSourceLine as SymFile does on the .sym, for every record edge and a sweep', async () => {
    const probes = new Set<number>();
    for (const f of records.funcs) {
      for (const d of [-1, 0, 1, f.size - 1, f.size, f.size + 1]) probes.add(f.rva + d);
      for (const l of f.lines) for (const d of [0, l.size - 1, l.size]) probes.add(l.rva + d);
    }
    for (const p of records.pubs) for (const d of [-1, 0, 1, 0x40]) probes.add(p.rva + d);
    for (let rva = 0; rva < 0x10000; rva += 7) probes.add(rva);
    let same = 0;
    let named = 0;
    let withLine = 0;
    const bad: string[] = [];
    for (const rva of probes) {
      if (rva < 0) continue;
      const [a, b] = [await pdb.findFunction(rva), await sym.findFunction(rva)];
      const [la, lb] = [await pdb.findSourceLine(rva), await sym.findSourceLine(rva)];
      if (fnKey(a) === fnKey(b) && lineKey(la) === lineKey(lb)) same++;
      else if (bad.length < 5) bad.push(`${rva.toString(16)}: ${fnKey(a)} | ${fnKey(b)}; ${lineKey(la)} | ${lineKey(lb)}`);
      if (b) named++;
      if (lb) withLine++;
    }
    expect(bad).toEqual([]);
    expect(same).toBe([...probes].filter((r) => r >= 0).length);
    // the sweep is not vacuous
    expect(named).toBeGreaterThan(row.func);
    expect(withLine).toBeGreaterThan(row.line);
  });
});
