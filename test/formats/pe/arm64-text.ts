// Test oracle for ARM64: renders decoded unwind ops the way llvm-readobj (LLVM 19) prints them, and
// executes that printed assembly (stp/ldp/str/ldr, sub/add sp, mov fp, pacibsp/autibsp) on a
// register file and a word-addressed memory, so prologs and epilogs can be run forward
// independently of the decoder under test.

import type { Arm64UnwindOp } from '../../../src/formats/pe/arm64-unwind.js';

const x = (r: string): string => (r === 'fp' ? 'x29' : r === 'lr' ? 'x30' : r);

/** An .xdata op as ARMWinEHPrinter prints it (prologue or epilogue direction), without the hex. */
export function renderXdataOp(o: Arm64UnwindOp, prologue: boolean): string {
  const st = prologue ? 'st' : 'ld';
  const r = (o.regs ?? []).map(x);
  const pre = (n: number): string => (prologue ? `[sp, #-${n}]!` : `[sp], #${n}`);
  switch (o.name) {
    case 'alloc_s':
    case 'alloc_m':
    case 'alloc_l':
      return `${prologue ? 'sub' : 'add'} sp, #${o.size}`;
    case 'save_r19r20_x':
    case 'save_fplr_x':
    case 'save_regp_x':
    case 'save_fregp_x':
      return `${st}p ${r[0]}, ${r[1]}, ${pre(o.writeback!)}`;
    case 'save_fplr':
    case 'save_regp':
    case 'save_fregp':
      return `${st}p ${r[0]}, ${r[1]}, [sp, #${o.offset}]`;
    case 'save_lrpair':
      return `${st}p ${r[0]}, lr, [sp, #${o.offset}]`;
    case 'save_reg':
    case 'save_freg':
      return `${st}r ${r[0]}, [sp, #${o.offset}]`;
    case 'save_reg_x':
    case 'save_freg_x':
      return `${st}r ${r[0]}, ${pre(o.writeback!)}`;
    case 'set_fp':
      return prologue ? 'mov fp, sp' : 'mov sp, fp';
    case 'add_fp':
      return prologue ? `add fp, sp, #${o.size}` : `sub sp, fp, #${o.size}`;
    case 'save_next':
      return prologue ? 'save next' : 'restore next';
    case 'pac_sign_lr':
      return prologue ? 'pacibsp' : 'autibsp';
    case 'trap_frame':
      return 'trap frame';
    case 'machine_frame':
      return 'machine frame';
    case 'ec_context':
      return 'EC context';
    case 'clear_unwound_to_call':
      return 'clear unwound to call';
    case 'reserved':
      return 'Bad opcode!';
    default:
      return o.name; // nop, end, end_c, context
  }
}

/** A synthesized packed-prologue op as dumpPackedARM64Entry prints it. */
export function renderPackedOp(o: Arm64UnwindOp): string {
  const r = (o.regs ?? []).map((n) => (n === 'fp' ? 'x29' : n));
  switch (o.name) {
    case 'set_fp':
      return 'mov x29, sp';
    case 'save_fplr_x':
      return `stp x29, lr, [sp, #-${o.writeback}]!`;
    case 'save_fplr':
      return `stp x29, lr, [sp, #${o.offset}]`;
    case 'alloc_s':
    case 'alloc_m':
      return o.homing ? `stp ${r[0]}, ${r[1]}, [sp, #-${o.size}]!` : `sub sp, sp, #${o.size}`;
    case 'nop':
      return `stp ${r[0]}, ${r[1]}, [sp, #${o.offset}]`;
    case 'save_regp_x':
    case 'save_fregp_x':
      return `stp ${r[0]}, ${r[1]}, [sp, #-${o.writeback}]!`;
    case 'save_regp':
    case 'save_fregp':
    case 'save_lrpair':
      return `stp ${r[0]}, ${r[1]}, [sp, #${o.offset}]`;
    case 'save_reg':
    case 'save_freg':
      return `str ${r[0]}, [sp, #${o.offset}]`;
    case 'save_reg_x':
      return `str ${r[0]}, [sp, #-${o.writeback}]!`;
    case 'pac_sign_lr':
      return 'pacibsp';
    default:
      return o.name;
  }
}

/** The hex column llvm-readobj prints for an op: 0x + its bytes. */
export function hexOf(o: Arm64UnwindOp): string {
  return `0x${o.bytes.map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** A PAC signature the model puts into lr's top bits (what the unwinder must strip). */
export const PAC_BITS = 0x002a_0000_0000_0000n;

export class Arm64Machine {
  readonly regs = new Map<string, bigint>();
  readonly mem = new Map<bigint, bigint>();
  constructor(public sp: bigint) {}

  private name(r: string): string {
    return r === 'x29' ? 'fp' : r === 'x30' ? 'lr' : r;
  }
  get(r: string): bigint {
    return this.regs.get(this.name(r)) ?? 0n;
  }
  set(r: string, v: bigint): void {
    this.regs.set(this.name(r), v);
  }
  load(a: bigint): bigint {
    return this.mem.get(a) ?? 0xdead_0000_0000_0000n | a;
  }

  /** Execute one printed instruction; false for `end` / `ret` (nothing more runs). */
  exec(text: string): boolean {
    const t = text.trim();
    let m: RegExpExecArray | null;
    if (t === 'end' || t === 'ret') return false;
    if (t === 'nop') return true;
    if (t === 'pacibsp') {
      this.set('lr', this.get('lr') | PAC_BITS);
      return true;
    }
    if (t === 'autibsp') {
      this.set('lr', this.get('lr') & ~PAC_BITS);
      return true;
    }
    if ((m = /^mov (?:fp|x29), sp$/.exec(t))) {
      this.set('fp', this.sp);
      return true;
    }
    if ((m = /^mov sp, (?:fp|x29)$/.exec(t))) {
      this.sp = this.get('fp');
      return true;
    }
    if ((m = /^add (?:fp|x29), sp, #(\d+)$/.exec(t))) {
      this.set('fp', this.sp + BigInt(m[1]!));
      return true;
    }
    if ((m = /^sub sp, (?:fp|x29), #(\d+)$/.exec(t))) {
      this.sp = this.get('fp') - BigInt(m[1]!);
      return true;
    }
    if ((m = /^(sub|add) sp, (?:sp, )?#(\d+)$/.exec(t))) {
      this.sp += (m[1] === 'sub' ? -1n : 1n) * BigInt(m[2]!);
      return true;
    }
    if ((m = /^(st|ld)(p|r) (\w+)(?:, (\w+))?, \[sp(?:, #(-?\d+))?\](!)?(?:, #(\d+))?$/.exec(t))) {
      const [, dir, kind, a, b, off, pre, post] = m;
      const regs = kind === 'p' ? [a!, b!] : [a!];
      const o = BigInt(off ?? '0');
      if (pre) this.sp += o;
      const base = pre ? this.sp : this.sp + (post ? 0n : o);
      regs.forEach((r, k) => {
        const at = base + 8n * BigInt(k);
        if (dir === 'st') this.mem.set(at, this.get(r));
        else this.set(r, this.load(at));
      });
      if (post) this.sp += BigInt(post);
      return true;
    }
    throw new Error(`model cannot execute: ${t}`);
  }
}

/** The epilog llvm-readobj does not print for packed data: the prologue reversed as loads, without `mov x29, sp` and the homing stores. */
export function packedEpilogText(prologue: string[]): string[] {
  const out: string[] = [];
  for (const l of prologue) {
    if (l === 'end') break;
    if (l === 'mov x29, sp') continue;
    if (/^stp x[0-7], x[0-7], \[sp, #\d+\]$/.test(l)) continue; // homing stores
    let m: RegExpExecArray | null;
    if ((m = /^st(p|r) (.*), \[sp, #-(\d+)\]!$/.exec(l))) out.push(`ld${m[1]} ${m[2]}, [sp], #${m[3]}`);
    else if ((m = /^st(p|r) (.*)$/.exec(l))) out.push(`ld${m[1]} ${m[2]}`);
    else if ((m = /^sub sp, sp, #(\d+)$/.exec(l))) out.push(`add sp, sp, #${m[1]}`);
    else if (l === 'pacibsp') out.push('autibsp');
    else throw new Error(`no epilog form for ${l}`);
  }
  out.push('end');
  return out;
}

/** A printed .xdata prologue instruction in its epilogue form (what the same code means in an epilog). */
export function toEpilogText(l: string): string {
  let m: RegExpExecArray | null;
  if (l === 'mov fp, sp') return 'mov sp, fp';
  if ((m = /^add fp, sp, #(\d+)$/.exec(l))) return `sub sp, fp, #${m[1]}`;
  if ((m = /^st(p|r) (.*), \[sp, #-(\d+)\]!$/.exec(l))) return `ld${m[1]} ${m[2]}, [sp], #${m[3]}`;
  if ((m = /^st(p|r) (.*)$/.exec(l))) return `ld${m[1]} ${m[2]}`;
  if ((m = /^sub sp, #(\d+)$/.exec(l))) return `add sp, #${m[1]}`;
  if (l === 'pacibsp') return 'autibsp';
  return l;
}
