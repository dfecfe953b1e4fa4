// The postfix evaluator behind Breakpad's STACK CFI rules and STACK WIN programs (google/breakpad
// src/processor/postfix_evaluator-inl.h, cfi_frame_info.cc). Expressions are whitespace-separated
// tokens:
//   literals   decimal, optionally negative (`8`, `-16`); values wrap modulo 2^(8 * pointerSize)
//   variables  `$rsp`, `$T0`, `.cfa`, `.cbSavedRegs`, ... looked up when popped; unknown ones fail
//   + - * / %  binary, on the two topmost values
//   @          align: a @ b = a & ~(b - 1)
//   ^          dereference: a pointer-sized little-endian read at the topmost value
//   =          assign: `$name value =` (only `$` names); `=` glued to the next token (`=$eip`, as
//              MSVC 2010 LTO writes) is split off as Breakpad does
// An expression evaluated for a value must leave exactly one value; a program must leave none.
// Expressions come from files and dumps: token count, stack depth and text length are bounded,
// tokenizing is a plain scan, and every fault is an UnwindProblem 'BadExpression', never a throw.

import type { ReadMemory, RegisterSet, UnwindProblem, UnwindStep } from '../../unwind/types.js';
import { hex } from '../../util/hex.js';
import type { CfiRules } from './sym-file.js';

/** Tokens in one expression (real STACK WIN programs: < 40; CFI rules: < 10). */
export const MAX_POSTFIX_TOKENS = 1024;
/** Values on the evaluation stack at once (real: < 6). */
export const MAX_POSTFIX_STACK = 64;
/** Characters of one expression (a .sym line is at most 64 KiB anyway). */
export const MAX_POSTFIX_CHARS = 64 * 1024;

export type PointerSize = 4 | 8;

/** Register names for the caller's stack and instruction pointers. */
export interface FrameRegisterNames {
  sp: string;
  ip: string;
}

export function isUnwindProblem(v: unknown): v is UnwindProblem {
  return typeof v === 'object' && v !== null && typeof (v as UnwindProblem).code === 'string' && typeof (v as UnwindProblem).message === 'string' && !(v instanceof Map);
}

/** Variables: a shared read-only base plus this evaluation's assignments. */
interface Scope {
  base: ReadonlyMap<string, bigint>;
  local: Map<string, bigint>;
}

type StackEntry = bigint | string; // a value, or an identifier resolved when popped

class ExprFault {
  constructor(readonly message: string) {}
}

function quote(expression: string): string {
  return expression.length > 120 ? `"${expression.slice(0, 117)}..."` : `"${expression}"`;
}

function badExpression(expression: string, why: string): UnwindProblem {
  return { code: 'BadExpression', message: `${why} in ${quote(expression)}` };
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}

/** `-?[0-9]+` as a value below 2^bits; undefined when not a literal (then it is an identifier). */
function literal(token: string, mask: bigint): bigint | 'overflow' | undefined {
  let i = token.charCodeAt(0) === 45 ? 1 : 0;
  if (i >= token.length || token.length - i > 40) return undefined;
  for (let k = i; k < token.length; k++) {
    const c = token.charCodeAt(k);
    if (c < 48 || c > 57) return undefined;
  }
  const v = BigInt(token.slice(i));
  // Breakpad reads the literal with istream >> ValueType: out of range is not a value.
  if (v > mask) return 'overflow';
  return i === 1 ? -v & mask : v;
}

async function run(
  expression: string,
  scope: Scope,
  readMemory: ReadMemory,
  pointerSize: PointerSize,
  mode: 'value' | 'program',
): Promise<bigint | undefined> {
  if (expression.length > MAX_POSTFIX_CHARS) throw new ExprFault(`expression over ${MAX_POSTFIX_CHARS} characters`);
  const mask = (1n << BigInt(pointerSize * 8)) - 1n;
  const stack: StackEntry[] = [];
  let tokens = 0;

  const lookup = (name: string): bigint => {
    const v = scope.local.get(name) ?? scope.base.get(name);
    if (v === undefined) throw new ExprFault(`${name} is not defined`);
    return v;
  };
  const pop = (): bigint => {
    if (stack.length === 0) throw new ExprFault('stack underflow');
    const e = stack.pop()!;
    return typeof e === 'bigint' ? e : lookup(e);
  };
  const push = (e: StackEntry): void => {
    if (stack.length >= MAX_POSTFIX_STACK) throw new ExprFault(`stack deeper than ${MAX_POSTFIX_STACK}`);
    stack.push(e);
  };

  const step = async (token: string): Promise<void> => {
    if (++tokens > MAX_POSTFIX_TOKENS) throw new ExprFault(`more than ${MAX_POSTFIX_TOKENS} tokens`);
    if (token.length === 1) {
      const op = token;
      if (op === '+' || op === '-' || op === '*' || op === '/' || op === '%' || op === '@') {
        const b = pop();
        const a = pop();
        let r: bigint;
        switch (op) {
          case '+': r = a + b; break;
          case '-': r = a - b; break;
          case '*': r = a * b; break;
          case '/':
            if (b === 0n) throw new ExprFault('division by zero');
            r = a / b;
            break;
          case '%':
            if (b === 0n) throw new ExprFault('division by zero');
            r = a % b;
            break;
          default: r = a & (mask ^ ((b - 1n) & mask)); break; // '@'
        }
        push(r & mask);
        return;
      }
      if (op === '^') {
        const address = pop();
        const bytes = await readMemory(address, pointerSize);
        if (!bytes || bytes.length < pointerSize) throw new ExprFault(`memory at ${hex(address)} is not readable`);
        const dv = new DataView(bytes.buffer, bytes.byteOffset, pointerSize);
        push(pointerSize === 8 ? dv.getBigUint64(0, true) : BigInt(dv.getUint32(0, true)));
        return;
      }
      if (op === '=') {
        const value = pop();
        if (stack.length === 0) throw new ExprFault('nothing to assign to');
        const target = stack.pop()!;
        if (typeof target !== 'string' || !target.startsWith('$')) throw new ExprFault(`cannot assign to ${String(target)}`);
        scope.local.set(target, value);
        return;
      }
    }
    const lit = literal(token, mask);
    if (lit === 'overflow') throw new ExprFault(`literal ${token.length > 40 ? `${token.slice(0, 40)}...` : token} out of range`);
    push(lit ?? token);
  };

  const n = expression.length;
  let i = 0;
  while (i < n) {
    while (i < n && isSpace(expression.charCodeAt(i))) i++;
    if (i >= n) break;
    const t = i;
    while (i < n && !isSpace(expression.charCodeAt(i))) i++;
    const token = expression.slice(t, i);
    // `=$eip`: an assignment glued to the next token.
    if (token.length > 1 && token.charCodeAt(0) === 61) {
      await step('=');
      await step(token.slice(1));
    } else {
      await step(token);
    }
  }

  if (mode === 'program') {
    if (stack.length !== 0) throw new ExprFault('incomplete program (values left on the stack)');
    return undefined;
  }
  if (stack.length !== 1) throw new ExprFault(stack.length === 0 ? 'no value' : `${stack.length} values left`);
  return pop();
}

async function evaluate(expression: string, scope: Scope, readMemory: ReadMemory, pointerSize: PointerSize, mode: 'value' | 'program'): Promise<bigint | undefined | UnwindProblem> {
  try {
    return await run(expression, scope, readMemory, pointerSize, mode);
  } catch (e) {
    if (e instanceof ExprFault) return badExpression(expression, e.message);
    // Not the expression's fault (a ReadMemory that throws on an I/O error): the caller's.
    throw e;
  }
}

/**
 * Evaluate one postfix expression to a value. `variables` are used as named (`$rsp`, `.cfa`).
 */
export async function evaluatePostfix(
  expression: string,
  variables: ReadonlyMap<string, bigint>,
  readMemory: ReadMemory,
  pointerSize: PointerSize,
): Promise<bigint | UnwindProblem> {
  const r = await evaluate(expression, { base: variables, local: new Map() }, readMemory, pointerSize, 'value');
  return r === undefined ? badExpression(expression, 'no value') : r;
}

/** ARM64 CFI names the frame pointer and link register x29 / x30; some of our contexts say fp / lr. */
const ALIASES: ReadonlyMap<string, string> = new Map([['x29', 'fp'], ['x30', 'lr']]);

/** Callee registers as expression variables: `rsp` is `$rsp` (x86 naming) and `rsp` (ARM naming). */
function variablesOf(registers: RegisterSet, mask: bigint): Map<string, bigint> {
  const vars = new Map<string, bigint>();
  for (const [name, value] of registers) {
    const v = value & mask;
    if (name.startsWith('$') || name.startsWith('.')) {
      vars.set(name, v);
      continue;
    }
    vars.set(`$${name}`, v);
    vars.set(name, v);
  }
  for (const [alias, ours] of ALIASES) {
    const v = vars.get(ours);
    if (v !== undefined && !vars.has(alias)) {
      vars.set(alias, v);
      vars.set(`$${alias}`, v);
    }
  }
  return vars;
}

/**
 * A rule's register name as a RegisterSet name: `$rbx` -> `rbx`; `x29` / `x30` as the callee
 * names them (`fp` / `lr` when the callee set uses those names, else as written).
 */
function registerName(ruleName: string, callee: RegisterSet): string {
  const bare = ruleName.startsWith('$') ? ruleName.slice(1) : ruleName;
  const alias = ALIASES.get(bare);
  return alias !== undefined && callee.has(alias) && !callee.has(bare) ? alias : bare;
}

function frameRegisterNames(callee: RegisterSet, pointerSize: PointerSize): FrameRegisterNames {
  if (callee.has('rsp') || callee.has('rip')) return { sp: 'rsp', ip: 'rip' };
  if (callee.has('esp') || callee.has('eip')) return { sp: 'esp', ip: 'eip' };
  if (callee.has('sp') || callee.has('pc')) return { sp: 'sp', ip: 'pc' };
  return pointerSize === 8 ? { sp: 'rsp', ip: 'rip' } : { sp: 'esp', ip: 'eip' };
}

/**
 * Recover the caller's registers from STACK CFI rules (Breakpad's CFIFrameInfo::FindCallerRegs).
 * The CFA is evaluated over the callee's registers; the return address and every register rule
 * over the callee's registers plus `.cfa`. The caller's stack pointer is the register rule for it
 * if there is one that evaluates, else the CFA; its instruction pointer likewise, else `.ra`.
 * A register whose rule cannot be evaluated is left out (unknown), as Breakpad does; a CFA or
 * return-address rule that cannot be evaluated fails the step.
 *
 * `callee` names registers without `$` (`rsp`); `$`-names and `.`-names (`.raSearch`) given in it
 * are used verbatim. `names` overrides the stack / instruction pointer names, which are otherwise
 * inferred from `callee` (rsp/rip, esp/eip, sp/pc) or the pointer size.
 */
export async function evaluateCfiRules(
  rules: CfiRules,
  callee: RegisterSet,
  readMemory: ReadMemory,
  pointerSize: PointerSize,
  names?: FrameRegisterNames,
): Promise<UnwindStep | UnwindProblem> {
  if (rules.cfa === '') return { code: 'BadUnwindData', message: 'STACK CFI gives no .cfa rule here' };
  if (rules.ra === '') return { code: 'BadUnwindData', message: 'STACK CFI gives no .ra rule here' };
  const mask = (1n << BigInt(pointerSize * 8)) - 1n;
  const base = variablesOf(callee, mask);
  const cfa = await evaluate(rules.cfa, { base, local: new Map() }, readMemory, pointerSize, 'value');
  if (cfa === undefined || isUnwindProblem(cfa)) return cfa ?? badExpression(rules.cfa, 'no value');
  const withCfa = new Map(base);
  withCfa.set('.cfa', cfa);
  const ra = await evaluate(rules.ra, { base: withCfa, local: new Map() }, readMemory, pointerSize, 'value');
  if (ra === undefined || isUnwindProblem(ra)) return ra ?? badExpression(rules.ra, 'no value');

  const caller: RegisterSet = new Map();
  for (const [name, expression] of rules.registers) {
    if (name.startsWith('.')) continue;
    const v = await evaluate(expression, { base: withCfa, local: new Map() }, readMemory, pointerSize, 'value');
    if (typeof v === 'bigint') caller.set(registerName(name, callee), v);
  }
  const { sp, ip } = names ?? frameRegisterNames(callee, pointerSize);
  if (!caller.has(sp)) caller.set(sp, cfa);
  if (!caller.has(ip)) caller.set(ip, ra);
  return { registers: caller, cfa };
}

/**
 * Run a STACK WIN program string (`$T0 $ebp = $eip $T0 4 + ^ = ...`). `initial` holds the
 * variables it may read: registers (`ebp` or `$ebp`; a name without `$` or `.` is a register)
 * and the frame values (`.cbSavedRegs`, `.cbLocals`, `.cbParams`, `.cbCalleeParams`,
 * `.raSearchStart`, `.raSearch`). Returns the variables the program assigned, named as written
 * (`$eip`, `$esp`, `$ebp`, `$T0`, `$L`, `$P`), each with its last value: Breakpad's x86 walker
 * requires `$eip` and `$esp` among them, and takes `$ebx`/`$esi`/`$edi` only if assigned.
 */
export async function evaluateWinProgram(
  program: string,
  initial: ReadonlyMap<string, bigint>,
  readMemory: ReadMemory,
  pointerSize: PointerSize,
): Promise<Map<string, bigint> | UnwindProblem> {
  const mask = (1n << BigInt(pointerSize * 8)) - 1n;
  const base = new Map<string, bigint>();
  for (const [name, value] of initial) base.set(name.startsWith('$') || name.startsWith('.') ? name : `$${name}`, value & mask);
  const scope: Scope = { base, local: new Map() };
  const r = await evaluate(program, scope, readMemory, pointerSize, 'program');
  if (r !== undefined && isUnwindProblem(r)) return r;
  return scope.local;
}
