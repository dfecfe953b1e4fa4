// Real MSVC ARM64 images (fixtures/, from Washi1337/AsmResolver, MIT): the decoder against
// `llvm-readobj-19 --unwind` (expected/*.readobj.txt), entry by entry, for packed and full .xdata;
// then unwinding every function at every prolog instruction, in the body and at every epilog
// instruction, with the expected caller computed by running llvm-readobj's printed prolog and
// epilog instructions forward on a model machine (arm64-text.ts), not by the decoder under test.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PeMachine, type PeImage } from '../../../src/formats/pe/image.js';
import {
  decodeArm64Sequence, decodePackedArm64, readXdataArm64, runtimeFunctionsArm64, synthesizePackedArm64, unwindArm64Frame,
  type Arm64UnwindOp, type RuntimeFunctionArm64, type XdataArm64,
} from '../../../src/formats/pe/arm64-unwind.js';
import type { UnwindProblem } from '../../../src/unwind/types.js';
import { SOURCE_KINDS, openImage, type Opened } from './helpers.js';
import { Arm64Machine, PAC_BITS, hexOf, packedEpilogText, renderPackedOp, renderXdataOp, toEpilogText } from './arm64-text.js';
import { addr, block, child, children, parseReadobj, val, type ReadobjNode } from './readobj.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const isProblem = (x: unknown): x is UnwindProblem => typeof x === 'object' && x !== null && 'code' in x && !('registers' in x);

const FIXTURES = [
  { file: 'NativeHelloWorldC.Arm64.exe', functions: 26, packed: 15, epilogInHeader: 1, codeView: { guid: undefined as string | undefined } },
  { file: 'NativeHelloWorldCpp.Arm64.exe', functions: 32, packed: 15, epilogInHeader: 6, codeView: { guid: '0E3480CB-86BC-489A-85B7-4407C2834F7B' } },
];

type Decoded = { fn: RuntimeFunctionArm64; ops: Arm64UnwindOp[]; xdata?: XdataArm64 };

async function decodeAll(image: PeImage): Promise<Decoded[]> {
  const out: Decoded[] = [];
  for await (const fn of runtimeFunctionsArm64(image)) {
    if (fn.flag === 0) {
      const x = await readXdataArm64(image, fn.unwindData);
      if (!x || isProblem(x)) throw new Error(`xdata ${fn.unwindData.toString(16)}: ${JSON.stringify(x)}`);
      const ops = decodeArm64Sequence(x.codes, 0);
      if (isProblem(ops)) throw new Error(ops.message);
      out.push({ fn, ops, xdata: x });
    } else {
      const ops = synthesizePackedArm64(decodePackedArm64(fn.unwindData)!);
      if (isProblem(ops)) throw new Error(ops.message);
      out.push({ fn, ops });
    }
  }
  return out;
}

function opcodeLines(n: ReadobjNode | undefined): { hex: string; text: string }[] {
  return (n?.items ?? []).map((l) => {
    const [hex, text] = l.split(';').map((s) => s.trim());
    return { hex: hex!, text: text! };
  });
}

describe.each(FIXTURES)('ARM64 fixture $file', (fx) => {
  const path = join(HERE, 'fixtures', fx.file);
  const tree = parseReadobj(readFileSync(join(HERE, 'expected', `${fx.file}.readobj.txt`), 'utf8'));
  const rfs = children(child(tree, 'UnwindInformation')!, 'RuntimeFunction');

  describe.each(SOURCE_KINDS)('through %s', (kind) => {
    let opened: Opened;
    let image: PeImage;
    let decoded: Decoded[];
    beforeAll(async () => {
      opened = await openImage(path, kind, kind === 'memory' ? undefined : 0x140000000n);
      image = opened.image;
      decoded = await decodeAll(image);
    });
    afterAll(async () => opened?.close());

    it('headers and identity', async () => {
      expect(image.machine).toBe(PeMachine.ARM64);
      expect(image.timestamp).toBe(0x6846156f);
      const cv = await image.codeViewId();
      expect(cv?.pdbName).toMatch(/HelloWorld.*\.pdb$/);
      if (fx.codeView.guid) {
        expect(cv?.guid).toBe(fx.codeView.guid);
        expect(cv?.age).toBe(3);
        expect(cv?.debugId).toBe(`${fx.codeView.guid.replace(/-/g, '')}3`);
      }
    });

    it(`decodes every .pdata entry as llvm-readobj does (${fx.functions} entries)`, () => {
      expect(decoded).toHaveLength(fx.functions);
      expect(rfs).toHaveLength(fx.functions);
      expect(decoded.filter((d) => d.fn.flag !== 0)).toHaveLength(fx.packed);
      expect(decoded.filter((d) => d.xdata?.epilogInHeader)).toHaveLength(fx.epilogInHeader);
      const base = 0x140000000n;
      const mismatches: string[] = [];
      rfs.forEach((rf, i) => {
        const d = decoded[i]!;
        const check = (what: string, mine: unknown, theirs: unknown): void => {
          if (JSON.stringify(mine) !== JSON.stringify(theirs)) mismatches.push(`${d.fn.beginAddress.toString(16)} ${what}: ${JSON.stringify(mine)} != ${JSON.stringify(theirs)}`);
        };
        check('begin', d.fn.beginAddress, Number(addr(val(rf, 'Function')) - base));
        const ed = child(rf, 'ExceptionData');
        if (!ed) {
          const p = decodePackedArm64(d.fn.unwindData)!;
          check('packed', [p.flag === 2 ? 'Yes' : 'No', p.functionLength, p.regF, p.regI, p.h ? 'Yes' : 'No', p.cr, p.frameSize],
            ['Fragment', 'FunctionLength', 'RegF', 'RegI', 'HomedParameters', 'CR', 'FrameSize'].map((k) => (/^\d+$/.test(val(rf, k)!) ? Number(val(rf, k)) : val(rf, k))));
          check('packed prologue', d.ops.map(renderPackedOp), child(rf, 'Prologue')!.items);
          return;
        }
        const x = d.xdata!;
        check('xdata rva', x.rva, Number(addr(val(rf, 'ExceptionRecord')) - base));
        check('header', [x.functionLength, x.version, x.exceptionData ? 'Yes' : 'No', x.epilogInHeader ? 'Yes' : 'No', x.codes.length],
          [Number(val(ed, 'FunctionLength')), Number(val(ed, 'Version')), val(ed, 'ExceptionData'), val(ed, 'EpiloguePacked'), Number(val(ed, 'ByteCodeLength'))]);
        check('prologue', d.ops.map((o) => ({ hex: hexOf(o), text: renderXdataOp(o, true) })), opcodeLines(child(ed, 'Prologue')));
        if (x.epilogInHeader) {
          check('epilogue offset', x.epilogIndex, Number(val(ed, 'EpilogueOffset')));
          const seq = decodeArm64Sequence(x.codes, x.epilogIndex!) as Arm64UnwindOp[];
          // llvm-readobj prints the Epilogue list only for a nonzero index (index 0 reuses the prologue's codes)
          if (x.epilogIndex) check('epilogue', seq.map((o) => ({ hex: hexOf(o), text: renderXdataOp(o, false) })), opcodeLines(child(ed, 'Epilogue')));
          else check('epilogue', child(ed, 'Epilogue'), undefined);
        } else {
          check('scope count', x.epilogScopes.length, Number(val(ed, 'EpilogueScopes')));
          const scopes = children(block(ed, 'EpilogueScopes')!, 'EpilogueScope');
          check('scopes', x.epilogScopes.map((s) => [s.startOffset / 4, s.startIndex]), scopes.map((s) => [Number(val(s, 'StartOffset')), Number(val(s, 'EpilogueStartIndex'))]));
          x.epilogScopes.forEach((s, k) => {
            const seq = decodeArm64Sequence(x.codes, s.startIndex) as Arm64UnwindOp[];
            check(`scope ${k}`, seq.map((o) => ({ hex: hexOf(o), text: renderXdataOp(o, false) })), opcodeLines(child(scopes[k]!, 'Opcodes')));
          });
        }
        const eh = child(ed, 'ExceptionHandler');
        check('handler', x.handlerRva, eh ? Number(addr(val(eh, 'Routine')) - base) : undefined);
      });
      expect(mismatches).toEqual([]);
    });

    it('unwinds every function at every prolog instruction, in the body and at every epilog instruction', async () => {
      const failures: string[] = [];
      let checks = 0;
      const RET = image.loadAddress + 0x1234n; // the return address the caller's bl left in lr
      const CALLER_SP = 0x7ff0_0020_0000n;
      const initial = new Map<string, bigint>([['lr', RET], ['fp', 0x7ff0_0030_0000n]]);
      for (let r = 19; r <= 28; r++) initial.set(`x${r}`, 0x1900n + BigInt(r));
      for (let i = 0; i < rfs.length; i++) {
        const rf = rfs[i]!;
        const d = decoded[i]!;
        const begin = image.loadAddress + BigInt(d.fn.beginAddress);
        const ed = child(rf, 'ExceptionData');
        const prologText = ed ? opcodeLines(child(ed, 'Prologue')).map((l) => l.text) : child(rf, 'Prologue')!.items;
        const prolog = prologText.slice(0, prologText.indexOf('end'));
        const fnLength = ed ? Number(val(ed, 'FunctionLength')) : Number(val(rf, 'FunctionLength'));
        // epilogs: [start byte offset, printed instructions (end = ret)]
        const epilogs: [number, string[]][] = [];
        if (!ed) {
          if (val(rf, 'Fragment') === 'No') {
            const t = packedEpilogText(prologText);
            epilogs.push([fnLength - 4 * t.length, t]);
          }
        } else if (val(ed, 'EpiloguePacked') === 'Yes') {
          const t = Number(val(ed, 'EpilogueOffset')) === 0 ? prologText.map(toEpilogText) : opcodeLines(child(ed, 'Epilogue')).map((l) => l.text);
          epilogs.push([fnLength - 4 * t.length, t]);
        } else {
          for (const s of children(block(ed, 'EpilogueScopes')!, 'EpilogueScope')) epilogs.push([4 * Number(val(s, 'StartOffset')), opcodeLines(child(s, 'Opcodes')).map((l) => l.text)]);
        }
        const fresh = (): Arm64Machine => {
          const m = new Arm64Machine(CALLER_SP);
          for (const [k, v] of initial) m.set(k, v);
          return m;
        };
        const verify = async (m: Arm64Machine, offset: number, where: string): Promise<void> => {
          checks++;
          const regs = new Map<string, bigint>([['pc', begin + BigInt(offset)], ['sp', m.sp]]);
          for (const r of ['fp', 'lr', ...Array.from({ length: 10 }, (_, k) => `x${19 + k}`)]) regs.set(r, m.get(r));
          const mem = async (a: bigint, n: number): Promise<Uint8Array | undefined> => {
            const out = new Uint8Array(n);
            const v = new DataView(out.buffer);
            for (let k = 0; k < n; k += 8) v.setBigUint64(k, m.load(a + BigInt(k)), true);
            return out;
          };
          const step = await unwindArm64Frame(image, regs, mem);
          const tag = `${d.fn.beginAddress.toString(16)} ${where}`;
          if (!step || isProblem(step)) return void failures.push(`${tag}: ${JSON.stringify(step)}`);
          const got = step.registers;
          const want = new Map(initial);
          want.set('pc', RET);
          want.set('sp', CALLER_SP);
          for (const [k, v] of want) if (got.get(k) !== v) failures.push(`${tag}: ${k} = ${got.get(k)?.toString(16)}, want ${v.toString(16)}`);
          if (step.cfa !== CALLER_SP) failures.push(`${tag}: cfa ${step.cfa?.toString(16)}`);
        };
        // prolog: k instructions executed, printed in unwind order so run from the end
        for (let k = 0; k <= prolog.length; k++) {
          const m = fresh();
          for (const t of prolog.slice(prolog.length - k).reverse()) m.exec(t);
          await verify(m, 4 * k, k === prolog.length ? 'body' : `prolog+${k}`);
        }
        for (const [start, text] of epilogs) {
          for (let k = 0; k < text.length; k++) {
            const m = fresh();
            for (const t of [...prolog].reverse()) m.exec(t);
            for (const t of text.slice(0, k)) m.exec(t);
            await verify(m, start + 4 * k, `epilog@${start}+${k}`);
          }
        }
      }
      expect(failures).toEqual([]);
      expect(checks).toBeGreaterThan(fx.functions * 3);
    });

    it('signed return addresses: pac_sign_lr strips the model PAC bits', () => {
      // The model signs lr with PAC_BITS; the checks above only pass if they are stripped.
      expect(decoded.some((d) => d.ops.some((o) => o.name === 'pac_sign_lr'))).toBe(true);
      expect(PAC_BITS & 0xffffn).toBe(0n);
    });
  });
});
