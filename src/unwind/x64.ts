// x64: STACK CFI from a symbol file, then the image's own .pdata/.xdata (what Windows itself
// unwinds with), then, for frame 0 only, a return from a leaf ([rsp]), then a scan. Breakpad
// walks Windows x64 the same way minus the image's unwind data (it reads no module memory) and
// with no RBP chain: Windows x64 code keeps no frame-pointer convention outside what .pdata says.

import type { ModuleUnwinder, WalkFrame } from './frame.js';
import { cfiCallerOf, imageStepOf, unwinderOf } from './frame.js';
import { scanForReturnAddress, scanFromFrame } from './scan.js';
import type { StepEnv } from './x86.js';
import type { RegisterSet } from './types.js';

type Caller = Omit<WalkFrame, 'index' | 'module'>;

const CALLEE_SAVED = ['rbx', 'rbp', 'r12', 'r13', 'r14', 'r15'];
const NON_VOLATILE = ['rbx', 'rbp', 'rsi', 'rdi', 'r12', 'r13', 'r14', 'r15'];

async function byCfi(env: StepEnv, last: WalkFrame, u: ModuleUnwinder, rva: number): Promise<Caller | undefined> {
  const r = await cfiCallerOf(env, last, u, rva, 8);
  if (r === undefined) return undefined;
  const rip = r.get('rip') ?? r.get('.ra');
  const rsp = r.get('rsp') ?? r.get('.cfa');
  if (!rip || !rsp) return undefined;
  const regs: RegisterSet = new Map([['rip', rip], ['rsp', rsp]]);
  for (const name of CALLEE_SAVED) {
    const v = r.get(name) ?? last.registers.get(name);
    if (v !== undefined) regs.set(name, v);
  }
  for (const name of ['rsi', 'rdi']) {
    const v = r.get(name);
    if (v !== undefined) regs.set(name, v);
  }
  const cfa = r.get('.cfa');
  return { ip: rip, sp: rsp, cfa, trust: 'cfi', registers: regs, stackAddress: cfa !== undefined ? cfa - 8n : undefined };
}

async function byImage(env: StepEnv, last: WalkFrame, u: ModuleUnwinder): Promise<Caller | undefined> {
  const step = await imageStepOf(env, last, u);
  if (step === undefined) return undefined;
  const rip = step.registers.get('rip');
  const rsp = step.registers.get('rsp');
  if (!rip || !rsp) return undefined;
  const regs: RegisterSet = new Map([['rip', rip], ['rsp', rsp]]);
  for (const name of NON_VOLATILE) {
    const v = step.registers.get(name);
    if (v !== undefined) regs.set(name, v);
  }
  return { ip: rip, sp: rsp, cfa: step.cfa, trust: 'cfi', registers: regs, stackAddress: rsp - 8n };
}

function scanned(location: bigint, ip: bigint, rbpFrom: bigint | undefined): Caller {
  const regs: RegisterSet = new Map([['rip', ip], ['rsp', location + 8n]]);
  if (rbpFrom !== undefined) regs.set('rbp', rbpFrom);
  return { ip, sp: location + 8n, trust: 'scan', registers: regs, stackAddress: location };
}

export async function x64Caller(env: StepEnv, frames: WalkFrame[]): Promise<Caller | undefined> {
  const last = frames[frames.length - 1]!;
  const { u, rva } = await unwinderOf(env, last);
  let caller: Caller | undefined;
  if (u?.cfiCaller) caller = await byCfi(env, last, u, rva);
  if (!caller && u?.imageStep) caller = await byImage(env, last, u);
  const rsp = last.registers.get('rsp')!;
  if (!caller && last.trust === 'context') {
    // A leaf that has not moved RSP: its return address is the word at RSP.
    const hit = await scanForReturnAddress(env, rsp, 1);
    if (hit) {
      caller = scanned(hit.location, hit.ip, undefined);
      // Breakpad keeps the leaf's registers: a leaf changed none the caller keeps.
      for (const k of NON_VOLATILE) {
        const v = last.registers.get(k);
        if (v !== undefined) caller.registers.set(k, v);
      }
    }
  }
  if (!caller && env.scanAllowed) {
    const hit = await scanFromFrame(env, rsp, last.trust === 'context');
    if (hit) {
      // Breakpad's RBP recovery on a scanned frame: the slot below the return address held the
      // caller's RBP when it pointed higher up the stack; else RBP carries over when above.
      const rbp = last.registers.get('rbp');
      let callerRbp: bigint | undefined;
      if (rbp !== undefined) {
        if (hit.location - 8n === rbp) {
          const saved = await env.stack.word(rbp, 8);
          if (saved !== undefined && saved > hit.location) callerRbp = saved;
        } else if (rbp >= hit.location + 8n) callerRbp = rbp;
      }
      caller = scanned(hit.location, hit.ip, callerRbp);
    }
  }
  return caller;
}
