// Hostile PDBs: truncated at every structure boundary, a directory claiming 2^31 streams, block
// numbers past the end, counts and sizes that do not fit, cyclic type records, names without a
// NUL, records claiming 64 KiB, and random mutations of a synthetic and a real PDB. Every input
// gives a result or a typed DumpError, quickly; none makes the reader allocate what the file does
// not hold.

import { mulberry32 as rng } from '../../helpers/rng.js';
import { describe, expect, it } from 'vitest';
import { BytesSource } from '../../../src/reader/byte-source.js';
import { FileSource } from '../../../src/reader/file-source.js';
import { DumpError } from '../../../src/errors.js';
import { openPdb } from '../../../src/formats/pdb/pdb-file.js';
import { MAX_PDB_STREAMS } from '../../../src/formats/pdb/limits.js';
import { buildPdb, types, type SynthPdb } from '../../synth/pdb.js';
import { corpusOrSkipMessage, corpusPath } from '../../helpers/corpus.js';
import { SpySource } from '../../helpers/spy-source.js';

const haveCorpus = corpusOrSkipMessage();
const TEXT = 0x1000;

/** A PDB with a bit of everything: publics, two modules with lines, types, a static function. */
function sample(extra: Partial<SynthPdb> = {}): SynthPdb {
  const procs = Array.from({ length: 40 }, (_, i) => ({ name: `f${i}`, section: 1, offset: i * 0x40, size: 0x30, local: i % 5 === 0, typeIndex: i % 5 === 0 ? 0x1005 : 0, lines: [{ offset: 0, line: i * 3 + 1 }, { offset: 0x10, line: i * 3 + 2 }] }));
  return {
    blockSize: 512,
    types: [types.udt('struct', 's'), types.pointer(0x1000), types.modifier(0x70, { const: true }), types.pointer(0x1002), types.argList([0x1001, 0x1003]), types.procedure(0x74, 0x1004, 2)],
    publics: procs.filter((p) => !p.local).map((p) => ({ name: `?${p.name}@@YAHH@Z`, section: 1, offset: p.offset })).concat([{ name: '_thunk', section: 1, offset: 0x2000 }, { name: '_data', section: 2, offset: 8 }]),
    modules: [
      { name: 'a.obj', procs: procs.slice(0, 20) },
      { name: 'b.obj', procs: procs.slice(20) },
    ],
    ...extra,
  };
}

/** The MSF layout of PDB bytes, to find and patch structures (test side, independent of src/). */
class Layout {
  readonly bs: number;
  readonly numBlocks: number;
  readonly dirBlocks: number[];
  readonly sizes: number[] = [];
  readonly blocks: number[][] = [];
  /** File offset of each u32 of the directory. */
  private readonly dirAt: (o: number) => number;
  constructor(readonly b: Uint8Array) {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    this.bs = dv.getUint32(32, true);
    this.numBlocks = dv.getUint32(40, true);
    const dirBytes = dv.getUint32(44, true);
    const map = dv.getUint32(52, true) * this.bs;
    this.dirBlocks = Array.from({ length: Math.ceil(dirBytes / this.bs) }, (_, i) => dv.getUint32(map + 4 * i, true));
    this.dirAt = (o) => this.dirBlocks[Math.floor(o / this.bs)]! * this.bs + (o % this.bs);
    const n = dv.getUint32(this.dirAt(0), true);
    let at = 4 + 4 * n;
    for (let i = 0; i < n; i++) {
      const size = dv.getUint32(this.dirAt(4 + 4 * i), true);
      this.sizes.push(size);
      const k = size === 0xffff_ffff ? 0 : Math.ceil(size / this.bs);
      this.blocks.push(Array.from({ length: k }, (_, j) => dv.getUint32(this.dirAt(at + 4 * j), true)));
      at += 4 * k;
    }
  }
  /** File offset of byte `off` of stream `s`. */
  at(s: number, off: number): number {
    return this.blocks[s]![Math.floor(off / this.bs)]! * this.bs + (off % this.bs);
  }
  /** File offset of the directory entry of stream `s`'s size, or of its `j`th block number. */
  sizeEntry(s: number): number {
    return this.dirAt(4 + 4 * s);
  }
  blockEntry(s: number, j: number): number {
    let at = 4 + 4 * this.sizes.length;
    for (let i = 0; i < s; i++) at += 4 * this.blocks[i]!.length;
    return this.dirAt(at + 4 * j);
  }
  u32(off: number, v: number): this {
    new DataView(this.b.buffer, this.b.byteOffset).setUint32(off, v >>> 0, true);
    return this;
  }
  u16(off: number, v: number): this {
    new DataView(this.b.buffer, this.b.byteOffset).setUint16(off, v, true);
    return this;
  }
  /** The first file offset of `text` (as bytes) in stream `s`. */
  find(s: number, text: string): number {
    const want = Uint8Array.from(text, (c) => c.charCodeAt(0));
    for (let off = 0; off + want.length <= this.sizes[s]!; off++) {
      let ok = true;
      for (let k = 0; k < want.length && ok; k++) ok = this.b[this.at(s, off + k)] === want[k];
      if (ok) return off;
    }
    throw new Error(`${text} not in stream ${s}`);
  }
}

/** Streams of the synthetic layout (no OMAP): see test/synth/pdb.ts layoutFor. */
const S = { info: 1, tpi: 2, dbi: 3, ipi: 4, names: 6, gss: 9, sectionHeaders: 10, modA: 11, modB: 12 };

type Outcome = 'ok' | string;

/**
 * Everything a user reaches: open, lookups, listings, close. Returns 'ok' or the DumpError code;
 * anything else thrown fails the test.
 */
async function exercise(bytes: Uint8Array, name = 'h.pdb'): Promise<Outcome> {
  const t0 = performance.now();
  let outcome: Outcome = 'ok';
  try {
    const pdb = await openPdb(new BytesSource(bytes, name));
    try {
      for (const rva of [0, TEXT, TEXT + 0x45, TEXT + 0x3ff, TEXT + 0x2000, TEXT + 0x2100, 0x20_0000, 0xffff_ffff]) {
        await pdb.findFunction(rva);
        await pdb.findSourceLine(rva);
      }
      await pdb.listFunctions();
      await pdb.listPublics();
      await pdb.listRawPublics();
      void pdb.indexBytes;
    } finally {
      await pdb.close();
    }
  } catch (e) {
    if (!(e instanceof DumpError)) throw e;
    expect(e.path, e.message).toBe(name);
    outcome = e.code;
  }
  expect(performance.now() - t0, `${name}: slow`).toBeLessThan(5000);
  return outcome;
}

async function refusal(bytes: Uint8Array): Promise<DumpError> {
  const e = await openPdb(new BytesSource(bytes, 'h.pdb')).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(DumpError);
  return e as DumpError;
}

describe('truncated PDBs', () => {
  it('give a result or a DumpError when cut at every structure boundary', async () => {
    const full = buildPdb(sample());
    const l = new Layout(full.slice());
    const cuts = new Set<number>([0, 1, 31, 32, 36, 40, 44, 48, 52, 55, 56]);
    for (let k = 1; k <= l.numBlocks; k++) cuts.add(k * l.bs).add(k * l.bs - 1);
    // every stream's first and last byte, and the ends of the DBI header and substreams
    l.sizes.forEach((size, s) => {
      if (size === 0xffff_ffff || size === 0) return;
      cuts.add(l.at(s, 0)).add(l.at(s, size - 1) + 1);
    });
    for (const off of [64, 128, 200]) if (off < l.sizes[S.dbi]!) cuts.add(l.at(S.dbi, off));
    const outcomes = new Map<Outcome, number>();
    for (const cut of [...cuts].filter((c) => c < full.length).sort((a, b) => a - b)) {
      const o = await exercise(full.slice(0, cut), 'h.pdb');
      outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
    }
    // most cuts lose a stream the open needs; the errors are typed, not crashes
    expect([...outcomes.keys()].every((k) => ['ok', 'Truncated', 'OutOfBounds', 'BadSignature', 'BadValue', 'CountTooLarge', 'BadVersion'].includes(k)), [...outcomes].join()).toBe(true);
    expect(outcomes.get('Truncated')).toBeGreaterThan(0);
  });

  it('a file cut after the superblock says the superblock is short', async () => {
    const e = await refusal(buildPdb(sample()).slice(0, 40));
    expect(e.code).toBe('OutOfBounds');
    expect(e.struct).toBe('pdb-msf');
  });
});

describe('the stream directory', () => {
  it('claiming 2^31 streams is refused before anything is allocated for them', async () => {
    const b = buildPdb(sample());
    const l = new Layout(b);
    l.u32(l.sizeEntry(0) - 4, 0x8000_0000);
    const e = await refusal(b);
    expect(e.code).toBe('CountTooLarge');
    expect(e.struct).toBe('pdb-msf');
    expect(e.message).toContain(String(0x8000_0000));
  });

  it('claiming more streams than its bytes can list is refused', async () => {
    const b = buildPdb(sample());
    const l = new Layout(b);
    l.u32(l.sizeEntry(0) - 4, MAX_PDB_STREAMS - 1);
    expect((await refusal(b)).code).toBe('CountTooLarge');
  });

  it('a stream size needing more blocks than the directory lists is refused', async () => {
    const b = buildPdb(sample());
    const l = new Layout(b);
    l.u32(l.sizeEntry(S.tpi), 0x7fff_0000);
    expect((await refusal(b)).code).toBe('CountTooLarge');
  });

  it('a directory over the limit, a block size that is no power of two, a block map past the end', async () => {
    for (const [off, v, code] of [[44, 0x7fff_ffff, 'CountTooLarge'], [32, 1000, 'BadValue'], [52, 0xffff_fff0, 'OutOfBounds'], [40, 0, 'BadValue']] as const) {
      const b = buildPdb(sample());
      new Layout(b).u32(off, v);
      expect((await refusal(b)).code, `${off}`).toBe(code);
    }
  });
});

describe('block numbers past the end of the file', () => {
  it('in the DBI stream: refused, naming the stream and the block', async () => {
    const b = buildPdb(sample());
    const l = new Layout(b);
    l.u32(l.blockEntry(S.dbi, 0), l.numBlocks + 7);
    const e = await refusal(b);
    expect(e.code).toBe('OutOfBounds');
    expect(e.message).toMatch(/stream 3 .*block/);
  });

  it('in a module stream: the PDB opens, a lookup landing there fails with a DumpError, others answer', async () => {
    const b = buildPdb(sample());
    const l = new Layout(b);
    l.u32(l.blockEntry(S.modB, 0), 0x0fff_ffff);
    const pdb = await openPdb(new BytesSource(b, 'h.pdb'));
    expect(await pdb.findFunction(TEXT + 0x45)).toMatchObject({ name: 'f1(int)' });
    await expect(pdb.findFunction(TEXT + 25 * 0x40)).rejects.toMatchObject({ code: 'OutOfBounds', path: 'h.pdb' });
    await pdb.close();
  });

  it('within the block count the superblock claims but past the end of a short file: Truncated', async () => {
    const b = buildPdb(sample());
    const l = new Layout(b);
    l.u32(40, l.numBlocks + 100).u32(l.blockEntry(S.modA, 0), l.numBlocks + 50);
    const pdb = await openPdb(new BytesSource(b, 'h.pdb'));
    await expect(pdb.findFunction(TEXT)).rejects.toBeInstanceOf(DumpError);
    await pdb.close();
  });

  it('a stream of scattered blocks past the end allocates nothing before failing', async () => {
    const spec = sample();
    spec.types = [...spec.types!, ...Array.from({ length: 100 }, () => types.argList([0x74, 0x74, 0x74]))];
    const b = buildPdb(spec);
    const l = new Layout(b);
    expect(l.blocks[S.tpi]!.length).toBeGreaterThan(3);
    // The TPI's blocks after its first (the header's), backwards and past the end: a read of its
    // records cannot be one view, and the buffer joining them must not be allocated.
    l.u32(40, 0x7fff_ffff);
    l.blocks[S.tpi]!.forEach((_, j) => j > 0 && l.u32(l.blockEntry(S.tpi, j), 0x7fff_0000 - 2 * j));
    const spy = new SpySource(new BytesSource(b, 'h.pdb'));
    const pdb = await openPdb(spy);
    const before = spy.reads;
    // f0 is named from its type: the record read fails, typed, before any read of those blocks
    await expect(pdb.findFunction(TEXT + 4)).rejects.toMatchObject({ code: 'Truncated', struct: 'pdb-tpi' });
    expect(spy.maxRead).toBeLessThanOrEqual(Math.max(l.bs, l.sizes[S.dbi]!));
    expect(spy.reads - before).toBeLessThan(20);
    expect(await pdb.findFunction(TEXT + 0x44)).toMatchObject({ name: 'f1(int)' });
    await pdb.close();
  });
});

describe('records that lie', () => {
  it('cyclic type records (a modifier and a pointer naming each other) print as nothing, quickly', async () => {
    const spec = sample({ types: [types.modifier(0x1001, { const: true }), types.pointer(0x1000), types.argList([0x1001, 0x1000, 0x1002]), types.procedure(0x1001, 0x1002, 3), types.raw(0x1002, new Uint8Array(8)), types.procedure(0x1005, 0x1005, 1)] });
    spec.modules![0]!.procs[0]!.typeIndex = 0x1003;
    spec.modules![0]!.procs[5]!.typeIndex = 0x1005;
    const pdb = await openPdb(new BytesSource(buildPdb(spec), 'h.pdb'));
    const t0 = performance.now();
    // 0x1001 is a pointer to (const 0x1000 = a pointer to 0x1001...): each prints as far as the cycle
    expect((await pdb.findFunction(TEXT))?.name).toBe('static  const * f0( const *,  * const, )');
    expect((await pdb.findFunction(TEXT + 5 * 0x40))?.name).toBe('static  f5()');
    expect(performance.now() - t0).toBeLessThan(500);
    await pdb.close();
  });

  it('a public name without a NUL ends with its record', async () => {
    const b = buildPdb(sample());
    const l = new Layout(b);
    const at = l.find(S.gss, '_thunk') + 6; // the NUL and the three bytes of padding after it
    for (let k = 0; k < 4; k++) b[l.at(S.gss, at + k)] = 0x58;
    const pdb = await openPdb(new BytesSource(b, 'h.pdb'));
    expect((await pdb.listRawPublics()).find((p) => p.name.startsWith('_thunk'))?.name).toBe('_thunkXXXX');
    expect(await pdb.findFunction(TEXT + 0x2010)).toMatchObject({ kind: 'public', name: 'thunkXXXX' });
    await pdb.close();
  });

  it('a module name without a NUL in the module list is refused', async () => {
    const b = buildPdb(sample());
    const l = new Layout(b);
    const at = l.find(S.dbi, 'b.obj\0b.obj\0');
    for (let k = 0; k < 12; k++) b[l.at(S.dbi, at + k)] = 0x41;
    const e = await refusal(b);
    expect(e.code).toBe('BadValue');
    expect(e.struct).toBe('pdb-dbi');
  });

  it('a symbol record claiming 64 KiB ends the walk with a problem; what came before still answers', async () => {
    const b = buildPdb(sample());
    const l = new Layout(b);
    // f11's record in module a: its length to 0xffff, past the end of the symbols
    const name = l.find(S.modA, 'f11\0');
    l.u16(l.at(S.modA, name - 39), 0xffff);
    const pdb = await openPdb(new BytesSource(b, 'h.pdb'));
    expect(await pdb.findFunction(TEXT + 9 * 0x40)).toMatchObject({ kind: 'func', name: 'f9(int)' });
    // f11 on are not indexed: their publics name them
    expect(await pdb.findFunction(TEXT + 11 * 0x40 + 4)).toMatchObject({ kind: 'public', name: 'f11(int)' });
    expect(pdb.problems.join()).toMatch(/module 0 .*runs past/);
    await pdb.close();
  });

  it('a global symbol record claiming 64 KiB: the publics before it are indexed, the problem reported', async () => {
    const b = buildPdb(sample());
    const l = new Layout(b);
    const at = l.find(S.gss, '_thunk') - 14;
    l.u16(l.at(S.gss, at), 0xffff);
    const pdb = await openPdb(new BytesSource(b, 'h.pdb'));
    expect(pdb.problems.join()).toMatch(/global symbols .*runs past/);
    expect(await pdb.findFunction(TEXT + 0x45)).toMatchObject({ name: 'f1(int)' });
    await pdb.close();
  });

  it.each([
    ['the module info size', S.dbi, 24, 0x7fff_ffff, 'OutOfBounds'],
    ['the section contributions size', S.dbi, 28, 0x7fff_fff0, 'OutOfBounds'],
    ['a substream size below zero', S.dbi, 32, 0xffff_fff0, 'OutOfBounds'],
    ['the DBI signature', S.dbi, 0, 7, 'BadSignature'],
    ['the info stream version', S.info, 0, 1, 'BadVersion'],
    ['the named stream map\'s string bytes', S.info, 28, 0x7fff_ffff, 'OutOfBounds'],
  ])('%s read from the file is checked against the bytes present', async (_what, stream, off, value, code) => {
    const b = buildPdb(sample());
    const l = new Layout(b);
    l.u32(l.at(stream, off), value);
    const e = await refusal(b);
    expect(e.code).toBe(code);
  });

  it.each([
    ['the TPI record bytes', S.tpi, 16, 'types not read: .*pdb-tpi', 'static  f0()', 'a.obj.cpp'],
    ['the TPI header size', S.tpi, 4, 'types not read: .*pdb-tpi', 'static  f0()', 'a.obj.cpp'],
    ['the /names byte size', S.names, 8, 'source file names not read: .*pdb-names', 'static int f0(struct s *, const char *)', ''],
  ])('%s past its stream costs what it holds (a problem), not the PDB', async (_what, stream, off, problem, name, file) => {
    const b = buildPdb(sample());
    const l = new Layout(b);
    l.u32(l.at(stream, off), 0x7fff_ffff);
    const pdb = await openPdb(new BytesSource(b, 'h.pdb'));
    expect(pdb.problems.join()).toMatch(new RegExp(problem));
    expect((await pdb.findFunction(TEXT + 4))?.name).toBe(name);
    expect((await pdb.findFunction(TEXT + 0x44))?.name).toBe('f1(int)');
    expect((await pdb.findSourceLine(TEXT + 4))?.file).toBe(file);
    await pdb.close();
  });

  it('line data that does not fit is dropped with a problem, not read past', async () => {
    const b = buildPdb(sample());
    const l = new Layout(b);
    // module a's first DEBUG_S_LINES block: its line count to 2^31
    const sub = l.find(S.modA, '\xf2\0\0\0');
    l.u32(l.at(S.modA, sub + 8 + 12 + 4), 0x8000_0000);
    const pdb = await openPdb(new BytesSource(b, 'h.pdb'));
    expect(await pdb.findSourceLine(TEXT + 0x45)).toMatchObject({ line: 4 });
    expect(await pdb.findSourceLine(TEXT + 5)).toBeUndefined();
    expect(pdb.problems.join()).toMatch(/does not fit/);
    await pdb.close();
  });
});


/** 1-8 writes of boundary values or random bytes, mostly into the directory and the first streams. */
function mutate(src: Uint8Array, r: () => number): Uint8Array {
  const b = src.slice();
  const dv = new DataView(b.buffer);
  const values = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0x1000, 0xfff];
  const n = 1 + Math.floor(r() * 8);
  for (let i = 0; i < n; i++) {
    const where = r() < 0.7 ? Math.floor(r() * Math.min(b.length, 65536)) : Math.floor(r() * b.length);
    const at = Math.min(where, b.length - 4);
    if (r() < 0.5) dv.setUint32(at, values[Math.floor(r() * values.length)]!, true);
    else b[at] = Math.floor(r() * 256);
  }
  if (r() < 0.1) return b.slice(0, Math.floor(r() * b.length));
  return b;
}

describe('random mutations', () => {
  it('of a synthetic PDB: every one gives a result or a DumpError', async () => {
    const base = buildPdb(sample());
    const r = rng(7);
    const seen = new Map<Outcome, number>();
    for (let i = 0; i < 400; i++) {
      const o = await exercise(mutate(base, r), `m${i}.pdb`);
      seen.set(o, (seen.get(o) ?? 0) + 1);
    }
    expect(seen.get('ok')).toBeGreaterThan(0);
  });

  it.skipIf(!haveCorpus)('of a real PDB (dump_syms_regtest64): every one gives a result or a DumpError', async () => {
    const src = await FileSource.open(corpusPath('pdb', 'dump_syms_regtest64.pdb'));
    const base = (await src.read(0, src.size)).slice();
    await src.close();
    const r = rng(11);
    for (let i = 0; i < 120; i++) await exercise(mutate(base, r), `r${i}.pdb`);
  });
});
