// The walker's frame and the per-module unwind sources it asks, in order, for a caller.

import type { ModuleFacts } from '../analysis/facts/types.js';
import type { FrameTrust, RegisterSet, UnwindProblem, UnwindStep } from './types.js';
import type { StackMemory } from './stack-memory.js';

export interface ModuleRef {
  module: ModuleFacts;
  offset: bigint;
}

export interface WalkFrame {
  index: number;
  /** Instruction pointer register: the faulting or current instruction for frame 0, the return address for callers. */
  ip: bigint;
  sp: bigint;
  trust: FrameTrust;
  /** Registers known in this frame (context: all; callers: what the unwind recovered). */
  registers: RegisterSet;
  /** Canonical frame address, when CFI or unwind data computed one. */
  cfa?: bigint;
  /** Stack slot the return address was read from (scan, frame pointer, CFI with a plain slot). */
  stackAddress?: bigint;
  /** The module holding the frame's instruction (looked up at ip for frame 0, ip - 1 for callers). */
  module?: ModuleRef;
  /** x86 STACK WIN parameter size of this frame's function (the next frame's .cbCalleeParams). */
  winParameterSize?: number;
  /** The function holding the frame's instruction, from a symbol file (FUNC, else PUBLIC) or, the last resort, the image's exports. */
  func?: { name: string; offset: bigint; source: FunctionName['source'] };
  /** Source file and line of the instruction, and the calls inlined there (outermost first). */
  source?: SourcePosition;
}

/** A function's name and start, and what gave it. */
export interface FunctionName {
  name: string;
  rva: number;
  source: 'sym' | 'pdb' | 'exports';
}

/** Where an instruction is in the source, from a symbol file's line records. */
export interface SourcePosition {
  file?: string;
  line?: number;
  /** Calls inlined at the instruction, outermost first: the inlinee's name, where it was called from, and its own position. */
  inlines?: Array<{ name: string; callFile?: string; callLine: number; file?: string; line?: number }>;
}

/** Breakpad STACK WIN record, as src/formats/breakpad-sym gives it. */
export interface WinFrameRecord {
  type: number;
  parameterSize: number;
  savedRegisterSize: number;
  localSize: number;
  prologSize: number;
  hasProgramString: boolean;
  programString?: string;
  allocatesBasePointer?: boolean;
}

/**
 * What a module offers to unwind its code. Every member is optional: a module with no symbol file
 * and no image in the dump offers nothing, and the walker falls back to frame pointers and scans.
 */
export interface ModuleUnwinder {
  /** Where the unwind data came from, for the report ("ntdll.sym", "image in dump", ...). */
  source?: string;
  /** Breakpad STACK CFI for `rva`: the caller's registers, with `.cfa` and `.ra`; undefined when no record covers it. */
  cfiCaller?(rva: number, callee: RegisterSet, stack: StackMemory, pointerSize: 4 | 8): Promise<RegisterSet | UnwindProblem | undefined>;
  /** Breakpad STACK WIN (x86) covering `rva`. */
  winInfo?(rva: number): Promise<WinFrameRecord | undefined>;
  /** Evaluates a STACK WIN program: every variable assigned, or a problem. */
  evaluateWin?(program: string, dictionary: Map<string, bigint>, stack: StackMemory): Promise<{ values: Map<string, bigint>; assigned: Set<string> } | UnwindProblem>;
  /** One step of the image's own unwind data (x64 .pdata/.xdata, ARM64 .pdata); `caller`: the
   * frame's ip is a return address (looked up one byte back). */
  imageStep?(callee: RegisterSet, stack: StackMemory, caller: boolean): Promise<UnwindStep | UnwindProblem | undefined>;
  /** With a symbol file (.sym or PDB): the function holding `rva` (its name and start); breakpad
   * also checks scanned addresses with it. Absent: no symbol file. */
  functionAt?(rva: number): Promise<FunctionName | undefined>;
  /** With a symbol file's line records: the source position of `rva`. */
  sourceAt?(rva: number): Promise<SourcePosition | undefined>;
  /** No symbol file, an image with exports: the export at or below `rva`. Names only: the walk's
   * scan check never uses it (an export says nothing of where a function ends). */
  exportAt?(rva: number): Promise<FunctionName | undefined>;
  /** With the image's section table: whether `rva` is in an executable section. Undefined: not known. */
  isExecutable?(rva: number): boolean | undefined;
  /** Code bytes of the image, where the dump holds them (for the call-before-return check). */
  codeBytes?(rva: number, length: number): Promise<Uint8Array | undefined>;
}

export function isProblem(x: unknown): x is UnwindProblem {
  return typeof x === 'object' && x !== null && 'code' in x && 'message' in x && !(x instanceof Map);
}

/** Reports a problem and answers undefined: the walker falls through to the next method. */
interface Warns {
  warn(p: UnwindProblem): void;
}

/** The symbol file's CFI answer for the last frame, or undefined (no record, or a problem, warned). */
export async function cfiCallerOf(env: Warns & { stack: StackMemory }, last: WalkFrame, u: ModuleUnwinder, rva: number, pointerSize: 4 | 8): Promise<RegisterSet | undefined> {
  const r = await u.cfiCaller!(rva, last.registers, env.stack, pointerSize);
  if (r !== undefined && isProblem(r)) {
    env.warn(r);
    return undefined;
  }
  return r;
}

/** The image's unwind step for the last frame, or undefined (no data, or a problem, warned). */
export async function imageStepOf(env: Warns & { stack: StackMemory }, last: WalkFrame, u: ModuleUnwinder): Promise<UnwindStep | undefined> {
  const step = await u.imageStep!(last.registers, env.stack, last.trust !== 'context');
  if (step !== undefined && isProblem(step)) {
    env.warn(step);
    return undefined;
  }
  return step;
}

/** The unwind sources of the last frame's module (none when it is in no module) and its rva. */
export async function unwinderOf(
  env: { unwinderNow(ref: ModuleRef): ModuleUnwinder | null | undefined; unwinder(ref: ModuleRef): Promise<ModuleUnwinder | undefined> },
  last: WalkFrame,
): Promise<{ u: ModuleUnwinder | undefined; rva: number }> {
  if (!last.module) return { u: undefined, rva: 0 };
  const now = env.unwinderNow(last.module);
  const u = now === null ? undefined : (now ?? (await env.unwinder(last.module)));
  return { u, rva: Number(last.module.offset) };
}
