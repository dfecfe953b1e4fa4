// What each module offers the walker and the frame namer: Breakpad STACK CFI / STACK WIN records,
// function names and source lines from a symbol file (.sym, else a PDB), and the image's own
// unwind data (x64 .pdata/.xdata, ARM64 .pdata) and exports read from the dump's memory when its
// pages are there (full-memory minidumps, kernel and complete dumps), or from a binary on the
// symbol path whose TimeDateStamp and SizeOfImage match. One factory per dump; each module is
// looked up once, and what was found (or why not) is recorded for the report's modules[].symbols
// and --verbose symbolLookups.

import type { DumpFacts, ModuleFacts } from '../analysis/facts/types.js';
import type { FunctionName, ModuleUnwinder, SourcePosition, WinFrameRecord } from './frame.js';
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

/** Function names and source lines of one module: a .sym file or a PDB (both offer these). */
export interface FunctionSymbols {
  /** The function covering rva, else the public symbol at or below it (Breakpad's rule). */
  findFunction(rva: number): Promise<{ name: string; rva: number; size?: number; kind: 'func' | 'public' } | undefined>;
  findSourceLine?(rva: number): Promise<{ file: string; line: number } | undefined>;
  /** Inlined calls at rva, outermost first. */
  findInlines?(rva: number): Promise<ReadonlyArray<{ name: string; callFile?: string; callLine: number; file?: string; line?: number }>>;
}

/** One place searched for a module's symbols or binary (a path, or a server's URL without credentials). */
export interface SymbolLookupRecord {
  module: string;
  kind: 'sym' | 'pdb' | 'binary';
  location?: string;
  /** 'found' | 'missing' | 'corrupt' | 'mismatch' | 'rejected' | 'error' | 'offline' | 'cached-miss' ... */
  result: string;
  reason?: string;
}

export type SymbolTraceFn = (lookup: SymbolLookupRecord) => void;

export interface FoundSymbols {
  /** A Breakpad .sym: names, lines and unwind data (CFI, STACK WIN). */
  sym?: SymFile;
  /** A PDB: names and lines. */
  pdb?: FunctionSymbols;
  /** Where the file used was found (a path; a download's cache path). */
  source?: string;
  /** A file matched the module by path but could not be used: why. */
  corrupt?: string;
}

/** Where symbol files and binaries come from (the Node entry builds one from the symbol path). */
export interface SymbolSource {
  findSymbols(module: SymbolModuleKey, trace?: SymbolTraceFn): Promise<FoundSymbols>;
  /** A binary matching the module, opened with RVA 0 at `base`. */
  findImage?(module: SymbolModuleKey, base: bigint, trace?: SymbolTraceFn): Promise<PeImage | undefined>;
  /** Forget remembered misses: the next lookups search again (a new scan; symbols may have appeared). */
  forgetMisses?(): void;
}

export type SymbolStatus = 'loaded' | 'missing' | 'corrupt' | 'not-searched';

/** What the symbol path gave one module, as modules[].symbols reports it (minidump-stackwalk's loaded_symbols / missing_symbols). */
export interface ModuleSymbolStatus {
  status: SymbolStatus;
  /** What names came from: a .sym, a PDB, or (the last resort, no symbol file) the image's exports. */
  kind?: 'sym' | 'pdb' | 'exports';
  /** The file used. */
  source?: string;
  reason?: string;
}

/** Lookups kept per dump for --verbose (each module's search is a handful). */
const MAX_DUMP_LOOKUPS = 2000;

/** What the factory found, module by module, and every place it searched (one dump). */
export class SymbolRecorder {
  readonly modules = new Map<bigint, ModuleSymbolStatus>();
  readonly lookups: SymbolLookupRecord[] = [];
  lookupsDropped = 0;
  readonly trace: SymbolTraceFn = (l) => {
    if (this.lookups.length >= MAX_DUMP_LOOKUPS) this.lookupsDropped++;
    else this.lookups.push(l);
  };
}

/** Reads a module's export table once, for names when it has no symbol file (set by the Node entry or tests). */
export type ExportNamer = (image: PeImage) => Promise<((rva: number) => { name: string; rva: number } | undefined) | undefined>;

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
  /** Names from an image's exports when a module has no symbol file (none: no export names). */
  exports?: ExportNamer;
  /** Receives each module's symbol status and the places searched. */
  recorder?: SymbolRecorder;
}

/**
 * The walker's per-module unwind sources for one dump. Each call looks the module up afresh: the
 * walker's UnwinderMemo asks once per module and dump.
 */
export function createUnwinderFactory(facts: DumpFacts, arch: WalkArch, sources: UnwinderSources = {}): (m: ModuleFacts) => Promise<ModuleUnwinder | undefined> {
  const readMemory: ReadMemory = (a, n) => facts.memory.read(a, n);
  const build = async (m: ModuleFacts): Promise<ModuleUnwinder | undefined> => {
    const key = symbolKey(m);
    // This module's lookups, to tell a corrupt file from a missing one.
    const seen: SymbolLookupRecord[] = [];
    const recorder = sources.recorder;
    const trace: SymbolTraceFn = (l) => {
      if (seen.length < 64) seen.push(l);
      recorder?.trace(l);
    };
    let image: PeImage | undefined;
    if (sources.images !== false) {
      image = await openPeImageInMemory(readMemory, m.base).catch(() => undefined);
      // An image whose header disagrees with the module list is not this module's.
      if (image && (image.machine !== MACHINE[arch] || (m.size > 0 && image.sizeOfImage !== m.size))) image = undefined;
    }
    // A module list without CodeView records (kernel small dumps list drivers by name, timestamp
    // and size only): the image, in the dump or fetched by TimeDateStamp and SizeOfImage as
    // WinDbg does, names its PDB.
    // The symbol path's binary is asked for once: here when the PDB identity depends on it, else after the symbols.
    let askedImage = false;
    if (!key.debugId && sources.symbols) {
      if (!image && sources.symbols.findImage) {
        askedImage = true;
        image = await sources.symbols.findImage(key, m.base, trace).catch(() => undefined);
      }
      const cv = image ? await image.codeViewId().catch(() => undefined) : undefined;
      if (cv) {
        key.pdbName = cv.pdbName.split(/[\\/]/).pop() || cv.pdbName;
        key.debugId = cv.debugId;
      }
    }
    let found: FoundSymbols = {};
    if (sources.symbols) {
      found = await sources.symbols.findSymbols(key, trace).catch((e: unknown) => ({ corrupt: e instanceof Error ? e.message : String(e) }));
    }
    const sym = found.sym;
    const names: FunctionSymbols | undefined = sym ?? found.pdb;
    if (!image && !askedImage && sources.symbols?.findImage) image = await sources.symbols.findImage(key, m.base, trace).catch(() => undefined);
    const exportAt = !names && image && sources.exports ? await sources.exports(image).catch(() => undefined) : undefined;
    const bad = names ? undefined : seen.find((l) => l.result === 'corrupt');
    sources.recorder?.modules.set(
      m.base,
      names
        ? { status: 'loaded', kind: sym ? 'sym' : 'pdb', ...(found.source ? { source: found.source } : {}) }
        : {
            status: found.corrupt || bad ? 'corrupt' : sources.symbols ? 'missing' : 'not-searched',
            ...(found.corrupt || bad ? { reason: found.corrupt ?? `${bad!.location ?? bad!.module}: ${bad!.reason ?? bad!.result}` } : {}),
            ...(exportAt ? { kind: 'exports' as const, source: image!.origin === 'memory' ? 'image in dump' : 'image on symbol path' } : {}),
          },
    );
    if (!names && !image) return undefined;
    const u: ModuleUnwinder = {
      source: [sym ? 'symbol file' : found.pdb ? 'pdb' : '', image ? (image.origin === 'memory' ? 'image in dump' : 'image on symbol path') : ''].filter(Boolean).join(', '),
    };
    if (names) {
      u.functionAt = async (rva): Promise<FunctionName | undefined> => {
        const f = await names.findFunction(rva);
        return f ? { name: f.name, rva: f.rva, source: sym ? 'sym' : 'pdb' } : undefined;
      };
      if (names.findSourceLine || names.findInlines) {
        u.sourceAt = async (rva): Promise<SourcePosition | undefined> => {
          const line = await names.findSourceLine?.(rva).catch(() => undefined);
          const inlines = await names.findInlines?.(rva).catch(() => undefined);
          if (!line && !inlines?.length) return undefined;
          return { ...(line ? { file: line.file, line: line.line } : {}), ...(inlines?.length ? { inlines: [...inlines] } : {}) };
        };
      }
    }
    if (exportAt) {
      u.exportAt = async (rva): Promise<FunctionName | undefined> => {
        const e = exportAt(rva);
        return e ? { name: e.name, rva: e.rva, source: 'exports' } : undefined;
      };
    }
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
