// The PDB reader on PDBs built by test/synth/pdb.ts: the container at every block size with
// scattered blocks, the debug id, Breakpad's naming rules (C decorations, the public whose
// name-only undecoration is the procedure's, DIA's rendering of types for internal linkage), its
// choice among symbols sharing an address, its PUBLIC rule, DIA's line lengths, the type index
// fallback, and OMAP splitting a function.

import { describe, expect, it } from 'vitest';
import { BytesSource } from '../../../src/reader/byte-source.js';
import { DumpError } from '../../../src/errors.js';
import { openPdb, type OpenPdbOptions, type PdbFile } from '../../../src/formats/pdb/pdb-file.js';
import { ImageMap } from '../../../src/formats/pdb/omap.js';
import { breakpadName } from '../../../src/formats/pdb/names.js';
import { buildPdb, types, SCN_CODE, SCN_DATA, type SynthPdb } from '../../synth/pdb.js';

const TEXT = 0x1000;

async function open(spec: SynthPdb, options?: OpenPdbOptions): Promise<PdbFile> {
  return openPdb(new BytesSource(buildPdb(spec), 'synth.pdb'), options);
}

/** 200 procedures in two modules, two lines each, a public each. */
function manyProcs(): SynthPdb {
  const procs = Array.from({ length: 200 }, (_, i) => ({ name: `f${i}`, section: 1, offset: i * 0x20, size: 0x18, lines: [{ offset: 0, line: 10 * i + 1 }, { offset: 8, line: 10 * i + 2 }] }));
  return {
    publics: procs.map((p) => ({ name: `_${p.name}`, section: 1, offset: p.offset })),
    modules: [
      { name: 'one.obj', procs: procs.slice(0, 100) },
      { name: 'two.obj', procs: procs.slice(100) },
    ],
  };
}

describe('the MSF container', () => {
  it.each([
    [512, false],
    [512, true],
    [1024, true],
    [2048, true],
    [4096, false],
    [4096, true],
  ])('reads streams of %i-byte blocks (scattered: %s)', async (blockSize, interleave) => {
    const pdb = await open({ ...manyProcs(), blockSize, interleave });
    const funcs = await pdb.listFunctions();
    expect(funcs.length).toBe(200);
    expect(funcs[199]).toEqual({ name: 'f199', rva: TEXT + 199 * 0x20, size: 0x18, paramSize: 0, kind: 'func', multiple: false });
    expect(await pdb.findSourceLine(TEXT + 150 * 0x20 + 9)).toEqual({ rva: TEXT + 150 * 0x20 + 8, size: 0x10, line: 1502, file: 'two.obj.cpp' });
    expect(pdb.moduleNames).toEqual(['one.obj', 'two.obj']);
    expect(pdb.problems).toEqual([]);
    await pdb.close();
  });

  it('refuses the old "program database 2.00" format with its own reason', async () => {
    const b = new Uint8Array(4096);
    b.set(Uint8Array.from('Microsoft C/C++ program database 2.00\r\n\x1aJG\0\0', (c) => c.charCodeAt(0)));
    const e = await openPdb(new BytesSource(b, 'old.pdb')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DumpError);
    expect((e as DumpError).code).toBe('BadVersion');
    expect((e as DumpError).struct).toBe('pdb-msf');
    expect((e as DumpError).message).toMatch(/old\.pdb: .*program database 2\.00/);
  });
});

describe('the debug id', () => {
  it('is the GUID in display order, uppercase, then the DBI stream\'s age in hex', async () => {
    const pdb = await open({ guid: '0a1b2c3d4e5f60718293a4b5c6d7e8f9', age: 0x1f, infoAge: 0x22, modules: [] });
    expect(pdb.debugId).toBe('0A1B2C3D4E5F60718293A4B5C6D7E8F91F');
    expect(pdb.guid).toBe('{0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9}');
    expect(pdb.age).toBe(0x1f);
    await pdb.close();
  });

  it('refuses another build when one is expected', async () => {
    const e = await open({ guid: '0a1b2c3d4e5f60718293a4b5c6d7e8f9', age: 1 }, { expectDebugId: '0A1B2C3D4E5F60718293A4B5C6D7E8F92' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DumpError);
    expect((e as DumpError).code).toBe('BadSignature');
    expect((e as DumpError).message).toContain('0A1B2C3D4E5F60718293A4B5C6D7E8F91');
    expect((e as DumpError).message).toContain('0A1B2C3D4E5F60718293A4B5C6D7E8F92');
  });
});

describe('names as dump_syms writes them', () => {
  it('takes C decorations apart: cdecl, stdcall and fastcall (less the 8 bytes in registers)', async () => {
    const pdb = await open({
      publics: [
        { name: '_main', section: 1, offset: 0 },
        { name: '_RtlUnwind@16', section: 1, offset: 0x40 },
        { name: '@fast@12', section: 1, offset: 0x80 },
        { name: '@tiny@4', section: 1, offset: 0xc0 },
      ],
      modules: [{ name: 'c.obj', procs: [{ name: 'main', section: 1, offset: 0, size: 0x10 }, { name: 'RtlUnwind', section: 1, offset: 0x40, size: 0x10 }] }],
    });
    expect((await pdb.listFunctions()).map((f) => [f.name, f.paramSize])).toEqual([['main', 0], ['RtlUnwind', 16]]);
    expect((await pdb.listPublics()).map((f) => [f.name, f.paramSize])).toEqual([['fast', 4], ['tiny', 0]]);
    await pdb.close();
  });

  it('undecorates the C++ public whose name-only form is the procedure\'s (of two at one address)', async () => {
    const spec: SynthPdb = {
      publics: [
        { name: '??_EC@google_breakpad@@UAEPAXI@Z', section: 1, offset: 0 },
        { name: '??_GC@google_breakpad@@UAEPAXI@Z', section: 1, offset: 0 },
        { name: '?set_member@C@google_breakpad@@QAEXH@Z', section: 1, offset: 0x40 },
      ],
      modules: [{ name: 'c.obj', procs: [{ name: "google_breakpad::C::`scalar deleting destructor'", section: 1, offset: 0, size: 0x2c }, { name: 'google_breakpad::C::set_member', section: 1, offset: 0x40, size: 0x16 }] }],
    };
    const pdb = await open(spec);
    expect((await pdb.listFunctions()).map((f) => f.name)).toEqual(["google_breakpad::C::`scalar deleting destructor'(unsigned int)", 'google_breakpad::C::set_member(int)']);
    // The publics share a function's address: not PUBLIC records, and not "multiple" either.
    expect(await pdb.listPublics()).toEqual([]);
    expect(await pdb.findFunction(TEXT + 5)).toMatchObject({ multiple: false });
    await pdb.close();
    const raw = await open(spec, { undecorate: null });
    expect((await raw.listFunctions())[1]!.name).toBe('?set_member@C@google_breakpad@@QAEXH@Z');
    await raw.close();
  });

  /** Types: 0x1000 struct localeinfo_struct, 0x1001 its pointer, 0x1002 const char, 0x1003 pointer to it, ... */
  const TYPES = [
    types.udt('struct', 'localeinfo_struct'), // 0x1000
    types.pointer(0x1000), // 0x1001
    types.modifier(0x70, { const: true }), // 0x1002 const char
    types.pointer(0x1002), // 0x1003 const char *
    types.argList([0x1001, 0x22, 0x1003, 0x74]), // 0x1004
    types.procedure(0x74, 0x1004, 4), // 0x1005 int (localeinfo_struct *, unsigned long, const char *, int)
    types.argList([]), // 0x1006
    types.procedure(0x03, 0x1006, 0), // 0x1007 void (void)
    types.pointer(0x1007), // 0x1008 void (*)(void)
    types.pointer(0x1008), // 0x1009 void (**)(void)
    types.argList([0x1009, 0x1009]), // 0x100a
    types.procedure(0x03, 0x100a, 2), // 0x100b void (void (**)(void), void (**)(void)): _initterm
    types.udt('class', 'Widget'), // 0x100c
    types.udt('union', 'Value'), // 0x100d
    types.enumeration('Color'), // 0x100e
    types.pointer(0x100c, { ref: true }), // 0x100f class Widget &
    types.pointer(0x100d), // 0x1010 union Value *
    types.argList([0x100f, 0x1010, 0x100e, 0x23, 0x71, 0]), // 0x1011 (..., unsigned __int64, wchar_t, ...)
    types.procedure(0x0603, 0x1011, 6), // 0x1012 returns void *
    types.pointer(0x1013), // 0x1013 a pointer to itself
    types.argList([0x1013]), // 0x1014
    types.procedure(0x1013, 0x1014, 1), // 0x1015
    types.pointer(0x1070, { const: true }), // 0x1016 char * const (0x1070: an index past the table)
  ];

  it.each([
    [0x1005, 'static int x_ismbbtype_l(struct localeinfo_struct *, unsigned long, const char *, int)'],
    [0x1007, 'static void x_ismbbtype_l()'],
    [0x100b, 'static void x_ismbbtype_l( * *,  * *)'],
    [0x1012, 'static void * x_ismbbtype_l(class Widget &, union Value *, enum Color, unsigned __int64, wchar_t, ...)'],
    [0x1015, 'static  * x_ismbbtype_l( *)'],
    [0, 'static  x_ismbbtype_l()'],
    [0x7777, 'static  x_ismbbtype_l()'],
  ])('renders a function of internal linkage with type %s as DIA does', async (typeIndex, name) => {
    const pdb = await open({ types: TYPES, modules: [{ name: 'm.obj', procs: [{ name: 'x_ismbbtype_l', section: 1, offset: 0x10, size: 8, local: true, typeIndex }] }] });
    expect((await pdb.findFunction(TEXT + 0x10))?.name).toBe(name);
    await pdb.close();
  });

  it('reads the type of an S_LPROC32_ID procedure through its IPI id', async () => {
    const pdb = await open({ types: TYPES, ids: [types.funcId(0x1005, 'x')], modules: [{ name: 'm.obj', procs: [{ name: 'x', section: 1, offset: 0, size: 8, kind: 0x1146, typeIndex: 0x1000 }] }] });
    expect((await pdb.findFunction(TEXT))?.name).toBe('static int x(struct localeinfo_struct *, unsigned long, const char *, int)');
    await pdb.close();
  });

  it('finds types without the hash stream\'s index offsets (one pass builds them)', async () => {
    const many = [...TYPES, ...Array.from({ length: 3000 }, () => types.argList([0x74, 0x74, 0x74]))];
    const procs = [0x1005, 0x100b, 0x1012].map((t, i) => ({ name: `s${i}`, section: 1, offset: i * 0x10, size: 8, local: true, typeIndex: t }));
    const names = async (typeIndexOffsets: boolean): Promise<string[]> => {
      const pdb = await open({ types: many, typeIndexOffsets, modules: [{ name: 'm.obj', procs }] });
      const out = (await pdb.listFunctions()).map((f) => f.name);
      await pdb.close();
      return out;
    };
    expect(await names(false)).toEqual(await names(true));
    expect((await names(false))[1]).toBe('static void s1( * *,  * *)');
  });

  it('names a global procedure without any public by its record (publics stripped)', async () => {
    const pdb = await open({ modules: [{ name: 'm.obj', procs: [{ name: 'ns::Global', section: 1, offset: 0, size: 8, typeIndex: 0x1005 }] }], types: TYPES });
    expect((await pdb.findFunction(TEXT + 4))?.name).toBe('ns::Global');
    await pdb.close();
  });

  it.each([
    ['_foo@', 'foo', 0],
    ['_foo@08', 'foo@08', -1],
    ['_foo@x', 'foo@x', -1],
    ['@bar', '@bar', -1],
    ['f(void)', 'f()', -1],
    ['ns::_x@4', 'ns::_x@4', -1],
    ['__imp__CreateFileW@28', '_imp__CreateFileW', 28],
  ])('post-processes %s as Breakpad does', (input, name, paramSize) => {
    expect(breakpadName(input, undefined)).toEqual({ name, paramSize });
  });
});

describe('symbols sharing an address', () => {
  const spec: SynthPdb = {
    publics: [
      { name: '_zeta', section: 1, offset: 0 },
      { name: '_alpha', section: 1, offset: 0 },
      { name: '__NLG_Dispatch2', section: 1, offset: 0x200 },
      { name: '__NLG_Dispatch', section: 1, offset: 0x200 },
      { name: '_g_table', section: 2, offset: 0 },
    ],
    modules: [
      { name: 'a.obj', procs: [{ name: 'zeta', section: 1, offset: 0, size: 0x20 }] },
      { name: 'b.obj', procs: [{ name: 'alpha', section: 1, offset: 0, size: 0x20 }] },
    ],
  };

  it('writes one FUNC with the least name, marked multiple (identical code folding)', async () => {
    const pdb = await open(spec);
    expect(await pdb.listFunctions()).toEqual([{ name: 'alpha', rva: TEXT, size: 0x20, paramSize: 0, kind: 'func', multiple: true }]);
    expect(await pdb.findFunction(TEXT + 0x1f)).toEqual({ name: 'alpha', rva: TEXT, size: 0x20, paramSize: 0, kind: 'func', multiple: true });
    await pdb.close();
  });

  it('writes one PUBLIC with the least decorated name, marked multiple; never a data symbol', async () => {
    const pdb = await open(spec);
    expect(await pdb.listPublics()).toEqual([{ name: '_NLG_Dispatch', rva: TEXT + 0x200, paramSize: 0, kind: 'public', multiple: true }]);
    expect(await pdb.findFunction(TEXT + 0x234)).toEqual({ name: '_NLG_Dispatch', rva: TEXT + 0x200, paramSize: 0, kind: 'public', multiple: true });
    await pdb.close();
  });
});

describe('Breakpad\'s PUBLIC rule', () => {
  const spec: SynthPdb = {
    publics: [
      { name: '_f', section: 1, offset: 0x100 },
      { name: '_asm_thunk', section: 1, offset: 0x200 },
      { name: '_g', section: 1, offset: 0x300 },
    ],
    modules: [{ name: 'm.obj', procs: [{ name: 'f', section: 1, offset: 0x100, size: 0x10 }, { name: 'g', section: 1, offset: 0x300, size: 0x10 }, { name: 'empty', section: 1, offset: 0x280, size: 0 }] }],
  };

  it('names an address past a function by the public at or below it when no function starts in between', async () => {
    const pdb = await open(spec);
    expect(await pdb.findFunction(TEXT + 0x10f)).toMatchObject({ kind: 'func', name: 'f' });
    expect(await pdb.findFunction(TEXT + 0x110)).toBeUndefined(); // the public at 0x100 is f's own
    expect(await pdb.findFunction(TEXT + 0x200)).toMatchObject({ kind: 'public', name: 'asm_thunk', rva: TEXT + 0x200 });
    // a zero-sized procedure is no FUNC: it does not stop the public
    expect(await pdb.findFunction(TEXT + 0x2ff)).toMatchObject({ kind: 'public', name: 'asm_thunk' });
    expect(await pdb.findFunction(TEXT + 0x310)).toBeUndefined();
    expect(await pdb.findFunction(TEXT + 0xff)).toBeUndefined();
    expect(await pdb.findFunction(-1)).toBeUndefined();
    expect(await pdb.findFunction(2 ** 32)).toBeUndefined();
    expect(await pdb.findFunction(1.5)).toBeUndefined();
    await pdb.close();
    await expect(pdb.findFunction(TEXT)).rejects.toBeInstanceOf(DumpError);
  });

  it('in a PDB of publics only, names any address by the public at or below it (data too, as Breakpad)', async () => {
    const pdb = await open({ publics: spec.publics, modules: [] });
    expect(await pdb.findFunction(TEXT + 0x150)).toMatchObject({ kind: 'public', name: 'f' });
    expect(await pdb.findFunction(0x20_0010)).toMatchObject({ kind: 'public', name: 'g' });
    expect(await pdb.findSourceLine(TEXT + 0x150)).toBeUndefined();
    await pdb.close();
  });
});

describe('line records', () => {
  it('take DIA\'s lengths: to the next record of the subsection in address order, the last to its end', async () => {
    const pdb = await open({
      modules: [{
        name: 'm.obj',
        procs: [{
          name: 'f', section: 1, offset: 0x100, size: 0x40,
          lines: [{ offset: 0, line: 10 }, { offset: 0x10, line: 12 }, { offset: 0x10, line: 13 }, { offset: 0x8, line: 500, file: 'c:\\inc\\inline.h' }, { offset: 0x30, line: 14 }],
        }],
      }],
    });
    const f = 'm.obj.cpp';
    expect(await pdb.listLines(TEXT + 0x100)).toEqual([
      { rva: TEXT + 0x100, size: 8, line: 10, file: f },
      { rva: TEXT + 0x108, size: 8, line: 500, file: 'c:\\inc\\inline.h' },
      { rva: TEXT + 0x110, size: 0, line: 12, file: f },
      { rva: TEXT + 0x110, size: 0x20, line: 13, file: f },
      { rva: TEXT + 0x130, size: 0x10, line: 14, file: f },
    ]);
    expect(await pdb.findSourceLine(TEXT + 0x10c)).toEqual({ rva: TEXT + 0x108, size: 8, line: 500, file: 'c:\\inc\\inline.h' });
    // the zero-length record is dropped by a .sym reader, the next one answers
    expect(await pdb.findSourceLine(TEXT + 0x110)).toMatchObject({ line: 13 });
    expect(await pdb.findSourceLine(TEXT + 0x13f)).toMatchObject({ line: 14 });
    expect(await pdb.findSourceLine(TEXT + 0x140)).toBeUndefined();
    await pdb.close();
  });
});

describe('OMAP', () => {
  // Original: f at 0x1000 (0x20 bytes), g at 0x1020 (0x20). Transformed: g first, then f's second
  // half, then 0x10 bytes of injected code, then f's first half.
  const omap: SynthPdb['omap'] = {
    to: [[0x1000, 0x1020], [0x1020, 0x1010], [0x1030, 0xffff_ffff], [0x1040, 0x1000], [0x1050, 0x1040]],
    from: [[0x1000, 0x1040], [0x1010, 0x1020], [0x1020, 0x1000], [0x1040, 0x1050]],
  };
  const spec: SynthPdb = {
    sections: [{ name: '.text', virtualAddress: 0x1000, virtualSize: 0x40, characteristics: SCN_CODE }, { name: '.data', virtualAddress: 0x2000, virtualSize: 0x100, characteristics: SCN_DATA }],
    publics: [{ name: '_f', section: 1, offset: 0 }, { name: '_g', section: 1, offset: 0x20 }],
    modules: [{ name: 'm.obj', procs: [
      { name: 'f', section: 1, offset: 0, size: 0x20, lines: [{ offset: 0, line: 1 }, { offset: 0x10, line: 2 }] },
      { name: 'g', section: 1, offset: 0x20, size: 0x20, lines: [{ offset: 0, line: 7 }] },
    ] }],
    omap,
  };

  it('splits a function whose blocks were moved apart into one FUNC per piece', async () => {
    const pdb = await open(spec);
    expect(pdb.hasOmap).toBe(true);
    const funcs = (await pdb.listFunctions()).map((f) => [f.name, f.rva.toString(16), f.size!.toString(16)]);
    expect(funcs).toEqual([['f', '1020', '10'], ['f', '1040', '10'], ['g', '1000', '20']]);
    expect(await pdb.findFunction(0x1025)).toMatchObject({ name: 'f', rva: 0x1020, size: 0x10 });
    expect(await pdb.findFunction(0x1045)).toMatchObject({ name: 'f', rva: 0x1040, size: 0x10 });
    expect(await pdb.findFunction(0x1005)).toMatchObject({ name: 'g', rva: 0x1000 });
    // the injected bytes belong to no function, and the publics at function starts are no PUBLICs
    expect(await pdb.findFunction(0x1035)).toBeUndefined();
    expect(await pdb.listPublics()).toEqual([]);
    // lines are written after the last piece: only there does a .sym reader find them
    expect(await pdb.findSourceLine(0x1044)).toEqual({ rva: 0x1040, size: 0x10, line: 1, file: 'm.obj.cpp' });
    expect(await pdb.findSourceLine(0x1024)).toBeUndefined();
    await pdb.close();
  });

  it('maps ranges as Breakpad\'s MapAddressRange: identity, a split, a removed range, injected code merged', () => {
    // Original [0x1000,0x1008) -> 0x2000, then 8 injected bytes, [0x1020,0x1030) -> 0x2010,
    // [0x1008,0x1010) -> 0x2020; [0x1010,0x1020) removed. OMAPTO rows (transformed, original), an
    // original past the image marking the injected bytes, and the OMAPFROM rows.
    const to = Uint32Array.from([0x2000, 0x1000, 0x2008, 0x2000_0000, 0x2010, 0x1020, 0x2020, 0x1008, 0x2028, 0x1030]);
    const from = Uint32Array.from([0x1000, 0x2000, 0x1008, 0x2020, 0x1010, 0, 0x1020, 0x2010, 0x1030, 0x2028]);
    const map = new ImageMap(to, from, 0x1030);
    expect(map.mapRange(0x1000, 8)).toEqual([{ rva: 0x2000, length: 8 }]);
    expect(map.mapRange(0x1000, 0x10)).toEqual([{ rva: 0x2000, length: 8 }, { rva: 0x2020, length: 8 }]);
    expect(map.mapRange(0x1010, 0x10)).toEqual([]);
    // the whole: contiguous in the transformed image once the injected bytes are merged over
    expect(map.mapRange(0x1000, 0x30)).toEqual([{ rva: 0x2000, length: 0x28 }]);
    // a zero-length query: the start of each piece
    expect(map.mapRange(0x1008, 0)).toEqual([{ rva: 0x2020, length: 0 }]);
    expect(map.toOriginal(0x2004)).toBe(0x1004);
    expect(map.toOriginal(0x1fff)).toBeUndefined();
    expect(new ImageMap(new Uint32Array(0), new Uint32Array(0), 0).mapRange(5, 6)).toEqual([{ rva: 5, length: 6 }]);
  });
});

describe('a PDB of types only (no DBI)', () => {
  it('has a debug id from the info stream and names nothing', async () => {
    const pdb = await open({ guid: '00112233445566778899AABBCCDDEEFF', infoAge: 4, noDbi: true, types: [types.argList([])] });
    expect(pdb.debugId).toBe('00112233445566778899AABBCCDDEEFF4');
    expect(pdb.machine).toBeUndefined();
    expect(await pdb.findFunction(TEXT)).toBeUndefined();
    expect(await pdb.listFunctions()).toEqual([]);
    expect(await pdb.listPublics()).toEqual([]);
    await pdb.close();
  });
});
