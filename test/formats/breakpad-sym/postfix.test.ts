// The postfix evaluator for STACK CFI rules and STACK WIN programs, on hand-computed registers
// and memory.

import { describe, expect, it } from 'vitest';
import {
  evaluateCfiRules, evaluatePostfix, evaluateWinProgram, isUnwindProblem, MAX_POSTFIX_STACK, MAX_POSTFIX_TOKENS,
} from '../../../src/formats/breakpad-sym/postfix.js';
import type { CfiRules } from '../../../src/formats/breakpad-sym/sym-file.js';
import type { ReadMemory, UnwindStep } from '../../../src/unwind/types.js';

/** Little-endian memory made of pointer-sized words at the given addresses. */
function memory(words: Record<string, bigint>, size: 4 | 8): ReadMemory & { reads: bigint[] } {
  const bytes = new Map<bigint, number>();
  for (const [a, v] of Object.entries(words)) {
    for (let i = 0; i < size; i++) bytes.set(BigInt(a) + BigInt(i), Number((v >> BigInt(8 * i)) & 0xffn));
  }
  const reads: bigint[] = [];
  const read = async (address: bigint, length: number): Promise<Uint8Array | undefined> => {
    reads.push(address);
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      const b = bytes.get(address + BigInt(i));
      if (b === undefined) return undefined;
      out[i] = b;
    }
    return out;
  };
  return Object.assign(read, { reads });
}

function rules(cfa: string, ra: string, registers: Record<string, string> = {}): CfiRules {
  return { cfa, ra, registers: new Map(Object.entries(registers)), initRva: 0, initSize: 1 };
}

function step(r: unknown): UnwindStep {
  expect(isUnwindProblem(r), JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))).toBe(false);
  return r as UnwindStep;
}

const noMemory: ReadMemory = async () => undefined;

describe('evaluateCfiRules (amd64)', () => {
  it('.cfa: $rsp 8 + .ra: .cfa 8 - ^  -> rsp = cfa, rip = [cfa - 8]', async () => {
    const mem = memory({ '0x7ff0': 0x7ffa_1234_5678n }, 8);
    const s = step(await evaluateCfiRules(rules('$rsp 8 +', '.cfa 8 - ^'), new Map([['rsp', 0x7ff0n], ['rip', 0x1000n]]), mem, 8));
    expect(s.cfa).toBe(0x7ff8n);
    expect(s.registers).toEqual(new Map([['rsp', 0x7ff8n], ['rip', 0x7ffa_1234_5678n]]));
  });

  it('ntdll 9fcb0 rules: an explicit $rsp rule wins over the CFA', async () => {
    // .cfa: $rsp 1344 + $rsp: .cfa 24 - ^ .ra: .cfa 48 - ^ ; callee rsp = 0x10000 -> cfa = 0x10540
    const mem = memory({ '0x10510': 0x7ffd_0000_1111n, '0x10528': 0x2_0000n }, 8);
    const s = step(await evaluateCfiRules(rules('$rsp 1344 +', '.cfa 48 - ^', { $rsp: '.cfa 24 - ^' }), new Map([['rsp', 0x10000n], ['rip', 0x1n]]), mem, 8));
    expect(s.cfa).toBe(0x10540n);
    expect(s.registers).toEqual(new Map([['rsp', 0x2_0000n], ['rip', 0x7ffd_0000_1111n]]));
  });

  it('null_read_av 2141 rules: $rbx recovered from the frame; a rule that cannot be evaluated leaves the register unknown', async () => {
    // .cfa: $rsp 16 + .ra: .cfa -8 + ^ $rbx: .cfa -16 + ^ ; rsp = 0x5000 -> cfa 0x5010, ra [0x5008], rbx [0x5000]
    const mem = memory({ '0x5008': 0x40_1234n, '0x5000': 0xdead_beefn }, 8);
    const callee = new Map([['rsp', 0x5000n], ['rip', 0x2150n], ['rbx', 0x1n], ['rbp', 0x2n]]);
    const s = step(await evaluateCfiRules(rules('$rsp 16 +', '.cfa -8 + ^', { $rbx: '.cfa -16 + ^', $rbp: '.cfa -64 + ^', $r12: '$nosuch' }), callee, mem, 8));
    expect(s.registers).toEqual(new Map([['rbx', 0xdead_beefn], ['rsp', 0x5010n], ['rip', 0x40_1234n]]));
  });

  it('fails when the CFA or the return address cannot be computed, and when a rule is missing', async () => {
    const callee = new Map([['rsp', 0x5000n]]);
    expect(await evaluateCfiRules(rules('$rbp 16 +', '.cfa 8 - ^'), callee, noMemory, 8)).toMatchObject({ code: 'BadExpression' });
    expect(await evaluateCfiRules(rules('$rsp 16 +', '.cfa 8 - ^'), callee, noMemory, 8)).toMatchObject({ code: 'BadExpression', message: expect.stringContaining('0x5008') });
    expect(await evaluateCfiRules(rules('$rsp 16 +', ''), callee, noMemory, 8)).toMatchObject({ code: 'BadUnwindData' });
    expect(await evaluateCfiRules(rules('', '.cfa 8 - ^'), callee, noMemory, 8)).toMatchObject({ code: 'BadUnwindData' });
    expect(await evaluateCfiRules(rules('$rsp 16 + +', '.cfa 8 - ^'), callee, noMemory, 8)).toMatchObject({ code: 'BadExpression' });
  });

  it('each register rule sees the callee registers plus .cfa, not what another rule assigned', async () => {
    const mem = memory({ '0x1000': 7n }, 8);
    const s = step(await evaluateCfiRules(rules('$rsp 8 +', '$rsp ^', { $rbx: '$rbp 1 +', $rbp: '$rbx 2 +' }), new Map([['rsp', 0x1000n], ['rbx', 10n], ['rbp', 20n]]), mem, 8));
    expect(s.registers.get('rbx')).toBe(21n);
    expect(s.registers.get('rbp')).toBe(12n);
  });
});

describe('evaluateCfiRules (x86 and arm64 naming)', () => {
  it('x86: values wrap modulo 2^32 and reads are 4 bytes', async () => {
    const mem = memory({ '0xfffffffc': 0x8040_1000n }, 4);
    const s = step(await evaluateCfiRules(rules('$esp 4 -', '.cfa ^'), new Map([['esp', 0n], ['eip', 0x10n]]), mem, 4));
    expect(s.cfa).toBe(0xffff_fffcn);
    expect(s.registers).toEqual(new Map([['esp', 0xffff_fffcn], ['eip', 0x8040_1000n]]));
    expect(mem.reads).toEqual([0xffff_fffcn]);
  });

  it('arm64: x29/x30 follow the callee\'s naming (fp/lr or x29/x30); sp and pc are the caller stack and instruction pointers', async () => {
    const mem = memory({ '0x8000': 0x9000n, '0x8008': 0x4_0000_1234n }, 8);
    const r = rules('x29 16 +', '.cfa -8 + ^', { x29: '.cfa -16 + ^' });
    const named = step(await evaluateCfiRules(r, new Map([['sp', 0x7f00n], ['pc', 0x1n], ['fp', 0x8000n], ['lr', 0x2n]]), mem, 8));
    expect(named.registers).toEqual(new Map([['fp', 0x9000n], ['sp', 0x8010n], ['pc', 0x4_0000_1234n]]));
    const numbered = step(await evaluateCfiRules(r, new Map([['sp', 0x7f00n], ['pc', 0x1n], ['x29', 0x8000n], ['x30', 0x2n]]), mem, 8));
    expect(numbered.registers).toEqual(new Map([['x29', 0x9000n], ['sp', 0x8010n], ['pc', 0x4_0000_1234n]]));
  });

  it('names given by the caller override the inferred ones', async () => {
    const mem = memory({ '0x100': 5n }, 8);
    const s = step(await evaluateCfiRules(rules('$rsp 8 +', '.cfa 8 - ^'), new Map([['rsp', 0x100n]]), mem, 8, { sp: 'sp', ip: 'pc' }));
    expect(s.registers).toEqual(new Map([['sp', 0x108n], ['pc', 5n]]));
  });
});

describe('evaluateWinProgram (STACK WIN type 4)', () => {
  const FRAME = '$T0 $ebp = $eip $T0 4 + ^ = $ebp $T0 ^ = $esp $T0 8 + = $L $T0 .cbSavedRegs - = $P $T0 8 + .cbParams + =';

  it('the standard EBP-frame program', async () => {
    // ebp = 0x12ff00: [0x12ff00] = saved ebp 0x12ff40, [0x12ff04] = return address 0x401234
    const mem = memory({ '0x12ff00': 0x12ff40n, '0x12ff04': 0x40_1234n }, 4);
    const initial = new Map([['ebp', 0x12ff00n], ['esp', 0x12fef0n], ['eip', 0x40_2000n], ['.cbSavedRegs', 12n], ['.cbParams', 8n], ['.cbLocals', 0x20n], ['.raSearchStart', 0x12ff10n]]);
    const out = await evaluateWinProgram(FRAME, initial, mem, 4);
    expect(out).toEqual(new Map([
      ['$T0', 0x12ff00n], ['$eip', 0x40_1234n], ['$ebp', 0x12ff40n], ['$esp', 0x12ff08n], ['$L', 0x12ff00n - 12n], ['$P', 0x12ff08n + 8n],
    ]));
  });

  it('the FPO-style program that searches from .raSearchStart', async () => {
    const program = '$T2 $esp .cbLocals + .cbSavedRegs + = $T0 .raSearchStart = $eip $T0 ^ = $esp $T0 4 + =';
    const mem = memory({ '0x2000': 0x77_0000n }, 4);
    const initial = new Map([['$esp', 0x1f00n], ['$ebp', 0n], ['.cbLocals', 0x10n], ['.cbSavedRegs', 4n], ['.raSearchStart', 0x2000n]]);
    expect(await evaluateWinProgram(program, initial, mem, 4)).toEqual(new Map([['$T2', 0x1f14n], ['$T0', 0x2000n], ['$eip', 0x77_0000n], ['$esp', 0x2004n]]));
  });

  it('`=` glued to the next token (MSVC 2010 LTO) is an assignment', async () => {
    const mem = memory({ '0x1084': 0x1234n, '0x1080': 0x2000n }, 4);
    const out = await evaluateWinProgram('$T0 $ebp 128 + =$eip $T0 4 + ^ =$ebp $T0 ^ =', new Map([['ebp', 0x1000n]]), mem, 4);
    expect(out).toEqual(new Map([['$T0', 0x1080n], ['$eip', 0x1234n], ['$ebp', 0x2000n]]));
  });

  it('problems, never throws: unreadable memory, values left over, assigning to a non-$ name, unknown variables', async () => {
    expect(await evaluateWinProgram(FRAME, new Map([['ebp', 0x1000n]]), noMemory, 4)).toMatchObject({ code: 'BadExpression' });
    expect(await evaluateWinProgram('$T0 1 = 5', new Map(), noMemory, 4)).toMatchObject({ code: 'BadExpression', message: expect.stringContaining('incomplete') });
    expect(await evaluateWinProgram('.cfa 1 =', new Map(), noMemory, 4)).toMatchObject({ code: 'BadExpression' });
    expect(await evaluateWinProgram('5 1 =', new Map(), noMemory, 4)).toMatchObject({ code: 'BadExpression' });
    expect(await evaluateWinProgram('$T0 $nosuch =', new Map(), noMemory, 4)).toMatchObject({ code: 'BadExpression', message: expect.stringContaining('$nosuch') });
    expect(await evaluateWinProgram('=', new Map(), noMemory, 4)).toMatchObject({ code: 'BadExpression' });
    expect(await evaluateWinProgram('', new Map(), noMemory, 4)).toEqual(new Map());
  });
});

describe('evaluatePostfix: operators and literals', () => {
  const vars = new Map([['$a', 0x1007n], ['$b', 3n]]);
  it.each([
    ['$a 16 @', 0x1000n],
    ['$a 4096 @', 0x1000n],
    ['$a 3 *', 0x3015n],
    ['$a 16 /', 0x100n],
    ['$a 16 %', 7n],
    ['$b 5 -', 0xffff_ffff_ffff_fffen],
    ['$a -7 +', 0x1000n],
    ['-1', 0xffff_ffff_ffff_ffffn],
    ['18446744073709551615', 0xffff_ffff_ffff_ffffn],
    ['  $b\t\n2  + ', 5n],
  ])('%s', async (expr, want) => {
    expect(await evaluatePostfix(expr, vars, noMemory, 8)).toBe(want);
  });

  it.each([
    ['$a 0 /', 'division by zero'],
    ['$a 0 %', 'division by zero'],
    ['+', 'underflow'],
    ['1 2', 'values left'],
    ['', 'no value'],
    ['$c', '$c is not defined'],
    ['18446744073709551616', 'out of range'],
    ['0x10', '0x10 is not defined'],
  ])('%s is a BadExpression (%s)', async (expr, why) => {
    expect(await evaluatePostfix(expr, vars, noMemory, 8)).toMatchObject({ code: 'BadExpression', message: expect.stringContaining(why) });
  });

  it('32-bit: literals past 2^32 are out of range and arithmetic wraps', async () => {
    expect(await evaluatePostfix('4294967296', new Map(), noMemory, 4)).toMatchObject({ code: 'BadExpression' });
    expect(await evaluatePostfix('4294967295 2 +', new Map(), noMemory, 4)).toBe(1n);
    expect(await evaluatePostfix('0 1 -', new Map(), noMemory, 4)).toBe(0xffff_ffffn);
  });

  it('a ReadMemory that throws is the caller\'s error and propagates', async () => {
    const boom: ReadMemory = async () => {
      throw new Error('disk on fire');
    };
    await expect(evaluatePostfix('$a ^', vars, boom, 8)).rejects.toThrow('disk on fire');
  });
});

describe('hostile expressions are bounded', () => {
  it(`10^5 tokens are refused before any work; ${MAX_POSTFIX_TOKENS} tokens is where a shorter one stops`, async () => {
    const reads: bigint[] = [];
    const mem: ReadMemory = async (a) => {
      reads.push(a);
      return new Uint8Array(8);
    };
    const t0 = performance.now();
    // 10^5 tokens (200 KB): over the length bound, nothing evaluated.
    expect(await evaluatePostfix(`1${' ^'.repeat(99_999)}`, new Map(), mem, 8)).toMatchObject({ code: 'BadExpression', message: expect.stringContaining('characters') });
    expect(reads).toEqual([]);
    // 5000 tokens (10 KB): evaluation stops at the token bound.
    expect(await evaluatePostfix(`1${' ^'.repeat(4999)}`, new Map(), mem, 8)).toMatchObject({ code: 'BadExpression', message: expect.stringContaining(`more than ${MAX_POSTFIX_TOKENS} tokens`) });
    expect(reads.length).toBe(MAX_POSTFIX_TOKENS - 1);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it(`a stack deeper than ${MAX_POSTFIX_STACK} is refused`, async () => {
    expect(await evaluatePostfix(Array(MAX_POSTFIX_STACK + 1).fill('1').join(' '), new Map(), noMemory, 8)).toMatchObject({ code: 'BadExpression', message: expect.stringContaining('deeper') });
  });

  it('a 100 KB token, and a 100 KB expression, are refused quickly', async () => {
    expect(await evaluatePostfix('9'.repeat(100_000), new Map(), noMemory, 8)).toMatchObject({ code: 'BadExpression' });
    expect(await evaluatePostfix('$'.repeat(100_000), new Map(), noMemory, 8)).toMatchObject({ code: 'BadExpression' });
    expect(await evaluatePostfix('1 '.repeat(50_000), new Map(), noMemory, 8)).toMatchObject({ code: 'BadExpression' });
    expect(await evaluateWinProgram('= '.repeat(50_000), new Map(), noMemory, 4)).toMatchObject({ code: 'BadExpression' });
  });

  it('garbage bytes', async () => {
    const garbage = String.fromCharCode(...Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    const r = await evaluatePostfix(garbage, new Map(), noMemory, 8);
    expect(isUnwindProblem(r)).toBe(true);
  });
});
