// Every thread's stack, walked by src/unwind from its context, bounded in threads x frames. The
// focus thread (the crashing thread, or the one a rule names) is walked first so that a budget
// cut never shortens the stack the verdict stands on.

import type { DumpFacts, ThreadFacts, CpuContext } from './facts/types.js';
import type { ModuleIndex } from './modules.js';
import { UnwinderMemo, walkOrigin, walkStack, type StopReason, type WalkArch } from '../unwind/walker.js';
import type { ModuleRef, ModuleUnwinder, WalkFrame } from '../unwind/frame.js';
import type { UnwindProblem } from '../unwind/types.js';
import { LIMITS } from '../limits.js';

/** Threads walked at once: their stack reads overlap (a thread-pool round trip each). */
const WALK_CONCURRENCY = 64;

export interface ThreadStack {
  threadId: number;
  frames: WalkFrame[];
  stop: StopReason;
  spOutsideStack?: boolean;
  problems: UnwindProblem[];
}

export interface StackSet {
  threads: Map<number, ThreadStack>;
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

/** Frames named per dump at most: each name is a lookup (and, the first time, a read) in a .sym. */
const MAX_NAMED_FRAMES = 4096;
/** Inlined calls reported per frame (real nesting is a handful; a hostile file may claim thousands). */
const MAX_INLINE_DEPTH = 32;
/** Characters kept of a function or file name (C++ names with templates reach a few hundred). */
const MAX_NAME_CHARS = 1024;

/**
 * Names the walked frames from the modules' symbol files (FUNC, else PUBLIC, breakpad's rule; a
 * PDB's procedures, else its publics), with the source line and inlined calls where the file has
 * line records; a module with no symbol file gets the nearest export below, marked as such. The
 * frame's module offset is its instruction's (the call, one back from a return address).
 */
async function nameFrames(threads: Map<number, ThreadStack>, memo: UnwinderMemo): Promise<void> {
  let left = MAX_NAMED_FRAMES;
  const cut = (name: string) => (name.length > MAX_NAME_CHARS ? `${name.slice(0, MAX_NAME_CHARS)}...` : name);
  for (const t of threads.values()) {
    for (const f of t.frames) {
      if (!f.module || left-- <= 0) continue;
      // Most modules were looked up during the walk (null: it offers nothing); not all (a frame
      // the budget cut before its step, a thread left with its context frame).
      const known = memo.now(f.module.module);
      const u = known === undefined ? await memo.get(f.module.module) : known;
      if (!u) continue;
      const rva = Number(f.module.offset);
      const fn = (await u.functionAt?.(rva).catch(() => undefined)) ?? (await u.exportAt?.(rva).catch(() => undefined));
      // A hostile symbol file may hold 64 KiB names: the report keeps the first MAX_NAME_CHARS.
      if (fn && fn.name) f.func = { name: cut(fn.name), offset: f.ip - (f.module.module.base + BigInt(fn.rva)), source: fn.source };
      const pos = fn && fn.source !== 'exports' ? await u.sourceAt?.(rva).catch(() => undefined) : undefined;
      if (pos) {
        f.source = {
          ...(pos.file !== undefined ? { file: cut(pos.file) } : {}),
          ...(pos.line !== undefined ? { line: pos.line } : {}),
          ...(pos.inlines?.length
            ? { inlines: pos.inlines.slice(0, MAX_INLINE_DEPTH).map((i) => ({ ...i, name: cut(i.name), ...(i.callFile !== undefined ? { callFile: cut(i.callFile) } : {}), ...(i.file !== undefined ? { file: cut(i.file) } : {}) })) }
            : {}),
        };
      }
    }
  }
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
  const findModule = (address: bigint): ModuleRef | undefined => {
    const hit = modules.findLoaded(address);
    return hit ? { module: hit.module as ModuleRef['module'], offset: hit.offset } : undefined;
  };
  const unwinderMemo = new UnwinderMemo(unwinderFor);
  const moduleRange = { lowest: modules.loadedLowest, highest: modules.loadedHighest };
  const walkOne = async (t: ThreadFacts, ctx: CpuContext, maxFrames: number, maxStackBytes: number): Promise<ThreadStack> => {
    const r = await walkStack({
      arch: arch!,
      context: ctx,
      stack: t.stack,
      readPrefix: (a, n) => facts.memory.readPrefix(a, n),
      findModule,
      unwinderFor,
      unwinderMemo,
      moduleRange,
      maxFrames,
      stackWindow: LIMITS.maxStackScanBytes,
      maxStackBytes,
      // One read covers a thread's whole part of the budget (capped: the focus thread reads on).
      firstRead: Math.min(maxStackBytes, LIMITS.threadStackBytesMax),
    });
    return { threadId: t.id, frames: r.frames, stop: r.stop, spOutsideStack: r.spOutsideStack, problems: r.problems };
  };
  // Which threads are walked, and with what, is decided before any is walked, so that the
  // result does not depend on the order the concurrent walks finish in.
  const todo: Array<{ t: ThreadFacts; ctx: CpuContext }> = [];
  for (const t of ordered) {
    if (threads.has(t.id)) continue;
    const ctx = threadContext(facts, t);
    if (!arch || !ctx) threads.set(t.id, contextOnly(t, ctx, modules, 'not-supported'));
    else todo.push({ t, ctx });
  }
  let frames = LIMITS.maxFramesPerDump;
  // The focus thread first, alone, with the whole window: the verdict stands on it.
  const head = todo[0];
  if (head && head.t.id === focusThreadId) {
    todo.shift();
    const r = await walkOne(head.t, head.ctx, LIMITS.maxFramesPerThread, LIMITS.maxStackScanBytes);
    frames -= r.frames.length;
    threads.set(head.t.id, r);
  }
  // The others share a stack-bytes budget and a frame budget, each an equal part (within bounds);
  // those past what the budgets allow keep their context frame.
  const n = Math.min(todo.length, LIMITS.maxWalkedThreads);
  const bytesEach = n === 0 ? 0 : Math.min(LIMITS.threadStackBytesMax, Math.max(LIMITS.threadStackBytesMin, Math.floor(LIMITS.otherThreadsStackBytes / n)));
  const walkable = Math.min(n, bytesEach === 0 ? 0 : Math.floor(LIMITS.otherThreadsStackBytes / bytesEach));
  const framesEach = walkable === 0 ? 0 : Math.min(LIMITS.otherThreadFrames, Math.floor(frames / walkable));
  // Their first stack bytes in as few reads as the file allows (dbghelp writes stacks side by side).
  if (facts.memory.prefetch && walkable > 0) {
    const spans: Array<{ address: bigint; length: number }> = [];
    for (const { t, ctx } of todo.slice(0, walkable)) {
      if (!t.stack) continue;
      const end = t.stack.startAddress + BigInt(t.stack.size);
      if (ctx.sp < t.stack.startAddress || ctx.sp >= end) continue;
      const at = walkOrigin(ctx.sp, facts.pointerSize);
      if (at < t.stack.startAddress) continue;
      spans.push({ address: at, length: Math.min(Number(end - at), bytesEach) });
    }
    await facts.memory.prefetch(spans).catch(() => undefined);
  }
  for (let i = 0; i < todo.length; i += WALK_CONCURRENCY) {
    const batch = todo.slice(i, i + WALK_CONCURRENCY);
    const done = await Promise.all(
      batch.map(({ t, ctx }, j) => (i + j < walkable && framesEach >= 2 ? walkOne(t, ctx, framesEach, bytesEach) : undefined)),
    );
    batch.forEach(({ t, ctx }, j) => {
      const r = done[j];
      threads.set(t.id, r ?? contextOnly(t, ctx, modules, i + j < n ? 'read-budget' : 'frame-budget'));
    });
  }
  await nameFrames(threads, unwinderMemo);
  return { threads };
}
