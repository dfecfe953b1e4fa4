// Hostile symbol files: long lines, many tokens, garbage, truncation, one-character files,
// absurd values, the record limit, and inputs built to make the index quadratic. Nothing throws
// but a typed DumpError, and nothing reads more than a chunk at a time.

import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BytesSource, type ByteSource } from '../../../src/reader/byte-source.js';
import { FileSource } from '../../../src/reader/file-source.js';
import { DumpError } from '../../../src/errors.js';
import { MAX_SYM_LINE_BYTES, openSymFile, SYM_CHUNK_BYTES, SYM_STRUCT, type SymFile } from '../../../src/formats/breakpad-sym/sym-file.js';
import { evaluateCfiRules, evaluatePostfix, isUnwindProblem } from '../../../src/formats/breakpad-sym/postfix.js';
import { corpusOrSkipMessage, corpusPath } from '../../helpers/corpus.js';
import { SpySource } from '../../helpers/spy-source.js';

const haveCorpus = corpusOrSkipMessage();
const tmp = mkdtempSync(join(tmpdir(), 'dt-symh-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const MODULE = 'MODULE windows x86_64 0123456789ABCDEF0123456789ABCDEF1 h.pdb\n';
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

let fileCount = 0;
/** The same bytes as a BytesSource and as a FileSource in the temp dir. */
function bothSources(bytes: Uint8Array): Array<[string, () => Promise<ByteSource>]> {
  const file = join(tmp, `h${fileCount++}.sym`);
  writeFileSync(file, bytes);
  return [
    ['BytesSource', async () => new BytesSource(bytes, file)],
    ['FileSource', () => FileSource.open(file)],
  ];
}

async function open(make: () => Promise<ByteSource>, options?: Parameters<typeof openSymFile>[1]): Promise<SymFile> {
  const src = await make();
  try {
    return await openSymFile(src, options);
  } catch (e) {
    await src.close();
    throw e;
  }
}

async function refused(make: () => Promise<ByteSource>): Promise<DumpError> {
  const e = await open(make).then(
    (s) => {
      void s.close();
      return undefined;
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DumpError);
  return e as DumpError;
}

describe.each([
  ['a 100 KB line among good ones', `${MODULE}FUNC 1000 10 0 before\nFUNC 1010 10 0 ${'x'.repeat(100_000)}\nFUNC 1020 10 0 after\n`],
  ['a 100 KB line at the end without a newline', `${MODULE}FUNC 1000 10 0 before\nFUNC 1020 10 0 after\nFUNC 1010 10 0 ${'x'.repeat(100_000)}`],
])('%s', (_name, text) => {
  describe.each(bothSources(enc(text)))('%s', (_s, make) => {
    it('is skipped and counted with its line number; the others are indexed', async () => {
      const sym = await open(make, { chunkBytes: 4096 });
      expect(sym.problems.count).toBe(1);
      expect(sym.problems.samples[0]).toMatchObject({ reason: expect.stringContaining(`over ${MAX_SYM_LINE_BYTES} bytes`) });
      expect([3, 4]).toContain(sym.problems.samples[0]!.lineNumber);
      expect(sym.counts.func).toBe(2);
      expect(await sym.findFunction(0x1005)).toMatchObject({ name: 'before' });
      expect(await sym.findFunction(0x1025)).toMatchObject({ name: 'after' });
      expect(await sym.findFunction(0x1015)).toBeUndefined();
      await sym.close();
    });
  });
});

describe('a line of 10^5 tokens', () => {
  // Over the line limit: skipped.
  const long = `${MODULE}STACK CFI INIT 1000 100 .cfa: $rsp 8 + .ra: .cfa 8 - ^\nSTACK CFI 1004 .cfa:${' 1 +'.repeat(25_000)}\n`;
  // Just under it (~30,000 tokens): indexed, then refused by the evaluator's token bound.
  const many = `${MODULE}STACK CFI INIT 1000 100 .cfa: $rsp 8 + .ra: .cfa 8 - ^\nSTACK CFI 1004 .cfa: 1${' 1 +'.repeat(10_000)} $rbx: 1${' 1 +'.repeat(5_000)}\n`;

  it.each(bothSources(enc(long)))('%s: over 64 KiB, skipped; the INIT rules stand', async (_s, make) => {
    const sym = await open(make);
    expect(sym.problems.count).toBe(1);
    expect(await sym.findCfiRules(0x1008)).toMatchObject({ cfa: '$rsp 8 +', ra: '.cfa 8 - ^' });
    await sym.close();
  });

  it.each(bothSources(enc(many)))('%s: under 64 KiB, indexed; evaluation is a BadExpression, bounded', async (_s, make) => {
    const sym = await open(make);
    expect(sym.problems.count).toBe(0);
    const rules = (await sym.findCfiRules(0x1008))!;
    expect(rules.cfa.length).toBeGreaterThan(30_000);
    const t0 = performance.now();
    expect(await evaluateCfiRules(rules, new Map([['rsp', 0x1000n]]), async () => new Uint8Array(8), 8)).toMatchObject({ code: 'BadExpression' });
    expect(await evaluatePostfix(rules.registers.get('$rbx')!, new Map(), async () => undefined, 8)).toMatchObject({ code: 'BadExpression' });
    expect(performance.now() - t0).toBeLessThan(2000);
    await sym.close();
  });
});

describe('garbage bytes', () => {
  const garbage = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 2654435761) >>> 24);
  const withModule = new Uint8Array(MODULE.length + garbage.length);
  withModule.set(enc(MODULE));
  withModule.set(garbage, MODULE.length);

  it.each(bothSources(garbage))('%s: without a MODULE line, BadSignature at offset 0 naming the file', async (_s, make) => {
    const e = await refused(make);
    expect(e.code).toBe('BadSignature');
    expect(e.struct).toBe(SYM_STRUCT);
    expect(e.offset).toBe(0);
    expect(e.path).toMatch(/h\d+\.sym$/);
  });

  it.each(bothSources(withModule))('%s: after a MODULE line, lines are counted as problems and lookups still work', async (_s, make) => {
    const sym = await open(make);
    expect(sym.problems.count).toBeGreaterThan(100);
    expect(sym.problems.samples.length).toBe(10);
    for (const a of [0, 0x1000, 0xffff_ffff]) {
      await sym.findFunction(a);
      await sym.findCfiRules(a);
      await sym.findWinFrameInfo(a);
    }
    await sym.close();
  });
});

describe('files truncated mid-line', () => {
  it.skipIf(!haveCorpus)('every cut of the first 64 KiB of ntdll.sym indexes, or is refused with a DumpError', async () => {
    const f = await FileSource.open(corpusPath('symbols/ntdll.pdb/1EB9FACB04C73C5DEA7160764CD333D01/ntdll.sym'));
    const head = (await f.read(0, 64 * 1024)).slice();
    await f.close();
    for (let cut = 0; cut <= head.length; cut += cut < 200 ? 1 : 997) {
      const src = new BytesSource(head.subarray(0, cut));
      try {
        const sym = await openSymFile(src);
        await sym.findFunction(0x1015);
        await sym.findCfiRules(0x1015);
      } catch (e) {
        expect(e, `cut at ${cut}`).toBeInstanceOf(DumpError);
        expect(cut).toBeLessThan(70); // only a cut inside the MODULE line
      }
    }
  });

  const cutInit = `${MODULE}FUNC 1000 10 0 f\nSTACK CFI INIT 1000 10 .cfa: $rsp 8 + .ra: .cfa 8`;
  const cutFunc = `${MODULE}FUNC 1000 10 0 f\nFUNC 2000`;
  it.each(bothSources(enc(cutInit)))('%s: a cut rule is indexed and then a BadExpression', async (_s, make) => {
    const sym = await open(make);
    const rules = (await sym.findCfiRules(0x1004))!;
    expect(rules.ra).toBe('.cfa 8');
    expect(await evaluateCfiRules(rules, new Map([['rsp', 0x1000n]]), async () => new Uint8Array(8), 8)).toMatchObject({ code: 'BadExpression' });
    await sym.close();
  });
  it.each(bothSources(enc(cutFunc)))('%s: a cut FUNC line is a problem', async (_s, make) => {
    const sym = await open(make);
    try {
      expect(sym.problems).toEqual({ count: 1, samples: [{ lineNumber: 3, offset: MODULE.length + 'FUNC 1000 10 0 f\n'.length, reason: expect.stringContaining('FUNC') }] });
      expect(await sym.findFunction(0x2000)).toBeUndefined();
    } finally {
      await sym.close();
    }
  });
});

describe('a 10 MB file of one character', () => {
  const tenMB = 10 * 1024 * 1024;
  it.each(bothSources(new Uint8Array(tenMB).fill(0x41)))('%s: refused after one chunk', async (_s, make) => {
    const spy = new SpySource(await make());
    const e = await openSymFile(spy).catch((err: unknown) => err);
    await spy.close();
    expect(e).toMatchObject({ code: 'BadSignature', struct: SYM_STRUCT });
    expect(spy.bytesRead).toBeLessThanOrEqual(SYM_CHUNK_BYTES);
  });

  it.each(bothSources(new Uint8Array(tenMB).fill(0x0a)))('%s of newlines: no MODULE line, read in bounded chunks', async (_s, make) => {
    const spy = new SpySource(await make());
    const e = await openSymFile(spy).catch((err: unknown) => err);
    await spy.close();
    expect(e).toMatchObject({ code: 'BadSignature' });
    expect(spy.maxRead).toBeLessThanOrEqual(SYM_CHUNK_BYTES);
  });

  it('after a MODULE line: one overlong line, one problem', async () => {
    const b = new Uint8Array(MODULE.length + tenMB).fill(0x41);
    b.set(enc(MODULE));
    const sym = await openSymFile(new BytesSource(b));
    expect(sym.problems.count).toBe(1);
    await sym.close();
  });
});

describe('absurd values and malformed records', () => {
  const lines = [
    'FUNC ffffff00 1000 0 wraps_past_4GiB',
    'FUNC 100000000 10 0 address_over_32_bits',
    'FUNC 1000 10 zz bad_param',
    'FUNC 1000 10 0',
    'PUBLIC 1000',
    'PUBLIC -1 0 signed',
    'STACK CFI INIT fffffff0 20 .cfa: $rsp 8 +',
    'STACK CFI INIT 1000',
    'STACK CFI 1000',
    'STACK WIN 5 1000 10 0 0 0 0 0 0 1 x',
    'STACK WIN 4 1000 10 0 0 0 0 0 0 1',
    'STACK WIN 4 1000 100000000 0 0 0 0 0 0 1 x',
    'STACK FOO 1000',
    'FILE x name',
    '1000 10 5 0',
    'garbage line here',
    'FUNC 0 ffffffff 0 whole_space_is_fine',
    'FUNC 0x2000 0x10 0 hex_prefixes_are_strtoull',
  ];
  const text = `${MODULE}${lines.join('\n')}\n`;
  it.each(bothSources(enc(text)))('%s: each malformed line is one problem; the sane ones stay', async (_s, make) => {
    const sym = await open(make);
    expect(sym.problems.count).toBe(16);
    expect(sym.problems.samples.map((p) => p.lineNumber)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(sym.counts.func).toBe(2);
    expect(sym.counts.line).toBe(0); // "1000 10 5 0" follows no valid FUNC
    expect(await sym.findFunction(0xffff_fffe)).toMatchObject({ name: 'whole_space_is_fine' });
    expect(sym.dropped).toBe(1); // 0x2000 lies inside the first FUNC kept
    await sym.close();
  });

  it('MODULE line without its fields, empty file', async () => {
    expect(await refused(async () => new BytesSource(enc('MODULE windows\nFUNC 1 1 0 f\n')))).toMatchObject({ code: 'BadValue', struct: SYM_STRUCT });
    expect(await refused(async () => new BytesSource(new Uint8Array(0)))).toMatchObject({ code: 'BadSignature' });
    expect(await refused(async () => new BytesSource(enc('FUNC 1000 10 0 f\nMODULE windows x86 00 a.pdb\n')))).toMatchObject({ code: 'BadSignature', offset: 0 });
  });

  it('a UTF-8 BOM, CRLF and lone-CR line ends, and NUL bytes', async () => {
    const text2 = `\ufeff${MODULE.trimEnd()}\r\nFUNC 1000 10 0 crlf\r\nFUNC 2000 10 0 cr\rFUNC 3000 10 0 na\0me\n`;
    const sym = await openSymFile(new BytesSource(enc(text2)));
    expect(sym.module.debugId).toBe('0123456789ABCDEF0123456789ABCDEF1');
    expect(await sym.findFunction(0x1000)).toMatchObject({ name: 'crlf' });
    expect(await sym.findFunction(0x2000)).toMatchObject({ name: 'cr' });
    expect(await sym.findFunction(0x3000)).toMatchObject({ name: 'na\0me' });
    await sym.close();
  });
});

describe('bounded work', () => {
  it('the record limit: past it, records are problems, not index entries', async () => {
    const text = `${MODULE}${Array.from({ length: 20 }, (_, i) => `FUNC ${(0x1000 + i * 0x10).toString(16)} 10 0 f${i}`).join('\n')}\n`;
    const sym = await openSymFile(new BytesSource(enc(text)), { maxRecords: 10 });
    expect(sym.indexed.func).toBe(10);
    expect(sym.counts.func).toBe(20);
    expect(sym.problems.count).toBe(10);
    expect(sym.problems.samples[0]!.reason).toContain('limit of 10 records');
    expect(await sym.findFunction(0x1095)).toMatchObject({ name: 'f9' });
    expect(await sym.findFunction(0x10a5)).toBeUndefined();
    await sym.close();
  });

  it('200,000 STACK WIN records nested 1-deep, each around the last, shuffled; and 200,000 overlapping FUNCs in reverse', async () => {
    const n = 200_000;
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const parts = [MODULE];
    for (const i of order) parts.push(`STACK WIN 4 ${(0x100000 - i).toString(16)} ${(2 * i + 1).toString(16)} 0 0 0 0 0 0 1 p${i}\n`);
    for (let i = n - 1; i >= 0; i--) parts.push(`FUNC ${(0x1000 + i).toString(16)} 100 0 f${i}\n`);
    const bytes = enc(parts.join(''));
    const t0 = performance.now();
    const sym = await openSymFile(new BytesSource(bytes));
    const ms = performance.now() - t0;
    expect(sym.indexed.stackWinFrameData).toBe(n);
    // FUNCs overlap each earlier one: the first line (highest address) is kept, then every 0x100th below it.
    expect(sym.indexed.func).toBe(Math.ceil(n / 0x100));
    expect(ms).toBeLessThan(15_000);
    // the innermost record around 0x100000 is the one-byte record p0; around 0x100000 + 5, p5.
    expect(await sym.findWinFrameInfo(0x100000)).toMatchObject({ programString: 'p0' });
    expect(await sym.findWinFrameInfo(0x100005)).toMatchObject({ programString: 'p5' });
    expect(await sym.findWinFrameInfo(0x100000 - 99_999)).toMatchObject({ programString: 'p99999' });
    // 150,000 levels out from the innermost: still exact
    expect(await sym.findWinFrameInfo(0x100000 + 150_000)).toMatchObject({ programString: 'p150000' });
    expect(await sym.findWinFrameInfo(0x100000 + n)).toBeUndefined();
    await sym.close();
  });

  it('lookups on a hostile file never throw anything but DumpError', async () => {
    const text = `${MODULE}STACK CFI INIT 1000 10 : : .cfa:\nSTACK CFI 1004 \nSTACK CFI 1005 .cfa: $rsp 8 + :\nFUNC 1000 10 0 \u{1F600}\n`;
    const sym = await openSymFile(new BytesSource(enc(text)));
    expect(await sym.findCfiRules(0x1002)).toBeUndefined(); // INIT rules do not parse: no CFI here
    expect(await sym.findFunction(0x1000)).toMatchObject({ name: '\u{1F600}' });
    const r = await evaluatePostfix('::', new Map(), async () => undefined, 8);
    expect(isUnwindProblem(r)).toBe(true);
    await sym.close();
  });
});
