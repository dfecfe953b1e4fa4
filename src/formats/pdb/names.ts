// Function names as Breakpad's dump_syms writes them from a PDB (google/breakpad
// src/common/windows/pdb_source_line_writer.cc, GetSymbolFunctionName), on top of what DIA's
// IDiaSymbol::get_undecoratedNameEx returns:
//
// - DIA undecorates a symbol's decorated name (for a function: the public symbol at its address
//   whose name-only undecoration is the function's name) with UNDNAME_NO_FUNCTION_RETURNS,
//   NO_ACCESS_SPECIFIERS, NO_MS_KEYWORDS, NO_THISTYPE, NO_ECSU, ... (`undecorateMsvc` in
//   ./undname.ts gives that form). A name that is not C++-decorated comes back as it is.
// - A function without any public symbol (internal linkage) gets DIA's own rendering of its type
//   record: `static int foo(int)` (see tpi.ts).
// - Breakpad then: strips an LLVM `.suffix` or `$<32 hex>` from a name that did not undecorate and
//   tries again; turns a trailing `(void)` into `()`; and for a C name (no `:` or `(`) starting
//   with `_` or `@`, takes `_name@N` (stdcall) and `@name@N` (fastcall, minus the 8 bytes passed
//   in ECX:EDX) apart into the name and the size of the stack parameters, or drops the `_` of a
//   cdecl name.
//
// The .sym files of our corpus were written before Breakpad's StripStaticAndReturnType (2020),
// so `static` and the return type stay, as there.

export type Undecorate = (mangled: string, options?: { nameOnly?: boolean }) => string | undefined;

/** wcstol_positive_strict: decimal digits only, no leading zero (except "0"), no overflow; "" is 0. */
function positiveStrict(s: string): number | undefined {
  let value = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    value = value * 10 + c;
    if (value > 0x7fff_ffff) return undefined;
    if (value === 0 && i + 1 < s.length) return undefined;
  }
  return value;
}

/** Breakpad's StripLlvmSuffixAndUndecorate for a name that is still decorated. */
function stripLlvmSuffix(name: string, undecorate: Undecorate | undefined): string {
  if (!name.startsWith('?') || !undecorate) return name;
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (c === '.' || (c === '$' && name.length - i === 33)) {
      const u = undecorate(name.slice(0, i));
      return u === undefined || u === '' || u.startsWith('?') ? name : u;
    }
  }
  return name;
}

/**
 * DIA's undecorated form of a decorated name: the C++ undecoration when the name is C++-mangled
 * (and the undecorator is there), else the name as is.
 */
export function diaUndecorate(decorated: string, undecorate: Undecorate | undefined): string {
  if (!decorated.startsWith('?') || !undecorate) return decorated;
  const u = undecorate(decorated);
  return u === undefined || u === '' ? decorated : u;
}

/**
 * Breakpad's post-processing of DIA's undecorated name: the name written in FUNC and PUBLIC
 * records and the stack parameter size the decoration gives (-1 when it gives none).
 */
export function breakpadName(undecorated: string, undecorate: Undecorate | undefined): { name: string; paramSize: number } {
  let name = stripLlvmSuffix(undecorated, undecorate);
  if (name.endsWith('(void)')) name = `${name.slice(0, -6)}()`;
  let paramSize = -1;
  if (!name.includes(':') && !name.includes('(') && (name.startsWith('_') || name.startsWith('@'))) {
    const lastAt = name.lastIndexOf('@');
    const n = lastAt > 0 ? positiveStrict(name.slice(lastAt + 1)) : undefined;
    if (n !== undefined) {
      paramSize = name.startsWith('@') ? (n > 8 ? n - 8 : 0) : n;
      name = name.slice(1, lastAt);
    } else if (name.startsWith('_')) {
      name = name.slice(1);
    }
  }
  return { name, paramSize };
}

/**
 * The C form of a decorated C name, to match a public to its function: `_foo` and `_foo@8` and
 * `@foo@8` are `foo`'s (x86 cdecl, stdcall, fastcall).
 */
export function cNameOf(decorated: string): string {
  if (decorated.startsWith('?')) return decorated;
  let n = decorated;
  if (n.startsWith('_') || n.startsWith('@')) {
    const at = n.lastIndexOf('@');
    if (at > 0 && /^\d+$/.test(n.slice(at + 1))) n = n.slice(1, at);
    else if (n.startsWith('_')) n = n.slice(1);
  }
  return n;
}
