// PE export tables (readExports / findExportBelow): llvm-readobj --coff-exports as the oracle on the
// corpus's PE files and on a synthetic image with every kind of entry, the corpus's dumps, and
// hostile tables (typed errors for structure, an unnamed export and a warning for a bad name).
//
// Oracle outputs are in expected/ (see expected/README.md for the commands): the two corpus PE
// files have no export directory at all (data directory 0 is 0/0), so readobj lists nothing and
// neither does readExports. That is also why the corpus's pe_only_symbol_test.sym has no PUBLIC
// lines: there were no exports for breakpad's dump_syms to write. The synthetic image carries the
// entries; to regenerate its readobj text, run this file with DT_WRITE_EXPORTS_IMAGE=path (it
// writes the image there), run readobj on it and keep the text.

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BytesSource } from '../../../src/reader/byte-source.js';
import { DumpError, DumpFormatError, TruncatedDumpError, type DumpWarning } from '../../../src/errors.js';
import { PeMachine, openPeImageFile, openPeImageInMemory, type PeImage } from '../../../src/formats/pe/image.js';
import { MAX_EXPORT_NAME_BYTES, findExportBelow, readExports, type PeExport } from '../../../src/formats/pe/exports.js';
import { openDump } from '../../../src/triage-file.js';
import type { DumpFacts } from '../../../src/analysis/facts/types.js';
import { corpusOrSkipMessage, corpusPath } from '../../helpers/corpus.js';
import { Bytes, SparseMemory, SynthPe } from './build-pe.js';
import { SOURCE_KINDS, openImage } from './helpers.js';

const haveCorpus = corpusOrSkipMessage();
const here = dirname(fileURLToPath(import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'pe-exports-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const BASE = 0x7ffa_0000_0000n;

/** Ordinal, name and RVA (or forwarder) of each `Export {` block llvm-readobj prints. */
function parseCoffExports(text: string): Array<{ ordinal: number; name: string; rva?: number; forwarder?: string }> {
  const out: Array<{ ordinal: number; name: string; rva?: number; forwarder?: string }> = [];
  for (const m of text.matchAll(/Export \{([^}]*)\}/g)) {
    const body = m[1]!;
    const ordinal = Number(/Ordinal: (\d+)/.exec(body)![1]);
    const name = /Name: (.*)/.exec(body)?.[1]?.trim() ?? '';
    const rva = /RVA: (0x[0-9A-Fa-f]+)/.exec(body);
    const fwd = /ForwardedTo: (.*)/.exec(body);
    out.push({ ordinal, name, ...(rva ? { rva: Number(rva[1]) } : {}), ...(fwd ? { forwarder: fwd[1]!.trim() } : {}) });
  }
  return out;
}

function asz(s: string): number[] {
  return [...Buffer.from(`${s}\0`, 'latin1')];
}

// ---------------------------------------------------------------------------------------------
// The synthetic image: .text 0x1000, .rdata 0x2000 (the export directory: 0x2000-0x2200), .data
// 0x3000-0x5000 ('A' bytes, for names without a NUL). Ordinal base 5; slots:
//   5 Alpha 0x1000 | 6 Beta + Beta_alias 0x1010 | 7 (ordinal only) 0x1010 | 8 unused (0)
//   9 (ordinal only) 0x1100 | 10 Sleep -> KERNEL32.Sleep | 11 LoopA -> synth_exports.LoopB
//   12 LoopB -> synth_exports.LoopA (a forwarder loop) | 13 DataVar 0x3000 (data) | 14 Gamma 0x1200

const DIR_RVA = 0x2000;
const DIR_SIZE = 0x200;
const EAT = 0x2040;
const NAMES = 0x2080;
const ORDS = 0x20c0;
const STR = 0x2100;

interface SynthOptions {
  nFunctions?: number;
  nNames?: number;
  functionsAt?: number;
  namesAt?: number;
  dirRva?: number;
  dirSize?: number;
  /** Patches applied to the finished image (file offset = RVA in these images). */
  patch?: (v: DataView) => void;
}

function exportsImage(o: SynthOptions = {}): Uint8Array {
  const rdata = new Bytes();
  const strings: Array<[string, number]> = [];
  let s = STR;
  const str = (t: string): number => {
    const at = s;
    strings.push([t, at]);
    s += t.length + 1;
    return at;
  };
  const dllName = str('synth_exports.dll');
  const fwdSleep = str('KERNEL32.Sleep');
  const fwdA = str('synth_exports.LoopB');
  const fwdB = str('synth_exports.LoopA');
  const eat = [0x1000, 0x1010, 0x1010, 0, 0x1100, fwdSleep, fwdA, fwdB, 0x3000, 0x1200];
  // The name pointer table is sorted (the loader's binary search); the ordinal table gives slots.
  const named: Array<[string, number]> = [['Alpha', 0], ['Beta', 1], ['Beta_alias', 1], ['DataVar', 8], ['Gamma', 9], ['LoopA', 6], ['LoopB', 7], ['Sleep', 5]];
  const nameRvas = named.map(([n]) => str(n));
  rdata.at(0).u32(0).u32(0x5f000000).u16(0).u16(0).u32(dllName).u32(5)
    .u32(o.nFunctions ?? eat.length).u32(o.nNames ?? named.length).u32(o.functionsAt ?? EAT).u32(o.namesAt ?? NAMES).u32(ORDS);
  rdata.at(EAT - DIR_RVA);
  for (const r of eat) rdata.u32(r);
  rdata.at(NAMES - DIR_RVA);
  for (const r of nameRvas) rdata.u32(r);
  rdata.at(ORDS - DIR_RVA);
  for (const [, slot] of named) rdata.u16(slot);
  for (const [t, at] of strings) rdata.at(at - DIR_RVA).raw(asz(t));
  rdata.at(DIR_SIZE);
  const image = new SynthPe({ machine: PeMachine.AMD64, imageBase: 0x180000000n, timestamp: 0x5f000000 })
    .addSection({ name: '.text', rva: 0x1000, bytes: new Uint8Array(0x1000).fill(0xcc) })
    .addSection({ name: '.rdata', rva: 0x2000, bytes: rdata.bytes() })
    .addSection({ name: '.data', rva: 0x3000, bytes: new Uint8Array(0x2000).fill(0x41) })
    .setDirectory(0, o.dirRva ?? DIR_RVA, o.dirSize ?? DIR_SIZE)
    .build();
  o.patch?.(new DataView(image.buffer, image.byteOffset, image.byteLength));
  return image;
}

/** What readExports should list for the synthetic image (slot 8, RVA 0, is unused). */
const SYNTH_EXPORTS: PeExport[] = [
  { ordinal: 5, rva: 0x1000, name: 'Alpha' },
  { ordinal: 6, rva: 0x1010, name: 'Beta' },
  { ordinal: 7, rva: 0x1010 },
  { ordinal: 9, rva: 0x1100 },
  { ordinal: 10, rva: 0x2112, forwarder: 'KERNEL32.Sleep', name: 'Sleep' },
  { ordinal: 11, rva: 0x2121, forwarder: 'synth_exports.LoopB', name: 'LoopA' },
  { ordinal: 12, rva: 0x2135, forwarder: 'synth_exports.LoopA', name: 'LoopB' },
  { ordinal: 13, rva: 0x3000, name: 'DataVar' },
  { ordinal: 14, rva: 0x1200, name: 'Gamma' },
];

if (process.env.DT_WRITE_EXPORTS_IMAGE) writeFileSync(process.env.DT_WRITE_EXPORTS_IMAGE, exportsImage());

async function fromFile(bytes: Uint8Array): Promise<PeImage> {
  return openPeImageFile(new BytesSource(bytes, 'synth_exports.dll'));
}

async function inMemory(bytes: Uint8Array, missingPages: number[] = []): Promise<PeImage> {
  const mem = new SparseMemory().map(BASE, bytes);
  for (const p of missingPages) mem.missingPages.add((BASE >> 12n) + BigInt(p));
  return (await openPeImageInMemory(mem.read, BASE))!;
}

async function refused(p: Promise<unknown>): Promise<DumpError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DumpError);
  return e as DumpError;
}

// ---------------------------------------------------------------------------------------------

describe.skipIf(!haveCorpus)('llvm-readobj --coff-exports on the corpus PE files', () => {
  it.each(['pe_only_symbol_test.dll', 'dump_syms_regtest64.exe'])('%s: no export directory, no exports (as readobj)', async (name) => {
    const oracle = readFileSync(join(here, 'expected', `${name}.coff-exports.txt`), 'utf8');
    expect(oracle).toContain(`File: ${name}`);
    expect(parseCoffExports(oracle)).toEqual([]);
    for (const kind of SOURCE_KINDS) {
      const { image, close } = await openImage(corpusPath('pdb', name), kind);
      try {
        expect(image.exportDirectory).toBeUndefined();
        expect(await readExports(image)).toEqual([]);
      } finally {
        await close();
      }
    }
  });

  it('pe_only_symbol_test.sym has no PUBLIC records: the DLL exports nothing', () => {
    const sym = readFileSync(corpusPath('pdb', 'pe_only_symbol_test.sym'), 'utf8');
    expect(sym).not.toMatch(/^PUBLIC /m);
    expect(sym).toMatch(/^STACK CFI INIT /m);
  });
});

describe('the synthetic image', () => {
  const bytes = exportsImage();

  it('is the image the readobj text was recorded from', () => {
    const want = readFileSync(join(here, 'expected', 'exports-synth.dll.sha256'), 'utf8').trim().split(/\s+/)[0];
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(want);
  });

  it.each(['file', 'memory'] as const)('readExports through a %s image agrees with llvm-readobj, entry by entry', async (kind) => {
    const image = kind === 'file' ? await fromFile(bytes) : await inMemory(bytes);
    const warnings: DumpWarning[] = [];
    const got = await readExports(image, { warnings });
    expect(warnings).toEqual([]);
    expect(got).toEqual(SYNTH_EXPORTS);
    // readobj lists the unused slot (RVA 0) too; names it prints empty are ordinal-only exports.
    const oracle = parseCoffExports(readFileSync(join(here, 'expected', 'exports-synth.dll.coff-exports.txt'), 'utf8')).filter((e) => e.rva !== 0);
    expect(got.map((e) => ({ ordinal: e.ordinal, name: e.name ?? '', ...(e.forwarder ? { forwarder: e.forwarder } : { rva: e.rva }) }))).toEqual(oracle);
    // LLVM 14 prints a forwarder's RVA (the string's place in the directory) instead of its text.
    const llvm14 = parseCoffExports(readFileSync(join(here, 'expected', 'exports-synth.dll.coff-exports.llvm14.txt'), 'utf8')).filter((e) => e.rva !== 0);
    expect(got.map((e) => ({ ordinal: e.ordinal, name: e.name ?? '', rva: e.rva }))).toEqual(llvm14);
  });

  it('findExportBelow: the nearest export at or below, never a forwarder; aliases prefer a name, then the lowest ordinal', async () => {
    const list = await readExports(await inMemory(bytes));
    expect(findExportBelow(list, 0xfff)).toBeUndefined();
    expect(findExportBelow(list, 0x1000)?.name).toBe('Alpha');
    expect(findExportBelow(list, 0x100f)?.name).toBe('Alpha');
    expect(findExportBelow(list, 0x1010)).toEqual({ ordinal: 6, rva: 0x1010, name: 'Beta' });
    expect(findExportBelow(list, 0x10ff)?.ordinal).toBe(6);
    expect(findExportBelow(list, 0x1150)).toEqual({ ordinal: 9, rva: 0x1100 });
    expect(findExportBelow(list, 0x1fff)?.name).toBe('Gamma');
    // the forwarders' RVAs (0x2112...) lie in the export directory: never a name
    expect(findExportBelow(list, 0x2130)?.name).toBe('Gamma');
    expect(findExportBelow(list, 0x3004)?.name).toBe('DataVar');
    expect(findExportBelow([], 0x1000)).toBeUndefined();
    // the same list answers from its index; a forwarder-only list names nothing
    expect(findExportBelow(list, 0x1201)?.name).toBe('Gamma');
    expect(findExportBelow(list.filter((e) => e.forwarder !== undefined), 0xffff_ffff)).toBeUndefined();
  });

  it('a forwarder loop (LoopA -> LoopB -> LoopA) is listed, not followed', async () => {
    const list = await readExports(await fromFile(bytes));
    const loop = list.filter((e) => e.forwarder?.startsWith('synth_exports.'));
    expect(loop.map((e) => [e.name, e.forwarder])).toEqual([['LoopA', 'synth_exports.LoopB'], ['LoopB', 'synth_exports.LoopA']]);
    for (const e of loop) expect(findExportBelow(list, e.rva)?.forwarder).toBeUndefined();
  });
});

describe('hostile export tables', () => {
  it('counts past the directory size, or past maxExports: CountTooLarge', async () => {
    for (const o of [{ nFunctions: DIR_SIZE / 4 + 1 }, { nNames: Math.floor(DIR_SIZE / 6) + 1 }, { nFunctions: 0xffff_ffff }, { nNames: 0x8000_0000 }]) {
      const e = await refused(readExports(await fromFile(exportsImage(o))));
      expect(e).toBeInstanceOf(DumpFormatError);
      expect(e, JSON.stringify(o)).toMatchObject({ code: 'CountTooLarge', struct: 'IMAGE_EXPORT_DIRECTORY', offset: DIR_RVA + 0x14 });
    }
    expect(await refused(readExports(await fromFile(exportsImage()), { maxExports: 9 }))).toMatchObject({ code: 'CountTooLarge' });
    expect(await readExports(await fromFile(exportsImage()), { maxExports: 10 })).toHaveLength(9);
  });

  it('a directory smaller than its header, or past SizeOfImage; tables outside the image', async () => {
    expect(await refused(readExports(await fromFile(exportsImage({ dirSize: 39 }))))).toMatchObject({ code: 'BadValue', struct: 'IMAGE_EXPORT_DIRECTORY' });
    expect(await refused(readExports(await fromFile(exportsImage({ dirSize: 0x10_0000 }))))).toMatchObject({ code: 'OutOfBounds', struct: 'IMAGE_EXPORT_DIRECTORY' });
    expect(await refused(readExports(await fromFile(exportsImage({ dirRva: 0xffff_f000 }))))).toMatchObject({ code: 'OutOfBounds' });
    expect(await refused(readExports(await fromFile(exportsImage({ functionsAt: 0x4ff0 }))))).toMatchObject({ code: 'OutOfBounds', struct: 'export address table', offset: 0x4ff0 });
    expect(await refused(readExports(await fromFile(exportsImage({ namesAt: 0xffff_fff0 }))))).toMatchObject({ code: 'OutOfBounds', struct: 'export name pointer table' });
  });

  it('name RVAs outside the image: that export is unnamed, with a warning; the others keep theirs', async () => {
    const image = await fromFile(exportsImage({ patch: (v) => v.setUint32(NAMES, 0x7fff_0000, true) })); // Alpha's name
    const warnings: DumpWarning[] = [];
    const list = await readExports(image, { warnings });
    expect(list[0]).toEqual({ ordinal: 5, rva: 0x1000 });
    expect(list.slice(1)).toEqual(SYNTH_EXPORTS.slice(1));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('outside the image');
    expect(findExportBelow(list, 0x1008)).toEqual({ ordinal: 5, rva: 0x1000 }); // unnamed: the caller shows no name
  });

  it('names without a NUL: cut at 4 KiB, or at the end of the image, leave the export unnamed', async () => {
    const image = await fromFile(exportsImage({
      patch: (v) => {
        v.setUint32(NAMES + 4, 0x3000, true); // Beta: 'A' * 0x2000, no NUL within MAX_EXPORT_NAME_BYTES
        v.setUint32(NAMES + 4 * 4, 0x4ffa, true); // Gamma: 6 bytes to the image's end
        v.setUint32(NAMES + 3 * 4, 0x4000 - 10, true); // DataVar: 10 'A's then a NUL we write
        v.setUint8(0x4000, 0);
      },
    }));
    const warnings: DumpWarning[] = [];
    const list = await readExports(image, { warnings });
    const byOrdinal = new Map(list.map((e) => [e.ordinal, e]));
    // Beta_alias names slot 1 now that Beta could not
    expect(byOrdinal.get(6)).toEqual({ ordinal: 6, rva: 0x1010, name: 'Beta_alias' });
    expect(byOrdinal.get(14)).toEqual({ ordinal: 14, rva: 0x1200 });
    expect(byOrdinal.get(13)?.name).toBe('A'.repeat(10));
    expect(warnings.map((w) => w.message.replace(/.*: /, ''))).toEqual([`no NUL within ${MAX_EXPORT_NAME_BYTES} bytes of rva 0x3000`, 'no NUL within 6 bytes of rva 0x4ffa']);
  });

  it('a forwarder without a NUL inside the directory stays a forwarder (never code), with a warning', async () => {
    const image = await fromFile(exportsImage({
      patch: (v) => {
        v.setUint32(EAT + 5 * 4, DIR_RVA + DIR_SIZE - 4, true);
        v.setUint32(DIR_RVA + DIR_SIZE - 4, 0x58585858, true); // 'XXXX' up to the directory's end
        v.setUint32(EAT + 6 * 4, DIR_RVA + DIR_SIZE - 8, true); // an empty string
      },
    }));
    const warnings: DumpWarning[] = [];
    const list = await readExports(image, { warnings });
    expect(list.find((e) => e.ordinal === 10)).toEqual({ ordinal: 10, rva: DIR_RVA + DIR_SIZE - 4, forwarder: '', name: 'Sleep' });
    expect(list.find((e) => e.ordinal === 11)).toEqual({ ordinal: 11, rva: DIR_RVA + DIR_SIZE - 8, forwarder: '', name: 'LoopA' });
    expect(warnings.map((w) => w.message.replace(/.*: /, ''))).toEqual(['no NUL within 4 bytes of rva 0x21fc', 'empty or unreadable forwarder', 'empty or unreadable forwarder']);
    expect(findExportBelow(list, DIR_RVA + DIR_SIZE)?.name).toBe('Gamma');
  });

  it('name ordinals past NumberOfFunctions are skipped with a warning', async () => {
    const warnings: DumpWarning[] = [];
    const list = await readExports(await fromFile(exportsImage({ patch: (v) => v.setUint16(ORDS, 0xffff, true) })), { warnings });
    expect(list[0]).toEqual({ ordinal: 5, rva: 0x1000 });
    expect(warnings[0]!.message).toContain('past NumberOfFunctions');
  });

  it('in a dump without the directory\'s or a table\'s pages: a typed Truncated error, not a shorter list', async () => {
    const bytes = exportsImage();
    expect(await refused(readExports(await inMemory(bytes, [2])))).toMatchObject({ code: 'Truncated', struct: 'IMAGE_EXPORT_DIRECTORY', offset: DIR_RVA });
    // the address table moved to .data, whose first page the dump lacks
    const moved = exportsImage({ functionsAt: 0x3100, patch: (v) => new Uint8Array(v.buffer, v.byteOffset + 0x3100, 40).set(new Uint8Array(v.buffer, v.byteOffset + EAT, 40)) });
    expect(await readExports(await inMemory(moved))).toEqual(SYNTH_EXPORTS);
    const e = await refused(readExports(await inMemory(moved, [3])));
    expect(e).toBeInstanceOf(TruncatedDumpError);
    expect(e).toMatchObject({ struct: 'export address table', offset: 0x3100 });
    // a name on a missing page: that export unnamed, with a warning
    const warnings: DumpWarning[] = [];
    const list = await readExports(await inMemory(exportsImage({ patch: (v) => v.setUint32(NAMES, 0x3010, true) }), [3]), { warnings });
    expect(list[0]).toEqual({ ordinal: 5, rva: 0x1000 });
    expect(warnings[0]!.message).toContain('not present');
  });

  it('random bytes in the directory: a list or a typed error, and bounded work', async () => {
    let seed = 12345;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed;
    };
    for (let round = 0; round < 300; round++) {
      const image = exportsImage({
        patch: (v) => {
          for (let k = 0; k < 8; k++) {
            const at = DIR_RVA + (next() % DIR_SIZE);
            v.setUint8(at, next() & 0xff);
          }
        },
      });
      const r = await readExports(await fromFile(image)).then(
        (list) => list,
        (e: unknown) => e,
      );
      if (Array.isArray(r)) expect(r.length).toBeLessThanOrEqual(DIR_SIZE / 4);
      else expect(r).toBeInstanceOf(DumpError);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The corpus's dumps: images whose headers are in memory and have an export directory.

function dumpsIn(dir: string): string[] {
  return readdirSync(corpusPath(dir)).filter((n) => n.endsWith('.dmp')).map((n) => `${dir}/${n}`).sort();
}

describe.skipIf(!haveCorpus)('images in the corpus\'s dumps', () => {
  it('every image with an export directory gives its exports or a typed error; well-known names resolve where the table is present', async () => {
    const seen: Array<{ dump: string; module: string; result: string }> = [];
    const WELL_KNOWN: Record<string, string[]> = {
      'ntdll.dll': ['NtClose', 'RtlAllocateHeap', 'LdrLoadDll'],
      'kernel32.dll': ['CreateFileW', 'GetProcAddress', 'Sleep'],
      'kernelbase.dll': ['CreateFileW', 'GetLastError'],
      'ntoskrnl.exe': ['KeBugCheckEx', 'ExAllocatePoolWithTag', 'IoCreateDevice'],
    };
    for (const rel of [...dumpsIn('user-windows'), ...dumpsIn('kernel')]) {
      let facts: DumpFacts;
      const dump = await openDump(corpusPath(rel)).catch(() => undefined);
      if (!dump) continue;
      try {
        facts = await dump.facts();
        for (const m of facts.modules) {
          const image = await openPeImageInMemory((a, n) => facts.memory.read(a, n), m.base);
          if (!image?.exportDirectory) continue;
          const module = m.name.split(/[\\/]/).pop()!.toLowerCase();
          const r = await readExports(image).then(
            (list) => list,
            (e: unknown) => e,
          );
          if (!Array.isArray(r)) {
            expect(r).toBeInstanceOf(DumpError);
            seen.push({ dump: rel, module, result: (r as DumpError).code });
            continue;
          }
          seen.push({ dump: rel, module, result: `${r.length} exports` });
          for (const name of WELL_KNOWN[module] ?? []) {
            const e = r.find((x) => x.name === name && x.forwarder === undefined);
            expect(e, `${rel} ${module}!${name}`).toBeDefined();
            expect(findExportBelow(r, e!.rva)?.rva).toBe(e!.rva);
          }
        }
      } finally {
        await dump.close();
      }
    }
    // What the corpus holds today: only ntoskrnl.exe headers in three kernel dumps, and none with the
    // export directory's pages (a kernel minidump keeps a few pages of each image): typed errors.
    expect(seen).toEqual([
      { dump: 'kernel/rts-training-1e.dmp', module: 'ntoskrnl.exe', result: 'Truncated' },
      { dump: 'kernel/rts-training-7e_1.dmp', module: 'ntoskrnl.exe', result: 'Truncated' },
      { dump: 'kernel/rz-triage_x64.dmp', module: 'ntoskrnl.exe', result: 'Truncated' },
    ]);
  });
});
