// ARM64: STACK CFI, then the image's .pdata (packed or full .xdata), then the x29/x30 frame
// record chain, then a scan, in breakpad's order (stackwalker_arm64.cc) with the image's unwind
// data added. Frame 0's caller is LR when the leaf has not saved it yet: the frame-pointer step
// takes the caller's PC from the callee's LR, as breakpad does.

import type { ModuleUnwinder, WalkFrame } from './frame.js';
import { cfiCallerOf, imageStepOf, unwinderOf } from './frame.js';
import { scanFromFrame } from './scan.js';
import type { StepEnv } from './x86.js';
import type { RegisterSet } from './types.js';

type Caller = Omit<WalkFrame, 'index' | 'module'>;

/** Pointer authentication codes live in the top bits of a signed return address. */
function stripPac(v: bigint): bigint {
  return v & 0x0000_ffff_ffff_ffffn;
}

function calleeSaved(from: RegisterSet, into: RegisterSet): void {
  for (let i = 19; i <= 29; i++) {
    const v = from.get(`x${i}`);
    if (v !== undefined && !into.has(`x${i}`)) into.set(`x${i}`, v);
  }
}

async function byCfi(env: StepEnv, last: WalkFrame, u: ModuleUnwinder, rva: number): Promise<Caller | undefined> {
  const r = await cfiCallerOf(env, last, u, rva, 8);
  if (r === undefined) return undefined;
  const regs: RegisterSet = new Map();
  for (const [k, v] of r) if (!k.startsWith('.')) regs.set(k, v);
  calleeSaved(last.registers, regs);
  const pc = regs.get('pc') ?? r.get('.ra');
  const sp = regs.get('sp') ?? r.get('.cfa');
  if (pc === undefined || sp === undefined) return undefined;
  regs.set('pc', stripPac(pc)).set('sp', sp);
  return { ip: stripPac(pc), sp, cfa: r.get('.cfa'), trust: 'cfi', registers: regs };
}

async function byImage(env: StepEnv, last: WalkFrame, u: ModuleUnwinder): Promise<Caller | undefined> {
  const step = await imageStepOf(env, last, u);
  if (step === undefined) return undefined;
  const pc = step.registers.get('pc');
  const sp = step.registers.get('sp');
  if (pc === undefined || sp === undefined) return undefined;
  const regs: RegisterSet = new Map(step.registers);
  regs.set('pc', stripPac(pc));
  // Windows' unwinder sets the caller's LR to its PC: that LR is not a value the caller holds.
  if (regs.get('x30') === pc) regs.delete('x30');
  return { ip: stripPac(pc), sp, cfa: step.cfa, trust: 'cfi', registers: regs };
}

async function byFramePointer(env: StepEnv, frames: WalkFrame[]): Promise<Caller | undefined> {
  const last = frames[frames.length - 1]!;
  // A caller found by a scan has no LR: breakpad recovers one from the callee's frame record when
  // that record is the one this frame's FP points to. (A caller found by unwind data reads its
  // return address from its own frame record below.)
  if (!last.registers.has('x30') && last.trust === 'scan' && frames.length >= 2) {
    const callee = frames[frames.length - 2]!;
    const fp = last.registers.get('x29');
    const sp = last.registers.get('sp');
    const calleeFp = callee.registers.get('x29');
    if (fp !== undefined && sp !== undefined && fp > sp && calleeFp) {
      const saved = await env.stack.word(calleeFp, 8);
      if (saved === fp) {
        const lr = await env.stack.word(calleeFp + 8n, 8);
        if (lr !== undefined) last.registers.set('x30', stripPac(lr));
      }
    }
  }
  const fp = last.registers.get('x29') ?? 0n;
  const lr = last.registers.get('x30');
  if (lr === undefined) {
    // LR unknown (a caller found by unwind data, whose LR the call clobbered): the frame record
    // at x29 holds this frame's return address itself.
    if (fp === 0n) return undefined;
    const savedFp = await env.stack.word(fp, 8);
    const ret = await env.stack.word(fp + 8n, 8);
    if (savedFp === undefined || ret === undefined) return undefined;
    const pc = stripPac(ret);
    const regs: RegisterSet = new Map([['pc', pc], ['sp', fp + 16n], ['x29', savedFp]]);
    return { ip: pc, sp: fp + 16n, trust: 'frame-pointer', registers: regs, stackAddress: fp + 8n };
  }
  // Breakpad's step: the caller's PC is this frame's LR; the record at x29 gives the caller's
  // x29 and LR (frame 0's caller is LR whether or not the leaf saved it).
  let callerFp = 0n;
  let callerLr = 0n;
  if (fp !== 0n) {
    const a = await env.stack.word(fp, 8);
    if (a === undefined) return undefined;
    const b = await env.stack.word(fp + 8n, 8);
    if (b === undefined) return undefined;
    callerFp = a;
    callerLr = stripPac(b);
  }
  const pc = lr;
  const sp = fp !== 0n ? fp + 16n : last.registers.get('sp')!;
  const regs: RegisterSet = new Map([['pc', pc], ['sp', sp], ['x29', callerFp], ['x30', callerLr]]);
  return { ip: pc, sp, trust: 'frame-pointer', registers: regs, stackAddress: fp !== 0n ? fp + 8n : undefined };
}

export async function arm64Caller(env: StepEnv, frames: WalkFrame[]): Promise<Caller | undefined> {
  const last = frames[frames.length - 1]!;
  const { u, rva } = await unwinderOf(env, last);
  let caller: Caller | undefined;
  if (u?.cfiCaller) caller = await byCfi(env, last, u, rva);
  if (!caller && u?.imageStep) caller = await byImage(env, last, u);
  if (!caller) caller = await byFramePointer(env, frames);
  if (!caller && env.scanAllowed) {
    const sp = last.registers.get('sp')!;
    const hit = await scanFromFrame(env, sp, last.trust === 'context');
    if (hit) {
      // Breakpad copies the callee's registers into a scanned frame (only PC and SP are trusted,
      // but the frame-pointer step reads x29 from it all the same); LR is unknown.
      const regs: RegisterSet = new Map(last.registers);
      regs.delete('x30');
      regs.set('pc', hit.ip).set('sp', hit.location + 8n);
      caller = { ip: hit.ip, sp: hit.location + 8n, trust: 'scan', registers: regs, stackAddress: hit.location };
    }
  }
  return caller;
}
