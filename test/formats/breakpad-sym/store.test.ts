// SymbolStore: the corpus's Breakpad store layout, folders of binaries checked by their PE
// headers, hostile names, the lookups log, and the process-wide cache and handle pool.

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import {
  closeAllSymbolFiles, configureSymbolCache, moduleFileName, SYMBOL_CACHE_LIMITS, SymbolStore, symbolCacheStats, unsafeNameReason, type SymbolStore as Store,
} from '../../../src/formats/breakpad-sym/store.js';
import { corpusOrSkipMessage, corpusPath } from '../../helpers/corpus.js';

const haveCorpus = corpusOrSkipMessage();
const NTDLL = { name: 'ntdll.dll', pdbName: 'ntdll.pdb', debugId: '1EB9FACB04C73C5DEA7160764CD333D01' };

const tmp = mkdtempSync(join(tmpdir(), 'dt-store-'));
afterAll(async () => {
  await closeAllSymbolFiles();
  rmSync(tmp, { recursive: true, force: true });
});
afterEach(() => {
  configureSymbolCache(SYMBOL_CACHE_LIMITS);
});

function dir(...parts: string[]): string {
  const d = join(tmp, ...parts);
  mkdirSync(d, { recursive: true });
  return d;
}

/** Every path the store logged lies inside one of its roots. */
function expectConfined(store: Store): void {
  for (const l of store.lookups) if (l.path !== undefined) expect(store.roots.some((r) => l.path!.startsWith(r + sep)), l.path).toBe(true);
}

/** A minimal PE32+ header: DOS header, "PE\0\0", file header, optional header. */
function peHeader(timeDateStamp: number, sizeOfImage: number): Uint8Array {
  const b = new Uint8Array(0x80 + 0x18 + 0xf0);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, 0x5a4d, true);
  dv.setUint32(0x3c, 0x80, true);
  dv.setUint32(0x80, 0x4550, true);
  dv.setUint16(0x84, 0x8664, true); // machine
  dv.setUint32(0x88, timeDateStamp, true);
  dv.setUint16(0x94, 0xf0, true); // sizeOfOptionalHeader
  dv.setUint16(0x98, 0x20b, true); // PE32+ magic
  dv.setUint32(0x98 + 0x38, sizeOfImage, true);
  return b;
}

function symText(debugId: string, name: string, extra = ''): string {
  return `MODULE windows x86_64 ${debugId} ${name}\nFUNC 1000 10 0 f\n${extra}`;
}

describe.skipIf(!haveCorpus)('the corpus store layout', () => {
  it('finds NAME.pdb/DEBUGID/NAME.sym and indexes it', async () => {
    const store = new SymbolStore([corpusPath('symbols')]);
    const found = await store.findSymFile(NTDLL);
    expect(found?.path).toBe(corpusPath('symbols', 'ntdll.pdb', NTDLL.debugId, 'ntdll.sym'));
    expect(found!.sym.module.debugId).toBe(NTDLL.debugId);
    expect(await found!.sym.findFunction(0x1015)).toMatchObject({ name: 'RtlLargeIntegerToChar' });
    expect(store.lookups).toEqual([{ kind: 'sym', module: 'ntdll.dll', path: found!.path, result: 'found' }]);
  });

  it('a lowercase debug id, a pdb name given as a full path, and no pdb name at all all find it', async () => {
    const store = new SymbolStore([corpusPath('symbols')]);
    expect((await store.findSymFile({ ...NTDLL, debugId: NTDLL.debugId.toLowerCase() }))?.path).toMatch(/ntdll\.sym$/);
    expect((await store.findSymFile({ ...NTDLL, pdbName: 'd:\\os\\obj\\amd64fre\\ntdll.pdb' }))?.path).toMatch(/ntdll\.sym$/);
    expect((await store.findSymFile({ name: 'ntdll.dll', debugId: NTDLL.debugId }))?.path).toMatch(/ntdll\.sym$/);
    expectConfined(store);
  });

  it('a debug file without .pdb (Linux): NAME/DEBUGID/NAME.sym', async () => {
    const store = new SymbolStore([corpusPath('symbols')]);
    const found = await store.findSymFile({ name: 'null_read_av', debugId: '7B7D1968FF0D47AE4366E9C3A7E1B6750' });
    expect(found?.sym.module.name).toBe('null_read_av');
  });

  it('misses are logged with every place searched, store by store', async () => {
    const empty = dir('empty');
    const store = new SymbolStore([empty, corpusPath('symbols')]);
    expect(await store.findSymFile({ ...NTDLL, debugId: '00000000000000000000000000000000F' })).toBeUndefined();
    expect(store.lookups.length).toBeGreaterThanOrEqual(4);
    expect(store.lookups.every((l) => l.result === 'missing' && l.kind === 'sym')).toBe(true);
    expect(store.lookups[0]!.path!.startsWith(empty)).toBe(true);
    expect(store.lookups.some((l) => l.path!.startsWith(corpusPath('symbols')))).toBe(true);
    // the second store has it
    expect((await store.findSymFile(NTDLL))?.path.startsWith(corpusPath('symbols'))).toBe(true);
    expectConfined(store);
  });

  it('one process-wide cache: a second lookup, from any store, returns the same index', async () => {
    const a = await new SymbolStore([corpusPath('symbols')]).findSymFile(NTDLL);
    const filesBefore = symbolCacheStats().files;
    const b = await new SymbolStore([corpusPath('symbols')]).findSymFile(NTDLL);
    expect(b!.sym).toBe(a!.sym);
    expect(symbolCacheStats().files).toBe(filesBefore);
    // concurrent first lookups of one file index it once
    const c = dir('concurrent', 'ntdll.pdb', NTDLL.debugId);
    symlinkSync(corpusPath('symbols', 'ntdll.pdb', NTDLL.debugId, 'ntdll.sym'), join(c, 'ntdll.sym'));
    const s = new SymbolStore([join(tmp, 'concurrent')]);
    const [x, y] = await Promise.all([s.findSymFile(NTDLL), new SymbolStore([join(tmp, 'concurrent')]).findSymFile(NTDLL)]);
    expect(x!.sym).toBe(y!.sym);
    expect(x!.sym).toBe(a!.sym); // keyed by real path: the symlink is the same file
  });

  it('bounded: files and index bytes evict, handles are pooled, and an evicted SymFile still answers', async () => {
    await closeAllSymbolFiles();
    configureSymbolCache({ maxFiles: 3, maxOpenHandles: 2 });
    const store = new SymbolStore([corpusPath('symbols')]);
    const mods = [
      NTDLL,
      { name: 'kernelbase.dll', pdbName: 'kernelbase.pdb', debugId: '1FBE0B2B89D137F01510431FFFBA123E1' },
      { name: 'kernel32.dll', pdbName: 'kernel32.pdb', debugId: '54448D8EEFC5AB3C7193D2C7A6DF90081' },
      { name: 'user32.dll', pdbName: 'user32.pdb', debugId: 'E6EE68C64900A36105A2193F5EDB3A411' },
      { name: 'ws2_32.dll', pdbName: 'ws2_32.pdb', debugId: '1D168A86D6839E508BB9722E7A6BB6F81' },
    ];
    const syms = [];
    for (const m of mods) {
      const f = await store.findSymFile(m);
      expect(f, m.name).toBeDefined();
      syms.push(f!.sym);
      expect(symbolCacheStats().files).toBeLessThanOrEqual(3);
      expect(symbolCacheStats().openHandles).toBeLessThanOrEqual(2);
    }
    // ntdll was evicted and its handle closed: it reopens for the lookup, within the pool bound
    expect(await syms[0]!.findFunction(0x1015)).toMatchObject({ name: 'RtlLargeIntegerToChar' });
    expect(symbolCacheStats().openHandles).toBeLessThanOrEqual(2);
    // looked up again, it is indexed again (a new index), and it is cached again
    const again = await store.findSymFile(NTDLL);
    expect(again!.sym).not.toBe(syms[0]);
    // the byte bound
    await closeAllSymbolFiles();
    configureSymbolCache({ maxIndexBytes: syms[0]!.indexBytes + 1 });
    for (const m of mods) await store.findSymFile(m);
    expect(symbolCacheStats().indexBytes).toBeLessThanOrEqual(syms[0]!.indexBytes + 1);
    expect(() => configureSymbolCache({ maxFiles: 0 })).toThrow(RangeError);
  });

  it('finds binaries by TimeDateStamp + SizeOfImage, checked against their PE headers (real binaries)', async () => {
    // The .sym files of these binaries give their code ids: INFO CODE_ID 589DFD111A000 / 5C8AD05F12000.
    const root = dir('bin-real');
    mkdirSync(join(root, 'dump_syms_regtest64.exe', '589DFD111A000'), { recursive: true });
    symlinkSync(corpusPath('pdb', 'dump_syms_regtest64.exe'), join(root, 'dump_syms_regtest64.exe', '589DFD111A000', 'dump_syms_regtest64.exe'));
    symlinkSync(corpusPath('pdb', 'pe_only_symbol_test.dll'), join(root, 'pe_only_symbol_test.dll'));
    const store = new SymbolStore([root]);
    expect(await store.findBinary({ name: 'dump_syms_regtest64.exe', codeId: '589DFD111A000' })).toEqual({
      path: join(root, 'dump_syms_regtest64.exe', '589DFD111A000', 'dump_syms_regtest64.exe'), timeDateStamp: 0x589dfd11, sizeOfImage: 0x1a000, verified: true,
    });
    expect(await store.findBinary({ name: 'pe_only_symbol_test.dll', codeId: '5C8AD05F12000' })).toMatchObject({ path: join(root, 'pe_only_symbol_test.dll'), verified: true });
    expect(await store.findBinary({ name: 'pe_only_symbol_test.dll', codeId: '5C8AD05F13000' })).toBeUndefined();
    expect(store.lookups.find((l) => l.result === 'mismatch')).toMatchObject({ kind: 'binary', path: join(root, 'pe_only_symbol_test.dll') });
  });
});

describe('symbol files that are not usable', () => {
  it('corrupt and mismatched files are logged and skipped; a later store still answers', async () => {
    const id = 'ABCDEF0123456789ABCDEF01234567891';
    const bad = dir('bad', 'app.pdb', id);
    writeFileSync(join(bad, 'app.sym'), 'this is not a symbol file\n');
    const wrong = dir('wrong', 'app.pdb', id);
    writeFileSync(join(wrong, 'app.sym'), symText('11111111111111111111111111111111A', 'app.pdb'));
    const good = dir('good', 'app.pdb', id);
    writeFileSync(join(good, 'app.sym'), symText(id, 'app.pdb'));
    const store = new SymbolStore([join(tmp, 'bad'), join(tmp, 'wrong'), join(tmp, 'good')]);
    const found = await store.findSymFile({ name: 'app.dll', pdbName: 'app.pdb', debugId: id });
    expect(found?.path).toBe(join(good, 'app.sym'));
    const byResult = Object.fromEntries(store.lookups.filter((l) => l.result !== 'missing').map((l) => [l.result, l]));
    expect(byResult.corrupt).toMatchObject({ path: join(bad, 'app.sym'), reason: expect.stringContaining('BadSignature') });
    expect(byResult.mismatch).toMatchObject({ path: join(wrong, 'app.sym'), reason: expect.stringContaining('11111111111111111111111111111111A') });
    expect(byResult.found).toMatchObject({ path: join(good, 'app.sym') });
  });

  it('a file rewritten after indexing is indexed again; a SymFile still held refuses to read the new bytes', async () => {
    const id = '22222222222222222222222222222222B';
    const d = dir('changing', 'c.pdb', id);
    const file = join(d, 'c.sym');
    writeFileSync(file, symText(id, 'c.pdb'));
    const store = new SymbolStore([join(tmp, 'changing')]);
    const first = await store.findSymFile({ name: 'c.dll', pdbName: 'c.pdb', debugId: id });
    expect(await first!.sym.findFunction(0x1000)).toMatchObject({ name: 'f' });
    writeFileSync(file, symText(id, 'c.pdb', 'FUNC 2000 10 0 g\n'));
    const second = await store.findSymFile({ name: 'c.dll', pdbName: 'c.pdb', debugId: id });
    expect(second!.sym).not.toBe(first!.sym);
    expect(await second!.sym.findFunction(0x2000)).toMatchObject({ name: 'g' });
    await expect(first!.sym.findFunction(0x1000)).rejects.toMatchObject({ code: 'IoError' });
  });
});

describe('binaries', () => {
  const root = dir('bin');
  mkdirSync(join(root, 'app.dll', '5C8AD05F12000'), { recursive: true });
  writeFileSync(join(root, 'app.dll', '5C8AD05F12000', 'app.dll'), peHeader(0x5c8ad05f, 0x12000));
  writeFileSync(join(root, 'flat.dll'), peHeader(0x0000_1234, 0xabc000));
  writeFileSync(join(root, 'text.dll'), 'MZ but no more');
  mkdirSync(join(root, 'upper.dll', 'A1B2C3D4ABC000'), { recursive: true });
  writeFileSync(join(root, 'upper.dll', 'A1B2C3D4ABC000', 'upper.dll'), peHeader(0xa1b2c3d4, 0xabc000));

  it('DIR/NAME/CODEID/NAME, with the code id in either case', async () => {
    const store = new SymbolStore([root]);
    expect(await store.findBinary({ name: 'app.dll', codeId: '5C8AD05F12000' })).toEqual({ path: join(root, 'app.dll', '5C8AD05F12000', 'app.dll'), timeDateStamp: 0x5c8ad05f, sizeOfImage: 0x12000, verified: true });
    expect(await store.findBinary({ name: 'app.dll', codeId: '5c8ad05f12000' })).toMatchObject({ verified: true });
    expect(await store.findBinary({ name: 'upper.dll', codeId: 'A1B2C3D4abc000' })).toMatchObject({ path: join(root, 'upper.dll', 'A1B2C3D4ABC000', 'upper.dll') });
  });

  it('DIR/NAME flat: verified with a code id, unverified without, refused on a mismatch', async () => {
    const store = new SymbolStore([root]);
    expect(await store.findBinary({ name: 'flat.dll', codeId: '00001234abc000' })).toMatchObject({ path: join(root, 'flat.dll'), verified: true });
    expect(await store.findBinary({ name: 'flat.dll' })).toMatchObject({ path: join(root, 'flat.dll'), verified: false, timeDateStamp: 0x1234 });
    expect(await store.findBinary({ name: 'flat.dll', codeId: '00001235abc000' })).toBeUndefined();
    expect(store.lookups.filter((l) => l.result === 'mismatch')).toHaveLength(1);
  });

  it('files that are not PE images are corrupt, with the reason', async () => {
    const store = new SymbolStore([root]);
    expect(await store.findBinary({ name: 'text.dll', codeId: '5C8AD05F12000' })).toBeUndefined();
    expect(store.lookups.find((l) => l.result === 'corrupt')).toMatchObject({ path: join(root, 'text.dll') });
    expect(await store.findBinary({ name: 'app.dll', codeId: 'zz' })).toBeUndefined();
    expect(store.lookups.find((l) => l.result === 'rejected')).toMatchObject({ reason: expect.stringContaining('code id') });
  });
});

describe('hostile names never leave the store', () => {
  const root = dir('hostile-root');
  const secret = dir('secret', 'x.pdb', 'AAAA');
  writeFileSync(join(secret, 'x.sym'), symText('AAAA', 'x.pdb'));

  it.each([
    ['..', 'contains ".."'],
    ['a..b.dll', 'contains ".."'],
    ['x\0.dll', 'NUL'],
    ['tab\t.dll', 'control'],
    ['x'.repeat(256), 'over 255 bytes'],
    ['é'.repeat(128), 'over 255 bytes'],
    ['', 'empty'],
    ['.', 'empty'],
    ['a/b', 'separator'],
    ['a\\b', 'separator'],
  ])('unsafeNameReason(%j)', (name, why) => {
    expect(unsafeNameReason(name)).toContain(why);
  });

  it('moduleFileName cuts Windows and POSIX paths', () => {
    expect(moduleFileName('C:\\Windows\\System32\\ntdll.dll')).toBe('ntdll.dll');
    expect(moduleFileName('/usr/lib/libc.so.6')).toBe('libc.so.6');
    expect(moduleFileName('..\\..\\')).toBe('');
    expect(unsafeNameReason('ntdll.dll')).toBeUndefined();
  });

  it.each([
    { name: '../secret/x.dll', pdbName: '../secret/x.pdb', debugId: 'AAAA' },
    { name: '..', pdbName: '..\\..', debugId: 'AAAA' },
    { name: 'x.dll', pdbName: 'x.pdb', debugId: '../../secret' },
    { name: 'x.dll', pdbName: 'x.pdb\0', debugId: 'AAAA' },
    { name: `${'y'.repeat(300)}.dll`, debugId: 'AAAA' },
    { name: 'x.dll', pdbName: 'x.pdb', debugId: 'A'.repeat(65) },
  ])('%j finds nothing and logs only paths inside the root', async (m) => {
    const store = new SymbolStore([root]);
    expect(await store.findSymFile(m)).toBeUndefined();
    expect(await store.findBinary(m)).toBeUndefined();
    expectConfined(store);
    for (const l of store.lookups) expect(l.path ?? '').not.toContain('secret');
    // control characters in a logged name are escaped
    for (const l of store.lookups) expect(l.module).not.toMatch(/[\0-\x1f]/);
  });

  it('a rejected name is logged as rejected with the reason', async () => {
    const store = new SymbolStore([root]);
    await store.findSymFile({ name: 'a..b.dll', debugId: 'AAAA' });
    expect(store.lookups).toEqual([{ kind: 'sym', module: 'a..b.dll', result: 'rejected', reason: 'name: name contains ".."' }]);
    await store.findSymFile({ name: 'ok.dll' });
    expect(store.lookups[1]).toMatchObject({ result: 'rejected', reason: 'no debug id' });
  });
});
