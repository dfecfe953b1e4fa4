// Synthetic x64 images (build-pe.ts): every unwind op, chains, the indirection bit, machine
// frames, mid-prolog offsets, epilog emulation, the frame-register rules, and hostile data. Every
// expected register value is worked out by hand from the prolog each test writes in its comment.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BytesSource } from '../../../src/reader/byte-source.js';
import { FileSource } from '../../../src/reader/file-source.js';
import { openPeImageFile, openPeImageInMemory, type PeImage } from '../../../src/formats/pe/image.js';
import {
  decodeEpilogX64, decodeUnwindInfoX64, findRuntimeFunctionX64, readUnwindChainX64, unwindX64Frame, x64UnwindInfoToCfi,
  type UnwindInfoX64,
} from '../../../src/formats/pe/x64-unwind.js';
import type { RegisterSet, UnwindProblem, UnwindStep } from '../../../src/unwind/types.js';
import { R, SparseMemory, encodeX64UnwindInfo, type X64Code } from './build-pe.js';
import { BASE, buildX64, type BuiltX64, type FnSpec } from './x64-synth.js';

const isProblem = (x: unknown): x is UnwindProblem => typeof x === 'object' && x !== null && 'code' in x && !('registers' in x);
const STACK = 0x0000_00a0_0000_0000n;
const RET = BASE + 0x7777n; // a return address the tests plant on the stack
const at = (rva: number): bigint => BASE + BigInt(rva);

// ------------------------------------------------------------------------------------------------
// The images

// F1 0x1000-0x1100, version 2, every prolog op. Prolog (offset after each instruction):
//   1 push rbx | 2 push rbp | 9 sub rsp,0x1000 | 16 sub rsp,0x12348 | 20 sub rsp,0x28
//   25 lea rbp,[rsp+0x20] | 30 mov [rbp-0x10],rsi (save rsi @0x10) | 38 mov [..],rdi (save_far rdi @0x13000)
//   43 movaps xmm6 (@0x30) | 52 movaps xmm15 (far @0x10040)
// Fixed allocation A = 0x28 + 0x12348 + 0x1000 = 0x13370. With B = rsp after the prolog:
// rsi @B+0x10, rdi @B+0x13000, rbp @B+A, rbx @B+A+8, return @B+A+16, caller rsp = B+A+24.
const A = 0x13370n;
const F1_CODES: X64Code[] = [
  { op: 'epilog', at: 7, info: 1 }, // v2: epilogs are 7 bytes, one at the end
  { op: 'epilog', at: 0x40, info: 0 }, // another 0x40 bytes before the end
  { op: 'saveXmm', at: 52, reg: 15, offset: 0x10040, far: true },
  { op: 'saveXmm', at: 43, reg: 6, offset: 0x30 },
  { op: 'save', at: 38, reg: R.rdi, offset: 0x13000, far: true },
  { op: 'save', at: 30, reg: R.rsi, offset: 0x10 },
  { op: 'setFp', at: 25 },
  { op: 'allocSmall', at: 20, size: 0x28 },
  { op: 'allocLarge', at: 16, size: 0x12348, form: 1 },
  { op: 'allocLarge', at: 9, size: 0x1000, form: 0 },
  { op: 'push', at: 2, reg: R.rbp },
  { op: 'push', at: 1, reg: R.rbx },
];

// Epilog code for E (0x1400): push rbp; push rbx; sub rsp,0x28 | body | add rsp,0x28; pop rbx; pop rbp; ret
const E_CODE = [0x55, 0x53, 0x48, 0x83, 0xec, 0x28, ...Array(0x1a).fill(0x90), 0x48, 0x83, 0xc4, 0x28, 0x5b, 0x5d, 0xc3];
// L (0x1480): push rbp; sub rsp,0x40; lea rbp,[rsp+0x20] | body | lea rsp,[rbp+0x20]; pop rbp; ret
const L_CODE = [0x55, 0x48, 0x83, 0xec, 0x40, 0x48, 0x8d, 0x6c, 0x24, 0x20, ...Array(0x16).fill(0x90), 0x48, 0x8d, 0x65, 0x20, 0x5d, 0xc3];
// J (0x1500): sub rsp,0x28 | body | 0x150c add rsp,0x28; 0x1510 jmp 0x1000 (a tail call) | 0x1515 jmp $ (a loop inside)
const J_CODE = [0x48, 0x83, 0xec, 0x28, ...Array(0x8).fill(0x90), 0x48, 0x83, 0xc4, 0x28, 0xe9, ...le32(0x1000 - 0x1515), 0xeb, 0xfe];
// P body at 0x1210: jmp 0x1220 (into its own chained fragment F: not an epilog)
const P_CODE = [0x53, 0x48, 0x83, 0xec, 0x20, ...Array(0xb).fill(0x90), 0xe9, ...le32(0x1220 - 0x1215)];

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

const FNS: FnSpec[] = [
  /* 0 F1 */ { begin: 0x1000, end: 0x1100, unwind: { version: 2, prolog: 52, frameReg: R.rbp, frameOffset: 0x20, codes: F1_CODES } },
  /* 1 F2 */ { begin: 0x1100, end: 0x1180, unwind: { prolog: 6, codes: [{ op: 'spare', at: 6 }, { op: 'allocSmall', at: 6, size: 0x20 }, { op: 'push', at: 1, reg: R.rdi }] } },
  // P: push rbx (1); sub rsp,0x20 (5). F: a fragment chained to P, saving r12 at [rsp+0x18] (5).
  /* 2 P  */ { begin: 0x1200, end: 0x1220, code: P_CODE, unwind: { prolog: 5, codes: [{ op: 'allocSmall', at: 5, size: 0x20 }, { op: 'push', at: 1, reg: R.rbx }] } },
  /* 3 F  */ { begin: 0x1220, end: 0x1240, unwind: { prolog: 5, codes: [{ op: 'save', at: 5, reg: R.r12, offset: 0x18 }], chainTo: 2 } },
  /* 4 I  */ { begin: 0x1240, end: 0x1260, indirectTo: 2 },
  // M: machine frame, then sub rsp,0x10 (4). M2: the same with an error code.
  /* 5 M  */ { begin: 0x1300, end: 0x1320, unwind: { prolog: 4, codes: [{ op: 'allocSmall', at: 4, size: 0x10 }, { op: 'machframe', at: 0, errorCode: false }] } },
  /* 6 M2 */ { begin: 0x1320, end: 0x1340, unwind: { prolog: 4, codes: [{ op: 'allocSmall', at: 4, size: 0x10 }, { op: 'machframe', at: 0, errorCode: true }] } },
  /* 7 E  */ { begin: 0x1400, end: 0x1427, code: E_CODE, unwind: { prolog: 6, codes: [{ op: 'allocSmall', at: 6, size: 0x28 }, { op: 'push', at: 2, reg: R.rbx }, { op: 'push', at: 1, reg: R.rbp }] } },
  /* 8 L  */ { begin: 0x1480, end: 0x14a6, code: L_CODE, unwind: { prolog: 10, frameReg: R.rbp, frameOffset: 0x20, codes: [{ op: 'setFp', at: 10 }, { op: 'allocSmall', at: 5, size: 0x40 }, { op: 'push', at: 1, reg: R.rbp }] } },
  /* 9 J  */ { begin: 0x1500, end: 0x1517, code: J_CODE, unwind: { prolog: 4, codes: [{ op: 'allocSmall', at: 4, size: 0x28 }] } },
  // S: push rbp (1); mov rbp,rsp (4); sub rsp,0x40 (8): SET_FPREG *before* the allocation.
  /* 10 S */ { begin: 0x1580, end: 0x15c0, unwind: { prolog: 8, frameReg: R.rbp, frameOffset: 0, codes: [{ op: 'allocSmall', at: 8, size: 0x40 }, { op: 'setFp', at: 4 }, { op: 'push', at: 1, reg: R.rbp }] } },
  // N: sub rsp,0x28 (4) ... call NoReturn as its last instruction; Q follows immediately: push rsi (1).
  /* 11 N */ { begin: 0x1600, end: 0x1610, unwind: { prolog: 4, codes: [{ op: 'allocSmall', at: 4, size: 0x28 }] } },
  /* 12 Q */ { begin: 0x1610, end: 0x1630, unwind: { prolog: 1, codes: [{ op: 'push', at: 1, reg: R.rsi }] } },
  // 255 codes: 255 × ALLOC_SMALL 8
  /* 13 C */ { begin: 0x1700, end: 0x1800, unwind: { prolog: 0, codes: Array.from({ length: 255 }, (): X64Code => ({ op: 'allocSmall', at: 0, size: 8 })) } },
];

const built = buildX64(FNS);

/** The image in memory at BASE beside a stack; `stack` words at STACK + offset. */
function world(b: BuiltX64 = built): { mem: SparseMemory; image: () => Promise<PeImage> } {
  const mem = new SparseMemory().map(BASE, b.bytes);
  return {
    mem,
    image: async () => {
      const img = await openPeImageInMemory(mem.read, BASE);
      if (!img) throw new Error('image did not open');
      return img;
    },
  };
}

/** Stack words: `words[i]` at `base + 8 i`. */
function lay(mem: SparseMemory, base: bigint, words: Record<number, bigint>): void {
  for (const [off, v] of Object.entries(words)) mem.set64(base + BigInt(off), v);
}

function regs(o: Record<string, bigint>): RegisterSet {
  return new Map(Object.entries(o));
}

function step(x: UnwindStep | UnwindProblem | undefined): UnwindStep {
  if (!x || isProblem(x)) throw new Error(`expected a step, got ${JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? v.toString(16) : v))}`);
  return x;
}

function hexRegs(s: UnwindStep): Record<string, string> {
  return Object.fromEntries([...s.registers].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, `0x${v.toString(16)}`]));
}

const h = (v: bigint): string => `0x${v.toString(16)}`;

// ------------------------------------------------------------------------------------------------

describe('x64 UNWIND_INFO decoding', () => {
  it('decodes every op of F1 with its slots, sizes, offsets and the v2 epilog codes (1 slot each)', async () => {
    const { image } = world();
    const img = await image();
    const chain = (await readUnwindChainX64(img, { beginAddress: 0x1000, endAddress: 0x1100, unwindData: built.xdataRva[0]!, entryRva: built.entryRva[0]! })) as UnwindInfoX64[];
    const info = chain[0]!;
    expect([info.version, info.sizeOfProlog, info.frameRegister, info.frameOffset, info.countOfCodes]).toEqual([2, 52, R.rbp, 0x20, 21]);
    expect(info.codes.map((c) => [c.op, c.codeOffset, c.slot, c.slots, c.register, c.size, c.offset])).toEqual([
      ['EPILOG', 7, 0, 1, undefined, undefined, undefined],
      ['EPILOG', 0x40, 1, 1, undefined, undefined, undefined],
      ['SAVE_XMM128_FAR', 52, 2, 3, 15, undefined, 0x10040],
      ['SAVE_XMM128', 43, 5, 2, 6, undefined, 0x30],
      ['SAVE_NONVOL_FAR', 38, 7, 3, R.rdi, undefined, 0x13000],
      ['SAVE_NONVOL', 30, 10, 2, R.rsi, undefined, 0x10],
      ['SET_FPREG', 25, 12, 1, undefined, undefined, undefined],
      ['ALLOC_SMALL', 20, 13, 1, undefined, 0x28, undefined],
      ['ALLOC_LARGE', 16, 14, 3, undefined, 0x12348, undefined],
      ['ALLOC_LARGE', 9, 17, 2, undefined, 0x1000, undefined],
      ['PUSH_NONVOL', 2, 19, 1, R.rbp, undefined, undefined],
      ['PUSH_NONVOL', 1, 20, 1, R.rbx, undefined, undefined],
    ]);
    expect(info.epilog).toEqual({ size: 7, atEnd: true, offsetsFromEnd: [0x40] });
  });

  it('SPARE_CODE takes three slots and is skipped; PUSH_MACHFRAME records the error code', () => {
    const spare = decodeUnwindInfoX64(encodeX64UnwindInfo(FNS[1]!.unwind!), 0x8000) as UnwindInfoX64;
    expect(spare.codes.map((c) => [c.op, c.slots])).toEqual([['SPARE_CODE', 3], ['ALLOC_SMALL', 1], ['PUSH_NONVOL', 1]]);
    const m2 = decodeUnwindInfoX64(encodeX64UnwindInfo(FNS[6]!.unwind!), 0x8000) as UnwindInfoX64;
    expect(m2.codes.map((c) => [c.op, c.errorCode])).toEqual([['ALLOC_SMALL', undefined], ['PUSH_MACHFRAME', true]]);
  });

  it('a handler RVA follows the codes when EHANDLER/UHANDLER is set', () => {
    const b = encodeX64UnwindInfo({ flags: 3, prolog: 4, codes: [{ op: 'allocSmall', at: 4, size: 0x28 }], handler: 0x1234 });
    expect((decodeUnwindInfoX64(b, 0) as UnwindInfoX64).handlerRva).toBe(0x1234);
  });
});

describe('x64 unwinding one frame', () => {
  it('F1 body: frame register, ALLOC_LARGE both forms, SAVE_NONVOL(_FAR), pushes (rsp moved by alloca)', async () => {
    const { mem, image } = world();
    const B = STACK + 0x100000n;
    lay(mem, B, { 0x10: 0x51n, 0x13000: 0xd1n, [Number(A)]: 0xbbn, [Number(A) + 8]: 0xb0n, [Number(A) + 16]: RET });
    const s = step(await unwindX64Frame(await image(), regs({ rip: at(0x1060), rsp: B - 0x800n, rbp: B + 0x20n, rbx: 1n, r12: 0x12n, rax: 7n }), mem.read));
    expect(hexRegs(s)).toEqual({ rbp: '0xbb', rbx: '0xb0', rdi: '0xd1', r12: '0x12', rip: h(RET), rsi: '0x51', rsp: h(B + A + 24n) });
    expect(s.cfa).toBe(B + A + 24n);
  });

  it('F1 inside the prolog: only codes whose CodeOffset ≤ the offset apply', async () => {
    const { mem, image } = world();
    const img = await image();
    const B = STACK + 0x100000n;
    lay(mem, B, { [Number(A)]: 0xbbn, [Number(A) + 8]: 0xb0n, [Number(A) + 16]: RET });
    const from = async (off: number, rsp: bigint, extra: Record<string, bigint> = {}) =>
      hexRegs(step(await unwindX64Frame(img, regs({ rip: at(0x1000 + off), rsp, rsi: 0x5n, rdi: 0xdn, ...extra }), mem.read)));
    const caller = { rip: h(RET), rsp: h(B + A + 24n), rsi: '0x5', rdi: '0xd' };
    // at 0: nothing executed; at 1: rbx pushed; at 2: rbp too
    expect(await from(0, B + A + 16n)).toEqual({ ...caller });
    expect(await from(1, B + A + 8n)).toEqual({ ...caller, rbx: '0xb0' });
    expect(await from(2, B + A)).toEqual({ ...caller, rbx: '0xb0', rbp: '0xbb' });
    // at 16: both large allocations done, not the small one, frame pointer not yet set (rbp is junk)
    expect(await from(16, B + 0x28n, { rbp: 0xbadn })).toEqual({ ...caller, rbx: '0xb0', rbp: '0xbb' });
    // at 25: lea rbp done (rsp from rbp); the saves at 30/38 have not happened: rsi/rdi carried over
    expect(await from(25, B - 0x100n, { rbp: B + 0x20n })).toEqual({ ...caller, rbx: '0xb0', rbp: '0xbb' });
  });

  it('the 255-code UNWIND_INFO unwinds in full', async () => {
    const { mem, image } = world();
    const B = STACK + 0x2000n;
    lay(mem, B, { [255 * 8]: RET });
    const s = step(await unwindX64Frame(await image(), regs({ rip: at(0x1710), rsp: B }), mem.read));
    expect(hexRegs(s)).toEqual({ rip: h(RET), rsp: h(B + 255n * 8n + 8n) });
  });

  it('SPARE_CODE is skipped (F2: sub rsp,0x20; push rdi)', async () => {
    const { mem, image } = world();
    const B = STACK + 0x3000n;
    lay(mem, B, { 0x20: 0xd1n, 0x28: RET });
    expect(hexRegs(step(await unwindX64Frame(await image(), regs({ rip: at(0x1140), rsp: B }), mem.read)))).toEqual({ rdi: '0xd1', rip: h(RET), rsp: h(B + 0x30n) });
  });

  it('a chained fragment applies its own codes, then all of the primary\'s', async () => {
    const { mem, image } = world();
    const B = STACK + 0x4000n;
    lay(mem, B, { 0x18: 0xc12n, 0x20: 0xb0n, 0x28: RET });
    const img = await image();
    expect(hexRegs(step(await unwindX64Frame(img, regs({ rip: at(0x1230), rsp: B }), mem.read)))).toEqual({ r12: '0xc12', rbx: '0xb0', rip: h(RET), rsp: h(B + 0x30n) });
    // at the fragment's first byte its own save has not run, the primary's prolog has
    expect(hexRegs(step(await unwindX64Frame(img, regs({ rip: at(0x1220), rsp: B, r12: 0x77n }), mem.read)))).toEqual({ r12: '0x77', rbx: '0xb0', rip: h(RET), rsp: h(B + 0x30n) });
    const chain = (await readUnwindChainX64(img, { beginAddress: 0x1220, endAddress: 0x1240, unwindData: built.xdataRva[3]!, entryRva: built.entryRva[3]! })) as UnwindInfoX64[];
    expect(chain).toHaveLength(2);
    expect(x64UnwindInfoToCfi(chain, { dumpSymsCompatible: true })).toEqual({ cfa: '$rsp 48 +', ra: '.cfa 8 - ^', registers: {} });
    expect(x64UnwindInfoToCfi(chain)).toEqual({ cfa: '$rsp 48 +', ra: '.cfa 8 - ^', registers: { $r12: '.cfa 24 - ^', $rbx: '.cfa 16 - ^' } });
  });

  it('the indirection bit: an entry whose UnwindData & 1 points at P\'s entry uses P\'s unwind info (prolog complete)', async () => {
    const { mem, image } = world();
    const img = await image();
    const look = await findRuntimeFunctionX64(img, 0x1250);
    expect(look.kind).toBe('found');
    if (look.kind === 'found') {
      expect(look.direct).toMatchObject({ beginAddress: 0x1240, unwindData: built.entryRva[2]! | 1 });
      expect(look.entry).toMatchObject({ beginAddress: 0x1200, endAddress: 0x1220 });
    }
    const B = STACK + 0x5000n;
    lay(mem, B, { 0x20: 0xb0n, 0x28: RET });
    expect(hexRegs(step(await unwindX64Frame(img, regs({ rip: at(0x1240), rsp: B }), mem.read)))).toEqual({ rbx: '0xb0', rip: h(RET), rsp: h(B + 0x30n) });
  });

  it('PUSH_MACHFRAME: rip and rsp from the machine frame, with and without an error code; no return address popped', async () => {
    const { mem, image } = world();
    const img = await image();
    const B = STACK + 0x6000n;
    // without error code: frame at B+0x10: rip, cs, eflags, rsp, ss
    lay(mem, B, { 0x10: 0x7ff6_0000_1234n, 0x18: 0x33n, 0x20: 0x246n, 0x28: 0x0000_00b0_0000_0100n, 0x30: 0x2bn });
    const s = step(await unwindX64Frame(img, regs({ rip: at(0x1310), rsp: B, rbx: 3n }), mem.read));
    expect(hexRegs(s)).toEqual({ rbx: '0x3', rip: '0x7ff600001234', rsp: '0xb000000100' });
    // with error code: the frame starts 8 bytes higher
    const B2 = STACK + 0x7000n;
    lay(mem, B2, { 0x10: 0xecn, 0x18: 0x7ff6_0000_5678n, 0x30: 0x0000_00b0_0000_0200n });
    const s2 = step(await unwindX64Frame(img, regs({ rip: at(0x1330), rsp: B2 }), mem.read));
    expect(hexRegs(s2)).toEqual({ rip: '0x7ff600005678', rsp: '0xb000000200' });
    const chain = (await readUnwindChainX64(img, { beginAddress: 0x1300, endAddress: 0x1320, unwindData: built.xdataRva[5]!, entryRva: 0 })) as UnwindInfoX64[];
    expect(x64UnwindInfoToCfi(chain)).toEqual({ cfa: '$rsp 56 +', ra: '.cfa 40 - ^', registers: { $rsp: '.cfa 16 - ^' } });
    // dump_syms counts a machine frame as 80 bytes (88 with an error code) and the return address at .cfa 88 -
    expect(x64UnwindInfoToCfi(chain, { dumpSymsCompatible: true })).toEqual({ cfa: '$rsp 104 +', ra: '.cfa 88 - ^', registers: {} });
  });

  it('epilog `add rsp; pop; pop; ret`: emulated from each of its instructions (E)', async () => {
    const { mem, image } = world();
    const img = await image();
    const B = STACK + 0x8000n;
    lay(mem, B, { 0x28: 0xb0n, 0x30: 0xbbn, 0x38: RET });
    const want = { rbp: '0xbb', rbx: '0xb0', rip: h(RET), rsp: h(B + 0x40n) };
    // body, then add rsp / pop rbx / pop rbp / ret: rsp and the popped registers as the machine has them
    expect(hexRegs(step(await unwindX64Frame(img, regs({ rip: at(0x1410), rsp: B }), mem.read)))).toEqual(want);
    expect(hexRegs(step(await unwindX64Frame(img, regs({ rip: at(0x1420), rsp: B }), mem.read)))).toEqual(want);
    expect(hexRegs(step(await unwindX64Frame(img, regs({ rip: at(0x1424), rsp: B + 0x28n }), mem.read)))).toEqual(want);
    expect(hexRegs(step(await unwindX64Frame(img, regs({ rip: at(0x1425), rsp: B + 0x30n, rbx: 0xb0n }), mem.read)))).toEqual(want);
    expect(hexRegs(step(await unwindX64Frame(img, regs({ rip: at(0x1426), rsp: B + 0x38n, rbx: 0xb0n, rbp: 0xbbn }), mem.read)))).toEqual(want);
  });

  it('epilog `lea rsp,[rbp+0x20]; pop rbp; ret` (L) and the body before it', async () => {
    const { mem, image } = world();
    const img = await image();
    const B = STACK + 0x9000n;
    lay(mem, B, { 0x40: 0xbbn, 0x48: RET });
    const want = { rbp: '0xbb', rip: h(RET), rsp: h(B + 0x50n) };
    expect(hexRegs(step(await unwindX64Frame(img, regs({ rip: at(0x1490), rsp: B - 0x300n, rbp: B + 0x20n }), mem.read)))).toEqual(want);
    expect(hexRegs(step(await unwindX64Frame(img, regs({ rip: at(0x14a0), rsp: B - 0x300n, rbp: B + 0x20n }), mem.read)))).toEqual(want);
    expect(hexRegs(step(await unwindX64Frame(img, regs({ rip: at(0x14a4), rsp: B + 0x40n, rbp: B + 0x20n }), mem.read)))).toEqual(want);
  });

  it('a jmp out of the function ends an epilog (tail call); a jmp inside it, or into its own fragment, does not', async () => {
    const { mem, image } = world();
    const img = await image();
    const B = STACK + 0xa000n;
    lay(mem, B, { 0x28: RET });
    // J at `add rsp,0x28; jmp 0x1000`: emulated
    expect(hexRegs(step(await unwindX64Frame(img, regs({ rip: at(0x150c), rsp: B }), mem.read)))).toEqual({ rip: h(RET), rsp: h(B + 0x30n) });
    // at the jmp itself (after the add): rsp already released
    expect(hexRegs(step(await unwindX64Frame(img, regs({ rip: at(0x1510), rsp: B + 0x28n }), mem.read)))).toEqual({ rip: h(RET), rsp: h(B + 0x30n) });
    // `jmp $` at 0x1515 stays inside J: the prolog codes apply (rsp + 0x28, then the return address)
    expect(hexRegs(step(await unwindX64Frame(img, regs({ rip: at(0x1515), rsp: B }), mem.read)))).toEqual({ rip: h(RET), rsp: h(B + 0x30n) });
    // P's body at 0x1210 is `jmp 0x1220`, F's start: F is P's own fragment, so the body rules apply
    lay(mem, B, { 0x20: 0xb0n, 0x28: RET });
    expect(hexRegs(step(await unwindX64Frame(img, regs({ rip: at(0x1210), rsp: B }), mem.read)))).toEqual({ rbx: '0xb0', rip: h(RET), rsp: h(B + 0x30n) });
    expect(decodeEpilogX64(new Uint8Array([0xeb, 0xfe]), 0x1515, 0)).toEqual([{ kind: 'jmp', target: 0x1515 }]);
  });

  it('without code bytes (the .text page missing from the dump) the prolog codes are used', async () => {
    const { mem, image } = world();
    const img = await image();
    mem.missingPages.add(at(0x1000) >> 12n);
    const B = STACK + 0xb000n;
    lay(mem, B, { 0x28: 0xb0n, 0x30: 0xbbn, 0x38: RET });
    expect(hexRegs(step(await unwindX64Frame(img, regs({ rip: at(0x1420), rsp: B }), mem.read)))).toEqual({ rbp: '0xbb', rbx: '0xb0', rip: h(RET), rsp: h(B + 0x40n) });
  });

  it('SET_FPREG before the allocation (push rbp; mov rbp,rsp; sub rsp,0x40): the allocation is not counted twice', async () => {
    // Microsoft's unwinder processes codes in order and lets SET_FPREG overwrite RSP. The spec's
    // shortcut (RSP from the frame register first, SET_FPREG skipped) would add 0x40 again and
    // return rsp = S0 + 0x50 and rip = [S0 + 0x48].
    const { mem, image } = world();
    const S0 = STACK + 0xc000n; // rsp after push rbp = rbp
    lay(mem, S0, { 0: 0xbbn, 8: RET, 0x48: 0xbadn });
    const s = step(await unwindX64Frame(await image(), regs({ rip: at(0x15a0), rsp: S0 - 0x40n - 0x100n, rbp: S0 }), mem.read));
    expect(hexRegs(s)).toEqual({ rbp: '0xbb', rip: h(RET), rsp: h(S0 + 0x10n) });
  });

  it('a function without a RUNTIME_FUNCTION is a leaf: rip = [rsp], rsp += 8', async () => {
    const { mem, image } = world();
    const B = STACK + 0xd000n;
    lay(mem, B, { 0: RET });
    const s = step(await unwindX64Frame(await image(), regs({ rip: at(0x2000), rsp: B, rbx: 5n, rcx: 9n }), mem.read));
    expect(hexRegs(s)).toEqual({ rbx: '0x5', rip: h(RET), rsp: h(B + 8n) });
    expect(s.cfa).toBe(B + 8n);
  });

  it('callerFrame: a return address at the end of a function (call to a no-return function) is looked up at ip − 1', async () => {
    const { mem, image } = world();
    const img = await image();
    const B = STACK + 0xe000n;
    lay(mem, B, { 0: 0x5151n, 8: 0xaaaan, 0x28: RET });
    expect(hexRegs(step(await unwindX64Frame(img, regs({ rip: at(0x1610), rsp: B }), mem.read, { callerFrame: true })))).toEqual({ rip: h(RET), rsp: h(B + 0x30n) });
    // without the option the address is Q's first byte (nothing of Q's prolog has run): the wrong frame
    expect(hexRegs(step(await unwindX64Frame(img, regs({ rip: at(0x1610), rsp: B }), mem.read)))).toEqual({ rip: '0x5151', rsp: h(B + 8n) });
  });

  it('F1 CFI rules: from the frame register, saved registers relative to the CFA; dump_syms counts from rsp', async () => {
    const { image } = world();
    const img = await image();
    const chain = (await readUnwindChainX64(img, { beginAddress: 0x1000, endAddress: 0x1100, unwindData: built.xdataRva[0]!, entryRva: 0 })) as UnwindInfoX64[];
    // CFA = rbp - 0x20 + A + 16 (pushes) + 8 = rbp + 0x13368; rsi at B+0x10 = CFA - 0x13378, rdi at CFA - 0x388
    expect(x64UnwindInfoToCfi(chain)).toEqual({
      cfa: `$rbp ${0x13368} +`,
      ra: '.cfa 8 - ^',
      registers: { $rsi: `.cfa ${0x13378} - ^`, $rdi: `.cfa ${0x388} - ^`, $rbp: '.cfa 24 - ^', $rbx: '.cfa 16 - ^' },
    });
    expect(x64UnwindInfoToCfi(chain, { dumpSymsCompatible: true })).toEqual({ cfa: `$rsp ${0x13388} +`, ra: '.cfa 8 - ^', registers: {} });
  });
});

describe('x64 image through both file sources', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pe-x64-'));
  const path = join(dir, 'synth.exe');
  writeFileSync(path, built.bytes);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['FileSource', 'BytesSource'])('%s: the same unwind result as the mapped image', async (kind) => {
    const source = kind === 'FileSource' ? await FileSource.open(path) : new BytesSource(built.bytes);
    try {
      const img = await openPeImageFile(source, { loadAddress: BASE });
      const mem = new SparseMemory();
      const B = STACK + 0x8000n;
      lay(mem, B, { 0x28: 0xb0n, 0x30: 0xbbn, 0x38: RET });
      expect(hexRegs(step(await unwindX64Frame(img, regs({ rip: at(0x1424), rsp: B + 0x28n }), mem.read)))).toEqual({ rbp: '0xbb', rbx: '0xb0', rip: h(RET), rsp: h(B + 0x40n) });
    } finally {
      await source.close();
    }
  });
});

// ------------------------------------------------------------------------------------------------

describe('x64 hostile unwind data: a problem or undefined, never a throw or a hang', () => {
  async function unwindIn(fns: FnSpec[], rip: number, extra: { missing?: number[] } = {}) {
    const b = buildX64(fns);
    const { mem, image } = world(b);
    const img = await image();
    for (const rva of extra.missing ?? []) mem.missingPages.add(at(rva) >> 12n);
    for (let o = 0n; o < 0x400n; o += 8n) mem.set64(STACK + o, RET);
    return unwindX64Frame(img, regs({ rip: at(rip), rsp: STACK, rbp: STACK }), mem.read);
  }
  const code = (x: unknown): string | undefined => (isProblem(x) ? x.code : x === undefined ? 'undefined' : 'step');

  it('a chain that loops back to itself', async () => {
    expect(code(await unwindIn([{ begin: 0x1000, end: 0x1010, unwind: { prolog: 0, codes: [], chainTo: 0 } }], 0x1004))).toBe('UnwindLoop');
  });

  it('a chain deeper than 32', async () => {
    const fns: FnSpec[] = Array.from({ length: 40 }, (_, i) => ({ begin: 0x1000 + 0x10 * i, end: 0x1010 + 0x10 * i, unwind: { prolog: 0, codes: [{ op: 'allocSmall', at: 0, size: 8 } as X64Code], ...(i < 39 ? { chainTo: i + 1 } : {}) } }));
    expect(code(await unwindIn(fns, 0x1004))).toBe('ChainTooDeep');
    // 32 links are fine
    expect(code(await unwindIn(fns, 0x1000 + 0x10 * 8 + 4))).toBe('step');
  });

  it('an indirection to itself, and indirections deeper than 32', async () => {
    expect(code(await unwindIn([{ begin: 0x1000, end: 0x1010, indirectTo: 0 }], 0x1004))).toBe('UnwindLoop');
    const fns: FnSpec[] = Array.from({ length: 40 }, (_, i) => (i < 39 ? { begin: 0x1000 + 0x10 * i, end: 0x1010 + 0x10 * i, indirectTo: i + 1 } : { begin: 0x1000 + 0x10 * i, end: 0x1010 + 0x10 * i, unwind: { prolog: 0, codes: [] } }));
    expect(code(await unwindIn(fns, 0x1004))).toBe('ChainTooDeep');
  });

  it('a code whose slots run past CountOfCodes; unknown ops 11-15; versions 0 and 3-7', async () => {
    const raw = (bytes: number[]): FnSpec[] => [{ begin: 0x1000, end: 0x1010, raw: new Uint8Array(bytes) }];
    expect(code(await unwindIn(raw([1, 0, 1, 0, 0x04, 0x04, 0, 0]), 0x1004))).toBe('BadUnwindData'); // SAVE_NONVOL, 1 slot
    expect(code(await unwindIn(raw([1, 0, 1, 0, 0x04, 0x11, 0, 0]), 0x1004))).toBe('BadUnwindData'); // ALLOC_LARGE/1, needs 3
    for (const op of [11, 12, 13, 14, 15]) expect(code(await unwindIn(raw([1, 0, 1, 0, 0x00, op, 0, 0]), 0x1004))).toBe('BadUnwindData');
    for (const v of [0, 3, 4, 7]) expect(code(await unwindIn(raw([v, 0, 0, 0]), 0x1004))).toBe('BadUnwindData');
  });

  it('SET_FPREG without a frame register', async () => {
    expect(code(await unwindIn([{ begin: 0x1000, end: 0x1010, unwind: { prolog: 4, codes: [{ op: 'setFp', at: 4 }] } }], 0x1008))).toBe('BadUnwindData');
  });

  it('missing pages: .pdata or .xdata not present → undefined; the return-address slot → UnwindDataMissing; a saved-register slot → that register left out', async () => {
    const fns: FnSpec[] = [{ begin: 0x1000, end: 0x1010, unwind: { prolog: 2, codes: [{ op: 'push', at: 1, reg: R.rbx }] } }];
    expect(code(await unwindIn(fns, 0x1004, { missing: [0xc000] }))).toBe('undefined');
    expect(code(await unwindIn(fns, 0x1004, { missing: [0x8000] }))).toBe('undefined');
    const b = buildX64(fns);
    const { mem, image } = world(b);
    const img = await image();
    mem.set64(STACK + 0x1000n, RET); // the return address, but not the pushed rbx
    const s = step(await unwindX64Frame(img, regs({ rip: at(0x1004), rsp: STACK + 0xff8n, rbx: 1n }), mem.read));
    expect(hexRegs(s)).toEqual({ rip: h(RET), rsp: h(STACK + 0x1008n) });
    const p = await unwindX64Frame(img, regs({ rip: at(0x1004), rsp: STACK + 0x5000n }), mem.read);
    expect(code(p)).toBe('UnwindDataMissing');
  });

  it('no rip/rsp, an address outside the image', async () => {
    const { mem, image } = world();
    const img = await image();
    expect(code(await unwindX64Frame(img, regs({ rsp: STACK }), mem.read))).toBe('UnwindDataMissing');
    expect(code(await unwindX64Frame(img, regs({ rip: 0x1000n, rsp: STACK }), mem.read))).toBe('undefined');
  });

  it('random .pdata/.xdata bytes (seeded, 300 images × 8 addresses) give a step, a problem or undefined, quickly', async () => {
    let seed = 0x2545f491;
    const rnd = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 0x1_0000_0000;
    };
    const t0 = performance.now();
    for (let n = 0; n < 300; n++) {
      const b = buildX64(FNS);
      // scribble over .xdata and .pdata
      for (let k = 0; k < 60; k++) {
        const region = rnd() < 0.5 ? 0x8000 : 0xc000;
        b.bytes[region + Math.floor(rnd() * 0x200)] = Math.floor(rnd() * 256);
      }
      const { mem, image } = world(b);
      const img = await image();
      for (let k = 0; k < 8; k++) {
        const r = await unwindX64Frame(img, regs({ rip: at(0x1000 + Math.floor(rnd() * 0x800)), rsp: STACK, rbp: STACK + 0x100n }), mem.read);
        expect(r === undefined || isProblem(r) || r.registers.has('rip')).toBe(true);
      }
    }
    expect(performance.now() - t0).toBeLessThan(20_000);
  });
});
