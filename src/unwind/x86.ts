// x86 (32-bit): STACK WIN (FPO and frame data programs), then STACK CFI, then the EBP chain, then
// a scan, in breakpad's order (stackwalker_x86.cc), so that frames agree with minidump_stackwalk
// given the same symbol files.

import type { ModuleUnwinder, WalkFrame } from './frame.js';
import { cfiCallerOf, isProblem, unwinderOf } from './frame.js';
import { scanForReturnAddress, scanFromFrame, type ScanEnv } from './scan.js';
import type { RegisterSet, UnwindProblem } from './types.js';

/** Largest gap between two frames a recovered EBP may claim (breakpad's limit). */
const MAX_FRAME_GAP = 128n * 1024n;
const M32 = 0xffffffffn;

export interface StepEnv extends ScanEnv {
  scanAllowed: boolean;
  warn(p: UnwindProblem): void;
}

type Caller = Omit<WalkFrame, 'index' | 'module'>;

const u32 = (v: bigint) => v & M32;

async function byWinFrameInfo(env: StepEnv, frames: WalkFrame[], u: ModuleUnwinder, rva: number): Promise<Caller | undefined> {
  const info = await u.winInfo!(rva);
  const last = frames[frames.length - 1]!;
  if (!info || !u.evaluateWin) return undefined;
  last.winParameterSize = info.parameterSize;
  const isContext = last.trust === 'context';
  // The parameter size of the function this frame called (its callee's frame).
  let calleeParams = 0n;
  for (let i = frames.length - 2; i >= 0; i--) {
    const p = frames[i]!.winParameterSize;
    if (p !== undefined) calleeParams = BigInt(p);
  }
  const esp = last.registers.get('esp')!;
  const ebp = last.registers.get('ebp');
  const dict = new Map<string, bigint>();
  if (ebp !== undefined) dict.set('$ebp', ebp);
  dict.set('$esp', esp);
  const ebx = last.registers.get('ebx');
  if (ebx !== undefined) dict.set('$ebx', ebx);
  dict.set('.cbCalleeParams', calleeParams);
  dict.set('.cbSavedRegs', BigInt(info.savedRegisterSize));
  dict.set('.cbLocals', BigInt(info.localSize));
  let raSearchStart = u32(esp + calleeParams + BigInt(info.localSize) + BigInt(info.savedRegisterSize));
  const oldStart = raSearchStart;
  const first = await scanForReturnAddress(env, raSearchStart, 3);
  if (first) {
    raSearchStart = first.location;
    // FPO frame 0 where the "return address" found is the context EIP itself: skip that slot.
    if (isContext && info.type === 0 && oldStart === raSearchStart && first.ip === last.ip) {
      const again = await scanForReturnAddress(env, raSearchStart + 4n, 3);
      raSearchStart = again ? again.location : raSearchStart + 4n;
    }
  }
  dict.set('.cbParams', BigInt(info.parameterSize));
  let program: string;
  let recoverEbp = true;
  if (info.hasProgramString && info.programString) program = info.programString;
  else if (info.allocatesBasePointer) {
    program = '$eip .raSearchStart ^ = $ebp $esp .cbCalleeParams + .cbSavedRegs + 8 - ^ = $esp .raSearchStart 4 + =';
  } else {
    program = '$eip .raSearchStart ^ = $esp .raSearchStart 4 + =';
    if (ebx !== undefined) program += ' $ebx $ebx =';
    recoverEbp = false;
  }
  if (ebp !== undefined && program.includes('@')) raSearchStart = u32(ebp + 4n);
  dict.set('.raSearchStart', raSearchStart);
  dict.set('.raSearch', raSearchStart);
  let trust: Caller['trust'] = 'cfi';
  const result = await u.evaluateWin(program, dict, env.stack);
  let values: Map<string, bigint>;
  let assigned: Set<string>;
  if (isProblem(result) || !result.assigned.has('$eip') || !result.assigned.has('$esp')) {
    if (isProblem(result)) env.warn(result);
    if (!env.scanAllowed) return undefined;
    const hit = await scanFromFrame(env, esp, isContext);
    if (!hit) return undefined;
    values = new Map(dict);
    values.set('$eip', hit.ip);
    values.set('$esp', hit.location + 4n);
    assigned = new Set(['$eip', '$esp']);
    trust = 'scan';
  } else {
    values = result.values;
    assigned = result.assigned;
  }
  let stackAddress: bigint | undefined = trust === 'cfi' ? raSearchStart : u32(values.get('$esp')! - 4n);
  const eipNow = values.get('$eip') ?? 0n;
  const ebpNow = values.get('$ebp') ?? 0n;
  if (eipNow !== 0n || ebpNow !== 0n) {
    let offset = 0n;
    if (!env.findModule(eipNow)) {
      // The program gave an address outside every module: scan on from the search start.
      const start = u32((values.get('.raSearchStart') ?? raSearchStart) + 4n);
      if (env.scanAllowed) {
        const hit = await scanFromFrame(env, start, isContext);
        if (hit) {
          values.set('$eip', hit.ip);
          values.set('$esp', hit.location + 4n);
          stackAddress = hit.location;
          offset = hit.location - start;
          trust = 'scan';
        }
      }
    }
    if (recoverEbp) {
      const e = values.get('$ebp') ?? 0n;
      const skipped = trust !== 'cfi' && e <= raSearchStart + offset;
      if (skipped || (await env.stack.word(e, 4)) === undefined) {
        const end = u32(esp + calleeParams);
        for (let loc = end + BigInt(info.savedRegisterSize) + offset; loc >= end; loc -= 4n) {
          const cand = await env.stack.word(loc, 4);
          if (cand === undefined) break;
          if ((await env.stack.word(cand, 4)) !== undefined) {
            values.set('$ebp', cand);
            break;
          }
        }
      }
    }
  }
  const regs: RegisterSet = new Map();
  regs.set('eip', values.get('$eip') ?? 0n);
  regs.set('esp', values.get('$esp') ?? 0n);
  regs.set('ebp', values.get('$ebp') ?? 0n);
  for (const r of ['ebx', 'esi', 'edi']) {
    const v = values.get(`$${r}`);
    if (assigned.has(`$${r}`) && v !== undefined) regs.set(r, v);
  }
  return { ip: regs.get('eip')!, sp: regs.get('esp')!, trust, registers: regs, stackAddress };
}

async function byCfi(env: StepEnv, last: WalkFrame, u: ModuleUnwinder, rva: number): Promise<Caller | undefined> {
  const r = await cfiCallerOf(env, last, u, rva, 4);
  if (r === undefined) return undefined;
  const regs: RegisterSet = new Map();
  const eip = r.get('eip') ?? r.get('.ra');
  const esp = r.get('esp') ?? r.get('.cfa');
  if (eip === undefined || esp === undefined) return undefined;
  regs.set('eip', u32(eip));
  regs.set('esp', u32(esp));
  for (const name of ['ebp', 'ebx', 'esi', 'edi']) {
    const v = r.get(name) ?? last.registers.get(name);
    if (v !== undefined) regs.set(name, u32(v));
  }
  // Breakpad needs EIP, ESP and EBP recovered (or carried as callee-saved) to accept the frame.
  if (!regs.has('ebp')) return undefined;
  return { ip: regs.get('eip')!, sp: regs.get('esp')!, cfa: r.get('.cfa'), trust: 'cfi', registers: regs };
}

async function byEbp(env: StepEnv, last: WalkFrame): Promise<Caller | undefined> {
  const esp = last.registers.get('esp')!;
  const ebp = last.registers.get('ebp') ?? 0n;
  const eip = await env.stack.word(u32(ebp + 4n), 4);
  const savedEbp = eip === undefined ? undefined : await env.stack.word(ebp, 4);
  const regs: RegisterSet = new Map();
  if (eip !== undefined && savedEbp !== undefined) {
    regs.set('eip', eip).set('esp', u32(ebp + 8n)).set('ebp', savedEbp);
    return { ip: eip, sp: u32(ebp + 8n), trust: 'frame-pointer', registers: regs, stackAddress: u32(ebp + 4n) };
  }
  if (!env.scanAllowed) return undefined;
  const hit = await scanFromFrame(env, esp, last.trust === 'context');
  if (!hit) return undefined;
  const callerEsp = hit.location + 4n;
  const chain = callerEsp - 8n;
  let callerEbp = await env.stack.word(chain, 4);
  if (callerEbp === undefined || callerEbp <= chain || callerEbp - chain > MAX_FRAME_GAP) callerEbp = ebp;
  regs.set('eip', hit.ip).set('esp', callerEsp).set('ebp', callerEbp);
  return { ip: hit.ip, sp: callerEsp, trust: 'scan', registers: regs, stackAddress: hit.location };
}

export async function x86Caller(env: StepEnv, frames: WalkFrame[]): Promise<Caller | undefined> {
  const last = frames[frames.length - 1]!;
  const { u, rva } = await unwinderOf(env, last);
  let caller: Caller | undefined;
  if (u?.winInfo) caller = await byWinFrameInfo(env, frames, u, rva);
  if (!caller && u?.cfiCaller) caller = await byCfi(env, last, u, rva);
  if (!caller) caller = await byEbp(env, last);
  return caller;
}
