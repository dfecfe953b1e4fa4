// Breakpad .sym indexing and lookups: real symbol files from the shared corpus (counts against
// a line-by-line count of each file, rule text picked from the files, and a differential check
// against a straightforward model of Breakpad's maps), plus small synthetic files through both
// sources.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadStream, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BytesSource, type ByteSource } from '../../../src/reader/byte-source.js';
import { FileSource } from '../../../src/reader/file-source.js';
import { openSymFile, type CfiRules, type SymFile, type SymRecordCounts } from '../../../src/formats/breakpad-sym/sym-file.js';
import { HAVE_CORPUS, corpusOrSkipMessage, corpusPath, corpusSymFiles } from '../../helpers/corpus.js';

const haveCorpus = corpusOrSkipMessage();
const NTDLL = 'symbols/ntdll.pdb/1EB9FACB04C73C5DEA7160764CD333D01/ntdll.sym';
const KERNELBASE = 'symbols/kernelbase.pdb/1FBE0B2B89D137F01510431FFFBA123E1/kernelbase.sym';
const NULL_READ_AV = 'symbols/null_read_av/7B7D1968FF0D47AE4366E9C3A7E1B6750/null_read_av.sym';
const TEST_APP = 'symbols/test_app.pdb/5A9832E5287241C1838ED98914E9B7FF1/test_app.sym';
const KERNEL32_X86 = 'symbols/kernel32.pdb/BCE8785C57B44245A669896B6A19B9542/kernel32.sym';

const allSymFiles = corpusSymFiles;

async function* lines(path: string): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of rl) yield line;
}

/** What `grep -c` gives per record kind, counted line by line. */
async function grepCounts(path: string): Promise<SymRecordCounts> {
  const c: SymRecordCounts = { module: 0, info: 0, file: 0, func: 0, public: 0, line: 0, stackCfiInit: 0, stackCfi: 0, stackWin: 0, inline: 0, inlineOrigin: 0 };
  for await (const l of lines(path)) {
    if (l === '') continue;
    if (l.startsWith('MODULE ')) c.module++;
    else if (l.startsWith('INFO ')) c.info++;
    else if (l.startsWith('FILE ')) c.file++;
    else if (l.startsWith('FUNC ')) c.func++;
    else if (l.startsWith('PUBLIC ')) c.public++;
    else if (l.startsWith('STACK CFI INIT ')) c.stackCfiInit++;
    else if (l.startsWith('STACK CFI ')) c.stackCfi++;
    else if (l.startsWith('STACK WIN ')) c.stackWin++;
    else if (l.startsWith('INLINE_ORIGIN ')) c.inlineOrigin++;
    else if (l.startsWith('INLINE ')) c.inline++;
    else c.line++;
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// A model of Breakpad's maps, written for clarity, not speed: ContainedRangeMap as a real tree
// of children keyed by high address, RangeMap and AddressMap as plain lists, and the CFI deltas
// in one map for the whole file, the way basic_source_line_resolver.cc keeps them.

interface TreeNode { base: number; high: number; line: string; children: TreeNode[] }

function firstHighAtOrAbove(ch: TreeNode[], v: number): number {
  let i = 0;
  while (i < ch.length && ch[i]!.high < v) i++;
  return i;
}

function treeStore(node: TreeNode, base: number, size: number, line: string): boolean {
  if (size <= 0) return false;
  const high = base + size - 1;
  const ch = node.children;
  const ib = firstHighAtOrAbove(ch, base);
  const ih = firstHighAtOrAbove(ch, high);
  if (ib === ih && ib < ch.length && base >= ch[ib]!.base) {
    if (ch[ib]!.base === base && ch[ib]!.high === high) return false;
    return treeStore(ch[ib]!, base, size, line);
  }
  const containsHigh = ih < ch.length && high >= ch[ih]!.base;
  if ((ib < ch.length && base > ch[ib]!.base) || (containsHigh && high < ch[ih]!.high)) return false;
  const moved = ch.splice(ib, (containsHigh ? ih + 1 : ih) - ib);
  ch.splice(ib, 0, { base, high, line, children: moved });
  return true;
}

function treeRetrieve(node: TreeNode, addr: number): TreeNode | undefined {
  const i = firstHighAtOrAbove(node.children, addr);
  const c = node.children[i];
  if (!c || addr < c.base) return undefined;
  return treeRetrieve(c, addr) ?? c;
}

interface Model {
  /** In address order once built. */
  funcs: Array<{ base: number; size: number; line: string }>;
  deltaAddrs?: number[];
  publics: Map<number, string>;
  cfiInit: Array<{ base: number; size: number; rules: string }>;
  cfiDelta: Map<number, string>;
  win: Map<number, TreeNode>;
}

async function buildModel(path: string): Promise<Model> {
  const m: Model = { funcs: [], publics: new Map(), cfiInit: [], cfiDelta: new Map(), win: new Map([[0, { base: 0, high: -1, line: '', children: [] }], [4, { base: 0, high: -1, line: '', children: [] }]]) };
  const overlaps = (list: Array<{ base: number; size: number }>, b: number, z: number): boolean => list.some((r) => r.base <= b + z - 1 && b <= r.base + r.size - 1);
  for await (const l of lines(path)) {
    const t = l.split(' ');
    if (t[0] === 'FUNC' || t[0] === 'PUBLIC') {
      const k = t[1] === 'm' ? 2 : 1;
      const a = parseInt(t[k]!, 16);
      if (t[0] === 'FUNC') {
        const z = parseInt(t[k + 1]!, 16);
        if (z > 0 && !overlaps(m.funcs, a, z)) m.funcs.push({ base: a, size: z, line: l });
      } else if (a !== 0 && !m.publics.has(a)) m.publics.set(a, l);
    } else if (l.startsWith('STACK CFI INIT ')) {
      const a = parseInt(t[3]!, 16);
      const z = parseInt(t[4]!, 16);
      if (z > 0 && !overlaps(m.cfiInit, a, z)) m.cfiInit.push({ base: a, size: z, rules: t.slice(5).join(' ') });
    } else if (l.startsWith('STACK CFI ')) {
      m.cfiDelta.set(parseInt(t[2]!, 16), t.slice(3).join(' '));
    } else if (l.startsWith('STACK WIN ')) {
      const type = parseInt(t[2]!, 16);
      if (type === 0 || type === 4) treeStore(m.win.get(type)!, parseInt(t[3]!, 16), parseInt(t[4]!, 16), l);
    }
  }
  m.funcs.sort((a, b) => a.base - b.base);
  m.deltaAddrs = [...m.cfiDelta.keys()].sort((a, b) => a - b);
  return m;
}

/** Breakpad's CFIRuleParser, applied to a rules object (a second, independent reading). */
function applyRules(text: string, into: { cfa: string; ra: string; registers: Map<string, string> }): boolean {
  const toks = text.split(/[ \t\r\n]+/).filter(Boolean);
  let name = '';
  let expr: string[] = [];
  const report = (): boolean => {
    if (!name || expr.length === 0) return false;
    if (name === '.cfa') into.cfa = expr.join(' ');
    else if (name === '.ra') into.ra = expr.join(' ');
    else into.registers.set(name, expr.join(' '));
    return true;
  };
  for (const t of toks) {
    if (t.endsWith(':')) {
      if (t.length < 2) return false;
      if ((name || expr.length) && !report()) return false;
      name = t.slice(0, -1);
      expr = [];
    } else expr.push(t);
  }
  return report();
}

function modelCfi(m: Model, rva: number): { cfa: string; ra: string; registers: Map<string, string> } | undefined {
  const init = m.cfiInit.find((r) => r.base <= rva && rva < r.base + r.size);
  if (!init) return undefined;
  const rules = { cfa: '', ra: '', registers: new Map<string, string>() };
  if (!applyRules(init.rules, rules)) return undefined;
  for (const a of m.deltaAddrs!) if (a >= init.base && a <= rva) applyRules(m.cfiDelta.get(a)!, rules);
  return rules;
}

function modelFunction(m: Model, rva: number): { name: string; kind: string } | undefined {
  let prev: Model['funcs'][number] | undefined;
  for (const f of m.funcs) {
    if (f.base > rva) break;
    prev = f;
  }
  if (prev && rva < prev.base + prev.size) {
    const t = prev.line.split(' ');
    return { name: t.slice(t[1] === 'm' ? 5 : 4).join(' '), kind: 'func' };
  }
  let pub: number | undefined;
  for (const a of m.publics.keys()) if (a <= rva && (pub === undefined || a > pub)) pub = a;
  if (pub === undefined || (prev && pub <= prev.base)) return undefined;
  const t = m.publics.get(pub)!.split(' ');
  return { name: t.slice(t[1] === 'm' ? 4 : 3).join(' '), kind: 'public' };
}

/** Addresses worth asking about: each record's first, middle, last and next byte. */
function probeAddresses(m: Model): number[] {
  const out = new Set<number>([0, 1]);
  const add = (b: number, z: number): void => {
    for (const a of [b, b + (z >> 1), b + z - 1, b + z, b - 1]) if (a >= 0) out.add(a);
  };
  for (const f of m.funcs) add(f.base, f.size);
  for (const a of m.publics.keys()) add(a, 2);
  for (const c of m.cfiInit) add(c.base, c.size);
  for (const a of m.cfiDelta.keys()) add(a, 1);
  const walk = (n: TreeNode): void => {
    for (const c of n.children) {
      add(c.base, c.high - c.base + 1);
      walk(c);
    }
  };
  for (const root of m.win.values()) walk(root);
  return [...out].sort((a, b) => a - b);
}

function rulesOf(r: CfiRules | undefined): unknown {
  return r && { cfa: r.cfa, ra: r.ra, registers: Object.fromEntries([...r.registers].sort()) };
}

// ---------------------------------------------------------------------------------------------

const opened: SymFile[] = [];
async function openCorpus(rel: string): Promise<SymFile> {
  const src = await FileSource.open(corpusPath(rel));
  try {
    const sym = await openSymFile(src);
    opened.push(sym);
    return sym;
  } catch (e) {
    await src.close();
    throw e;
  }
}

afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
});

describe.skipIf(!haveCorpus)('real symbol files', () => {
  const files = allSymFiles();

  it('finds the corpus symbol files', () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
  });

  it.each(files)('%s: record counts equal a line-by-line count, with no problems', async (rel) => {
    const sym = await openCorpus(rel);
    expect({ ...sym.counts }).toEqual(await grepCounts(corpusPath(rel)));
    expect(sym.problems.count).toBe(0);
    expect(sym.problems.samples).toEqual([]);
    expect(sym.indexBytes).toBeLessThan(statSync(corpusPath(rel)).size);
  });

  it('reads MODULE and INFO CODE_ID', async () => {
    const sym = await openCorpus(NTDLL);
    expect(sym.module).toEqual({ os: 'windows', arch: 'x86_64', debugId: '1EB9FACB04C73C5DEA7160764CD333D01', name: 'ntdll.pdb' });
    expect(sym.codeId).toMatch(/^[0-9A-F]{9,16}$/);
    expect(sym.codeFile).toBe('ntdll.dll');
    const nra = await openCorpus(NULL_READ_AV);
    expect(nra.module).toEqual({ os: 'Linux', arch: 'x86_64', debugId: '7B7D1968FF0D47AE4366E9C3A7E1B6750', name: 'null_read_av' });
    expect(nra.codeId).toBeUndefined();
  });

  it('ntdll.sym: STACK CFI rules at real addresses, deltas applied up to the address', async () => {
    const sym = await openCorpus(NTDLL);
    // STACK CFI INIT 1010 d2 .cfa: $rsp 8 + .ra: .cfa 8 - ^ / STACK CFI 1010 .cfa: $rsp 160 +
    expect(rulesOf(await sym.findCfiRules(0x1010))).toEqual({ cfa: '$rsp 160 +', ra: '.cfa 8 - ^', registers: {} });
    expect(rulesOf(await sym.findCfiRules(0x10e1))).toEqual({ cfa: '$rsp 160 +', ra: '.cfa 8 - ^', registers: {} });
    expect((await sym.findCfiRules(0x10e1))!.initRva).toBe(0x1010);
    // 0x10e2..0x10e7: between two INIT ranges.
    expect(await sym.findCfiRules(0x10e2)).toBeUndefined();
    // STACK CFI INIT 9fcb0 78 ... / STACK CFI 9fcb0 .cfa: $rsp 1344 + $rsp: .cfa 24 - ^ .ra: .cfa 48 - ^
    expect(rulesOf(await sym.findCfiRules(0x9fcb0 + 0x40))).toEqual({ cfa: '$rsp 1344 +', ra: '.cfa 48 - ^', registers: { $rsp: '.cfa 24 - ^' } });
    expect(rulesOf(await sym.findCfiRules(0xa0690 + 0x1cb))).toEqual({ cfa: '$rsp 1312 +', ra: '.cfa 48 - ^', registers: { $rsp: '.cfa 24 - ^' } });
    expect(await sym.findCfiRules(0xfff)).toBeUndefined();
    expect(await sym.findCfiRules(-1)).toBeUndefined();
    expect(await sym.findCfiRules(0x1_0000_0000n)).toBeUndefined();
  });

  it('kernelbase.sym: STACK CFI rules at real addresses', async () => {
    const sym = await openCorpus(KERNELBASE);
    // STACK CFI INIT 26efd 8 .cfa: $rsp 8 + .ra: .cfa 8 - ^ / STACK CFI 26efd .cfa: $rsp 176 +
    expect(rulesOf(await sym.findCfiRules(0x26efd))).toEqual({ cfa: '$rsp 176 +', ra: '.cfa 8 - ^', registers: {} });
    expect(rulesOf(await sym.findCfiRules(0x26f04))).toEqual({ cfa: '$rsp 176 +', ra: '.cfa 8 - ^', registers: {} });
    // STACK CFI INIT 26f05 3eb (no delta on the next line in this file? see the model check below)
    expect((await sym.findCfiRules(0x26f05))!.initRva).toBe(0x26f05);
  });

  it('null_read_av.sym (Linux, INIT records out of order): deltas accumulate register rules', async () => {
    const sym = await openCorpus(NULL_READ_AV);
    // STACK CFI INIT 2140 2c .cfa: $rsp 8 + .ra: .cfa -8 + ^
    // STACK CFI 2141 $rbx: .cfa -16 + ^ .cfa: $rsp 16 +
    // STACK CFI 216b .cfa: $rsp 8 +
    expect(rulesOf(await sym.findCfiRules(0x2140))).toEqual({ cfa: '$rsp 8 +', ra: '.cfa -8 + ^', registers: {} });
    expect(rulesOf(await sym.findCfiRules(0x2141))).toEqual({ cfa: '$rsp 16 +', ra: '.cfa -8 + ^', registers: { $rbx: '.cfa -16 + ^' } });
    expect(rulesOf(await sym.findCfiRules(0x216a))).toEqual({ cfa: '$rsp 16 +', ra: '.cfa -8 + ^', registers: { $rbx: '.cfa -16 + ^' } });
    expect(rulesOf(await sym.findCfiRules(0x216b))).toEqual({ cfa: '$rsp 8 +', ra: '.cfa -8 + ^', registers: { $rbx: '.cfa -16 + ^' } });
    expect(await sym.findWinFrameInfo(0x2141)).toBeUndefined(); // no STACK WIN in a Linux file
  });

  it('ntdll.sym: FUNC and PUBLIC lookups under Breakpad rule', async () => {
    const sym = await openCorpus(NTDLL);
    // FUNC 1010 d2 0 RtlLargeIntegerToChar
    expect(await sym.findFunction(0x1015)).toEqual({ name: 'RtlLargeIntegerToChar', rva: 0x1010, size: 0xd2, paramSize: 0, kind: 'func', multiple: false });
    expect(await sym.findFunction(0x10e1)).toMatchObject({ name: 'RtlLargeIntegerToChar', kind: 'func' });
    // PUBLIC 1200 0 LdrQueryNextListEntry: no FUNC covers 0x1210, the nearest FUNC below starts at 0x10e8
    expect(await sym.findFunction(0x1210)).toEqual({ name: 'LdrQueryNextListEntry', rva: 0x1200, paramSize: 0, kind: 'public', multiple: false });
    // PUBLIC m 9d5b0 0 NtCreateLowBoxToken
    expect(await sym.findFunction(0x9d5b4)).toEqual({ name: 'NtCreateLowBoxToken', rva: 0x9d5b0, paramSize: 0, kind: 'public', multiple: true });
    // 0x1380: after FUNC 1340 40 LdrpReadMemory; the nearest PUBLIC (0x1220) is below that FUNC: nothing
    expect(await sym.findFunction(0x1380)).toBeUndefined();
    // below every record
    expect(await sym.findFunction(0x1000)).toBeUndefined();
  });

  it('firefox.sym: FUNC m (several names folded on one address)', async () => {
    const sym = await openCorpus('symbols/firefox.pdb/B805162903CD62784C4C44205044422E1/firefox.sym');
    // FUNC m 9cfa 20 0 MOZ_NoReturn(int)
    expect(await sym.findFunction(0x9cfa + 0x1f)).toEqual({ name: 'MOZ_NoReturn(int)', rva: 0x9cfa, size: 0x20, paramSize: 0, kind: 'func', multiple: true });
  });

  it('test_app.sym: STACK WIN type 4 with a program, nested records, and type 0 (FPO)', async () => {
    const sym = await openCorpus(TEST_APP);
    // STACK WIN 4 4240 41 3 0 18 0 0 0 1 $T0 $ebp = $eip $T0 4 + ^ = ...
    expect(await sym.findWinFrameInfo(0x4250)).toEqual({
      type: 4, rva: 0x4240, codeSize: 0x41, prologSize: 3, epilogSize: 0, parameterSize: 0x18, savedRegisterSize: 0, localSize: 0, maxStackSize: 0,
      hasProgramString: true, programString: '$T0 $ebp = $eip $T0 4 + ^ = $ebp $T0 ^ = $esp $T0 8 + = $L $T0 .cbSavedRegs - = $P $T0 8 + .cbParams + =',
    });
    // STACK WIN 4 42ae 18 ... contains STACK WIN 4 42af 14 ...: the innermost wins inside both
    expect(await sym.findWinFrameInfo(0x42b0)).toMatchObject({ type: 4, rva: 0x42af, codeSize: 0x14, prologSize: 6, savedRegisterSize: 4 });
    expect(await sym.findWinFrameInfo(0x42c4)).toMatchObject({ type: 4, rva: 0x42ae, codeSize: 0x18 });
    expect((await sym.findWinFrameInfo(0x42ae))!.programString).toBe('$T2 $esp .cbLocals + .cbSavedRegs + = $T0 .raSearchStart = $eip $T0 ^ = $esp $T0 4 + =');
    // STACK WIN 0 1000 13 0 0 4 0 0 0 0 0: no type-4 record covers 0x1005
    expect(await sym.findWinFrameInfo(0x1005)).toEqual({
      type: 0, rva: 0x1000, codeSize: 0x13, prologSize: 0, epilogSize: 0, parameterSize: 4, savedRegisterSize: 0, localSize: 0, maxStackSize: 0,
      hasProgramString: false, allocatesBasePointer: false,
    });
    // FUNC 4240 41 18 `anonymous namespace'::callback
    expect(await sym.findFunction(0x4250)).toMatchObject({ name: "`anonymous namespace'::callback", paramSize: 0x18, kind: 'func' });
    // STACK WIN 4 1005b a1 ... then 1005c b2 ... overlaps it partially: Breakpad drops the second.
    expect(await sym.findWinFrameInfo(0x1005c)).toMatchObject({ rva: 0x1005b });
    expect(sym.dropped).toBeGreaterThan(0);
  });

  // Every corpus file, every record boundary: the index answers as the model of Breakpad's maps does.
  it.each(files)('%s: lookups agree with a model of Breakpad\'s maps', async (rel) => {
    const sym = await openCorpus(rel);
    const model = await buildModel(corpusPath(rel));
    const addrs = probeAddresses(model);
    const step = Math.max(1, Math.floor(addrs.length / 3000));
    const found = { func: 0, cfi: 0, win: 0 };
    for (let i = 0; i < addrs.length; i += step) {
      const a = addrs[i]!;
      const f = await sym.findFunction(a);
      expect(f && { name: f.name, kind: f.kind }, `findFunction(${a.toString(16)})`).toEqual(modelFunction(model, a));
      const c = await sym.findCfiRules(a);
      expect(rulesOf(c), `findCfiRules(${a.toString(16)})`).toEqual(rulesOf(modelCfi(model, a) as CfiRules | undefined));
      const w = await sym.findWinFrameInfo(a);
      const want = treeRetrieve(model.win.get(4)!, a) ?? treeRetrieve(model.win.get(0)!, a);
      expect(w && `${w.type} ${w.rva.toString(16)} ${w.codeSize.toString(16)}`, `findWinFrameInfo(${a.toString(16)})`).toEqual(want && want.line.split(' ').slice(2, 5).join(' '));
      if (f) found.func++;
      if (c) found.cfi++;
      if (w) found.win++;
    }
    // The comparison is not vacuous: each kind of record the file has was found.
    if (sym.indexed.func + sym.indexed.public > 0) expect(found.func).toBeGreaterThan(0);
    if (sym.indexed.stackCfiInit > 0) expect(found.cfi).toBeGreaterThan(0);
    if (sym.indexed.stackWinFrameData + sym.indexed.stackWinFpo > 0) expect(found.win).toBeGreaterThan(0);
  });

  it('kernel32.sym (x86, STACK WIN records out of order and overlapping) agrees with the model at every byte of a busy range', async () => {
    const sym = await openCorpus(KERNEL32_X86);
    const model = await buildModel(corpusPath(KERNEL32_X86));
    for (let a = 0x9b00; a < 0xb700; a++) {
      const w = await sym.findWinFrameInfo(a);
      const want = treeRetrieve(model.win.get(4)!, a) ?? treeRetrieve(model.win.get(0)!, a);
      expect(w && `${w.type} ${w.rva.toString(16)}`).toEqual(want && want.line.split(' ').slice(2, 4).join(' '));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Synthetic files through both sources.

const SYNTH = [
  'MODULE windows x86_64 0123456789ABCDEF0123456789ABCDEF1 synth.pdb',
  'INFO CODE_ID 5C8AD05F12000 synth.dll',
  'FILE 0 c:\\src\\a.cc',
  'FUNC 1000 20 8 first(int)',
  '1000 10 12 0',
  '1010 10 13 0',
  'FUNC 1010 30 0 overlaps_first_dropped',
  'FUNC 1040 0 0 zero_size_dropped',
  'FUNC 1080 40 0 second',
  'PUBLIC 1060 4 public_between',
  'PUBLIC 1060 0 duplicate_dropped',
  'PUBLIC 0 0 zero_address_dropped',
  'PUBLIC 2000 0 after_everything',
  'STACK CFI INIT 1000 20 .cfa: $rsp 8 + .ra: .cfa 8 - ^',
  'STACK CFI 1004 .cfa: $rsp 16 + $rbx: .cfa 16 - ^',
  'STACK CFI 1008 .cfa: $rsp 24 +',
  'STACK CFI 1008 .cfa: $rsp 32 + $rbp: .cfa 24 - ^',
  'STACK CFI 100c $rbx: $rbx',
  'STACK CFI INIT 1020 10 .cfa: $rsp 8 + .ra: .cfa 8 - ^',
  'STACK CFI INIT 1080 40 .cfa: $rsp 8 +',
  'STACK WIN 4 3000 100 0 0 0 0 0 0 1 $T0 .raSearch = $eip $T0 ^ = $esp $T0 4 + =',
  'STACK WIN 4 3010 10 0 0 0 0 0 0 1 inner',
  'STACK WIN 4 3000 100 0 0 0 0 0 0 1 identical_dropped',
  'STACK WIN 4 3008 10 0 0 0 0 0 0 1 partial_overlap_dropped',
  'STACK WIN 4 2f00 300 0 0 0 0 0 0 1 outer_added_later',
  'STACK WIN 0 3400 10 1 2 3 4 5 6 0 1',
  'STACK WIN 2 3400 10 0 0 0 0 0 0 0 0',
  '',
].join('\r\n');

const tmp = mkdtempSync(join(tmpdir(), 'dt-sym-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function sources(bytes: Uint8Array, name: string): Array<[string, () => Promise<ByteSource>]> {
  const file = join(tmp, name);
  writeFileSync(file, bytes);
  return [
    ['BytesSource', async () => new BytesSource(bytes)],
    ['FileSource', () => FileSource.open(file)],
  ];
}

describe.each(sources(new TextEncoder().encode(SYNTH), 'synth.sym'))('synthetic file through %s', (_n, make) => {
  let sym: SymFile;
  beforeAll(async () => {
    sym = await openSymFile(await make(), { chunkBytes: 64 }); // lines cross chunk boundaries
  });
  afterAll(() => sym.close());

  it('counts and indexes by Breakpad rules', () => {
    expect(sym.counts).toMatchObject({ module: 1, info: 1, file: 1, func: 4, public: 4, line: 2, stackCfiInit: 3, stackCfi: 4, stackWin: 7 });
    // FUNC: overlap and zero size dropped; PUBLIC: duplicate and 0 dropped; WIN 4: identical and partial dropped.
    expect(sym.indexed).toEqual({ func: 2, public: 2, stackCfiInit: 3, stackWinFrameData: 3, stackWinFpo: 1 });
    expect(sym.dropped).toBe(6);
    expect(sym.problems.count).toBe(0);
    expect(sym.codeId).toBe('5C8AD05F12000');
    expect(sym.codeFile).toBe('synth.dll');
  });

  it('applies CFI deltas in address order, the last line for an address replacing earlier ones', async () => {
    expect(rulesOf(await sym.findCfiRules(0x1003))).toEqual({ cfa: '$rsp 8 +', ra: '.cfa 8 - ^', registers: {} });
    expect(rulesOf(await sym.findCfiRules(0x1004))).toEqual({ cfa: '$rsp 16 +', ra: '.cfa 8 - ^', registers: { $rbx: '.cfa 16 - ^' } });
    // two lines for 0x1008: only the second applies
    expect(rulesOf(await sym.findCfiRules(0x1008))).toEqual({ cfa: '$rsp 32 +', ra: '.cfa 8 - ^', registers: { $rbx: '.cfa 16 - ^', $rbp: '.cfa 24 - ^' } });
    expect(rulesOf(await sym.findCfiRules(0x102f))).toEqual({ cfa: '$rsp 8 +', ra: '.cfa 8 - ^', registers: {} });
    expect(await sym.findCfiRules(0x1030)).toBeUndefined();
    expect(rulesOf(await sym.findCfiRules(0x101f))).toEqual({ cfa: '$rsp 32 +', ra: '.cfa 8 - ^', registers: { $rbx: '$rbx', $rbp: '.cfa 24 - ^' } });
    // an INIT without .ra: found, ra empty (evaluateCfiRules then reports BadUnwindData)
    expect(rulesOf(await sym.findCfiRules(0x1080))).toEqual({ cfa: '$rsp 8 +', ra: '', registers: {} });
  });

  it('finds functions and publics', async () => {
    expect(await sym.findFunction(0x101f)).toMatchObject({ name: 'first(int)', paramSize: 8, kind: 'func' });
    expect(await sym.findFunction(0x1030)).toBeUndefined(); // public_between (0x1060) is above; nothing at/below but first's base
    expect(await sym.findFunction(0x1070)).toMatchObject({ name: 'public_between', paramSize: 4, kind: 'public' });
    expect(await sym.findFunction(0x10c0)).toBeUndefined(); // PUBLIC 1060 is below second's base 0x1080
    expect(await sym.findFunction(0x2004)).toMatchObject({ name: 'after_everything', kind: 'public' });
  });

  it('finds the innermost STACK WIN record, type 4 before type 0', async () => {
    expect(await sym.findWinFrameInfo(0x2f00)).toMatchObject({ rva: 0x2f00, programString: 'outer_added_later' });
    expect(await sym.findWinFrameInfo(0x3008)).toMatchObject({ rva: 0x3000, programString: '$T0 .raSearch = $eip $T0 ^ = $esp $T0 4 + =' });
    expect(await sym.findWinFrameInfo(0x3010)).toMatchObject({ rva: 0x3010, programString: 'inner' });
    expect(await sym.findWinFrameInfo(0x3100)).toMatchObject({ rva: 0x2f00 });
    expect(await sym.findWinFrameInfo(0x31ff)).toMatchObject({ rva: 0x2f00 });
    expect(await sym.findWinFrameInfo(0x3200)).toBeUndefined();
    expect(await sym.findWinFrameInfo(0x3408)).toEqual({
      type: 0, rva: 0x3400, codeSize: 0x10, prologSize: 1, epilogSize: 2, parameterSize: 3, savedRegisterSize: 4, localSize: 5, maxStackSize: 6,
      hasProgramString: false, allocatesBasePointer: true,
    });
    expect(await sym.findWinFrameInfo(0x2eff)).toBeUndefined();
  });
});

