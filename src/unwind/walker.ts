// The stack walker: one thread, from its CPU context, one frame at a time. Each step asks the
// architecture's unwinder (x86.ts, x64.ts, arm64.ts) for the caller: context, then CFI (symbol
// files, the image's own unwind data), then frame pointers, then a validated scan. The walk stops
// at a frame budget, on a stack pointer that does not grow (breakpad's rule: the first unwind may
// keep it, later ones must raise it; that also ends every loop), on an instruction pointer below
// 4 KiB, and when no unwinder finds a caller.

import type { CpuContext } from '../analysis/facts/types.js';
import type { ModuleRef, ModuleUnwinder, WalkFrame } from './frame.js';
import { StackMemory, type ReadPrefix } from './stack-memory.js';
import type { RegisterSet, UnwindProblem } from './types.js';
import { x86Caller, type StepEnv } from './x86.js';
import { x64Caller } from './x64.js';
import { arm64Caller } from './arm64.js';
import { moduleSpan } from './scan.js';

export type WalkArch = 'x86' | 'x64' | 'arm64';

export type StopReason = 'no-caller' | 'read-budget' | 'frame-budget' | 'sp-not-increasing' | 'ip-too-low' | 'no-stack' | 'not-supported';

export interface WalkInput {
  arch: WalkArch;
  context: CpuContext;
  /** The thread's recorded stack memory; undefined: the walk reads a window above SP (kernel threads). */
  stack?: { startAddress: bigint; size: number };
  /** Whole-dump memory: the present prefix of a range (stack bytes come through it, restricted to the stack region). */
  readPrefix: ReadPrefix;
  /** Loaded module at an address. */
  findModule(address: bigint): ModuleRef | undefined;
  /** Lowest and highest (exclusive) address of any loaded module: a scan's first filter. */
  moduleRange?: { lowest: bigint; highest: bigint };
  /** Unwind sources of a module. */
  unwinderFor(module: ModuleRef['module']): Promise<ModuleUnwinder | undefined>;
  /** Memo of unwinderFor's answers shared by the walks of one dump (null: the module offers none). */
  unwinderMemo?: UnwinderMemo;
  maxFrames: number;
  /** Frames found by scanning allowed in this walk (breakpad: 16 Ki; the budget keeps it small anyway). */
  maxScannedFrames?: number;
  /** Bytes above SP a walk may read when the thread has no recorded stack. */
  stackWindow?: number;
  /** Stack bytes this walk may load (the report's read budget is shared by all threads). */
  maxStackBytes?: number;
  /** Bytes the walk's first stack read takes at once (default 1 KiB). */
  firstRead?: number;
}

export interface WalkResult {
  frames: WalkFrame[];
  stop: StopReason;
  /** Set when SP is not inside the thread's recorded stack memory: nothing above it was read. */
  spOutsideStack?: boolean;
  problems: UnwindProblem[];
  /** Stack bytes read. */
  bytesRead: number;
}

const MAX_PROBLEMS = 8;

/** Each module's unwinder, looked up once per dump; answers already known come back without an await. */
export class UnwinderMemo {
  private readonly pending = new Map<bigint, Promise<ModuleUnwinder | undefined>>();
  private readonly known = new Map<bigint, ModuleUnwinder | null>();
  constructor(private readonly lookup: (module: ModuleRef['module']) => Promise<ModuleUnwinder | undefined>) {}
  get(m: ModuleRef['module']): Promise<ModuleUnwinder | undefined> {
    let u = this.pending.get(m.base);
    if (!u) {
      u = this.lookup(m).then(
        (v) => {
          this.known.set(m.base, v ?? null);
          return v;
        },
        () => {
          this.known.set(m.base, null);
          return undefined;
        },
      );
      this.pending.set(m.base, u);
    }
    return u;
  }
  now(m: ModuleRef['module']): ModuleUnwinder | null | undefined {
    return this.known.get(m.base);
  }
}

/** Canonical register names for the walk: ARM64 fp/lr become x29/x30. */
function contextRegisters(arch: WalkArch, ctx: CpuContext): RegisterSet {
  const regs: RegisterSet = new Map();
  const r = ctx.registers;
  for (const k in r) {
    const v = r[k]!;
    if (arch === 'arm64' && k === 'fp') regs.set('x29', v);
    else if (arch === 'arm64' && k === 'lr') regs.set('x30', v);
    else regs.set(k, v);
  }
  // The context's own ip/sp/fp win: a context may carry them without the register table.
  const [ip, sp, fp] = arch === 'x86' ? ['eip', 'esp', 'ebp'] : arch === 'x64' ? ['rip', 'rsp', 'rbp'] : ['pc', 'sp', 'x29'];
  regs.set(ip!, ctx.ip).set(sp!, ctx.sp);
  if (ctx.fp !== undefined) regs.set(fp!, ctx.fp);
  return regs;
}

/** Where a walk's first stack read starts: SP aligned down to a pointer (a read-ahead starts there too). */
export function walkOrigin(sp: bigint, pointerSize: 4 | 8): bigint {
  return sp - (sp % BigInt(pointerSize));
}

export async function walkStack(input: WalkInput): Promise<WalkResult> {
  const { arch, context } = input;
  const ps: 4 | 8 = arch === 'x86' ? 4 : 8;
  const problems: UnwindProblem[] = [];
  const sp = context.sp;
  let spOutsideStack = false;
  let start: bigint;
  let end: bigint;
  if (input.stack && input.stack.size > 0) {
    start = input.stack.startAddress;
    end = start + BigInt(input.stack.size);
    if (sp < start || sp >= end) spOutsideStack = true;
  } else {
    start = sp;
    end = sp + BigInt(input.stackWindow ?? 256 * 1024);
  }
  const stack = new StackMemory(input.readPrefix, start, end, input.maxStackBytes, input.firstRead, walkOrigin(sp, ps));
  const memo = input.unwinderMemo ?? new UnwinderMemo(input.unwinderFor);
  const unwinder = (ref: ModuleRef) => memo.get(ref.module);
  const unwinderNow = (ref: ModuleRef) => memo.now(ref.module);
  let scanned = 0;
  const maxScanned = input.maxScannedFrames ?? 1 << 14;
  const env: StepEnv = {
    arch,
    pointerSize: ps,
    stack,
    findModule: input.findModule,
    unwinder,
    unwinderNow,
    span: moduleSpan(input.moduleRange?.lowest ?? 0n, input.moduleRange?.highest ?? 1n << 64n),
    scanAllowed: true,
    warn(p) {
      if (problems.length < MAX_PROBLEMS) problems.push(p);
    },
  };
  const frame0: WalkFrame = {
    index: 0,
    ip: context.ip,
    sp: context.sp,
    trust: 'context',
    registers: contextRegisters(arch, context),
    module: input.findModule(context.ip),
  };
  const frames: WalkFrame[] = [frame0];
  const step = arch === 'x86' ? x86Caller : arch === 'x64' ? x64Caller : arm64Caller;
  // With SP outside its recorded stack nothing is read: the region in the dump is someone else's.
  let stop: StopReason = spOutsideStack ? 'no-stack' : 'no-caller';
  while (!spOutsideStack) {
    if (frames.length >= input.maxFrames) {
      stop = 'frame-budget';
      break;
    }
    env.scanAllowed = scanned < maxScanned;
    const last = frames[frames.length - 1]!;
    const c = await step(env, frames);
    if (!c) {
      if (stack.budgetSpent) stop = 'read-budget';
      break;
    }
    if (c.ip < 0x1000n) {
      stop = 'ip-too-low';
      break;
    }
    const first = last.trust === 'context';
    if (first ? c.sp < last.sp : c.sp <= last.sp) {
      stop = 'sp-not-increasing';
      break;
    }
    if (c.trust === 'scan') scanned++;
    // A caller's instruction is the call, one byte (x86/x64) or one instruction (ARM64) back.
    const module = input.findModule(c.ip - (arch === 'arm64' ? 4n : 1n));
    // (Built field by field: an object spread of the step's result was a third of the walk's time.)
    const f: WalkFrame = { index: frames.length, ip: c.ip, sp: c.sp, trust: c.trust, registers: c.registers, module };
    if (c.cfa !== undefined) f.cfa = c.cfa;
    if (c.stackAddress !== undefined) f.stackAddress = c.stackAddress;
    frames.push(f);
  }
  return { frames, stop, spOutsideStack: spOutsideStack || undefined, problems, bytesRead: stack.bytesRead };
}
