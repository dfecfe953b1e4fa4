// Real x64 images from ../shared/corpus/pdb against what Google Breakpad's dump_syms wrote from the
// same bytes (the .sym beside each image) and what llvm-readobj prints (expected/*.readobj.txt).
//
// The dump_syms rule (PDBSourceLineWriter::PrintFrameDataUsingEXE, google/breakpad
// src/common/windows/pdb_source_line_writer.cc), verified here for every RUNTIME_FUNCTION:
//   STACK CFI INIT <Begin> <End-Begin> .cfa: $rsp .ra: .cfa <R> - ^
//   STACK CFI <Begin> .cfa: $rsp <N> +
// with N = 8 + 8 × (PUSH_NONVOL codes) + Σ(ALLOC_SMALL/ALLOC_LARGE sizes) (+80, or +88 with an
// error code, per PUSH_MACHFRAME) summed over the UNWIND_INFO and every chained one, and R = 8
// (+80 per PUSH_MACHFRAME). SET_FPREG, the frame register and SAVE_* codes are ignored and the rule
// is given at the function's first byte (it holds for the body only, not inside the prolog).

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_CORPUS, corpusOrSkipMessage, corpusPath } from '../../helpers/corpus.js';
import { PeMachine, type PeImage } from '../../../src/formats/pe/image.js';
import {
  readUnwindChainX64, runtimeFunctionsX64, unwindX64Frame, x64UnwindInfoToCfi, X64_REGISTER_NAMES,
  type RuntimeFunctionX64, type UnwindCodeX64, type UnwindInfoX64,
} from '../../../src/formats/pe/x64-unwind.js';
import type { UnwindProblem, UnwindStep } from '../../../src/unwind/types.js';
import { SOURCE_KINDS, memoryOf, openImage, stackMemory, stackValue, type Opened } from './helpers.js';
import { addr, child, children, parseReadobj, parseSym, val, type ReadobjNode } from './readobj.js';

const HERE = dirname(fileURLToPath(import.meta.url));
corpusOrSkipMessage();

interface Case {
  exe: string;
  sym: string;
  functions: number;
  frameRegisterFunctions: number;
  chained: number;
  codeView: { pdb: string; debugId: string };
}

const CASES: Case[] = [
  { exe: 'dump_syms_regtest64.exe', sym: 'dump_syms_regtest64.sym', functions: 195, frameRegisterFunctions: 2, chained: 0, codeView: { pdb: 'dump_syms_regtest64.pdb', debugId: '72E103A85CB249078B76B2E7C06257B13' } },
  { exe: 'pe_only_symbol_test.dll', sym: 'pe_only_symbol_test.sym', functions: 106, frameRegisterFunctions: 0, chained: 14, codeView: { pdb: 'pe_only_symbol_test.pdb', debugId: '2A5EAB481FAB4A17A9761CDC14FE531A1' } },
];

/** ".cfa 24 - ^" → 24 (the slot is 24 bytes below the CFA); ".cfa 16 + ^" → −16. */
function cfaDelta(rule: string): number | undefined {
  const m = /^\.cfa (\d+) ([-+]) \^$/.exec(rule);
  if (!m) return undefined;
  return m[2] === '-' ? Number(m[1]) : -Number(m[1]);
}

const isProblem = (x: unknown): x is UnwindProblem => typeof x === 'object' && x !== null && 'code' in x && !('registers' in x);

async function allChains(image: PeImage): Promise<{ fn: RuntimeFunctionX64; chain: UnwindInfoX64[] }[]> {
  const out: { fn: RuntimeFunctionX64; chain: UnwindInfoX64[] }[] = [];
  for await (const fn of runtimeFunctionsX64(image)) {
    const chain = await readUnwindChainX64(image, fn);
    if (!chain || isProblem(chain)) throw new Error(`no chain for ${fn.beginAddress.toString(16)}: ${JSON.stringify(chain)}`);
    out.push({ fn, chain });
  }
  return out;
}

describe.skipIf(!HAVE_CORPUS).each(CASES)('x64 corpus image $exe', (c) => {
  const sym = HAVE_CORPUS ? parseSym(readFileSync(corpusPath('pdb', c.sym), 'utf8')) : undefined;

  describe.each(SOURCE_KINDS)('through %s', (kind) => {
    let opened: Opened;
    let image: PeImage;
    let chains: { fn: RuntimeFunctionX64; chain: UnwindInfoX64[] }[];
    beforeAll(async () => {
      opened = await openImage(corpusPath('pdb', c.exe), kind);
      image = opened.image;
      chains = await allChains(image);
    });
    afterAll(async () => opened?.close());

    it('identity: CodeView debug id = MODULE line, TimeDateStamp+SizeOfImage = INFO CODE_ID', async () => {
      expect(image.machine).toBe(PeMachine.AMD64);
      expect(image.is64).toBe(true);
      const cv = await image.codeViewId();
      expect(cv?.debugId).toBe(sym!.module.id);
      expect(cv?.debugId).toBe(c.codeView.debugId);
      expect(cv?.pdbName.split(/[\\/]/).pop()).toBe(sym!.module.name);
      expect(image.codeId).toBe(sym!.codeId!.id);
      expect(sym!.codeId!.name).toBe(c.exe);
      expect(sym!.module.arch).toBe('x86_64');
    });

    it('sections: .text is executable, .pdata is the exception directory', () => {
      const text = image.sections.find((s) => s.name === '.text')!;
      const pdata = image.sections.find((s) => s.name === '.pdata')!;
      expect(text.executable).toBe(true);
      expect(pdata.executable).toBe(false);
      expect(image.isExecutableRva(text.rva)).toBe(true);
      expect(image.isExecutableRva(pdata.rva)).toBe(false);
      expect(image.exceptionDirectory?.rva).toBe(pdata.rva);
    });

    it(`every RUNTIME_FUNCTION's CFA and return-address rules equal the .sym's STACK CFI lines (${c.functions} functions)`, () => {
      expect(chains).toHaveLength(c.functions);
      expect(sym!.cfi).toHaveLength(c.functions);
      const mismatches: string[] = [];
      chains.forEach(({ fn, chain }, i) => {
        const s = sym!.cfi[i]!;
        const rules = x64UnwindInfoToCfi(chain, { dumpSymsCompatible: true });
        const mine = `INIT ${fn.beginAddress.toString(16)} ${(fn.endAddress - fn.beginAddress).toString(16)} .cfa: $rsp .ra: ${rules.ra} | ${fn.beginAddress.toString(16)} .cfa: ${rules.cfa}`;
        const theirs = `INIT ${s.rva.toString(16)} ${s.size.toString(16)} ${s.init} | ${s.deltas.map((d) => `${d.rva.toString(16)} ${d.rules}`).join(' | ')}`;
        if (mine !== theirs) mismatches.push(`${mine}\n  != ${theirs}`);
      });
      expect(mismatches).toEqual([]);
      expect(chains.filter((x) => x.chain.length > 1)).toHaveLength(c.chained);
    });

    it('the exact rules (Microsoft semantics) agree with dump_syms except where a frame register is set', () => {
      let framed = 0;
      let homeSaves = 0;
      for (const { chain } of chains) {
        const exact = x64UnwindInfoToCfi(chain);
        const compat = x64UnwindInfoToCfi(chain, { dumpSymsCompatible: true });
        const n = Number(/\$rsp (\d+) \+/.exec(compat.cfa)![1]);
        expect(exact.ra).toBe('.cfa 8 - ^');
        if (chain[0]!.frameRegister === 0) expect(exact.cfa).toBe(compat.cfa);
        else {
          framed++;
          // CFA = FP − 16 × FrameOffset + (the same fixed frame dump_syms counts from RSP)
          expect(exact.cfa).toBe(`$${X64_REGISTER_NAMES[chain[0]!.frameRegister]} ${n - chain[0]!.frameOffset} +`);
        }
        // every register a code saves has a rule relative to the CFA: inside the frame, or in
        // the caller's 32-byte home area just above the return address (MSVC saves rbx/rbp/rsi
        // there with `mov [rsp+8], rbx` before it moves rsp)
        for (const [reg, rule] of Object.entries(exact.registers)) {
          const d = cfaDelta(rule);
          expect(d, `${reg}: ${rule}`).toBeDefined();
          if (d! > 0) {
            expect(d!).toBeGreaterThan(8);
            expect(d!).toBeLessThanOrEqual(n);
          } else {
            homeSaves++;
            expect(-d!).toBeLessThanOrEqual(32);
          }
        }
      }
      expect(framed).toBe(c.frameRegisterFunctions);
      if (c.exe === 'pe_only_symbol_test.dll') expect(homeSaves).toBeGreaterThan(0);
    });

    it('unwinding each function from its body and from inside its prolog over a synthetic stack', async () => {
      // Body: caller rsp = rsp + N (N from the .sym), rip = [rsp + N − 8], each saved register
      // from the slot the exact CFI rules name. Prolog offsets (each code's CodeOffset and the byte
      // before it): only the codes that have executed count (CodeOffset ≤ offset).
      const S = 0x7ff0_0010_0000n;
      const read = memoryOf([stackMemory(S, 0x20000)]);
      const failures: string[] = [];
      let prologChecks = 0;
      for (const { fn, chain } of chains) {
        const primary = chain[0]!;
        const exact = x64UnwindInfoToCfi(chain);
        const bodyN = BigInt(/\$rsp (\d+) \+/.exec(x64UnwindInfoToCfi(chain, { dumpSymsCompatible: true }).cfa)![1]!);
        const offsets = new Set<number>([primary.sizeOfProlog]);
        for (const c of primary.codes) for (const o of [c.codeOffset, c.codeOffset - 1]) if (o >= 0 && o < primary.sizeOfProlog) offsets.add(o);
        for (const off of offsets) {
          if (fn.beginAddress + off >= fn.endAddress) continue;
          const inProlog = off < primary.sizeOfProlog;
          let n = bodyN;
          if (inProlog) {
            n = 8n;
            chain.forEach((info, k) => {
              for (const c of info.codes) {
                if (k === 0 && c.codeOffset > off) continue;
                if (c.op === 'PUSH_NONVOL') n += 8n;
                if (c.op === 'ALLOC_SMALL' || c.op === 'ALLOC_LARGE') n += BigInt(c.size!);
              }
            });
            prologChecks++;
          }
          const rip = image.loadAddress + BigInt(fn.beginAddress + off);
          const regs = new Map<string, bigint>([['rip', rip], ['rsp', S], ['rbx', 0xb0b0n], ['r12', 0x1212n], ['rax', 1n], ['rcx', 2n]]);
          if (primary.frameRegister) regs.set(X64_REGISTER_NAMES[primary.frameRegister]!, S + BigInt(primary.frameOffset));
          const step = await unwindX64Frame(image, regs, read);
          const at = `${fn.beginAddress.toString(16)}+${off}`;
          if (!step || isProblem(step)) {
            failures.push(`${at}: ${JSON.stringify(step)}`);
            continue;
          }
          const r = step.registers;
          const cfa = S + n;
          if (r.get('rsp') !== cfa || r.get('rip') !== stackValue(cfa - 8n) || step.cfa !== cfa) {
            failures.push(`${at}: rsp ${r.get('rsp')?.toString(16)} (want ${cfa.toString(16)}), rip ${r.get('rip')?.toString(16)}`);
          }
          if (r.has('rax') || r.has('rcx')) failures.push(`${at}: volatile register in the result`);
          if (inProlog) continue;
          for (const [reg, rule] of Object.entries(exact.registers)) {
            const k = BigInt(cfaDelta(rule)!);
            if (r.get(reg.slice(1)) !== stackValue(cfa - k)) failures.push(`${at}: ${reg} = ${r.get(reg.slice(1))?.toString(16)}, want [cfa-${k}]`);
          }
          // registers no code touches are carried over
          if (!('$rbx' in exact.registers) && r.get('rbx') !== 0xb0b0n) failures.push(`${at}: rbx not carried over`);
          if (!('$r12' in exact.registers) && r.get('r12') !== 0x1212n) failures.push(`${at}: r12 not carried over`);
        }
      }
      expect(failures).toEqual([]);
      expect(prologChecks).toBeGreaterThan(c.functions);
    });
  });
});

// ------------------------------------------------------------------------------------------------
// llvm-readobj --unwind cross-check

const REG = ['RAX', 'RCX', 'RDX', 'RBX', 'RSP', 'RBP', 'RSI', 'RDI', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15'];

/** One code the way llvm-readobj's Win64EHDumper prints it. */
function formatCode(c: UnwindCodeX64, info: UnwindInfoX64): string {
  const h = (n: number): string => `0x${n.toString(16).toUpperCase()}`;
  const head = `0x${c.codeOffset.toString(16).toUpperCase().padStart(2, '0')}: ${c.op}`;
  switch (c.op) {
    case 'PUSH_NONVOL':
      return `${head} reg=${REG[c.register!]}`;
    case 'ALLOC_LARGE':
    case 'ALLOC_SMALL':
      return `${head} size=${c.size}`;
    case 'SET_FPREG':
      return `${head} reg=${REG[info.frameRegister]}, offset=${h(info.frameOffset)}`;
    case 'SAVE_NONVOL':
    case 'SAVE_NONVOL_FAR':
      return `${head} reg=${REG[c.register!]}, offset=${h(c.offset!)}`;
    case 'SAVE_XMM128':
    case 'SAVE_XMM128_FAR':
      return `${head} reg=XMM${c.register}, offset=${h(c.offset!)}`;
    case 'PUSH_MACHFRAME':
      return `${head} errcode=${c.errorCode ? 'yes' : 'no'}`;
    default:
      return head;
  }
}

describe.skipIf(!HAVE_CORPUS).each(CASES)('llvm-readobj --unwind agrees with the decoder: $exe', (c) => {
  let opened: Opened;
  let chains: { fn: RuntimeFunctionX64; chain: UnwindInfoX64[] }[];
  let tree: ReadobjNode;
  beforeAll(async () => {
    opened = await openImage(corpusPath('pdb', c.exe), 'FileSource');
    chains = await allChains(opened.image);
    tree = parseReadobj(readFileSync(join(HERE, 'expected', `${c.exe}.readobj.txt`), 'utf8'));
  });
  afterAll(async () => opened?.close());

  it('same functions, and for each: version, flags, prolog size, frame register and offset, every code, handler or chain', () => {
    const base = opened.image.imageBase;
    const all = children(child(tree, 'UnwindInformation')!, 'RuntimeFunction');
    // llvm-readobj walks the whole .pdata section; the loader (and dump_syms) only the exception
    // directory. pe_only_symbol_test.dll's section is longer (VirtualSize 0x69C, directory 0x4F8):
    // the 35 extra "entries" readobj prints are its zero padding.
    const rfs = all.slice(0, chains.length);
    expect(all.length).toBe(c.exe === 'pe_only_symbol_test.dll' ? 141 : chains.length);
    expect(chains.length).toBe(c.functions);
    const mismatches: string[] = [];
    rfs.forEach((rf, i) => {
      const { fn, chain } = chains[i]!;
      const info = chain[0]!;
      const ui = child(rf, 'UnwindInfo')!;
      const theirs = {
        begin: Number(addr(val(rf, 'StartAddress')) - base),
        end: Number(addr(val(rf, 'EndAddress')) - base),
        unwind: Number(addr(val(rf, 'UnwindInfoAddress')) - base),
        version: Number(val(ui, 'Version')),
        flags: parseInt(/\(0x([0-9a-f]+)\)/i.exec(child(ui, 'Flags')!.value!)![1]!, 16),
        prolog: Number(val(ui, 'PrologSize')),
        frameRegister: val(ui, 'FrameRegister'),
        frameOffset: val(ui, 'FrameOffset'),
        count: Number(val(ui, 'UnwindCodeCount')),
        codes: child(ui, 'UnwindCodes')!.items,
        handler: val(ui, 'Handler') === undefined ? undefined : Number(addr(val(ui, 'Handler')) - base),
        chained: child(ui, 'Chained') ? [val(child(ui, 'Chained')!, 'StartAddress'), val(child(ui, 'Chained')!, 'EndAddress'), val(child(ui, 'Chained')!, 'UnwindInfoAddress')].map((v) => Number(addr(v) - base)) : undefined,
      };
      const mine = {
        begin: fn.beginAddress,
        end: fn.endAddress,
        unwind: fn.unwindData,
        version: info.version,
        flags: info.flags,
        prolog: info.sizeOfProlog,
        frameRegister: info.frameRegister ? `${REG[info.frameRegister]} (0x${info.frameRegister.toString(16).toUpperCase()})` : '-',
        frameOffset: info.frameRegister ? `0x${(info.frameOffset / 16).toString(16).toUpperCase()}` : '-',
        count: info.countOfCodes,
        codes: info.codes.map((x) => formatCode(x, info)),
        handler: info.handlerRva,
        chained: info.chained ? [info.chained.beginAddress, info.chained.endAddress, info.chained.unwindData] : undefined,
      };
      try {
        expect(mine).toEqual(theirs);
      } catch {
        mismatches.push(`${fn.beginAddress.toString(16)}: ${JSON.stringify(mine)} != ${JSON.stringify(theirs)}`);
      }
    });
    expect(mismatches).toEqual([]);
  });

  it('spot checks written out by hand from the readobj text', () => {
    const byBegin = new Map(chains.map((x) => [x.fn.beginAddress, x.chain]));
    if (c.exe === 'dump_syms_regtest64.exe') {
      // 0x140001180: SAVE_NONVOL RBX 0x30 @0x0A, ALLOC_SMALL 32 @0x0A, PUSH_NONVOL RDI @0x06
      expect(byBegin.get(0x1180)![0]!.codes.map((x) => [x.op, x.codeOffset, x.register ?? x.size, x.offset])).toEqual([
        ['SAVE_NONVOL', 0x0a, 3, 0x30], ['ALLOC_SMALL', 0x0a, 32, undefined], ['PUSH_NONVOL', 0x06, 7, undefined],
      ]);
      // 0x140005E68: RBP frame, FrameOffset 4 (0x40), 13 slots, handler flags 0x3
      const f = byBegin.get(0x5e68)![0]!;
      expect([f.frameRegister, f.frameOffset, f.countOfCodes, f.flags, f.sizeOfProlog]).toEqual([5, 0x40, 13, 3, 45]);
      expect(f.codes.find((x) => x.op === 'SET_FPREG')?.codeOffset).toBe(0x13);
    } else {
      // 0x180001856: chained to 0x180001840, SAVE_NONVOL RDI offset 0
      const f = byBegin.get(0x1856)!;
      expect(f).toHaveLength(2);
      expect(f[0]!.chained).toMatchObject({ beginAddress: 0x1840, endAddress: 0x1856, unwindData: 0xb09c });
      expect(f[0]!.codes.map((x) => [x.op, x.register, x.offset])).toEqual([['SAVE_NONVOL', 7, 0]]);
      // 0x180001876: a fragment with no codes of its own
      expect(byBegin.get(0x1876)![0]!.countOfCodes).toBe(0);
    }
  });
});
