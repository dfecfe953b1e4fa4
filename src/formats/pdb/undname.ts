// MSVC C++ name undecoration ("undname"): `?set_member@C@google_breakpad@@QAEXH@Z` ->
// `google_breakpad::C::set_member(int)`. Frames are named from the decorated public symbols of
// PDBs and from PE exports, and the names must read exactly as Breakpad's dump_syms writes them,
// so that a frame named from a PDB and the same frame named from a .sym file agree.
//
// Output follows Microsoft's undname (UnDecorateSymbolName / DIA get_undecoratedNameEx), whose
// exact text differs from LLVM's llvm-undname in many small ways: `char const *` (the qualifier
// after the type), `operator delete(void *)`, no space after the comma between parameters,
// `> >` closing nested template argument lists, `(__cdecl*)` function pointers, full names of the
// compiler-generated functions (`scalar deleting destructor'), unsigned thunk offsets. Where we
// had no Microsoft output to look at, the behaviour is Wine's undname.c (dlls/msvcrt), which
// Wine tests against native output; the parse (which back-reference tables exist, what they
// remember, which constructs exist) follows LLVM's MicrosoftDemangle.cpp, and
// test/formats/pdb/undname.test.ts compares every line with llvm-undname modulo a documented
// list of spelling differences. Where the two differ in substance we follow Microsoft (as Wine
// models it): a string literal is `` `string' `` (never decoded); the symbol quoted in a
// function-local scope (`` `f(void)'::`2'::x ``, lambdas) is rendered with the caller's flags;
// a pointer's own const/volatile letter shows only on parameters and template arguments, and a
// variable's storage qualifier after its type; thunks read `[thunk]:C::f`adjustor{8}' (...)`.
//
// `undecorateMsvc` is what google/breakpad src/common/windows/pdb_source_line_writer.cc does to a
// public symbol: UnDecorateSymbolName with its kUndecorateOptions (BREAKPAD_UNDNAME_FLAGS below:
// no calling conventions, return types, access specifiers, static/virtual, `this` qualifiers,
// __ptr64, nor class/struct/union/enum keywords), then StripLlvmSuffixAndUndecorate (a name that
// does not undecorate is retried without an LLVM suffix: everything from the first '.', or a '$'
// followed by exactly 32 characters), then a trailing `(void)` becomes `()`.
// `stripCDecoration` is the rest of its GetSymbolFunctionName: the C stdcall/fastcall/cdecl
// decorations (`_Foo@12`, `@Foo@12`, `_Foo`).
//
// Hostile input (names come from dumps and symbol files): any string gives a string or
// `undefined`; nothing throws out of this module. The parse is one left-to-right pass that
// consumes at least one character per step and never backtracks; back-references share nodes
// instead of copying them; rendering is memoised per node, so neither parse nor render can be
// exponential. Nesting (pointers, template arguments, function types, nested symbols) is bounded
// by MAX_NESTING_DEPTH, rendering depth by MAX_RENDER_DEPTH; deeper input is `undefined`.
// Output is bounded by MAX_UNDECORATED_LENGTH: a longer name is cut to that many characters
// ending in `...` (a cut name still names the frame; the raw decorated name would be longer).

/** Options of `undecorateMsvc`. */
export interface UndecorateOptions {
  /** WinDbg's display: the qualified name only, no parameters or return type (`google_breakpad::C::set_member`). */
  nameOnly?: boolean;
}

/** Longest undecorated name returned; longer ones are cut to this length, the last 3 characters `...`. */
export const MAX_UNDECORATED_LENGTH = 4096;

/**
 * Longest decorated name attempted. MSVC itself replaces names over 4,096 characters by an MD5
 * (`??@...@`); the bound only keeps absurd inputs from costing more than a linear pass.
 */
export const MAX_DECORATED_LENGTH = 1 << 20;

/** Nesting of pointers, template argument lists, function types and nested symbols in one name. */
export const MAX_NESTING_DEPTH = 64;

/** Depth of the rendered tree (back-references can stack subtrees parsed at full depth). */
const MAX_RENDER_DEPTH = 4 * MAX_NESTING_DEPTH;

/** Render steps (nodes rendered, memoised nodes count once); a bound on the work, never reached by real names. */
const MAX_RENDER_STEPS = 1_000_000;

/** Intermediate strings are cut past this: a cut piece keeps the true prefix of the final name. */
const PIECE_CAP = MAX_UNDECORATED_LENGTH + 64;

/**
 * dbghelp's UNDNAME_* flags (DbgHelp.h). The undecorator honours the ones listed here; the others
 * (allocation model, throw signatures, UDT return model, 32-bit decode) change nothing in names
 * from 32- and 64-bit PDBs.
 */
export const UNDNAME = {
  COMPLETE: 0x0000,
  NO_LEADING_UNDERSCORES: 0x0001,
  NO_MS_KEYWORDS: 0x0002,
  NO_FUNCTION_RETURNS: 0x0004,
  NO_ALLOCATION_MODEL: 0x0008,
  NO_ALLOCATION_LANGUAGE: 0x0010,
  NO_MS_THISTYPE: 0x0020,
  NO_CV_THISTYPE: 0x0040,
  NO_THISTYPE: 0x0060,
  NO_ACCESS_SPECIFIERS: 0x0080,
  NO_THROW_SIGNATURES: 0x0100,
  NO_MEMBER_TYPE: 0x0200,
  NO_RETURN_UDT_MODEL: 0x0400,
  NAME_ONLY: 0x1000,
  NO_ECSU: 0x8000,
  NO_PTR64: 0x20000,
} as const;

/** kUndecorateOptions of Breakpad's pdb_source_line_writer.cc (0x87fe). */
export const BREAKPAD_UNDNAME_FLAGS =
  UNDNAME.NO_MS_KEYWORDS |
  UNDNAME.NO_FUNCTION_RETURNS |
  UNDNAME.NO_ALLOCATION_MODEL |
  UNDNAME.NO_ALLOCATION_LANGUAGE |
  UNDNAME.NO_THISTYPE |
  UNDNAME.NO_ACCESS_SPECIFIERS |
  UNDNAME.NO_THROW_SIGNATURES |
  UNDNAME.NO_MEMBER_TYPE |
  UNDNAME.NO_RETURN_UDT_MODEL |
  UNDNAME.NO_ECSU;

/**
 * The undecorated name as Breakpad's dump_syms writes it (UnDecorateSymbolName with
 * BREAKPAD_UNDNAME_FLAGS, LLVM suffixes stripped on failure, a trailing `(void)` written `()`),
 * or with `nameOnly` the qualified name alone. `undefined` when `mangled` is not an MSVC decorated
 * name (it must start with `?`) or cannot be undecorated.
 */
export function undecorateMsvc(mangled: string, options?: UndecorateOptions): string | undefined {
  if (typeof mangled !== 'string' || mangled.length > MAX_DECORATED_LENGTH || mangled.charCodeAt(0) !== QUESTION) {
    return undefined;
  }
  const flags = options?.nameOnly === true ? BREAKPAD_UNDNAME_FLAGS | UNDNAME.NAME_ONLY : BREAKPAD_UNDNAME_FLAGS;
  let name = undecorate(mangled, flags);
  if (name === undefined) {
    // StripLlvmSuffixAndUndecorate: the first '.' (Itanium-style suffix, never part of an MSVC
    // name), or a '$' with exactly 32 characters after it (older LLVM's hash suffix; Breakpad
    // checks the length only). Only that first candidate is tried.
    for (let i = 0; i < mangled.length; i++) {
      const c = mangled.charCodeAt(i);
      if (c === DOT || (c === DOLLAR && mangled.length - i === 33)) {
        name = undecorate(mangled.slice(0, i), flags);
        break;
      }
    }
  }
  // Breakpad's last step (not WinDbg's: with nameOnly a trailing `(void)` belongs to a type,
  // as in `C::operator void (__cdecl*)(void)`).
  if (name !== undefined && options?.nameOnly !== true && name.endsWith('(void)')) name = `${name.slice(0, -6)}()`;
  return name;
}

/**
 * Microsoft's undname with any UNDNAME_* `flags` (only those in UNDNAME are honoured), without
 * Breakpad's post-processing. `undefined` when `mangled` does not undecorate.
 */
export function undecorateMsvcWithFlags(mangled: string, flags: number): string | undefined {
  if (typeof mangled !== 'string' || mangled.length > MAX_DECORATED_LENGTH || typeof flags !== 'number') return undefined;
  return undecorate(mangled, flags | 0);
}

/** A C function's name without its calling-convention decoration. */
export interface CDecoration {
  name: string;
  /** Bytes of stack parameters from a stdcall/fastcall suffix (fastcall: less the 8 in ECX/EDX, at least 0). */
  paramSize?: number;
}

/**
 * Breakpad's GetSymbolFunctionName rule for C names: a name without ':' or '(' that starts with
 * '_' or '@' and ends in '@' + a decimal number (no sign, no leading zero, fits an int32, and as
 * in Breakpad an empty number is 0) is stdcall (`_Foo@12` -> Foo, 12) or fastcall (`@Foo@12` ->
 * Foo, 4); any other such name starting with '_' is cdecl (`_Foo` -> Foo). Other names come back
 * unchanged, without paramSize.
 */
export function stripCDecoration(name: string): CDecoration {
  if (typeof name !== 'string') return { name: '' };
  const first = name.charCodeAt(0);
  if ((first !== UNDERSCORE && first !== AT) || name.includes(':') || name.includes('(')) return { name };
  const lastAt = name.lastIndexOf('@');
  if (lastAt >= 1) {
    const size = strictPositiveInt(name.slice(lastAt + 1));
    if (size !== undefined) {
      const paramSize = first === AT ? (size > 8 ? size - 8 : 0) : size;
      return { name: name.slice(1, lastAt), paramSize };
    }
  }
  if (first === UNDERSCORE) return { name: name.slice(1) };
  return { name };
}

/** Breakpad's wcstol_positive_strict: decimal digits only, no leading zero, int32 range; '' is 0. */
function strictPositiveInt(s: string): number | undefined {
  let value = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
    value = value * 10 + (c - 0x30);
    if (value > 0x7fff_ffff) return undefined;
    if (value === 0 && i + 1 < s.length) return undefined;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Syntax tree. Nodes are not changed once their parse returns (a conversion operator's target
// type and a static guard's index are filled in by the parse of their own symbol, before anything
// can refer to them), so that back-references can share them.

const CONST = 1;
const VOLATILE = 2;
const CV_MASK = CONST | VOLATILE;
/** Set by `cvLetter` for the member-pointer letters Q-T. */
const MEMBER = 4;
/** Shared empty qualifier list (most pointers have none). */
const NONE: string[] = [];

/** Pointer/reference symbols: `*`, `&`, `&&`, C++/CLI handles `^` and tracking references `%`. */
type PtrSym = '*' | '&' | '&&' | '^' | '%';

type Type = PrimType | TagType | PtrType | FnType | ArrType;

interface PrimType {
  k: 'prim';
  text: string;
  cv: number;
}
interface TagType {
  k: 'tag';
  /** `class`, `struct`, `union`, `enum`, `cointerface`. */
  tag: string;
  name: QName;
  cv: number;
}
interface PtrType {
  k: 'ptr';
  sym: PtrSym;
  /**
   * The pointer's own const/volatile as rendered: its P/Q/R/S letter where it is a parameter or
   * template argument, elsewhere the qualifier the enclosing context gives it (Microsoft ignores
   * the letter there: the enclosing pointer's pointee qualifier says the same).
   */
  cv: number;
  unaligned: boolean;
  /** `__ptr64`, `__restrict` in mangled order. */
  ext: string[];
  /** Member pointers: the class. */
  cls?: QName;
  pointee: Type;
}
interface FnType {
  k: 'fn';
  sig: Signature;
  cv: number;
}
interface ArrType {
  k: 'arr';
  dims: string[];
  elem: Type;
  /** Qualifier of the pointer's pointee when this array is pointed to (`char (volatile * const)[20]`). */
  cv: number;
}

interface Signature {
  cc: string;
  /** Absent for constructors and destructors. */
  ret?: Type;
  params: Type[];
  variadic: boolean;
  /** Implicit `this` qualifiers (member functions and member function pointers). */
  thisCv: number;
  thisUnaligned: boolean;
  thisExt: string[];
  thisRef: string;
}

type Ident = NameId | TemplateId | TextId | StructorId | ConvId | NestedId;

/** A plain identifier (also `` `anonymous namespace' `` and the static-guard names). */
interface NameId {
  k: 'name';
  text: string;
}
/** Special names rendered as fixed text (operators, `vftable', RTTI names, ...). */
interface TextId {
  k: 'text';
  text: string;
}
interface TemplateId {
  k: 'tmpl';
  base: Ident;
  args: TemplateArg[];
}
interface StructorId {
  k: 'structor';
  dtor: boolean;
}
interface ConvId {
  k: 'conv';
  type?: Type;
}
/**
 * A symbol or name quoted inside a name: `` `void f(void)'::`2' `` (the scope of a name local to
 * a function) or `` `dynamic initializer for 'x'' ``.
 */
interface NestedId {
  k: 'nested';
  prefix: string;
  sym?: Sym;
  name?: QName;
  suffix: string;
}

/** Outermost component first. */
type QName = Ident[];

type TemplateArg = Type | LiteralArg | SymbolArg;
interface LiteralArg {
  k: 'lit';
  text: string;
}
interface SymbolArg {
  k: 'symarg';
  /** `&` for pointers to symbols. */
  amp: string;
  sym?: Sym;
  offsets: string[];
}

type Sym = FnSym | VarSym | TableSym | TypeDescSym | NameSym | VcallSym;

interface FuncClass {
  access: string;
  member: string;
  global: boolean;
  thunk: string;
}
interface FnSym {
  k: 'fn';
  name: QName;
  fc: FuncClass;
  /** Absent for `extern "C"` functions whose signature is not encoded (class '9'). */
  sig?: Signature;
}
interface VarSym {
  k: 'var';
  name: QName;
  /** Storage class digit: 0-2 static members, 3 global, 4 function-local static. */
  storage: number;
  type: Type;
  cv: number;
  unaligned: boolean;
  ext: string[];
}
/** `vftable', `vbtable', `local vftable', `RTTI Complete Object Locator'. */
interface TableSym {
  k: 'table';
  name: QName;
  cv: number;
  forNames: QName[];
}
interface TypeDescSym {
  k: 'typedesc';
  type: Type;
}
/** Names without a type: RTTI descriptors, string literals, local static guards. */
interface NameSym {
  k: 'name';
  name: QName;
}
interface VcallSym {
  k: 'vcall';
  name: QName;
  offset: string;
  cc: string;
}

// ---------------------------------------------------------------------------------------------
// Parser

const QUESTION = 0x3f;
const AT = 0x40;
const DOLLAR = 0x24;
const DOT = 0x2e;
const UNDERSCORE = 0x5f;

/** Thrown inside the parser and renderer only; `undecorate` turns it into `undefined`. */
class Failure {}
const FAIL = new Failure();
function fail(): never {
  throw FAIL;
}

/** Back-reference tables. Template argument lists get fresh ones (LLVM: BackrefContext). */
interface Backrefs {
  names: Ident[];
  /** What each name was remembered as (LLVM does not remember a name twice). */
  keys: string[];
  /** The same for keys longer than SHORT_KEY, made on first use. */
  longKeys?: Set<string>;
  params: Type[];
}
/** Keys up to this length are compared one by one (cheaper than hashing for identifiers). */
const SHORT_KEY = 64;
const MAX_BACKREFS = 10;

const CALLING_CONVENTIONS: Record<string, string> = {
  A: '__cdecl', B: '__cdecl', C: '__pascal', D: '__pascal', E: '__thiscall', F: '__thiscall',
  G: '__stdcall', H: '__stdcall', I: '__fastcall', J: '__fastcall', K: '', L: '',
  M: '__clrcall', N: '__clrcall', O: '__eabi', P: '__eabi', Q: '__vectorcall',
  S: '__swiftcall', W: '__swiftasynccall',
};

const PRIMITIVES: Record<string, string> = {
  C: 'signed char', D: 'char', E: 'unsigned char', F: 'short', G: 'unsigned short', H: 'int',
  I: 'unsigned int', J: 'long', K: 'unsigned long', M: 'float', N: 'double', O: 'long double',
  X: 'void',
};

const SHARED_PRIMITIVES = new Map<string, PrimType>(
  Object.values(PRIMITIVES).map((text) => [text, Object.freeze({ k: 'prim', text, cv: 0 }) as PrimType]),
);

const EXTENDED_PRIMITIVES: Record<string, string> = {
  D: '__int8', E: 'unsigned __int8', F: '__int16', G: 'unsigned __int16', H: '__int32',
  I: 'unsigned __int32', J: '__int64', K: 'unsigned __int64', L: '__int128', M: 'unsigned __int128',
  N: 'bool', Q: 'char8_t', S: 'char16_t', U: 'char32_t', W: 'wchar_t', P: 'auto', T: 'decltype(auto)',
};

/** `?X` operator codes. */
const OPERATORS: Record<string, string> = {
  '2': 'operator new', '3': 'operator delete', '4': 'operator=', '5': 'operator>>', '6': 'operator<<',
  '7': 'operator!', '8': 'operator==', '9': 'operator!=', A: 'operator[]', C: 'operator->',
  D: 'operator*', E: 'operator++', F: 'operator--', G: 'operator-', H: 'operator+', I: 'operator&',
  J: 'operator->*', K: 'operator/', L: 'operator%', M: 'operator<', N: 'operator<=', O: 'operator>',
  P: 'operator>=', Q: 'operator,', R: 'operator()', S: 'operator~', T: 'operator^', U: 'operator|',
  V: 'operator&&', W: 'operator||', X: 'operator*=', Y: 'operator+=', Z: 'operator-=',
};

/** `?_X` operator codes (the special-symbol codes ?_7 ?_8 ?_9 ?_B ?_C ?_R ?_S are parsed apart). */
const UNDER_OPERATORS: Record<string, string> = {
  '0': 'operator/=', '1': 'operator%=', '2': 'operator>>=', '3': 'operator<<=', '4': 'operator&=',
  '5': 'operator|=', '6': 'operator^=', '7': "`vftable'", '8': "`vbtable'", '9': "`vcall'",
  D: "`vbase destructor'", E: "`vector deleting destructor'", F: "`default constructor closure'",
  G: "`scalar deleting destructor'", H: "`vector constructor iterator'", I: "`vector destructor iterator'",
  J: "`vector vbase constructor iterator'", K: "`virtual displacement map'",
  L: "`eh vector constructor iterator'", M: "`eh vector destructor iterator'",
  N: "`eh vector vbase constructor iterator'", O: "`copy constructor closure'", S: "`local vftable'",
  T: "`local vftable constructor closure'", U: 'operator new[]', V: 'operator delete[]',
  X: "`placement delete closure'", Y: "`placement delete[] closure'",
};

/** `?__X` operator codes (?__E ?__F ?__J ?__K are parsed apart). */
const DOUBLE_UNDER_OPERATORS: Record<string, string> = {
  A: "`managed vector constructor iterator'", B: "`managed vector destructor iterator'",
  C: "`eh vector copy constructor iterator'", D: "`eh vector vbase copy constructor iterator'",
  G: "`vector copy constructor iterator'", H: "`vector vbase copy constructor iterator'",
  I: "`managed vector copy constructor iterator'", L: 'operator co_await', M: 'operator<=>',
};

class Parser {
  private i = 0;
  private depth = 0;
  private refs: Backrefs = { names: [], keys: [], params: [] };

  constructor(private readonly s: string) {}

  get atEnd(): boolean {
    return this.i >= this.s.length;
  }

  private peek(offset = 0): string {
    return this.s.charAt(this.i + offset);
  }

  private next(): string {
    if (this.i >= this.s.length) fail();
    return this.s.charAt(this.i++);
  }

  private eat(prefix: string): boolean {
    if (!this.s.startsWith(prefix, this.i)) return false;
    this.i += prefix.length;
    return true;
  }

  private expect(prefix: string): void {
    if (!this.eat(prefix)) fail();
  }

  private enter(): void {
    if (++this.depth > MAX_NESTING_DEPTH) fail();
  }

  private leave(): void {
    this.depth--;
  }

  /** A `<number>` follows that is not a back-reference digit followed by '@'. */
  private isNumberThenEnd(): boolean {
    let j = this.i;
    const c = this.s.charCodeAt(j);
    if (c >= 0x30 && c <= 0x39) return this.s.charCodeAt(j + 1) !== AT;
    while (j < this.s.length) {
      const d = this.s.charCodeAt(j);
      if (d === AT) return true;
      if (d < 0x41 || d > 0x50) return false;
      j++;
    }
    return false;
  }

  private isDigit(offset = 0): boolean {
    const c = this.s.charCodeAt(this.i + offset);
    return c >= 0x30 && c <= 0x39;
  }

  // --- numbers ---

  /**
   * `<number> ::= [?] <digit>` (0-9 meaning 1-10) `| [?] <hex A-P>* @`. Returns the decimal text,
   * with '-' when negative and not zero. Microsoft prints the encoded value as is (an adjustor of
   * `PPPPPPPM@` is 4294967292, not -4).
   */
  number(): string {
    const negative = this.eat('?');
    let text: string;
    if (this.isDigit()) {
      text = String(this.s.charCodeAt(this.i++) - 0x30 + 1);
    } else {
      const start = this.i;
      while (this.i < this.s.length) {
        const c = this.s.charCodeAt(this.i);
        if (c < 0x41 || c > 0x50) break;
        this.i++;
      }
      const digits = this.i - start;
      if (digits > 16 || this.peek() !== '@') fail();
      let hex = '';
      for (let j = start; j < this.i; j++) hex += (this.s.charCodeAt(j) - 0x41).toString(16);
      this.i++;
      text = digits === 0 ? '0' : digits <= 13 ? String(parseInt(hex, 16)) : BigInt(`0x${hex}`).toString();
    }
    return negative && text !== '0' ? `-${text}` : text;
  }

  private unsignedNumber(): string {
    const n = this.number();
    if (n.startsWith('-')) fail();
    return n;
  }

  // --- names ---

  /** An identifier up to '@'. Microsoft's undname refuses names with characters no compiler emits. */
  private simpleString(): string {
    const start = this.i;
    const end = this.s.indexOf('@', start);
    if (end <= start) fail();
    for (let j = start; j < end; j++) {
      const c = this.s.charCodeAt(j);
      if (c <= 0x20 || c === 0x7f || c === QUESTION || c === DOT) fail();
    }
    this.i = end + 1;
    return this.s.slice(start, end);
  }

  /**
   * Remembers a name for the back-references `0`-`9`. The key is the identifier, or for a
   * template instantiation its mangled text (LLVM compares the rendered text; they differ only
   * for contrived manglings). Long keys go to a Set: template keys nest, so comparing them one
   * by one could cost the depth times the length of the name.
   */
  private memorize(key: string, id: Ident): void {
    const refs = this.refs;
    if (refs.names.length >= MAX_BACKREFS) return;
    if (key.length <= SHORT_KEY) {
      if (refs.keys.includes(key)) return;
      refs.keys.push(key);
    } else {
      refs.longKeys ??= new Set();
      if (refs.longKeys.has(key)) return;
      refs.longKeys.add(key);
    }
    refs.names.push(id);
  }

  private simpleName(memorize: boolean): NameId {
    const text = this.simpleString();
    const id: NameId = { k: 'name', text };
    if (memorize) this.memorize(text, id);
    return id;
  }

  private backrefName(): Ident {
    const id = this.refs.names[this.s.charCodeAt(this.i) - 0x30];
    if (id === undefined) fail();
    this.i++;
    return id;
  }

  /**
   * `?$name@args@`: a template instantiation. Its arguments have their own back-reference tables
   * (the template's own name is entry 0 there); in a scope or type position the whole
   * instantiation is then remembered in the enclosing table.
   */
  private templateName(memorizeResult: boolean, toEnd = false): TemplateId {
    const start = this.i;
    this.expect('?$');
    this.enter();
    const outer = this.refs;
    this.refs = { names: [], keys: [], params: [] };
    let base: Ident;
    if (this.peek() === '?') base = this.operatorName();
    else base = this.simpleName(true);
    const args = this.templateArgs(toEnd);
    this.refs = outer;
    this.leave();
    const id: TemplateId = { k: 'tmpl', base, args };
    if (memorizeResult) {
      if (base.k === 'structor' || base.k === 'conv') fail();
      this.memorize(this.s.slice(start, this.i), id);
    }
    return id;
  }

  /** `?X`, `?_X`, `?__X` operator and special-function codes used as a function's name. */
  private operatorName(): Ident {
    this.expect('?');
    const c = this.next();
    if (c === '0' || c === '1') return { k: 'structor', dtor: c === '1' };
    if (c === 'B') return { k: 'conv' };
    if (c === '$') fail();
    if (c === '_') {
      const d = this.next();
      if (d === '_') {
        const e = this.next();
        if (e === 'K') return { k: 'text', text: `operator "" ${this.simpleString()}` };
        const text = DOUBLE_UNDER_OPERATORS[e];
        if (text === undefined) fail();
        return { k: 'text', text };
      }
      const text = UNDER_OPERATORS[d];
      if (text === undefined) fail();
      return { k: 'text', text };
    }
    const text = OPERATORS[c];
    if (text === undefined) fail();
    return { k: 'text', text };
  }

  /** The unqualified name of a symbol: back-reference, template instantiation, operator, identifier. */
  private symbolNamePiece(): Ident {
    if (this.isDigit()) return this.backrefName();
    if (this.s.startsWith('?$', this.i)) return this.templateName(false);
    if (this.peek() === '?') return this.operatorName();
    return this.simpleName(true);
  }

  /** One enclosing scope: back-reference, template, anonymous namespace, function-local scope, identifier. */
  private scopePiece(): Ident {
    if (this.isDigit()) return this.backrefName();
    if (this.s.startsWith('?$', this.i)) return this.templateName(true);
    if (this.s.startsWith('?A', this.i)) {
      // `?A0x1234abcd@`: the key differs per translation unit and is not shown.
      this.i += 2;
      const end = this.s.indexOf('@', this.i);
      if (end < 0) fail();
      const key = `?A${this.s.slice(this.i, end)}`;
      this.i = end + 1;
      const id: NameId = { k: 'name', text: "`anonymous namespace'" };
      this.memorize(key, id);
      return id;
    }
    if (this.s.startsWith('?Q', this.i)) {
      // `?QIFoo@@`: the interface an explicit interface implementation belongs to, shown as
      // `CFoo::[IFoo]::Method` (MSVC's __interface members in Windows' own DLLs, dxgi.dll).
      this.i += 2;
      const text = `[${this.simpleString()}]`;
      this.expect('@');
      const id: NameId = { k: 'name', text };
      this.memorize(`?Q${text}`, id);
      return id;
    }
    if (this.peek() === '?') {
      // `?<number>?<symbol>`: a name local to a function, `` `void f(void)'::`2' ``.
      this.i++;
      const n = this.unsignedNumber();
      this.expect('?');
      this.enter();
      const sym = this.symbol();
      this.leave();
      return { k: 'nested', prefix: '`', sym, suffix: `'::\`${n}'` };
    }
    return this.simpleName(true);
  }

  /** The enclosing scopes up to '@', innermost first in the mangling; returns outermost first. */
  private scopeChain(inner: Ident): QName {
    const parts: Ident[] = [inner];
    while (!this.eat('@')) {
      if (this.atEnd) fail();
      parts.push(this.scopePiece());
    }
    return parts.reverse();
  }

  private symbolName(): QName {
    const first = this.symbolNamePiece();
    const name = this.scopeChain(first);
    if (first.k === 'structor' || (first.k === 'tmpl' && first.base.k === 'structor')) {
      if (name.length < 2) fail();
    }
    return name;
  }

  /** A class, struct, enum or union name: `A@B@@` is B::A. */
  private typeName(): QName {
    let first: Ident;
    if (this.isDigit()) first = this.backrefName();
    else if (this.s.startsWith('?$', this.i)) first = this.templateName(true);
    else first = this.simpleName(true);
    return this.scopeChain(first);
  }

  // --- types ---

  /**
   * A type in "drop" position (parameters, template arguments, pointees, variables): qualifiers
   * are not encoded before it. `cv` is the qualifier the context gives the node; `OWN` makes a
   * pointer keep the one of its own P/Q/R/S letter (parameters and template arguments).
   */
  type(cv: number): Type {
    this.enter();
    const t = this.typeInner(cv);
    this.leave();
    return t;
  }

  private typeInner(cv: number): Type {
    const c = this.peek();
    switch (c) {
      case 'T': case 'U': case 'V': {
        this.i++;
        return { k: 'tag', tag: c === 'T' ? 'union' : c === 'U' ? 'struct' : 'class', name: this.typeName(), cv: cvOf(cv) };
      }
      case 'W': {
        this.i++;
        // W4 is an int enum; MSVC before 2005 wrote W0-W7 for the underlying type.
        const d = this.s.charCodeAt(this.i);
        if (d < 0x30 || d > 0x37) fail();
        this.i++;
        return { k: 'tag', tag: 'enum', name: this.typeName(), cv: cvOf(cv) };
      }
      case 'A': case 'B': case 'P': case 'Q': case 'R': case 'S':
        return this.pointer(cv);
      case 'Y':
        return this.array(cv);
      case '?': {
        this.i++;
        // `?<number>`: a template parameter of an uninstantiated template (Microsoft's text,
        // Wine test 108: `?C@` is `template-parameter-2'). Otherwise a name then '@': MSVC's
        // placeholder types such as `?<auto>@` and back-references to them (`?1@`).
        if (this.isNumberThenEnd()) {
          return { k: 'prim', text: `\`template-parameter-${this.number()}'`, cv: cvOf(cv) };
        }
        let id: Ident;
        if (this.isDigit()) id = this.backrefName();
        else if (this.s.startsWith('?$', this.i)) id = this.templateName(true);
        else id = this.simpleName(true);
        this.expect('@');
        return { k: 'tag', tag: '', name: [id], cv: cvOf(cv) };
      }
      case '_': {
        this.i++;
        const text = EXTENDED_PRIMITIVES[this.next()];
        if (text === undefined) fail();
        return { k: 'prim', text, cv: cvOf(cv) };
      }
      case '$':
        return this.dollarType(cv);
      default: {
        const text = PRIMITIVES[c];
        if (text === undefined) fail();
        this.i++;
        // Unqualified builtins are shared: a long argument list of them allocates nothing.
        return cvOf(cv) === 0 ? (SHARED_PRIMITIVES.get(text) ?? fail()) : { k: 'prim', text, cv: cvOf(cv) };
      }
    }
  }

  private dollarType(cv: number): Type {
    if (this.eat('$$Q')) return this.pointerRest('&&', 0, cv);
    if (this.eat('$$R')) return this.pointerRest('&&', VOLATILE, cv);
    if (this.eat('$$T')) return { k: 'prim', text: 'std::nullptr_t', cv: cvOf(cv) };
    if (this.eat('$$A8@@')) return { k: 'fn', sig: this.functionType(true), cv: 0 };
    if (this.eat('$$A6')) return { k: 'fn', sig: this.functionType(false), cv: 0 };
    if (this.eat('$$C')) return this.type(this.plainCvLetter());
    if (this.eat('$$B')) return this.type(cv);
    fail();
  }

  /** `A` `B` `P` `Q` `R` `S`: reference, volatile reference, pointer, const/volatile pointer. */
  private pointer(cv: number): Type {
    const c = this.next();
    const sym: PtrSym = c === 'A' || c === 'B' ? '&' : '*';
    const own = c === 'B' || c === 'R' ? VOLATILE : c === 'Q' ? CONST : c === 'S' ? CONST | VOLATILE : 0;
    return this.pointerRest(sym, own, cv);
  }

  private pointerRest(sym: PtrSym, own: number, cv: number): Type {
    const ptrCv = cv === OWN ? own : cv;
    if (this.eat('6')) {
      return { k: 'ptr', sym, cv: ptrCv, unaligned: false, ext: NONE, pointee: { k: 'fn', sig: this.functionType(false), cv: 0 } };
    }
    if (this.eat('8')) {
      const cls = this.typeName();
      return { k: 'ptr', sym, cv: ptrCv, unaligned: false, ext: NONE, cls, pointee: { k: 'fn', sig: this.functionType(true), cv: 0 } };
    }
    let ext: string[] = NONE;
    let unaligned = false;
    for (;;) {
      const e = this.peek();
      if (e === 'E') ext = [...ext, '__ptr64'];
      else if (e === 'I') ext = [...ext, '__restrict'];
      else if (e === 'F') unaligned = true;
      else break;
      this.i++;
    }
    // C++/CLI: `$A` turns * into ^ and & into %.
    if (this.eat('$A')) sym = sym === '*' ? '^' : sym === '&' ? '%' : fail();
    const q = this.cvLetter();
    if (q & MEMBER) {
      if (sym !== '*') fail();
      const cls = this.typeName();
      return { k: 'ptr', sym, cv: ptrCv, unaligned, ext, cls, pointee: this.type(q & CV_MASK) };
    }
    return { k: 'ptr', sym, cv: ptrCv, unaligned, ext, pointee: this.type(q) };
  }

  /**
   * A-D: none/const/volatile/both; Q-T: the same for a member pointer (a class name follows).
   * Returns the const/volatile bits, plus MEMBER for Q-T.
   */
  private cvLetter(): number {
    const c = this.s.charCodeAt(this.i);
    if (c >= 0x41 && c <= 0x44) {
      this.i++;
      return c - 0x41;
    }
    if (c >= 0x51 && c <= 0x54) {
      this.i++;
      return (c - 0x51) | MEMBER;
    }
    fail();
  }

  /** A-D only. */
  private plainCvLetter(): number {
    const q = this.cvLetter();
    if (q & MEMBER) fail();
    return q;
  }

  /** `Y <rank> <dim>... [$$C <cv>] <element>`. */
  private array(cv: number): Type {
    this.expect('Y');
    const rank = Number(this.unsignedNumber());
    if (!(rank >= 1 && rank <= 64)) fail();
    const dims: string[] = [];
    for (let j = 0; j < rank; j++) dims.push(this.unsignedNumber());
    let elemCv = 0;
    if (this.eat('$$C')) elemCv = this.plainCvLetter();
    return { k: 'arr', dims, elem: this.type(elemCv), cv: cvOf(cv) };
  }

  /** A return type or RTTI type: an optional `?<cv>` then the type. */
  private resultType(): Type {
    if (this.eat('?')) return this.type(this.cvLetter() & CV_MASK);
    return this.type(0);
  }

  /**
   * `[<this-qualifiers>] <calling-convention> (@ | <return-type>) <parameters> (Z | _E)`.
   * `@` instead of a return type marks a constructor or destructor.
   */
  functionType(hasThis: boolean): Signature {
    this.enter();
    let thisCv = 0;
    let thisUnaligned = false;
    const thisExt: string[] = [];
    let thisRef = '';
    if (hasThis) {
      for (;;) {
        const e = this.peek();
        if (e === 'E') thisExt.push('__ptr64');
        else if (e === 'I') thisExt.push('__restrict');
        else if (e === 'F') thisUnaligned = true;
        else break;
        this.i++;
      }
      if (this.eat('G')) thisRef = '&';
      else if (this.eat('H')) thisRef = '&&';
      thisCv = this.cvLetter() & CV_MASK;
    }
    const cc = CALLING_CONVENTIONS[this.next()];
    if (cc === undefined) fail();
    const ret = this.eat('@') ? undefined : this.resultType();
    const { params, variadic } = this.parameters();
    if (!this.eat('Z') && !this.eat('_E')) fail();
    this.leave();
    return { cc, ret, params, variadic, thisCv, thisUnaligned, thisExt, thisRef };
  }

  /** `X` (no parameters), or types up to `@` (or `Z`: variadic). Digits refer back to earlier ones. */
  private parameters(): { params: Type[]; variadic: boolean } {
    if (this.eat('X')) return { params: [], variadic: false };
    const params: Type[] = [];
    for (;;) {
      if (this.atEnd) fail();
      const c = this.peek();
      if (c === '@') {
        this.i++;
        return { params, variadic: false };
      }
      if (c === 'Z') {
        this.i++;
        return { params, variadic: true };
      }
      if (this.isDigit()) {
        const t = this.refs.params[this.s.charCodeAt(this.i) - 0x30];
        if (t === undefined) fail();
        this.i++;
        params.push(t);
        continue;
      }
      const start = this.i;
      const t = this.type(OWN);
      // One-character types are not remembered: a back-reference would save nothing.
      if (this.i - start > 1 && this.refs.params.length < MAX_BACKREFS) this.refs.params.push(t);
      params.push(t);
    }
  }

  /** Template arguments up to `@` (or, for a template-id alone, the end of the name). */
  private templateArgs(toEnd: boolean): TemplateArg[] {
    const args: TemplateArg[] = [];
    for (;;) {
      if (this.atEnd) {
        if (toEnd) return args;
        fail();
      }
      const c = this.peek();
      if (c === '@') {
        this.i++;
        return args;
      }
      // Separators of (empty) parameter packs.
      if (c === '$' && (this.eat('$S') || this.eat('$$V') || this.eat('$$$V') || this.eat('$$Z'))) continue;
      args.push(this.templateArg());
    }
  }

  private templateArg(): TemplateArg {
    // `$M <type> <value>`: an `auto` non-type parameter; the deduced type is not shown, and the
    // value's code comes without its '$'.
    const auto = this.eat('$M');
    if (auto) {
      this.type(OWN);
    } else {
      if (this.peek() !== '$') return this.type(OWN);
      if (this.eat('$$Y')) return { k: 'tag', tag: '', name: this.typeName(), cv: 0 };
      if (this.eat('$$B')) return this.type(OWN);
      if (this.eat('$$C')) return this.type(this.plainCvLetter());
      if (this.peek(1) === '$') return this.type(OWN);
      if (this.s.startsWith('$E?', this.i)) {
        this.i += 2;
        return this.symbolArg('', 0);
      }
      if (this.eat('$D')) return { k: 'lit', text: `\`template-parameter${this.number()}'` };
      if (this.eat('$Q')) return { k: 'lit', text: `\`non-type-template-parameter${this.number()}'` };
      this.i++;
    }
    switch (this.next()) {
      case '0':
        return { k: 'lit', text: this.number() };
      case '1':
        return this.symbolArg('&', 0);
      case 'H':
        return this.symbolArg('&', 1);
      case 'I':
        return this.symbolArg('&', 2);
      case 'J':
        return this.symbolArg('&', 3);
      case 'F':
        return { k: 'symarg', amp: '', offsets: [this.number(), this.number()] };
      case 'G':
        return { k: 'symarg', amp: '', offsets: [this.number(), this.number(), this.number()] };
      default:
        fail();
    }
  }

  /** A pointer or reference to a symbol (or a member pointer with `extra` offsets). */
  private symbolArg(amp: string, extra: number): SymbolArg {
    let sym: Sym | undefined;
    if (this.peek() === '?') {
      const start = this.i;
      this.enter();
      sym = this.symbol();
      this.leave();
      // LLVM remembers the symbol's own name for back-references inside the argument list.
      const name = sym.k === 'fn' || sym.k === 'var' ? sym.name : undefined;
      const last = name?.[name.length - 1];
      if (last !== undefined && last.k !== 'structor' && last.k !== 'conv') {
        this.memorize(last.k === 'name' ? last.text : this.s.slice(start, this.i), last);
      }
    }
    const offsets: string[] = [];
    for (let j = 0; j < extra; j++) offsets.push(this.number());
    if (sym === undefined && extra === 0) fail();
    return { k: 'symarg', amp, sym, offsets };
  }

  // --- symbols ---

  /**
   * `?$name@args@` alone, a template-id as RTTI and debug records write class names. Microsoft's
   * undname shows it (`_aaa<class bbb>`, Wine test 101); Breakpad never meets one.
   */
  templateId(): Sym {
    return { k: 'name', name: [this.templateName(false, true)] };
  }

  /** `?<symbol>`. */
  symbol(): Sym {
    this.expect('?');
    if (this.peek() === '?') {
      const special = this.specialSymbol();
      if (special !== undefined) return special;
    }
    return this.declarator();
  }

  private declarator(): Sym {
    const name = this.symbolName();
    const c = this.s.charCodeAt(this.i);
    if (c >= 0x30 && c <= 0x34) {
      this.i++;
      return this.variable(name, c - 0x30);
    }
    const fn = this.functionEncoding(name);
    const last = name[name.length - 1];
    const conv = last?.k === 'conv' ? last : last?.k === 'tmpl' && last.base.k === 'conv' ? last.base : undefined;
    if (conv !== undefined) {
      if (fn.sig?.ret === undefined) fail();
      conv.type = fn.sig.ret;
    }
    return fn;
  }

  /** `<type> <storage-qualifiers>`; pointers and references carry their own extended qualifiers there. */
  private variable(name: QName, storage: number): VarSym {
    const type = this.type(0);
    const ext: string[] = [];
    let unaligned = false;
    if (type.k === 'ptr') {
      for (;;) {
        const e = this.peek();
        if (e === 'E') ext.push('__ptr64');
        else if (e === 'I') ext.push('__restrict');
        else if (e === 'F') unaligned = true;
        else break;
        this.i++;
      }
    }
    const q = this.cvLetter();
    // A member pointer variable repeats its class; it is not shown.
    if (q & MEMBER) this.typeName();
    return { k: 'var', name, storage, type, cv: q & CV_MASK, unaligned, ext };
  }

  private functionEncoding(name: QName): FnSym {
    // `$$J0`: extern "C" (clang); nothing of it shows in Microsoft's text.
    this.eat('$$J0');
    const c = this.next();
    const fc: FuncClass = { access: '', member: '', global: false, thunk: '' };
    if (c === '9') {
      fc.global = true;
      return { k: 'fn', name, fc };
    }
    if (c === '$') {
      // Virtual-displacement thunks: `$0`-`$5` (vtordisp), `$R0`-`$R5` (vtordispex).
      const ex = this.eat('R');
      const d = this.s.charCodeAt(this.i) - 0x30;
      if (!(d >= 0 && d <= 5)) fail();
      this.i++;
      fc.access = ['private', 'protected', 'public'][d >> 1] ?? '';
      fc.member = 'virtual';
      const nums = ex ? [this.number(), this.number(), this.number(), this.number()] : [this.number(), this.number()];
      fc.thunk = `\`${ex ? 'vtordispex' : 'vtordisp'}{${nums.join(',')}}' `;
    } else {
      const code = c.charCodeAt(0) - 0x41;
      if (!(code >= 0 && code <= 25)) fail();
      if (code >= 24) {
        fc.global = true;
      } else {
        fc.access = ['private', 'protected', 'public'][code >> 3] ?? '';
        const kind = code & 7;
        if (kind === 2 || kind === 3) fc.member = 'static';
        else if (kind >= 4) fc.member = 'virtual';
        if (kind === 6 || kind === 7) fc.thunk = `\`adjustor{${this.number()}}' `;
      }
    }
    const hasThis = !fc.global && fc.member !== 'static';
    return { k: 'fn', name, fc, sig: this.functionType(hasThis) };
  }

  /** `??_7` and the other compiler-generated symbols; undefined for an ordinary `??` operator name. */
  private specialSymbol(): Sym | undefined {
    const s = this.s;
    const i = this.i;
    if (s.startsWith('?@', i)) fail(); // `??@<md5>@`: hashed long name, nothing to undecorate.
    if (s.startsWith('?_7', i)) return this.tableSymbol("`vftable'", 3);
    if (s.startsWith('?_8', i)) return this.tableSymbol("`vbtable'", 3);
    if (s.startsWith('?_S', i)) return this.tableSymbol("`local vftable'", 3);
    if (s.startsWith('?_R4', i)) return this.tableSymbol("`RTTI Complete Object Locator'", 4);
    if (s.startsWith('?_9', i)) {
      this.i += 3;
      const name = this.scopeChain({ k: 'text', text: "`vcall'" });
      this.expect('$B');
      const offset = this.unsignedNumber();
      this.expect('A');
      const cc = CALLING_CONVENTIONS[this.next()];
      if (cc === undefined) fail();
      return { k: 'vcall', name, offset, cc };
    }
    if (s.startsWith('?_B', i) || s.startsWith('?__J', i)) {
      const thread = s.charAt(i + 2) === '_';
      this.i += thread ? 4 : 3;
      const guard: NameId = { k: 'name', text: thread ? "`local static thread guard'" : "`local static guard'" };
      const name = this.scopeChain(guard);
      if (!this.eat('4IA')) {
        this.expect('5');
        if (!this.atEnd) guard.text += `{${this.unsignedNumber()}}`;
      }
      return { k: 'name', name };
    }
    if (s.startsWith('?_C', i)) {
      this.i += 3;
      this.stringLiteral();
      return { k: 'name', name: [{ k: 'text', text: "`string'" }] };
    }
    if (s.startsWith('?_R0', i)) {
      this.i += 4;
      const type = this.resultType();
      this.expect('@8');
      return { k: 'typedesc', type };
    }
    if (s.startsWith('?_R1', i)) {
      this.i += 4;
      const nums = [this.unsignedNumber(), this.number(), this.unsignedNumber(), this.unsignedNumber()];
      const name = this.scopeChain({ k: 'text', text: `\`RTTI Base Class Descriptor at (${nums.join(',')})'` });
      this.eat('8');
      return { k: 'name', name };
    }
    if (s.startsWith('?_R2', i) || s.startsWith('?_R3', i)) {
      const text = s.charAt(i + 3) === '2' ? "`RTTI Base Class Array'" : "`RTTI Class Hierarchy Descriptor'";
      this.i += 4;
      const name = this.scopeChain({ k: 'text', text });
      this.expect('8');
      return { k: 'name', name };
    }
    if (s.startsWith('?__E', i) || s.startsWith('?__F', i)) {
      const what = s.charAt(i + 3) === 'E' ? 'dynamic initializer' : 'dynamic atexit destructor';
      this.i += 4;
      // `??__E?x@C@@2HA@@YAXXZ`: a variable, two '@', then the stub's signature (older clang
      // omitted the '?' and wrote one '@'). `??__Ex@@YAXXZ`: the stub of a variable named by
      // its name alone, parsed as a function of that name.
      const known = this.eat('?');
      this.enter();
      const sym = this.declarator();
      this.leave();
      if (sym.k === 'var') {
        this.expect(known ? '@@' : '@');
        const id: NestedId = { k: 'nested', prefix: `\`${what} for \``, sym, suffix: "''" };
        return this.functionEncoding([id]);
      }
      if (known || sym.k !== 'fn') fail();
      const id: NestedId = { k: 'nested', prefix: `\`${what} for '`, name: sym.name, suffix: "''" };
      return { ...sym, name: [id] };
    }
    if (s.startsWith('?_A', i) || s.startsWith('?_P', i)) fail();
    return undefined;
  }

  private tableSymbol(text: string, codeLength: number): TableSym {
    this.i += codeLength;
    const name = this.scopeChain({ k: 'text', text });
    const storage = this.next();
    if (storage !== '6' && storage !== '7') fail();
    const cv = this.cvLetter() & CV_MASK;
    const forNames: QName[] = [];
    while (!this.eat('@')) {
      if (this.atEnd) fail();
      forNames.push(this.typeName());
    }
    return { k: 'table', name, cv, forNames };
  }

  /**
   * `@_<0|1><length><crc>@<chars>@`: checked for shape only. Microsoft never shows the text
   * (`` `string' ``), and the encoded characters are the first 32 bytes at most.
   */
  private stringLiteral(): void {
    this.expect('@_');
    const kind = this.next();
    if (kind !== '0' && kind !== '1') fail();
    this.unsignedNumber();
    const crcEnd = this.s.indexOf('@', this.i);
    if (crcEnd < 0) fail();
    this.i = crcEnd + 1;
    let chars = 0;
    while (!this.eat('@')) {
      if (this.atEnd || ++chars > 4 * 32) fail();
      if (this.eat('?$')) {
        const a = this.s.charCodeAt(this.i);
        const b = this.s.charCodeAt(this.i + 1);
        if (!(a >= 0x41 && a <= 0x50 && b >= 0x41 && b <= 0x50)) fail();
        this.i += 2;
      } else if (this.eat('?')) {
        if (!/[0-9A-Za-z]/.test(this.next())) fail();
      } else {
        this.i++;
      }
    }
  }
}

/** Marker for `Parser.type`: a pointer keeps the qualifier of its own letter. */
const OWN = -1;

function cvOf(cv: number): number {
  return cv === OWN ? 0 : cv;
}

// ---------------------------------------------------------------------------------------------
// Renderer: Microsoft's text. A type renders as a left part, the declarator's place, and a right
// part (`int (*` + ` x` + `)[3]`); `glue` marks a left part ending in `(__cdecl*`, to which an
// enclosing pointer or array declarator attaches without a space (`int (__cdecl**)(void)`).

interface Parts {
  l: string;
  r: string;
  glue: boolean;
}

function cap(s: string): string {
  return s.length > PIECE_CAP ? s.slice(0, PIECE_CAP) : s;
}

function cvWords(cv: number): string {
  return cv === CONST ? 'const' : cv === VOLATILE ? 'volatile' : cv === (CONST | VOLATILE) ? 'const volatile' : '';
}

class Renderer {
  private steps = 0;
  private depth = 0;
  private readonly typeMemo = new Map<Type, Parts>();
  private readonly identMemo = new Map<Ident, string>();
  private readonly keywords: boolean;

  constructor(private readonly flags: number) {
    this.keywords = (flags & UNDNAME.NO_MS_KEYWORDS) === 0;
  }

  private has(flag: number): boolean {
    return (this.flags & flag) !== 0;
  }

  private step(): void {
    if (++this.steps > MAX_RENDER_STEPS) fail();
  }

  private enter(): void {
    if (++this.depth > MAX_RENDER_DEPTH) fail();
  }

  private leave(): void {
    this.depth--;
  }

  /** A Microsoft keyword (`__cdecl`, `__ptr64`): hidden by NO_MS_KEYWORDS, `__` dropped by NO_LEADING_UNDERSCORES. */
  private keyword(k: string): string {
    if (!this.keywords || k === '') return '';
    if (k === '__ptr64' && this.has(UNDNAME.NO_PTR64)) return '';
    return this.has(UNDNAME.NO_LEADING_UNDERSCORES) && k.startsWith('__') ? k.slice(2) : k;
  }

  private keywordList(ks: string[]): string[] {
    const out: string[] = [];
    for (const k of ks) {
      const w = this.keyword(k);
      if (w !== '') out.push(w);
    }
    return out;
  }

  // --- names ---

  qname(name: QName): string {
    let out = '';
    for (let j = 0; j < name.length; j++) {
      const part = name[j]!;
      const text = part.k === 'structor' ? this.structor(part, name[j - 1]) : this.ident(part, name[j - 1]);
      out = cap(j === 0 ? text : `${out}::${text}`);
      if (out.length >= PIECE_CAP) break;
    }
    return out;
  }

  private structor(part: StructorId, cls: Ident | undefined): string {
    if (cls === undefined || cls.k === 'structor') fail();
    return `${part.dtor ? '~' : ''}${this.ident(cls, undefined)}`;
  }

  private ident(id: Ident, prev: Ident | undefined): string {
    const memo = this.identMemo.get(id);
    if (memo !== undefined) return memo;
    this.step();
    this.enter();
    let out: string;
    switch (id.k) {
      case 'name':
      case 'text':
        out = id.text;
        break;
      case 'structor':
        out = this.structor(id, prev);
        break;
      case 'conv':
        out = `operator ${this.convType(id)}`;
        break;
      case 'tmpl': {
        const args = this.templateArgs(id.args);
        out = id.base.k === 'conv' ? `operator${args} ${this.convType(id.base)}` : `${this.ident(id.base, prev)}${args}`;
        break;
      }
      case 'nested':
        out = `${id.prefix}${id.sym !== undefined ? this.symbol(id.sym) : this.qname(id.name ?? fail())}${id.suffix}`;
        break;
    }
    out = cap(out);
    this.leave();
    // Structor texts depend on the class before them; they are never shared, so never memoised.
    if (id.k !== 'structor' && !(id.k === 'tmpl' && id.base.k === 'structor')) this.identMemo.set(id, out);
    return out;
  }

  /**
   * The type after `operator`. Microsoft adds a space after a qualifier that ends the type
   * (`operator int const (void)`, Wine test 142), as Wine's undname does for any qualified
   * value or pointee.
   */
  private convType(id: ConvId): string {
    const t = id.type ?? fail();
    const text = this.standalone(t);
    const qualified = t.k === 'ptr' ? t.pointee.cv !== 0 : t.cv !== 0;
    return qualified ? `${text} ` : text;
  }

  private templateArgs(args: TemplateArg[]): string {
    let out = '';
    for (let j = 0; j < args.length; j++) {
      const a = args[j]!;
      const text = a.k === 'lit' ? a.text : a.k === 'symarg' ? this.symbolArg(a) : this.standalone(a);
      out = cap(j === 0 ? text : `${out},${text}`);
      if (out.length >= PIECE_CAP) break;
    }
    // `> >`: C++03 needed the space, and Microsoft's undname still writes it.
    return cap(out.endsWith('>') ? `<${out} >` : `<${out}>`);
  }

  /** `&x`; member pointers with offsets as `{M::f(void),0}` (LLVM's form, no `&` in braces). */
  private symbolArg(a: SymbolArg): string {
    if (a.offsets.length === 0) return `${a.amp}${this.symbol(a.sym ?? fail())}`;
    const items = a.sym !== undefined ? [this.symbol(a.sym), ...a.offsets] : a.offsets;
    return `{${items.join(',')}}`;
  }

  // --- types ---

  /** A type with no declarator: parameters, template arguments, RTTI type descriptors. */
  standalone(t: Type): string {
    if (t.k === 'fn') {
      const sig = t.sig;
      const ret = sig.ret !== undefined ? this.type(sig.ret) : undefined;
      const cc = this.keyword(sig.cc);
      const left = ret !== undefined ? `${ret.l} ` : '';
      return cap(`${left}${cc}${this.params(sig)}${this.thisQualifiers(sig, false)}${ret?.r ?? ''}`);
    }
    const p = this.type(t);
    if (t.k === 'arr') return cap(`${p.l} ${p.r}`);
    return cap(p.l + p.r);
  }

  type(t: Type): Parts {
    const memo = this.typeMemo.get(t);
    if (memo !== undefined) return memo;
    this.step();
    this.enter();
    const p = this.typeInner(t);
    p.l = cap(p.l);
    p.r = cap(p.r);
    this.leave();
    this.typeMemo.set(t, p);
    return p;
  }

  private typeInner(t: Type): Parts {
    switch (t.k) {
      case 'prim':
        return { l: withCv(t.text, t.cv), r: '', glue: false };
      case 'tag': {
        const keyword = this.has(UNDNAME.NO_ECSU) || t.tag === '' ? '' : `${t.tag} `;
        return { l: withCv(keyword + this.qname(t.name), t.cv), r: '', glue: false };
      }
      case 'arr': {
        const e = this.type(t.elem);
        let dims = '';
        for (const d of t.dims) dims += `[${d}]`;
        return { l: e.l, r: dims + e.r, glue: false };
      }
      case 'fn':
        // A function type outside a pointer only occurs as a template argument (see standalone).
        return { l: this.standalone(t), r: '', glue: false };
      case 'ptr':
        return this.pointer(t);
    }
  }

  private pointer(t: PtrType): Parts {
    const pointee = t.pointee;
    const cls = t.cls !== undefined ? `${this.qname(t.cls)}::` : '';
    if (pointee.k === 'fn') {
      // `void (__cdecl*const)(long)`, `signed char (__cdecl test::*)(void)` (Wine tests 26, 136).
      const sig = pointee.sig;
      const ret = sig.ret !== undefined ? this.type(sig.ret) : { l: '', r: '', glue: false };
      const cc = this.keyword(sig.cc);
      const inner = cls !== '' ? `(${cc !== '' ? `${cc} ` : ''}${cls}${t.sym}` : `(${cc}${t.sym}`;
      const l = `${ret.l}${ret.glue || ret.l === '' ? '' : ' '}${inner}${cvWords(t.cv)}`;
      const r = `)${this.params(sig)}${cls !== '' ? this.thisQualifiers(sig, false) : ''}${ret.r}`;
      return { l, r, glue: true };
    }
    const words: string[] = [];
    if (t.unaligned && this.keyword('__unaligned') !== '') words.push(this.keyword('__unaligned'));
    words.push(cls + t.sym);
    words.push(...this.keywordList(t.ext));
    if (t.cv !== 0) words.push(cvWords(t.cv));
    const core = words.join(' ');
    if (pointee.k === 'arr') {
      // `char (volatile * const)[20][30]` (Wine test 111): the pointee's qualifier goes inside.
      const e = this.type(pointee.elem);
      let dims = '';
      for (const d of pointee.dims) dims += `[${d}]`;
      const inner = `(${pointee.cv !== 0 ? `${cvWords(pointee.cv)} ` : ''}${core}`;
      const glue = e.glue && /[*&^%]$/.test(e.l);
      return { l: `${e.l}${glue ? '' : ' '}${inner}`, r: `)${dims}${e.r}`, glue: false };
    }
    const p = this.type(pointee);
    // A pointer to a function pointer glues on: `int (__cdecl**)(void)` (Wine test 105), but
    // not after a qualifier: `void (__cdecl*const *)(void)`.
    const glue = p.glue && /[*&^%]$/.test(p.l);
    return { l: `${p.l}${glue ? '' : ' '}${core}`, r: p.r, glue: false };
  }

  private params(sig: Signature): string {
    if (sig.params.length === 0) return sig.variadic ? '(...)' : '(void)';
    let out = '';
    for (let j = 0; j < sig.params.length; j++) {
      const text = this.standalone(sig.params[j]!);
      out = cap(j === 0 ? text : `${out},${text}`);
      if (out.length >= PIECE_CAP) break;
    }
    return cap(`(${out}${sig.variadic ? ',...' : ''})`);
  }

  /**
   * `const `, ` __ptr64`, `const __ptr64`, `volatile __unaligned ` after the parameter list (Wine
   * tests 49, 120, 149): cv words and __unaligned on the left, __ptr64/__restrict on the right,
   * one space between or after. `primary` applies the NO_*_THISTYPE flags, which Microsoft
   * documents "for primary declaration" only.
   */
  private thisQualifiers(sig: Signature, primary: boolean): string {
    const cvHidden = primary && this.has(UNDNAME.NO_CV_THISTYPE);
    const msHidden = primary && this.has(UNDNAME.NO_MS_THISTYPE);
    const left: string[] = [];
    if (!cvHidden && sig.thisCv !== 0) left.push(cvWords(sig.thisCv));
    if (!msHidden && sig.thisUnaligned && this.keyword('__unaligned') !== '') left.push(this.keyword('__unaligned'));
    const right = msHidden ? [] : this.keywordList(sig.thisExt);
    if (!cvHidden && sig.thisRef !== '') right.push(sig.thisRef);
    if (left.length === 0 && right.length === 0) return '';
    return `${left.join(' ')} ${right.join(' ')}`;
  }

  // --- symbols ---

  symbol(sym: Sym): string {
    this.step();
    this.enter();
    const out = cap(this.symbolInner(sym));
    this.leave();
    return out;
  }

  private symbolInner(sym: Sym): string {
    const nameOnly = this.has(UNDNAME.NAME_ONLY);
    switch (sym.k) {
      case 'fn':
        return this.function(sym, nameOnly);
      case 'var': {
        const name = this.qname(sym.name);
        if (nameOnly) return name;
        const member = sym.storage <= 2;
        const access = member && !this.has(UNDNAME.NO_ACCESS_SPECIFIERS) ? `${['private', 'protected', 'public'][sym.storage]}: ` : '';
        const isStatic = member && !this.has(UNDNAME.NO_MEMBER_TYPE) ? 'static ' : '';
        const t = this.type(sym.type);
        // The storage qualifier follows the type, also for pointers (`char const * const x`,
        // Wine tests 144-148): Microsoft shows the qualifier encoded after a pointer variable's
        // type where the pointer's own would go.
        const quals: string[] = [];
        if (sym.cv !== 0) quals.push(cvWords(sym.cv));
        if (sym.unaligned && this.keyword('__unaligned') !== '') quals.push(this.keyword('__unaligned'));
        quals.push(...this.keywordList(sym.ext));
        const q = quals.length > 0 ? `${quals.join(' ')} ` : '';
        return `${access}${isStatic}${t.l}${t.l === '' ? '' : ' '}${q}${name}${t.r}`;
      }
      case 'table': {
        let name = this.qname(sym.name);
        if (sym.forNames.length > 0) {
          const targets = sym.forNames.map((n) => `\`${this.qname(n)}'`);
          name = cap(`${name}{for ${targets.join("s ")}}`);
        }
        if (nameOnly || sym.cv === 0) return name;
        return `${cvWords(sym.cv)} ${name}`;
      }
      case 'typedesc':
        return `${this.standalone(sym.type)} \`RTTI Type Descriptor'`;
      case 'name':
        return this.qname(sym.name);
      case 'vcall': {
        const cc = nameOnly || this.has(UNDNAME.NO_ALLOCATION_LANGUAGE) ? '' : this.keyword(sym.cc);
        return `[thunk]:${cc !== '' ? ` ${cc} ` : ''}${this.qname(sym.name)}{${sym.offset},{flat}}' }'`;
      }
    }
  }

  private function(sym: FnSym, nameOnly: boolean): string {
    const name = this.qname(sym.name);
    const fc = sym.fc;
    const thunkPrefix = fc.thunk !== '' ? '[thunk]:' : '';
    if (nameOnly || sym.sig === undefined) {
      return `${thunkPrefix}${name}${fc.thunk}`.trimEnd();
    }
    const sig = sym.sig;
    const access = fc.access !== '' && !this.has(UNDNAME.NO_ACCESS_SPECIFIERS) ? `${fc.access}: ` : '';
    const member = fc.member !== '' && !this.has(UNDNAME.NO_MEMBER_TYPE) ? `${fc.member} ` : '';
    const last = sym.name[sym.name.length - 1];
    const isConv = last?.k === 'conv' || (last?.k === 'tmpl' && last.base.k === 'conv');
    let ret: Parts | undefined;
    if (sig.ret !== undefined && !isConv && !this.has(UNDNAME.NO_FUNCTION_RETURNS)) ret = this.type(sig.ret);
    const ccWord = this.has(UNDNAME.NO_ALLOCATION_LANGUAGE) ? '' : this.keyword(sig.cc);
    const cc = ccWord !== '' ? `${ccWord} ` : '';
    const retLeft = ret !== undefined ? `${ret.l}${ret.r !== '' ? '' : ' '}` : '';
    const head = `${access}${member}${retLeft}${cc}`;
    // `[thunk]:public: virtual ...`, and `[thunk]: __thiscall ...` when no access specifier follows.
    const prefix = thunkPrefix !== '' && access === '' && head !== '' ? '[thunk]: ' : thunkPrefix;
    return `${prefix}${head}${name}${fc.thunk}${this.params(sig)}${this.thisQualifiers(sig, true)}${ret?.r ?? ''}`;
  }
}

function withCv(text: string, cv: number): string {
  return cv === 0 ? text : `${text} ${cvWords(cv)}`;
}

/** The whole of `mangled` parsed by `parse`, or undefined. */
function parseWhole(mangled: string, parse: (p: Parser) => Sym): Sym | undefined {
  try {
    const parser = new Parser(mangled);
    const sym = parse(parser);
    return parser.atEnd ? sym : undefined;
  } catch (e) {
    if (e === FAIL) return undefined;
    throw e;
  }
}

/** Parse and render; `undefined` on any failure. */
function undecorate(mangled: string, flags: number): string | undefined {
  try {
    let sym = parseWhole(mangled, (p) => p.symbol());
    if (sym === undefined && mangled.startsWith('?$')) sym = parseWhole(mangled, (p) => p.templateId());
    if (sym === undefined) return undefined;
    let out = new Renderer(flags).symbol(sym);
    if (flags & UNDNAME.NAME_ONLY) out = out.trimEnd();
    if (out.length > MAX_UNDECORATED_LENGTH) out = `${out.slice(0, MAX_UNDECORATED_LENGTH - 3)}...`;
    return out;
  } catch {
    // Our own Failure, or anything else (a RangeError from an engine limit): either way a name
    // we cannot undecorate, never an exception for the caller.
    return undefined;
  }
}
