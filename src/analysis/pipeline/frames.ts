// Candidate frames for the probable cause, strongest first: the fault addresses named by the bug
// check or exception record ("fault"), then the focus thread's walked stack (src/unwind): its
// context frame, then callers found by CFI, frame pointer or, last, a validated scan.

import type { DumpFacts, ThreadFacts } from '../facts/types.js';
import type { ReportFrame, ReportSymbolFields, ReportThreadFrame } from '../report.js';
import { hex } from '../../util/hex.js';
import type { ModuleHit, ModuleIndex } from '../modules.js';
import type { Hint } from '../rules/types.js';
import type { OwnerTable, OwnerMatch } from '../triage-ini.js';
import type { StackSet, ThreadStack } from '../stacks.js';
import type { WalkFrame } from '../../unwind/frame.js';
import { mayReturnInto, moduleSpan } from '../../unwind/scan.js';

export interface Frame {
  address: bigint;
  trust: 'fault' | 'context' | 'cfi' | 'frame-pointer' | 'scan';
  hit?: ModuleHit;
  stackAddress?: bigint;
  label?: string;
  owner?: OwnerMatch | null;
  /** A scan hit past the end of the walk (a weak blame candidate, not a frame of the walk). */
  beyondWalk?: boolean;
  /** From a symbol file (or, marked so, the image's exports). */
  func?: WalkFrame['func'];
  /** Source position from the symbol file's line records. */
  source?: WalkFrame['source'];
}

export function focusThread(facts: DumpFacts, focusThreadId?: number): ThreadFacts | undefined {
  if (focusThreadId !== undefined) {
    const t = facts.threads.find((th) => th.id === focusThreadId);
    if (t) return t;
  }
  const id = facts.exception?.threadId ?? facts.crashingThreadId;
  return facts.threads.find((t) => t.crashing) ?? (id !== undefined ? facts.threads.find((t) => t.id === id) : undefined);
}

/**
 * Module of a walked frame: the loaded one the walk found at its instruction, or failing that an
 * unloaded module's range (one byte before a return address: the call).
 */
function hitOf(f: WalkFrame, modules: ModuleIndex): ModuleHit | undefined {
  const m = f.module?.module;
  if (m) return { module: m, unloaded: false, offset: f.ip - m.base };
  const hit = modules.findUnloaded(f.index === 0 ? f.ip : f.ip - 1n);
  return hit ? { module: hit.module, unloaded: true, offset: f.ip - hit.module.base } : undefined;
}

export async function collectFrames(
  facts: DumpFacts,
  hints: Hint[],
  modules: ModuleIndex,
  owners: OwnerTable,
  stacks: StackSet,
  focusThreadId?: number,
): Promise<Frames> {
  const frames: Frames = [];
  const seen = new Set<bigint>();
  const push = (f: Frame) => {
    f.hit = f.hit ?? modules.find(f.address);
    f.owner = f.hit ? owners.lookup(f.hit.module.name) : null;
    frames.push(f);
  };
  if (focusThreadId === undefined) {
    const rank = { ip: 0, ptr: 1, mem: 2 } as const;
    const faults = hints.flatMap((h) => (h.fault ? [h.fault] : [])).sort((a, b) => rank[a.kind] - rank[b.kind]);
    for (const f of faults) {
      if (seen.has(f.address)) continue;
      seen.add(f.address);
      push({ address: f.address, trust: 'fault', label: f.label });
    }
  }
  const t = focusThread(facts, focusThreadId);
  const walked = t ? stacks.threads.get(t.id) : undefined;
  if (t) frames.threadId = t.id;
  if (walked) {
    frames.walk = walked;
    for (const w of walked.frames) {
      if (w.index === 0 && seen.has(w.ip)) {
        // The fault frame is the context frame: it takes the name the walk found.
        const fault = frames.find((f) => f.trust === 'fault' && f.address === w.ip);
        if (fault && w.func) {
          fault.func = w.func;
          fault.source = w.source;
        }
        continue;
      }
      push({ address: w.ip, trust: w.trust, hit: hitOf(w, modules), stackAddress: w.stackAddress, func: w.func, source: w.source });
    }
    const sp = walked.frames[0]?.sp;
    if (sp !== undefined && (walked.spOutsideStack || (walked.frames.length <= 1 && !(await facts.memory.read(sp, facts.pointerSize))))) {
      frames.stackMissingAt = sp;
    }
  }
  return frames;
}

/** Frames, the thread they are from, and where its stack should have been when it is not in the dump. */
export type Frames = Frame[] & { stackMissingAt?: bigint; threadId?: number; walk?: ThreadStack };

export function frameToReport(f: Frame, index: number): ReportFrame {
  const r: ReportFrame = {
    index,
    address: hex(f.address),
    symbol: f.hit ? `${f.hit.module.name}+${hex(f.hit.offset)}` : hex(f.address),
    trust: f.trust,
  };
  if (f.hit) {
    r.module = f.hit.module.name;
    r.offset = hex(f.hit.offset);
    if (f.func) {
      Object.assign(r, symbolFields(f.func, f.source));
      r.symbol = `${f.hit.module.name}!${f.func.name}+${hex(f.func.offset)}`;
    }
  }
  if (f.stackAddress !== undefined) r.stackAddress = hex(f.stackAddress);
  if (f.owner?.strength === 'ignore') r.ignored = true;
  if (f.owner && f.owner.strength !== 'ignore') r.owner = f.owner.entry.owner;
  if (f.beyondWalk) r.beyondWalk = true;
  return r;
}

/** Slots scanned past the end of a walk, at most (the old whole-stack scan's reach). */
const BEYOND_WALK_BYTES = 64 * 1024;
const BEYOND_WALK_HITS = 256;

/**
 * Module addresses in the stack memory above where a walk ended: weak blame candidates for a
 * walk that stopped on system code. Only the thread's own recorded stack is read.
 */
export async function scanBeyondWalk(facts: DumpFacts, walk: ThreadStack, modules: ModuleIndex): Promise<Frame[]> {
  const last = walk.frames[walk.frames.length - 1];
  if (!last || walk.spOutsideStack) return [];
  const t = facts.threads.find((th) => th.id === walk.threadId);
  const ps = facts.pointerSize;
  let start = last.sp + BigInt(ps) - (last.sp % BigInt(ps));
  let end = start + BigInt(BEYOND_WALK_BYTES);
  if (t?.stack) {
    const sEnd = t.stack.startAddress + BigInt(t.stack.size);
    if (start < t.stack.startAddress || start >= sEnd) return [];
    if (end > sEnd) end = sEnd;
  }
  const bytes = await facts.memory.readPrefix(start, Number(end - start));
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Frame[] = [];
  const span = moduleSpan(modules.lowest, modules.highest);
  for (let o = 0; o + ps <= bytes.length && out.length < BEYOND_WALK_HITS; o += ps) {
    if (!mayReturnInto(dv, o, ps, span)) continue;
    const v = ps === 8 ? dv.getBigUint64(o, true) : BigInt(dv.getUint32(o, true));
    if (v < modules.lowest || v >= modules.highest) continue;
    const hit = modules.find(v - 1n);
    // A return address is never in an image's first page (the headers).
    if (!hit || hit.offset < 0x1000n) continue;
    out.push({ address: v, trust: 'scan', hit: { module: hit.module, unloaded: hit.unloaded, offset: v - hit.module.base }, stackAddress: start + BigInt(o), beyondWalk: true });
  }
  return out;
}

/** A frame's name, source line and inlined calls as the report shows them (innermost inline first, as a stack prints). */
export function symbolFields(func: NonNullable<WalkFrame['func']>, source: WalkFrame['source']): ReportSymbolFields {
  const r: ReportSymbolFields = { function: func.name, functionOffset: hex(func.offset), functionSource: func.source };
  if (source?.file !== undefined) r.file = source.file;
  if (source?.line !== undefined) r.line = source.line;
  if (source?.inlines?.length) {
    r.inlines = [...source.inlines].reverse().map((i) => ({
      function: i.name,
      ...(i.file !== undefined ? { file: i.file } : {}),
      ...(i.line !== undefined ? { line: i.line } : {}),
      ...(i.callFile !== undefined ? { callFile: i.callFile } : {}),
      callLine: i.callLine,
    }));
  }
  return r;
}

/** One walked frame as `threads[].frames[]` shows it. */
export function walkFrameToReport(w: WalkFrame, modules: ModuleIndex): ReportThreadFrame {
  const hit = hitOf(w, modules);
  const r: ReportThreadFrame = { index: w.index, address: hex(w.ip), trust: w.trust, sp: hex(w.sp) };
  if (hit) {
    r.module = hit.module.name;
    r.offset = hex(hit.offset);
    if (hit.unloaded) r.unloaded = true;
  }
  if (w.func && hit) Object.assign(r, symbolFields(w.func, w.source));
  if (w.cfa !== undefined) r.cfa = hex(w.cfa);
  if (w.stackAddress !== undefined) r.stackAddress = hex(w.stackAddress);
  return r;
}
