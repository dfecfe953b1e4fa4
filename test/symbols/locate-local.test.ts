// SymbolLocator over local stores: the Breakpad, symstore, two-tier and flat layouts, compressed
// .pd_ files, file.ptr pointers, cache* and cascading caches, search order, hostile names.

import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { SymbolLocator, type LocatedFile } from '../../src/symbols/locate.js';
import { parseSymbolPath, parseSymbolsOption } from '../../src/symbols/symbol-path.js';
import { defaultSymbolCacheDir } from '../../src/symbols/cache.js';
import { buildCab, listFiles, NTDLL, NTDLL_STAMP, pdbBytes, peBytes, put, removeDir, symText, tempDir } from './helpers.js';

const dirs: string[] = [];
function dir(name: string): string {
  const d = tempDir(name);
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach(removeDir));

const ID = NTDLL.debugId;

function locator(path: string, cacheDir = dir('default-cache')): SymbolLocator {
  return new SymbolLocator(parseSymbolPath(path), { cacheDir, offline: true });
}

/** Every location logged is inside one of `roots`. */
function expectConfined(l: SymbolLocator, roots: string[]): void {
  for (const x of l.lookups) {
    if (x.location === undefined) continue;
    expect(roots.some((r) => resolve(x.location!).startsWith(resolve(r) + sep)), x.location).toBe(true);
  }
}

describe('keyed layouts', () => {
  it('Breakpad: NAME.pdb/DEBUGID/NAME.sym, checked by its MODULE line', async () => {
    const store = dir('bp');
    const p = put(store, `ntdll.pdb/${ID}/ntdll.sym`, symText(ID, 'ntdll.pdb'));
    const l = locator(store);
    const found = await l.locate(NTDLL, 'sym');
    expect(found).toEqual<LocatedFile>({ path: p, kind: 'sym', source: resolve(store), origin: 'local', layout: 'breakpad', verified: true });
    expect(l.lookups.at(-1)).toEqual({ kind: 'sym', module: 'ntdll.dll', location: p, result: 'found' });
    expect(l.stats.requests).toBe(0);
  });

  it('a .sym whose MODULE line names another id is a mismatch; an HTML page is corrupt; the search goes on', async () => {
    const a = dir('bp-bad');
    const b = dir('bp-good');
    put(a, `ntdll.pdb/${ID}/ntdll.sym`, symText('00000000000000000000000000000000F', 'ntdll.pdb'));
    const c = dir('bp-html');
    put(c, `ntdll.pdb/${ID}/ntdll.sym`, '<!DOCTYPE html><html>404</html>');
    const good = put(b, `ntdll.pdb/${ID}/ntdll.sym`, symText(ID, 'ntdll.pdb'));
    const l = locator(`${a};${c};${b}`);
    expect((await l.locate(NTDLL, 'sym'))?.path).toBe(good);
    expect(l.lookups.find((x) => x.location?.startsWith(a))).toMatchObject({ result: 'mismatch', reason: expect.stringMatching(/MODULE line has debug id 0+F/) });
    expect(l.lookups.find((x) => x.location?.startsWith(c))).toMatchObject({ result: 'corrupt', reason: expect.stringMatching(/HTML page/) });
  });

  it('symstore PDB: NAME.pdb/DEBUGID/NAME.pdb, a lowercase id found too', async () => {
    const store = dir('ss');
    const p = put(store, `ntdll.pdb/${ID}/ntdll.pdb`, pdbBytes());
    const l = locator(store);
    expect(await l.locate(NTDLL, 'pdb')).toMatchObject({ path: p, layout: 'symstore', verified: true });
    expect(await l.locate({ ...NTDLL, debugId: ID.toLowerCase() }, 'pdb')).toMatchObject({ path: p });
    const lower = dir('ss-lower');
    const q = put(lower, `ntdll.pdb/${ID.toLowerCase()}/ntdll.pdb`, pdbBytes());
    expect((await locator(lower).locate({ ...NTDLL, debugId: ID.toLowerCase() }, 'pdb'))?.path).toBe(q);
  });

  it('symstore binary: NAME.dll/%08X%x/NAME.dll, its PE header checked', async () => {
    const store = dir('bin');
    const p = put(store, 'ntdll.dll/5B6DB2F21e7000/ntdll.dll', peBytes(NTDLL_STAMP.timeDateStamp, NTDLL_STAMP.sizeOfImage));
    const l = locator(store);
    expect(await l.locate(NTDLL, 'binary')).toMatchObject({ path: p, layout: 'symstore', verified: true });
    // The module list's uppercase code id finds the same folder.
    expect((await l.locate({ name: 'ntdll.dll', codeId: '5B6DB2F21E7000' }, 'binary'))?.path).toBe(p);
    const wrong = dir('bin-wrong');
    put(wrong, 'ntdll.dll/5B6DB2F21e7000/ntdll.dll', peBytes(0x11111111, 0x1000));
    const lw = locator(wrong);
    expect(await lw.locate(NTDLL, 'binary')).toBeUndefined();
    expect(lw.lookups.find((x) => x.result === 'mismatch')?.reason).toMatch(/TimeDateStamp 0x11111111/);
  });

  it('two-tier: index2.txt at the root puts files under the first two letters, detected once per store', async () => {
    const store = dir('tt');
    put(store, 'index2.txt', 'two tier\n');
    const p = put(store, `nt/ntdll.pdb/${ID}/ntdll.pdb`, pdbBytes());
    const q = put(store, `a/a.pdb/${ID}/a.pdb`, pdbBytes());
    const l = locator(store);
    expect(await l.locate(NTDLL, 'pdb')).toMatchObject({ path: p, layout: 'two-tier' });
    expect((await l.locate({ name: 'a.dll', pdbName: 'a.pdb', debugId: ID }, 'pdb'))?.path).toBe(q);
    // Breakpad .sym files are not two-tier.
    const s = put(store, `ntdll.pdb/${ID}/ntdll.sym`, symText(ID, 'ntdll.pdb'));
    expect((await l.locate(NTDLL, 'sym'))?.path).toBe(s);
  });
});

describe('flat folders', () => {
  it('DIR/NAME.sym is checked by its MODULE line; DIR/NAME.pdb is unverified; WinDbg\'s symbols/EXT/ and EXT/ too', async () => {
    const d = dir('flat');
    const sym = put(d, 'ntdll.sym', symText(ID, 'ntdll.pdb'));
    const l = locator(d);
    expect(await l.locate(NTDLL, 'sym')).toMatchObject({ path: sym, layout: 'flat', verified: true });
    const pdb = put(d, 'symbols/dll/ntdll.pdb', pdbBytes());
    put(d, 'ntdll.pdb', pdbBytes());
    expect(await l.locate(NTDLL, 'pdb')).toMatchObject({ path: pdb, layout: 'flat', verified: false });
    expect(l.lookups.find((x) => x.location === pdb)).toMatchObject({ result: 'found', reason: 'flat: not verified' });
  });

  it('a flat binary with a matching header is verified; without a code id it is returned unverified', async () => {
    const d = dir('flat-bin');
    const p = put(d, 'ntdll.dll', peBytes(NTDLL_STAMP.timeDateStamp, NTDLL_STAMP.sizeOfImage));
    expect(await locator(d).locate(NTDLL, 'binary')).toMatchObject({ path: p, layout: 'flat', verified: true });
    expect(await locator(d).locate({ name: 'ntdll.dll' }, 'binary')).toMatchObject({ path: p, verified: false });
  });

  it('symbol-server stores (srv*DIR) and caches are never searched flat', async () => {
    const d = dir('flat-srv');
    put(d, 'ntdll.sym', symText(ID, 'ntdll.pdb'));
    expect(await locator(`srv*${d}`).locate(NTDLL, 'sym')).toBeUndefined();
  });
});

describe('compressed files and pointers in local stores', () => {
  it('NAME.pd_ is decompressed into the default cache (a store without a cache of its own), once', async () => {
    const store = dir('cab-store');
    const cache = dir('cab-cache');
    const data = Buffer.concat([pdbBytes(0x22, 50_000), pdbBytes(0x33, 50_000)]);
    put(store, `ntdll.pdb/${ID}/ntdll.pd_`, buildCab('ntdll.pdb', data));
    const l = locator(store, cache);
    const found = await l.locate(NTDLL, 'pdb');
    expect(found).toMatchObject({ path: join(cache, 'ntdll.pdb', ID, 'ntdll.pdb'), via: 'cab', origin: 'local' });
    expect(readFileSync(found!.path).equals(data)).toBe(true);
    expect(listFiles(cache)).toEqual([`ntdll.pdb/${ID}/ntdll.pdb`]);
    const again = await locator(store, cache).locate(NTDLL, 'pdb');
    expect(again?.path).toBe(found!.path);
  });

  it('an LZX .pd_ is logged as not supported', async () => {
    const store = dir('lzx');
    put(store, `ntdll.pdb/${ID}/ntdll.pd_`, buildCab('ntdll.pdb', pdbBytes(), 'lzx'));
    const l = locator(store);
    expect(await l.locate(NTDLL, 'pdb')).toBeUndefined();
    expect(l.lookups.find((x) => x.location?.endsWith('ntdll.pd_') && x.result === 'error')?.reason).toBe('LZX-compressed CAB not supported');
  });

  it('file.ptr: a relative PATH inside the store, an absolute PATH inside the symbol path, MSG; outside is refused', async () => {
    const store = dir('ptr');
    const other = dir('ptr-other');
    const outside = dir('ptr-outside');
    const inStore = put(store, 'real/ntdll.pdb', pdbBytes());
    put(store, `ntdll.pdb/${ID}/file.ptr`, 'PATH:real/ntdll.pdb\r\n');
    const l1 = locator(store);
    expect(await l1.locate(NTDLL, 'pdb')).toMatchObject({ path: inStore, via: 'file.ptr', verified: true });

    const target = put(other, 'x/ntdll.pdb', pdbBytes());
    put(store, `b.pdb/${ID}/file.ptr`, `PATH:${target}`);
    expect((await locator(`${store};${other}`).locate({ name: 'b.dll', pdbName: 'b.pdb', debugId: ID }, 'pdb'))?.path).toBe(target);

    const secret = put(outside, 'c.pdb', pdbBytes());
    put(store, `c.pdb/${ID}/file.ptr`, `PATH:${secret}`);
    const l3 = locator(store);
    expect(await l3.locate({ name: 'c.dll', pdbName: 'c.pdb', debugId: ID }, 'pdb')).toBeUndefined();
    expect(l3.lookups.find((x) => x.result === 'rejected')?.reason).toMatch(/outside the symbol path/);

    put(store, `d.pdb/${ID}/file.ptr`, 'PATH:../../etc/passwd');
    const l4 = locator(store);
    expect(await l4.locate({ name: 'd.dll', pdbName: 'd.pdb', debugId: ID }, 'pdb')).toBeUndefined();
    expect(l4.lookups.find((x) => x.result === 'rejected')?.reason).toMatch(/PATH refused/);

    put(store, `e.pdb/${ID}/file.ptr`, 'MSG:withdrawn by the build team');
    const l5 = locator(store);
    expect(await l5.locate({ name: 'e.dll', pdbName: 'e.pdb', debugId: ID }, 'pdb')).toBeUndefined();
    expect(l5.lookups.find((x) => x.location?.endsWith('file.ptr'))).toMatchObject({ result: 'missing', reason: 'file.ptr MSG: withdrawn by the build team' });
  });
});

describe('caches and search order', () => {
  it('cache*C;DIR: a hit in DIR is copied into C, and the copy is returned', async () => {
    const store = dir('cs-store');
    const cache = dir('cs-cache');
    put(store, `ntdll.pdb/${ID}/ntdll.sym`, symText(ID, 'ntdll.pdb'));
    const l = locator(`cache*${cache};${store}`);
    const found = await l.locate(NTDLL, 'sym');
    expect(found).toMatchObject({ path: join(cache, 'ntdll.pdb', ID, 'ntdll.sym'), origin: 'local', source: resolve(store) });
    const again = locator(`cache*${cache};${store}`);
    expect(await again.locate(NTDLL, 'sym')).toMatchObject({ origin: 'cache' });
    expect(again.stats.cacheHits).toBe(1);
  });

  it('srv*C1*C2 (C2 a store): found in C2, copied into C1', async () => {
    const c1 = dir('c1');
    const c2 = dir('c2');
    put(c2, `ntdll.pdb/${ID}/ntdll.pdb`, pdbBytes());
    const l = locator(`srv*${c1}*${c2}`);
    expect((await l.locate(NTDLL, 'pdb'))?.path).toBe(join(c1, 'ntdll.pdb', ID, 'ntdll.pdb'));
    expect(existsSync(join(c1, 'ntdll.pdb', ID, 'ntdll.pdb'))).toBe(true);
  });

  it('entries are searched in path order; the first hit wins', async () => {
    const a = dir('order-a');
    const b = dir('order-b');
    put(a, `ntdll.pdb/${ID}/ntdll.sym`, symText(ID, 'ntdll.pdb'));
    put(b, `ntdll.pdb/${ID}/ntdll.sym`, symText(ID, 'ntdll.pdb'));
    expect((await locator(`${b};${a}`).locate(NTDLL, 'sym'))?.source).toBe(resolve(b));
    expect((await new SymbolLocator(parseSymbolsOption([a, b]), { offline: true }).locate(NTDLL, 'sym'))?.source).toBe(resolve(a));
  });
});

describe('the default cache directory', () => {
  it('XDG_CACHE_HOME (absolute) or ~/.cache; %LOCALAPPDATA% on Windows; ~/Library/Caches on macOS', () => {
    expect(defaultSymbolCacheDir({ XDG_CACHE_HOME: '/xdg' }, 'linux', '/home/u')).toBe(join('/xdg', 'dumptriage', 'symbols'));
    expect(defaultSymbolCacheDir({ XDG_CACHE_HOME: 'relative' }, 'linux', '/home/u')).toBe(join('/home/u', '.cache', 'dumptriage', 'symbols'));
    expect(defaultSymbolCacheDir({}, 'linux', '/home/u')).toBe(join('/home/u', '.cache', 'dumptriage', 'symbols'));
    expect(defaultSymbolCacheDir({}, 'darwin', '/Users/u')).toBe(join('/Users/u', 'Library', 'Caches', 'dumptriage', 'symbols'));
    expect(defaultSymbolCacheDir({ LOCALAPPDATA: '/lad' }, 'win32', '/home/u')).toBe(join('/lad', 'dumptriage', 'symbols'));
  });
});

describe('the lookups log', () => {
  it('is capped; the rest are counted as dropped; a trace still sees every record of its call', async () => {
    const d = dir('cap');
    const l = new SymbolLocator(parseSymbolPath(d), { offline: true, maxLookups: 5, cacheDir: dir('cap-cache') });
    const traced: unknown[] = [];
    for (let i = 0; i < 4; i++) await l.locate({ name: `m${i}.dll`, pdbName: `m${i}.pdb`, debugId: ID }, 'pdb', (x) => traced.push(x));
    expect(l.lookups).toHaveLength(5);
    expect(l.lookupsDropped).toBe(4 * 6 - 5); // 3 keyed places + 3 flat ones per module
    expect(traced).toHaveLength(24);
  });
});

describe('hostile names', () => {
  it('`..`, separators, NUL, device names and streams never reach a path', async () => {
    const store = dir('hostile');
    const cache = dir('hostile-cache');
    put(store, `ntdll.pdb/${ID}/ntdll.sym`, symText(ID, 'ntdll.pdb'));
    const l = locator(store, cache);
    const cases = [
      { name: '..', pdbName: '..', debugId: ID },
      { name: 'a\0b.dll', pdbName: 'a\0b.pdb', debugId: ID },
      { name: 'x.dll', pdbName: 'x.pdb:evil', debugId: ID },
      { name: 'CON.dll', pdbName: 'con.pdb', debugId: ID },
      { name: 'x.dll', pdbName: 'x.pdb', debugId: '../../etc' },
      { name: 'x.dll', codeId: '5B6DB2F2/../1' },
    ];
    for (const m of cases) {
      for (const kind of ['sym', 'pdb', 'binary'] as const) expect(await l.locate(m, kind)).toBeUndefined();
    }
    // A path in a name is cut to its last component (Breakpad's PathnameStripper), as store.ts does.
    expect((await l.locate({ name: 'C:\\windows\\..\\ntdll.dll', pdbName: '../../../ntdll.pdb', debugId: ID }, 'sym'))?.layout).toBe('breakpad');
    expect(l.lookups.filter((x) => x.result === 'rejected').length).toBeGreaterThanOrEqual(5);
    for (const x of l.lookups) expect(x.location ?? '').not.toMatch(/\0|\.\.|:evil/);
    expect(l.lookups.some((x) => x.module.includes('\\x00'))).toBe(true); // printed escaped
    expectConfined(l, [store, cache]);
    expect(listFiles(cache)).toEqual([]);
  });
});
