// What each module offers the walker: Breakpad STACK CFI / STACK WIN records from a symbol file,
// and the image's own unwind data (x64 .pdata/.xdata, ARM64 .pdata) read from the dump's memory
// when its pages are there (full-memory minidumps, kernel and complete dumps), or from a binary
// on the symbol path whose TimeDateStamp and SizeOfImage match. One factory per dump; each module
// is looked up once.

import type { DumpFacts, ModuleFacts } from '../analysis/facts/types.js';
import type { ModuleUnwinder, WinFrameRecord } from './frame.js';
import type { ReadMemory, RegisterSet } from './types.js';
import { openPeImageInMemory, PeMachine, type PeImage } from '../formats/pe/image.js';
import { unwindX64Frame } from '../formats/pe/x64-unwind.js';
import { unwindArm64Frame } from '../formats/pe/arm64-unwind.js';
import type { SymFile } from '../formats/breakpad-sym/sym-file.js';
import type { SymbolModule } from '../formats/breakpad-sym/store.js';
import { isProblem } from './frame.js';
import { peCodeId } from '../util/hex.js';
import { evaluateCfiRules, evaluateWinProgram } from '../formats/breakpad-sym/postfix.js';
import type { WalkArch } from './walker.js';

/** A module as the symbol path knows it (the store's own key: names, debug id, code id). */
export type SymbolModuleKey = SymbolModule;

/** Where symbol files and binaries come from (the Node entry builds one from --symbols). */
export interface SymbolSource {
  findSymFile(module: SymbolModuleKey): Promise<SymFile | undefined>;
  /** A binary matching the module, opened with RVA 0 at `base`. */
  findImage?(module: SymbolModuleKey, base: bigint): Promise<PeImage | undefined>;
}

export function symbolKey(m: ModuleFacts): SymbolModuleKey {
  const key: SymbolModuleKey = { name: m.name };
  if (m.pdb && m.pdb.kind !== 'ELF') {
    key.pdbName = m.pdb.name.split(/[\\/]/).pop() || m.pdb.name;
    key.debugId = m.pdb.debugId;
  }
  if (m.timestamp !== undefined && m.size > 0) key.codeId = peCodeId(m.timestamp, m.size);
  return key;
}

const MACHINE: Record<WalkArch, number> = { x86: PeMachine.I386, x64: PeMachine.AMD64, arm64: PeMachine.ARM64 };

export interface UnwinderSources {
  /** Symbol files and binaries; none: only what the dump holds. */
  symbols?: SymbolSource;
  /** Unwind data read from images in the dump's memory (default true). */
  images?: boolean;
}

/**
 * The walker's per-module unwind sources for one dump. Each call looks the module up afresh: the
 * walker's UnwinderMemo asks once per module and dump.
 */
export function createUnwinderFactory(facts: DumpFacts, arch: WalkArch, sources: UnwinderSources = {}): (m: ModuleFacts) => Promise<ModuleUnwinder | undefined> {
  const readMemory: ReadMemory = (a, n) => facts.memory.read(a, n);
  const build = async (m: ModuleFacts): Promise<ModuleUnwinder | undefined> => {
    const key = symbolKey(m);
    const sym = await sources.symbols?.findSymFile(key).catch(() => undefined);
    let image: PeImage | undefined;
    if (sources.images !== false) {
      image = await openPeImageInMemory(readMemory, m.base).catch(() => undefined);
      // An image whose header disagrees with the module list is not this module's.
      if (image && (image.machine !== MACHINE[arch] || (m.size > 0 && image.sizeOfImage !== m.size))) image = undefined;
    }
    if (!image && sources.symbols?.findImage) image = await sources.symbols.findImage(key, m.base).catch(() => undefined);
    if (!sym && !image) return undefined;
    const u: ModuleUnwinder = { source: [sym ? 'symbol file' : '', image ? (image.origin === 'memory' ? 'image in dump' : 'image on symbol path') : ''].filter(Boolean).join(', ') };
    if (sym) {
      u.cfiCaller = async (rva, callee, stack, pointerSize) => {
        const rules = await sym.findCfiRules(rva);
        if (!rules) return undefined;
        const step = await evaluateCfiRules(rules, callee, stack.asReader, pointerSize);
        if (isProblem(step)) return step;
        const out: RegisterSet = new Map(step.registers);
        if (step.cfa !== undefined) out.set('.cfa', step.cfa);
        return out;
      };
      u.functionAt = async (rva) => {
        const f = await sym.findFunction(rva);
        return f ? { name: f.name, rva: f.rva } : undefined;
      };
      if (arch === 'x86') {
        u.winInfo = async (rva): Promise<WinFrameRecord | undefined> => {
          const w = await sym.findWinFrameInfo(rva);
          return w ? { type: w.type, parameterSize: w.parameterSize, savedRegisterSize: w.savedRegisterSize, localSize: w.localSize, prologSize: w.prologSize, hasProgramString: w.hasProgramString, programString: w.programString, allocatesBasePointer: w.allocatesBasePointer } : undefined;
        };
        u.evaluateWin = async (program, dictionary, stack) => {
          const assigned = await evaluateWinProgram(program, dictionary, stack.asReader, 4);
          if (!(assigned instanceof Map)) return assigned;
          const values = new Map(dictionary);
          for (const [k, v] of assigned) values.set(k, v);
          return { values, assigned: new Set(assigned.keys()) };
        };
      }
    }
    if (image) {
      const img = image;
      if (arch === 'x64' && img.machine === MACHINE.x64) u.imageStep = (callee, stack, caller) => unwindX64Frame(img, callee, stack.asReader, { callerFrame: caller });
      if (arch === 'arm64' && img.machine === MACHINE.arm64) {
        // The ARM64 unwinder names x29/x30 fp/lr; the walker names them x29/x30.
        u.imageStep = async (callee, stack, caller) => {
          const input: RegisterSet = new Map(callee);
          if (callee.has('x29')) input.set('fp', callee.get('x29')!);
          if (callee.has('x30')) input.set('lr', callee.get('x30')!);
          const step = await unwindArm64Frame(img, input, stack.asReader, { callerFrame: caller });
          if (!step || isProblem(step)) return step;
          const regs: RegisterSet = new Map();
          for (const [k, v] of step.registers) regs.set(k === 'fp' ? 'x29' : k === 'lr' ? 'x30' : k, v);
          return { ...step, registers: regs };
        };
      }
      if (img.sections.length > 0) u.isExecutable = (rva) => (rva < img.sizeOfImage ? img.isExecutableRva(rva) : undefined);
      u.codeBytes = (rva, length) => img.readRva(rva, length);
    }
    return u;
  };
  return build;
}
