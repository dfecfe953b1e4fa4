// Every thread's stack, walked by src/unwind from its context, bounded in threads x frames. The
// focus thread (the crashing thread, or the one a rule names) is walked first so that a budget
// cut never shortens the stack the verdict stands on.

import type { DumpFacts, ThreadFacts, CpuContext } from './facts/types.js';
import type { ModuleIndex } from './modules.js';
import { walkStack, type StopReason, type WalkArch } from '../unwind/walker.js';
import type { ModuleRef, ModuleUnwinder, WalkFrame } from '../unwind/frame.js';
import type { UnwindProblem } from '../unwind/types.js';
import { LIMITS } from '../limits.js';

export interface ThreadStack {
  threadId: number;
  frames: WalkFrame[];
  stop: StopReason;
  spOutsideStack?: boolean;
  problems: UnwindProblem[];
}

export interface StackSet {
  threads: Map<number, ThreadStack>;
  /** Threads past the thread budget, left with their context frame only. */
  unwalked: number;
}

export type UnwinderFactory = (module: ModuleRef['module']) => Promise<ModuleUnwinder | undefined>;

export function walkArch(facts: DumpFacts): WalkArch | undefined {
  return facts.arch === 'x86' || facts.arch === 'x64' || facts.arch === 'arm64' ? facts.arch : undefined;
}

/** The context a thread is walked from: the exception's for the exception thread, else its own. */
export function threadContext(facts: DumpFacts, t: ThreadFacts): CpuContext | undefined {
  if (facts.exception?.context && t.id === facts.exception.threadId) return facts.exception.context;
  return t.context;
}

function contextOnly(t: ThreadFacts, ctx: CpuContext | undefined, modules: ModuleIndex, stop: StopReason): ThreadStack {
  const frames: WalkFrame[] = [];
  if (ctx && ctx.ip !== 0n) {
    const hit = modules.findLoaded(ctx.ip);
    frames.push({
      index: 0,
      ip: ctx.ip,
      sp: ctx.sp,
      trust: 'context',
      registers: new Map(),
      module: hit ? { module: hit.module as ModuleRef['module'], offset: hit.offset } : undefined,
    });
  }
  return { threadId: t.id, frames, stop, problems: [] };
}

export async function walkThreads(
  facts: DumpFacts,
  modules: ModuleIndex,
  unwinderFor: UnwinderFactory,
  focusThreadId: number | undefined,
): Promise<StackSet> {
  const arch = walkArch(facts);
  const ordered = [...facts.threads];
  const focus = focusThreadId === undefined ? -1 : ordered.findIndex((t) => t.id === focusThreadId);
  if (focus > 0) ordered.unshift(...ordered.splice(focus, 1));
  const threads = new Map<number, ThreadStack>();
  let budget = LIMITS.maxFramesPerDump;
  // Stack bytes: the focus thread may read its whole walk window; the others share what is left
  // of the report's read budget, so that walking every thread keeps a default report small.
  let otherBytes = LIMITS.otherThreadsStackBytes;
  let walked = 0;
  let unwalked = 0;
  const findModule = (address: bigint): ModuleRef | undefined => {
    const hit = modules.findLoaded(address);
    return hit ? { module: hit.module as ModuleRef['module'], offset: hit.offset } : undefined;
  };
  for (const t of ordered) {
    if (threads.has(t.id)) continue;
    const ctx = threadContext(facts, t);
    if (!arch || !ctx) {
      threads.set(t.id, contextOnly(t, ctx, modules, 'not-supported'));
      continue;
    }
    if (walked >= LIMITS.maxWalkedThreads || budget <= 1) {
      unwalked++;
      threads.set(t.id, contextOnly(t, ctx, modules, 'frame-budget'));
      continue;
    }
    walked++;
    const r = await walkStack({
      arch,
      context: ctx,
      stack: t.stack,
      readPrefix: (a, n) => facts.memory.readPrefix(a, n),
      findModule,
      unwinderFor,
      maxFrames: Math.min(LIMITS.maxFramesPerThread, budget),
      stackWindow: LIMITS.maxStackScanBytes,
      maxStackBytes: walked === 1 ? LIMITS.maxStackScanBytes : otherBytes,
    });
    budget -= r.frames.length;
    if (walked > 1) otherBytes = Math.max(0, otherBytes - r.bytesRead);
    threads.set(t.id, { threadId: t.id, frames: r.frames, stop: r.stop, spOutsideStack: r.spOutsideStack, problems: r.problems });
  }
  return { threads, unwalked };
}
