// Synthetic ARM64 images (arm64-synth.ts): every unwind code, save_next, add_fp, end_c phantom
// prologs, machine frames and CONTEXT records, Microsoft's three documented examples, a matrix of
// 832 packed entries checked against llvm-readobj-19 (expected/arm64-packed-matrix.readobj.txt,
// generated from the same deterministic image), and hostile data.
//
// The expected caller of every unwind comes from running the prolog (and epilog) instructions
// forward on the model machine of arm64-text.ts: at each instruction boundary, unwinding must give
// back the state the caller had before the call.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openPeImageInMemory, type PeImage } from '../../../src/formats/pe/image.js';
import {
  decodeArm64Op, decodeArm64Sequence, decodePackedArm64, decodeXdataArm64, findRuntimeFunctionArm64, stripPac, synthesizePackedArm64,
  unwindArm64Frame, type Arm64UnwindOp, type XdataArm64,
} from '../../../src/formats/pe/arm64-unwind.js';
import type { RegisterSet, UnwindProblem, UnwindStep } from '../../../src/unwind/types.js';
import { SparseMemory, encodeArm64Xdata, type Arm64XdataSpec } from './build-pe.js';
import { A_BASE, A_TEXT, MATRIX_FN_LENGTH, buildArm64, packedMatrix, type Arm64FnSpec, type BuiltArm64 } from './arm64-synth.js';
import { Arm64Machine, PAC_BITS, packedEpilogText, renderPackedOp, toEpilogText } from './arm64-text.js';
import { child, children, parseReadobj, val } from './readobj.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const isProblem = (x: unknown): x is UnwindProblem => typeof x === 'object' && x !== null && 'code' in x && !('registers' in x);
const RET = A_BASE + 0x4242n;
const CALLER_SP = 0x0000_00c0_0010_0000n;
const FP0 = 0x0000_00c0_0020_0000n;
const INITIAL = new Map<string, bigint>([['lr', RET], ['fp', FP0], ...Array.from({ length: 10 }, (_, k): [string, bigint] => [`x${19 + k}`, 0x1900n + BigInt(19 + k)])]);

async function imageOf(b: BuiltArm64, mem = new SparseMemory()): Promise<{ img: PeImage; mem: SparseMemory }> {
  mem.map(A_BASE, b.bytes);
  const img = await openPeImageInMemory(mem.read, A_BASE);
  if (!img) throw new Error('no image');
  return { img, mem };
}

/** A ReadMemory over the model machine's memory. */
function machineMemory(m: Arm64Machine) {
  return async (a: bigint, n: number): Promise<Uint8Array | undefined> => {
    const out = new Uint8Array(n);
    const v = new DataView(out.buffer);
    for (let k = 0; k + 8 <= n; k += 8) v.setBigUint64(k, m.load(a + BigInt(k)), true);
    return out;
  };
}

interface Scenario {
  /** Prolog instructions in execution order. */
  prolog: string[];
  /** Epilogs: byte offset from the function start, printed instructions ending with 'end' (ret). */
  epilogs: [number, string[]][];
  /** Instructions a parent region ran before this fragment (end_c phantom prolog). */
  phantom?: string[];
  /** Body offsets to check besides the first one after the prolog. */
  body?: number[];
  /** Move sp down this far in the body (alloca): only valid with a frame pointer. */
  alloca?: bigint;
}

/** Unwind at every instruction boundary of the prolog and epilogs and in the body; return mismatches. */
async function verify(img: PeImage, beginRva: number, s: Scenario): Promise<string[]> {
  const failures: string[] = [];
  const fresh = (): Arm64Machine => {
    const m = new Arm64Machine(CALLER_SP);
    for (const [k, v] of INITIAL) m.set(k, v);
    for (const t of s.phantom ?? []) m.exec(t);
    return m;
  };
  const check = async (m: Arm64Machine, offset: number, where: string): Promise<void> => {
    const regs: RegisterSet = new Map([['pc', A_BASE + BigInt(beginRva + offset)], ['sp', m.sp]]);
    for (const r of INITIAL.keys()) regs.set(r, m.get(r));
    const st = await unwindArm64Frame(img, regs, machineMemory(m));
    if (!st || isProblem(st)) return void failures.push(`${where}: ${JSON.stringify(st)}`);
    const want = new Map(INITIAL);
    want.set('pc', RET).set('sp', CALLER_SP);
    for (const [k, v] of want) if (st.registers.get(k) !== v) failures.push(`${where}: ${k} = ${st.registers.get(k)?.toString(16)}, want ${v.toString(16)}`);
    if (st.cfa !== CALLER_SP) failures.push(`${where}: cfa`);
  };
  for (let k = 0; k <= s.prolog.length; k++) {
    const m = fresh();
    for (const t of s.prolog.slice(0, k)) m.exec(t);
    await check(m, 4 * k, k === s.prolog.length ? 'body' : `prolog+${k}`);
  }
  for (const off of s.body ?? []) {
    const m = fresh();
    for (const t of s.prolog) m.exec(t);
    if (s.alloca) m.sp -= s.alloca;
    await check(m, off, `body@${off}${s.alloca ? ' after alloca' : ''}`);
  }
  for (const [start, text] of s.epilogs) {
    for (let k = 0; k < text.length; k++) {
      const m = fresh();
      for (const t of s.prolog) m.exec(t);
      for (const t of text.slice(0, k)) m.exec(t);
      await check(m, start + 4 * k, `epilog@${start}+${k}`);
    }
  }
  return failures;
}

const epilogOf = (prolog: string[]): string[] => [...[...prolog].reverse().map(toEpilogText), 'end'];

// ------------------------------------------------------------------------------------------------

describe('ARM64 unwind code decoding', () => {
  it('each code: name, length and fields', () => {
    const d = (...b: number[]): Partial<Arm64UnwindOp> => {
      const o = decodeArm64Op(new Uint8Array(b), 0)!;
      return { name: o.name, length: o.length, ...(o.size !== undefined ? { size: o.size } : {}), ...(o.regs ? { regs: o.regs } : {}), ...(o.offset !== undefined ? { offset: o.offset } : {}), ...(o.writeback !== undefined ? { writeback: o.writeback } : {}) };
    };
    expect(d(0x1f)).toEqual({ name: 'alloc_s', length: 1, size: 496 });
    expect(d(0x2c)).toEqual({ name: 'save_r19r20_x', length: 1, regs: ['x19', 'x20'], offset: 0, writeback: 96 });
    expect(d(0x46)).toEqual({ name: 'save_fplr', length: 1, regs: ['fp', 'lr'], offset: 48 });
    expect(d(0x83)).toEqual({ name: 'save_fplr_x', length: 1, regs: ['fp', 'lr'], offset: 0, writeback: 32 });
    expect(d(0xc7, 0xff)).toEqual({ name: 'alloc_m', length: 2, size: 0x7ff * 16 });
    expect(d(0xc8, 0x82)).toEqual({ name: 'save_regp', length: 2, regs: ['x21', 'x22'], offset: 16 });
    expect(d(0xce, 0x01)).toEqual({ name: 'save_regp_x', length: 2, regs: ['x27', 'x28'], offset: 0, writeback: 16 });
    expect(d(0xd1, 0x04)).toEqual({ name: 'save_reg', length: 2, regs: ['x23'], offset: 32 });
    expect(d(0xd4, 0xe1)).toEqual({ name: 'save_reg_x', length: 2, regs: ['x26'], offset: 0, writeback: 16 });
    expect(d(0xd6, 0xc5)).toEqual({ name: 'save_lrpair', length: 2, regs: ['x25', 'lr'], offset: 40 });
    expect(d(0xd8, 0x07)).toEqual({ name: 'save_fregp', length: 2, regs: ['d8', 'd9'], offset: 56 });
    expect(d(0xdb, 0x01)).toEqual({ name: 'save_fregp_x', length: 2, regs: ['d12', 'd13'], offset: 0, writeback: 16 });
    expect(d(0xdc, 0x89)).toEqual({ name: 'save_freg', length: 2, regs: ['d10'], offset: 72 });
    expect(d(0xde, 0xc1)).toEqual({ name: 'save_freg_x', length: 2, regs: ['d14'], offset: 0, writeback: 16 });
    expect(d(0xe0, 0x01, 0x00, 0x00)).toEqual({ name: 'alloc_l', length: 4, size: 0x100000 });
    expect(d(0xe1)).toEqual({ name: 'set_fp', length: 1 });
    expect(d(0xe2, 0x06)).toEqual({ name: 'add_fp', length: 2, size: 48 });
    expect([0xe3, 0xe4, 0xe5, 0xe6, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xfc].map((b) => d(b).name)).toEqual(['nop', 'end', 'end_c', 'save_next', 'trap_frame', 'machine_frame', 'context', 'ec_context', 'clear_unwound_to_call', 'pac_sign_lr']);
    // save_any_reg (LLVM/wine): stp q8, q9, [sp, #-32]! = e7 68 81? paired 0x40, writeback 0x20, reg 8; kind q (2), offset 1 → (1+1)*16
    expect(d(0xe7, 0x68, 0x81)).toEqual({ name: 'save_any_reg', length: 3, regs: ['q8', 'q9'], offset: 0, writeback: 32 });
    expect(d(0xe7, 0x13, 0x02)).toEqual({ name: 'save_any_reg', length: 3, regs: ['x19'], offset: 16 });
    // reserved codes and their documented lengths
    expect([0xdf, 0xed, 0xf0, 0xfd, 0xff].map((b) => [d(b, 0).name, d(b, 0).length])).toEqual([['reserved', 1], ['reserved', 1], ['reserved', 1], ['reserved', 1], ['reserved', 1]]);
    expect([0xf8, 0xf9, 0xfa, 0xfb].map((b) => decodeArm64Op(new Uint8Array([b, 0, 0, 0, 0]), 0)!.length)).toEqual([2, 3, 4, 5]);
    // a code that does not fit
    expect(decodeArm64Op(new Uint8Array([0xe0, 0, 0]), 0)).toBeUndefined();
  });

  it("Microsoft's documented examples decode as the document's assembly says", () => {
    // Example 1: packed 0x416101ed; str x19,[sp,#-16]!; sub sp,sp,#0x810; stp fp,lr,[sp]; mov fp,sp
    const p = decodePackedArm64(0x416101ed)!;
    expect(p).toEqual({ flag: 1, functionLength: 492, regF: 0, regI: 1, h: false, cr: 3, frameSize: 2080 });
    expect((synthesizePackedArm64(p) as Arm64UnwindOp[]).map(renderPackedOp)).toEqual(['mov x29, sp', 'stp x29, lr, [sp, #0]', 'sub sp, sp, #2064', 'str x19, [sp, #-16]!', 'end']);
    // Example 2: the epilog index in the data is 4 (the duplicated code word); the text says 0
    const words = (w: number[]): Uint8Array => new Uint8Array(new Uint32Array(w).buffer);
    const x2 = decodeXdataArm64(words([0x1040003d, 0x1000038, 0xe42291e1, 0xe42291e1]), 0) as XdataArm64;
    expect([x2.functionLength, x2.epilogScopes, x2.codes.length]).toEqual([244, [{ startOffset: 224, startIndex: 4 }], 8]);
    expect((decodeArm64Sequence(x2.codes, 0) as Arm64UnwindOp[]).map((o) => [o.name, o.writeback])).toEqual([['set_fp', undefined], ['save_fplr_x', 0x90], ['save_r19r20_x', 16], ['end', undefined]]);
    // Example 3: variadic, unchained; four homing nops; epilog index 8 in the data (the text says 4)
    const x3 = decodeXdataArm64(words([0x18400012, 0x200000f, 0xe3e3e3e3, 0xe40500d6, 0xe40500d6]), 0) as XdataArm64;
    expect([x3.functionLength, x3.epilogScopes]).toEqual([72, [{ startOffset: 60, startIndex: 8 }]]);
    expect((decodeArm64Sequence(x3.codes, 0) as Arm64UnwindOp[]).map((o) => o.name)).toEqual(['nop', 'nop', 'nop', 'nop', 'save_lrpair', 'alloc_s', 'end']);
  });
});

// ------------------------------------------------------------------------------------------------

// A: every save/alloc code, pac_sign_lr, nop, set_fp; prolog in execution order:
const A_PROLOG = [
  'pacibsp', 'stp x19, x20, [sp, #-96]!', 'stp x21, x22, [sp, #16]', 'str x23, [sp, #32]', 'stp x25, lr, [sp, #40]',
  'stp d8, d9, [sp, #56]', 'str d10, [sp, #72]', 'nop', 'str x26, [sp, #-16]!', 'stp d12, d13, [sp, #-16]!', 'str d14, [sp, #-16]!',
  'stp x27, x28, [sp, #-16]!', 'stp x29, x30, [sp, #-32]!', 'mov fp, sp', 'sub sp, #64', 'sub sp, #4096', 'sub sp, #1048576',
];
const A_CODES = [0xe0, 0x01, 0x00, 0x00, 0xc1, 0x00, 0x04, 0xe1, 0x83, 0xce, 0x01, 0xde, 0xc1, 0xdb, 0x01, 0xd4, 0xe1, 0xe3, 0xdc, 0x89, 0xd8, 0x07, 0xd6, 0xc5, 0xd1, 0x04, 0xc8, 0x82, 0x2c, 0xfc, 0xe4];
const A_LEN = 4 * (17 + 5 + 18);
// B: save_next (twice), save_fplr, add_fp
const B_PROLOG = ['stp x19, x20, [sp, #-64]!', 'stp x21, x22, [sp, #16]', 'stp x23, x24, [sp, #32]', 'stp x29, x30, [sp, #48]', 'add fp, sp, #48', 'sub sp, #32'];
const B_CODES = [0x02, 0xe2, 0x06, 0x46, 0xe6, 0xe6, 0xcc, 0x07, 0xe4];
// C: save_next after the last integer pair continues with d8/d9, never x29/x30
const C_PROLOG = ['stp x27, x28, [sp, #-32]!', 'stp d8, d9, [sp, #16]', 'stp x29, x30, [sp, #-16]!', 'mov fp, sp'];
const C_CODES = [0xe1, 0x81, 0xe6, 0xce, 0x03, 0xe4];
// D: a fragment with its own save and an end_c phantom prolog of its parent
const D_PHANTOM = ['stp x19, x20, [sp, #-48]!', 'stp x29, x30, [sp, #-16]!', 'mov fp, sp'];
const D_PROLOG = ['stp x21, x22, [sp, #32]'];
const D_CODES = [0xc8, 0x84, 0xe5, 0xe1, 0x81, 0x26, 0xe4];
// E: Microsoft's example 3 (homing nops, save_lrpair, alloc_s), data as published
const E_PROLOG = ['sub sp, #80', 'stp x19, lr, [sp, #0]', 'stp x0, x1, [sp, #16]', 'stp x2, x3, [sp, #32]', 'stp x4, x5, [sp, #48]', 'stp x6, x7, [sp, #64]'];
const E_CODES = [0xe3, 0xe3, 0xe3, 0xe3, 0xd6, 0x00, 0x05, 0xe4, 0xd6, 0x00, 0x05, 0xe4];

const FULL: { name: string; x: Arm64XdataSpec; s: Scenario }[] = [
  { name: 'A: every save/alloc code, epilog scope', x: { functionLength: A_LEN, codes: A_CODES, epilogs: [{ offset: A_LEN - 4 * 18, index: 0 }] }, s: { prolog: A_PROLOG, epilogs: [[A_LEN - 4 * 18, epilogOf(A_PROLOG)]], body: [4 * 19], alloca: 0x300n } },
  { name: 'A: the same with E = 1 (epilog in the header)', x: { functionLength: A_LEN, codes: A_CODES, epilogIndex: 0 }, s: { prolog: A_PROLOG, epilogs: [[A_LEN - 4 * 18, epilogOf(A_PROLOG)]] } },
  { name: 'A: the same with the extended header word', x: { functionLength: A_LEN, codes: A_CODES, epilogs: [{ offset: A_LEN - 4 * 18, index: 0 }], extended: true }, s: { prolog: A_PROLOG, epilogs: [[A_LEN - 4 * 18, epilogOf(A_PROLOG)]] } },
  { name: 'B: save_next, save_fplr, add_fp', x: { functionLength: 68, codes: B_CODES, epilogs: [{ offset: 40, index: 0 }] }, s: { prolog: B_PROLOG, epilogs: [[40, epilogOf(B_PROLOG)]], body: [28, 32], alloca: 0x120n } },
  { name: 'C: save_next into the FP bank', x: { functionLength: 44, codes: C_CODES, epilogs: [{ offset: 24, index: 0 }] }, s: { prolog: C_PROLOG, epilogs: [[24, epilogOf(C_PROLOG)]] } },
  { name: 'D: end_c phantom prolog', x: { functionLength: 36, codes: D_CODES, epilogs: [{ offset: 16, index: 0 }] }, s: { prolog: D_PROLOG, phantom: D_PHANTOM, epilogs: [[16, ['ldp x21, x22, [sp, #32]', 'mov sp, fp', 'ldp x29, x30, [sp], #16', 'ldp x19, x20, [sp], #48', 'end']]], body: [8, 12] } },
  { name: "E: Microsoft's example 3", x: { functionLength: 72, codes: E_CODES, epilogs: [{ offset: 60, index: 8 }] }, s: { prolog: E_PROLOG, epilogs: [[60, ['ldp x19, lr, [sp, #0]', 'add sp, #80', 'end']]] } },
];

describe('ARM64 full .xdata: unwinding at every instruction boundary', () => {
  it.each(FULL)('$name', async ({ x, s }) => {
    const { img } = await imageOf(buildArm64([{ begin: A_TEXT, xdata: x }]));
    expect(await verify(img, A_TEXT, s)).toEqual([]);
  });

  it('body registers restored by A, checked one by one', async () => {
    const { img } = await imageOf(buildArm64([{ begin: A_TEXT, xdata: FULL[0]!.x }]));
    const m = new Arm64Machine(CALLER_SP);
    for (const [k, v] of INITIAL) m.set(k, v);
    for (const t of A_PROLOG) m.exec(t);
    expect(m.sp).toBe(CALLER_SP - 96n - 64n - 32n - 64n - 4096n - 1048576n);
    const regs: RegisterSet = new Map([['pc', A_BASE + 0x1000n + 4n * 18n], ['sp', m.sp], ['x29', m.get('fp')], ['x30', m.get('lr')], ['x0', 5n]]);
    const st = (await unwindArm64Frame(img, regs, machineMemory(m))) as UnwindStep;
    expect(Object.fromEntries([...st.registers].map(([k, v]) => [k, `0x${v.toString(16)}`]))).toEqual({
      fp: `0x${FP0.toString(16)}`, lr: `0x${RET.toString(16)}`, pc: `0x${RET.toString(16)}`, sp: `0x${CALLER_SP.toString(16)}`,
      x19: '0x1913', x20: '0x1914', x21: '0x1915', x22: '0x1916', x23: '0x1917', x25: '0x1919', x26: '0x191a', x27: '0x191b', x28: '0x191c',
    });
  });
});

describe('ARM64 special frames', () => {
  async function one(codes: number[], setup: (mem: SparseMemory, sp: bigint) => void, regs: Record<string, bigint> = {}) {
    const { img, mem } = await imageOf(buildArm64([{ begin: A_TEXT, xdata: { functionLength: 64, codes } }]));
    const sp = 0x0000_00c0_0030_0000n;
    setup(mem, sp);
    return unwindArm64Frame(img, new Map(Object.entries({ pc: A_BASE + 0x1020n, sp, lr: 0x1111n, x19: 0x19n, ...regs })), mem.read);
  }

  it('MSFT_OP_MACHINE_FRAME: sp and pc from the frame (after the 32-byte allocation)', async () => {
    const st = (await one([0x02, 0xe9, 0xe4], (mem, sp) => mem.set64(sp + 32n, 0x00c0_0040_0000n).set64(sp + 40n, A_BASE + 0x5555n))) as UnwindStep;
    expect([st.registers.get('pc'), st.registers.get('sp'), st.registers.get('x19')]).toEqual([A_BASE + 0x5555n, 0x00c0_0040_0000n, 0x19n]);
  });

  it('MSFT_OP_CONTEXT: every integer register, fp, lr, sp, pc from the ARM64_NT_CONTEXT at sp', async () => {
    const st = (await one([0xea, 0xe4], (mem, sp) => {
      mem.set64(sp, 0x0040_0002n); // ContextFlags, Cpsr
      for (let r = 0; r <= 28; r++) mem.set64(sp + 8n + 8n * BigInt(r), 0xc000n + BigInt(r));
      mem.set64(sp + 0xf0n, 0xf0f0n).set64(sp + 0xf8n, 0x1a1an).set64(sp + 0x100n, 0x00c0_0050_0000n).set64(sp + 0x108n, A_BASE + 0x6666n);
    })) as UnwindStep;
    expect([st.registers.get('pc'), st.registers.get('sp'), st.registers.get('fp'), st.registers.get('lr'), st.registers.get('x19'), st.registers.get('x28')]).toEqual([A_BASE + 0x6666n, 0x00c0_0050_0000n, 0xf0f0n, 0x1a1an, 0xc013n, 0xc01cn]);
  });

  it('MSFT_OP_CLEAR_UNWOUND_TO_CALL changes nothing; TRAP_FRAME and EC_CONTEXT are reported as unsupported', async () => {
    const st = (await one([0xec, 0xe4], () => {})) as UnwindStep;
    expect([st.registers.get('pc'), st.registers.get('sp')]).toEqual([0x1111n, 0x0000_00c0_0030_0000n]);
    expect(((await one([0xe8, 0xe4], () => {})) as UnwindProblem).code).toBe('BadUnwindData');
    expect(((await one([0xeb, 0xe4], () => {})) as UnwindProblem).code).toBe('BadUnwindData');
  });

  it('reserved codes, a code running past the array: BadUnwindData; no end code: the array end stops', async () => {
    for (const c of [[0xdf, 0x00, 0xe4], [0xf0, 0xe4], [0xfd, 0xe4], [0xf9, 1, 2, 0xe4]]) expect(((await one(c, () => {})) as UnwindProblem).code).toBe('BadUnwindData');
    expect(((await one([0xe3, 0xe3, 0xe3, 0xe0], () => {})) as UnwindProblem).code).toBe('BadUnwindData');
    const st = (await one([0x01, 0xe3, 0xe3, 0xe3], () => {})) as UnwindStep;
    expect(st.registers.get('sp')).toBe(0x0000_00c0_0030_0010n);
  });

  it('pac_sign_lr strips the signature: user addresses lose bits 48-63, kernel addresses get them set', () => {
    expect(stripPac(0x002a_7ff6_2000_4242n)).toBe(0x7ff6_2000_4242n);
    expect(stripPac(0xff2a_8000_1234_5678n | (1n << 55n))).toBe(0xffff_8000_1234_5678n);
    expect(PAC_BITS >> 48n).toBe(0x2an);
  });
});

describe('ARM64 packed unwind data: 832 combinations against llvm-readobj-19, then unwound at every instruction', () => {
  const { combos, fns } = packedMatrix();
  const tree = parseReadobj(readFileSync(join(HERE, 'expected', 'arm64-packed-matrix.readobj.txt'), 'utf8'));
  const rfs = children(child(tree, 'UnwindInformation')!, 'RuntimeFunction');

  it('the synthesized prologue of every entry equals llvm-readobj\'s', () => {
    expect(combos).toHaveLength(832);
    const mismatches: string[] = [];
    combos.forEach((c, i) => {
      const rf = rfs[i]!;
      const p = decodePackedArm64(c.word)!;
      const fields = [p.functionLength, p.regF, p.regI, p.h ? 'Yes' : 'No', p.cr, p.frameSize];
      const theirs = [Number(val(rf, 'FunctionLength')), Number(val(rf, 'RegF')), Number(val(rf, 'RegI')), val(rf, 'HomedParameters'), Number(val(rf, 'CR')), Number(val(rf, 'FrameSize'))];
      const ops = synthesizePackedArm64(p) as Arm64UnwindOp[];
      if (JSON.stringify(fields) !== JSON.stringify(theirs) || JSON.stringify(ops.map(renderPackedOp)) !== JSON.stringify(child(rf, 'Prologue')!.items)) {
        mismatches.push(`${JSON.stringify(c)}: ${ops.map(renderPackedOp).join('; ')} != ${child(rf, 'Prologue')!.items.join('; ')}`);
      }
    });
    expect(mismatches).toEqual([]);
  });

  it('unwinding every entry at every prolog and epilog instruction and in the body (llvm-readobj\'s text run forward)', async () => {
    const { img } = await imageOf(buildArm64(fns, combos.length * MATRIX_FN_LENGTH));
    const failures: string[] = [];
    for (let i = 0; i < combos.length; i++) {
      const text = child(rfs[i]!, 'Prologue')!.items;
      const prolog = text.slice(0, text.indexOf('end')).reverse();
      const epilog = packedEpilogText(text);
      const f = await verify(img, combos[i]!.begin - 0, { prolog, epilogs: [[MATRIX_FN_LENGTH - 4 * epilog.length, epilog]], body: [4 * prolog.length + 8] });
      failures.push(...f.map((x) => `${JSON.stringify({ ...combos[i], word: undefined })} ${x}`));
      if (failures.length > 20) break;
    }
    expect(failures).toEqual([]);
  });

  it('CR = 1 with RegI = 1 has no encoding: BadUnwindData', async () => {
    const word = (1 | (64 << 2) | (1 << 16) | (1 << 21) | (2 << 23)) >>> 0;
    expect(((synthesizePackedArm64(decodePackedArm64(word)!)) as UnwindProblem).code).toBe('BadUnwindData');
    const { img } = await imageOf(buildArm64([{ begin: A_TEXT, packed: word }]));
    expect(((await unwindArm64Frame(img, new Map([['pc', A_BASE + 0x1010n], ['sp', CALLER_SP], ['lr', RET]]), async () => undefined)) as UnwindProblem).code).toBe('BadUnwindData');
  });

  it('a packed fragment (Flag 2) has no prolog or epilog: the full frame applies at every offset', async () => {
    // CR 3, RegI 2, FrameSize 48: stp x19,x20,[sp,#-16]!; stp x29,lr,[sp,#-32]!; mov x29,sp
    const word = (2 | (64 << 2) | (2 << 16) | (3 << 21) | (3 << 23)) >>> 0;
    const { img } = await imageOf(buildArm64([{ begin: A_TEXT, packed: word }]));
    const prolog = ['stp x19, x20, [sp, #-16]!', 'stp x29, lr, [sp, #-32]!', 'mov x29, sp'];
    expect(await verify(img, A_TEXT, { prolog: [], phantom: prolog, epilogs: [], body: [0, 4, 8, 60] })).toEqual([]);
  });
});

describe('ARM64 lookups, leaves and missing data', () => {
  const fns: Arm64FnSpec[] = [
    { begin: 0x1000, packed: (1 | (16 << 2) | (3 << 21) | (1 << 23)) >>> 0 }, // 64 bytes: stp x29,lr,[sp,#-16]!; mov x29,sp
    { begin: 0x1100, xdata: { functionLength: 32, codes: [0x81, 0xe4] } }, // 32 bytes
  ];
  const b = buildArm64(fns);

  it('binary search: inside an entry, past its length (a leaf), before the first', async () => {
    const { img } = await imageOf(b);
    expect((await findRuntimeFunctionArm64(img, 0x1004)).kind).toBe('found');
    expect((await findRuntimeFunctionArm64(img, 0x1040)).kind).toBe('none');
    expect((await findRuntimeFunctionArm64(img, 0x111c)).kind).toBe('found');
    expect((await findRuntimeFunctionArm64(img, 0x1120)).kind).toBe('none');
    expect((await findRuntimeFunctionArm64(img, 0x800)).kind).toBe('none');
  });

  it('a leaf (no entry): pc = lr, sp unchanged, x29/x30 accepted as names; no lr: UnwindDataMissing', async () => {
    const { img } = await imageOf(b);
    const st = (await unwindArm64Frame(img, new Map([['pc', A_BASE + 0x1050n], ['sp', CALLER_SP], ['x30', RET], ['x29', FP0], ['x19', 3n], ['x0', 1n]]), async () => undefined)) as UnwindStep;
    expect(Object.fromEntries(st.registers)).toEqual({ fp: FP0, lr: RET, pc: RET, sp: CALLER_SP, x19: 3n });
    expect(((await unwindArm64Frame(img, new Map([['pc', A_BASE + 0x1050n], ['sp', CALLER_SP]]), async () => undefined)) as UnwindProblem).code).toBe('UnwindDataMissing');
  });

  it('callerFrame: a return address just past the end of a function finds that function', async () => {
    const { img } = await imageOf(b);
    const m = new Arm64Machine(CALLER_SP);
    for (const [k, v] of INITIAL) m.set(k, v);
    m.exec('stp x29, x30, [sp, #-16]!');
    m.exec('mov fp, sp');
    const regs = new Map<string, bigint>([['pc', A_BASE + 0x1040n], ['sp', m.sp], ['fp', m.get('fp')], ['lr', 0x9999n]]);
    const st = (await unwindArm64Frame(img, regs, machineMemory(m), { callerFrame: true })) as UnwindStep;
    expect([st.registers.get('pc'), st.registers.get('sp')]).toEqual([RET, CALLER_SP]);
    const leaf = (await unwindArm64Frame(img, regs, machineMemory(m))) as UnwindStep;
    expect(leaf.registers.get('pc')).toBe(0x9999n);
  });

  it('.pdata or .xdata pages not in the dump: undefined; Flag 3: BadUnwindData', async () => {
    const mem = new SparseMemory();
    mem.missingPages.add((A_BASE + BigInt(b.pdataRva)) >> 12n);
    const { img } = await imageOf(b, mem);
    expect(await unwindArm64Frame(img, new Map([['pc', A_BASE + 0x1004n], ['sp', CALLER_SP], ['lr', RET]]), mem.read)).toBeUndefined();
    const mem2 = new SparseMemory();
    mem2.missingPages.add((A_BASE + BigInt(b.xdataBase)) >> 12n);
    const { img: img2 } = await imageOf(b, mem2);
    expect(await unwindArm64Frame(img2, new Map([['pc', A_BASE + 0x1104n], ['sp', CALLER_SP], ['lr', RET]]), mem2.read)).toBeUndefined();
    const { img: img3 } = await imageOf(buildArm64([{ begin: 0x1000, packed: 3 | (16 << 2) }]));
    expect(((await unwindArm64Frame(img3, new Map([['pc', A_BASE + 0x1004n], ['sp', CALLER_SP], ['lr', RET]]), async () => undefined)) as UnwindProblem).code).toBe('BadUnwindData');
  });

  it('random .pdata/.xdata bytes (seeded, 300 images × 8 addresses): a step, a problem or undefined, never a throw', async () => {
    let seed = 0x1234567;
    const rnd = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 0x1_0000_0000;
    };
    const base = buildArm64(FULL.map((f, i) => ({ begin: 0x1000 + 0x200 * i, xdata: f.x })).concat(fns.map((f) => ({ ...f, begin: f.begin + 0x2000 }))));
    for (let n = 0; n < 300; n++) {
      const bytes = base.bytes.slice();
      for (let k = 0; k < 40; k++) {
        const region = rnd() < 0.5 ? base.xdataBase : base.pdataRva;
        bytes[region + Math.floor(rnd() * 0x100)] = Math.floor(rnd() * 256);
      }
      const mem = new SparseMemory().map(A_BASE, bytes);
      const img = (await openPeImageInMemory(mem.read, A_BASE))!;
      for (let k = 0; k < 8; k++) {
        const r = await unwindArm64Frame(img, new Map([['pc', A_BASE + 0x1000n + BigInt(Math.floor(rnd() * 0x1800) & ~3)], ['sp', CALLER_SP], ['lr', RET], ['fp', CALLER_SP]]), async () => new Uint8Array(0x110));
        expect(r === undefined || isProblem(r) || r.registers.has('pc')).toBe(true);
      }
    }
  });
});

it('the encoder round-trips through the decoder (header fields)', () => {
  const x = decodeXdataArm64(encodeArm64Xdata({ functionLength: 0x40000 * 4 - 4, codes: [0xe4], handler: 0x1234, epilogs: [{ offset: 8, index: 0 }] }), 0) as XdataArm64;
  expect([x.functionLength, x.exceptionData, x.handlerRva, x.epilogScopes]).toEqual([0x3ffff * 4, true, 0x1234, [{ startOffset: 8, startIndex: 0 }]]);
});
