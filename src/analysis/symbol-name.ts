// A function's qualified name without its signature, as WinDbg shows it in SYMBOL_NAME and
// FAILURE_BUCKET_ID (`ucrtbase!strlen`, `nt!KiPageFault`), from the full names symbol files give:
// Breakpad's dump_syms writes `google_breakpad::C::set_member(int)`, DIA's static-function form
// `static int flsall(int)`, and `operator delete(void *)`. The bucket must not change with a
// parameter list's spelling, and must not hold one (a C++ signature can run to kilobytes).
//
// The scan is one pass backwards over the name and one forwards, with depth counters: no regex
// backtracking, linear in the (already bounded) name.

import { undecorateMsvc } from '../formats/pdb/undname.js';

/** Characters of a short name kept (a bucket id is cut at 200 in all). */
export const MAX_SHORT_NAME_CHARS = 120;

/** The index of the `(` opening the trailing parameter list, or -1 when there is none. */
function parameterListStart(name: string): number {
  let end = name.length;
  // A const or volatile method: `f(int) const`.
  for (const q of [' const', ' volatile', ' const', ' &&', ' &']) {
    if (name.slice(0, end).endsWith(q)) end -= q.length;
  }
  if (name[end - 1] !== ')') return -1;
  let depth = 0;
  for (let i = end - 1; i >= 0; i--) {
    const c = name[i];
    if (c === ')' || c === '>') depth++;
    else if (c === '(' || c === '<') {
      depth--;
      if (depth === 0) return c === '(' ? i : -1;
      if (depth < 0) return -1;
    }
  }
  return -1;
}

/**
 * The qualified name: the signature's parameters, a leading `static`, and a return type dropped.
 * `google_breakpad::C::set_member(int)` → `google_breakpad::C::set_member`; `static int flsall(int)`
 * → `flsall`; `operator delete(void *)` → `operator delete`; a name without parameters as it is.
 */
export function shortFunctionName(name: string): string {
  // A name a symbol file left decorated (`?Present1@...`): its qualified name, as WinDbg shows it.
  if (name.startsWith('?')) {
    const plain = undecorateMsvc(name, { nameOnly: true });
    if (plain) return plain.length > MAX_SHORT_NAME_CHARS ? plain.slice(0, MAX_SHORT_NAME_CHARS) : plain;
  }
  let head = name;
  const open = parameterListStart(name);
  // `operator()(int)`: the list found is `(int)`; `operator()` alone has none.
  if (open > 0) head = name.slice(0, open);
  // The last space-separated part outside <...>, (...) and `...' is the name; the ones before it
  // are `static`, a return type or a calling convention. `operator new` keeps its space.
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < head.length; i++) {
    const c = head[i];
    if (c === '`') quoted = true;
    else if (c === "'" && quoted) quoted = false;
    else if (quoted) continue;
    else if (c === '<' || c === '(' || c === '[') depth++;
    else if ((c === '>' || c === ')' || c === ']') && depth > 0) depth--;
    else if (c === ' ' && depth === 0) {
      if (head.slice(start, i).endsWith('operator')) continue;
      start = i + 1;
    }
  }
  const out = head.slice(start).trim() || name;
  return out.length > MAX_SHORT_NAME_CHARS ? out.slice(0, MAX_SHORT_NAME_CHARS) : out;
}
