// Candidate frames for the probable cause, strongest first: the fault addresses named by the bug
// check or exception record ("fault"), the context instruction pointer ("context"), then a scan of
// the focus thread's stack bytes for values that land inside a loaded or unloaded module ("scan").

import type { DumpFacts, ThreadFacts, CpuContext } from '../facts/types.js';
import type { ReportFrame } from '../report.js';
import { LIMITS } from '../../limits.js';
import { hex } from '../../util/hex.js';
import type { ModuleHit, ModuleIndex } from '../modules.js';
import type { Hint } from '../rules/types.js';
import type { OwnerTable, OwnerMatch } from '../triage-ini.js';

/** Scan frames kept (the cause is nearly always in the first few dozen). */
export const MAX_SCAN_FRAMES = 256;
/** Bytes read from the stack per I/O. */
const SCAN_CHUNK = 16 * 1024;

export interface Frame {
  address: bigint;
  trust: 'fault' | 'context' | 'scan';
  hit?: ModuleHit;
  stackAddress?: bigint;
  label?: string;
  owner?: OwnerMatch | null;
}

export function focusThread(facts: DumpFacts, focusThreadId?: number): ThreadFacts | undefined {
  if (focusThreadId !== undefined) {
    const t = facts.threads.find((th) => th.id === focusThreadId);
    if (t) return t;
  }
  const id = facts.exception?.threadId ?? facts.crashingThreadId;
  return facts.threads.find((t) => t.crashing) ?? (id !== undefined ? facts.threads.find((t) => t.id === id) : undefined);
}

function contextOf(facts: DumpFacts, t: ThreadFacts | undefined, focusThreadId?: number): CpuContext | undefined {
  if (focusThreadId === undefined && facts.exception?.context && (!t || t.id === facts.exception.threadId)) return facts.exception.context;
  return t?.context;
}

export async function collectFrames(
  facts: DumpFacts,
  hints: Hint[],
  modules: ModuleIndex,
  owners: OwnerTable,
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
  const ctx = contextOf(facts, t, focusThreadId);
  if (ctx && ctx.ip !== 0n && !seen.has(ctx.ip)) {
    seen.add(ctx.ip);
    push({ address: ctx.ip, trust: 'context' });
  }
  const missing = await scanStack(facts, t, ctx, modules, (address, stackAddress, hit) => {
    push({ address, trust: 'scan', stackAddress, hit });
  });
  if (missing !== undefined) frames.stackMissingAt = missing;
  return frames;
}

/** Frames, and where the focus thread's stack should have been when none of it is in the dump. */
export type Frames = Frame[] & { stackMissingAt?: bigint };

async function scanStack(
  facts: DumpFacts,
  t: ThreadFacts | undefined,
  ctx: CpuContext | undefined,
  modules: ModuleIndex,
  onHit: (address: bigint, stackAddress: bigint, hit: ModuleHit) => void,
): Promise<bigint | undefined> {
  const ps = facts.pointerSize;
  let start = ctx?.sp ?? t?.stack?.startAddress;
  if (start === undefined) return undefined;
  let end = start + BigInt(LIMITS.maxStackScanBytes);
  if (t?.stack) {
    const sEnd = t.stack.startAddress + BigInt(t.stack.size);
    if (start >= t.stack.startAddress && start < sEnd) end = sEnd;
    else if (ctx?.sp === undefined || start < t.stack.startAddress || start >= sEnd) {
      start = t.stack.startAddress;
      end = sEnd;
    }
  }
  start -= start % BigInt(ps);
  if (end - start > BigInt(LIMITS.maxStackScanBytes)) end = start + BigInt(LIMITS.maxStackScanBytes);
  let found = 0;
  const lowHi = Number(modules.lowest >> 32n);
  const highHi = Number((modules.highest - 1n) >> 32n);
  const lowest = Number(modules.lowest);
  const highest = Number(modules.highest);
  for (let at = start; at < end && found < MAX_SCAN_FRAMES; ) {
    const want = Number(end - at < BigInt(SCAN_CHUNK) ? end - at : BigInt(SCAN_CHUNK));
    const bytes = await facts.memory.readPrefix(at, want);
    // The rest of the stack is not in the dump; none of it at all is worth saying.
    if (bytes.length < ps) return at === start ? start : undefined;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = bytes.length - (bytes.length % ps);
    for (let o = 0; o < n && found < MAX_SCAN_FRAMES; o += ps) {
      // Most stack slots are small integers or other data: reject them on the high 32 bits as a
      // plain number before making a BigInt (a 256 KiB scan is 32 K slots).
      let v: bigint;
      if (ps === 8) {
        const hi = dv.getUint32(o + 4, true);
        if (hi < lowHi || hi > highHi) continue;
        v = dv.getBigUint64(o, true);
      } else {
        const v32 = dv.getUint32(o, true);
        if (v32 < lowest || v32 >= highest) continue;
        v = BigInt(v32);
      }
      if (v < modules.lowest || v >= modules.highest) continue;
      const hit = modules.find(v);
      // A return address is never the first byte of an image (that is the MZ header).
      if (!hit || hit.offset < 0x1000n) continue;
      onHit(v, at + BigInt(o), hit);
      found++;
    }
    if (bytes.length < want) return undefined;
    at += BigInt(bytes.length);
  }
  return undefined;
}

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
  }
  if (f.stackAddress !== undefined) r.stackAddress = hex(f.stackAddress);
  if (f.owner?.strength === 'ignore') r.ignored = true;
  if (f.owner && f.owner.strength !== 'ignore') r.owner = f.owner.entry.owner;
  return r;
}
