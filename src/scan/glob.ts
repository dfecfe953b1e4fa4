// Glob matching for --include / --exclude (Node 20 has no fs.glob).
//
// Patterns match paths relative to the scan root, with '/' separators:
//   *      any run of characters except '/'
//   **     any run of characters including '/' (as a whole segment: "a/**/b" also matches "a/b")
//   ?      one character except '/'
//   [abc]  a character class ([!abc] / [^abc] negate, a-z ranges); {a,b} alternatives (nestable).
// A pattern without '/' matches the base name at any depth ("*.dmp" = "**/*.dmp"). Matching is
// case-insensitive: dump shares come from Windows, where MEMORY.DMP and memory.dmp are one file.
//
// Why not a RegExp: this used to translate globs into JS RegExps, and V8's engine backtracks, so
// "*-*-*-*-*.dmp" against a name of 240 dashes, or "*a*a*a*a*b" against one long name, took
// minutes (issue 18). File names come from the share being triaged, i.e. from whoever wrote to
// it, so that was a denial of service. Here a pattern is compiled once into a Thompson NFA and a
// path is matched by simulating every live NFA state in lockstep, one character at a time: each
// state is visited at most once per character, so a match costs O(states × path length) and no
// input can make it backtrack. Braces are alternations inside the NFA, never expanded, so
// "{a,b}{a,b}…" costs states linear in its length instead of 2^n expanded patterns.
//
// The syntax and semantics are the old translator's, token for token (including its edge cases:
// an unclosed '[' is a literal, "[!]" is any one character except '/', an unclosed '{' closes at
// the end, '}' and ',' outside braces are literals, backslashes are separators). One deliberate
// difference: the RegExp's '.' did not match line terminators, so '**' (and the base-name rule,
// which is '**/' underneath) stopped at a '\n' in a directory name — a file under "a\nb/" escaped
// "--exclude '*.dmp'". '**' now spans every character, as documented.

/** Longer patterns are refused: matching costs states × path length, so the cap bounds the cost. */
export const MAX_GLOB_LENGTH = 1024;

/** A compiled glob. `test` mirrors RegExp#test so callers (and older tests) need not care. */
export interface GlobMatcher {
  readonly pattern: string;
  /** Number of NFA states: a match takes at most about 2 × states steps per character. */
  readonly states: number;
  test(path: string): boolean;
  /** test() plus the number of steps the simulation took (deterministic; used by tests). */
  run(path: string): { matched: boolean; steps: number };
}

// Parsed form: a sequence of nodes; the alternatives of a brace group are sequences again.
type Node =
  | { t: 'char'; c: number } // one literal character, compared case-insensitively
  | { t: 'notSlash' } // '?'
  | { t: 'class'; test: (c: number) => boolean } // '[…]'
  | { t: 'star'; any: boolean } // '*' (any = false: no '/') or '**' (any = true)
  | { t: 'alt'; alts: Node[][] }; // '{a,b}', and "**/" = (any* '/')?
type Seq = Node[];

const SLASH = 0x2f;

/**
 * Case folding as a non-unicode /i RegExp does it (ECMA-262 Canonicalize), so literals compare
 * exactly as they did when patterns were RegExps: uppercase, unless that takes more than one code
 * unit or maps a non-ASCII character into ASCII.
 */
function canon(ch: number): number {
  if (ch < 128) return ch >= 0x61 && ch <= 0x7a ? ch - 32 : ch;
  const u = String.fromCharCode(ch).toUpperCase();
  if (u.length !== 1) return ch;
  const cu = u.charCodeAt(0);
  return cu < 128 ? ch : cu;
}

/**
 * A bracket expression. Its body keeps the old RegExp class semantics (ranges, a leading ']' as a
 * member, case folding of ranges) by testing one character at a time against a one-class RegExp:
 * with no quantifier in it, that RegExp cannot backtrack, and the answer is cached per character.
 */
function bracket(pattern: string, body: string): (c: number) => boolean {
  const neg = body.startsWith('!') || body.startsWith('^');
  if (neg) body = body.slice(1);
  body = body.replace(/[\\\]^]/g, (m) => `\\${m}`);
  let re: RegExp;
  try {
    re = new RegExp(neg ? `^[^/${body}]$` : `^[${body}]$`, 'i');
  } catch (e) {
    // Only a reversed range ("[z-a]") gets here: everything else in the body is escaped.
    throw new Error(`bad glob ${JSON.stringify(pattern)}: character class [${neg ? '!' : ''}${body}] is invalid (${(e as Error).message})`);
  }
  const cache = new Map<number, boolean>();
  return (c) => {
    let hit = cache.get(c);
    if (hit === undefined) cache.set(c, (hit = re.test(String.fromCharCode(c))));
    return hit;
  };
}

/** Pattern → node tree, following the old translator's token rules exactly. */
function parse(pattern: string): Seq {
  let p = pattern.replace(/\\/g, '/');
  if (p.startsWith('./')) p = p.slice(2);
  if (!p.includes('/')) p = `**/${p}`;
  else if (p.startsWith('/')) p = p.slice(1);
  const dirs = (): Node => ({ t: 'alt', alts: [[{ t: 'star', any: true }, { t: 'char', c: SLASH }], []] });
  // One frame per open brace: the finished alternatives and the one being read.
  const stack: { alts: Seq[]; cur: Seq }[] = [{ alts: [], cur: [] }];
  const top = () => stack[stack.length - 1]!;
  const close = () => {
    const g = stack.pop()!;
    g.alts.push(g.cur);
    top().cur.push({ t: 'alt', alts: g.alts });
  };
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    const out = top().cur;
    if (c === '*') {
      if (p[i + 1] === '*') {
        const atStart = i === 0 || p[i - 1] === '/';
        if (atStart && p[i + 2] === '/') {
          out.push(dirs()); // "**/" : zero or more directories
          i += 2;
        } else {
          out.push({ t: 'star', any: true });
          i++;
        }
        continue;
      }
      out.push({ t: 'star', any: false });
    } else if (c === '?') {
      out.push({ t: 'notSlash' });
    } else if (c === '[') {
      const end = p.indexOf(']', i + 2);
      if (end === -1) {
        out.push({ t: 'char', c: canon(0x5b) });
        continue;
      }
      out.push({ t: 'class', test: bracket(pattern, p.slice(i + 1, end)) });
      i = end;
    } else if (c === '{') {
      stack.push({ alts: [], cur: [] });
    } else if (c === '}' && stack.length > 1) {
      close();
    } else if (c === ',' && stack.length > 1) {
      top().alts.push(out);
      top().cur = [];
    } else {
      out.push({ t: 'char', c: canon(p.charCodeAt(i)) });
    }
  }
  while (stack.length > 1) close();
  return stack[0]!.cur;
}

// NFA states. Consuming states test one character and go to `out`; SPLIT and JUMP are
// ε-moves; MATCH accepts. Stored as parallel arrays so the simulation touches no objects.
const CHAR = 0;
const NOT_SLASH = 1;
const ANY = 2;
const CLASS = 3;
const SPLIT = 4;
const JUMP = 5;
const MATCH = 6;

class Nfa implements GlobMatcher {
  readonly states: number;
  private readonly kind: number[] = [];
  private readonly arg: number[] = []; // CHAR: folded code unit; CLASS: index into classes
  private readonly out1: number[] = [];
  private readonly out2: number[] = [];
  private readonly classes: ((c: number) => boolean)[] = [];
  private readonly start: number;
  // Work lists reused across calls (JS is single-threaded and run() calls out to nothing re-entrant).
  private cur: Int32Array;
  private next: Int32Array;
  private mark: Int32Array;
  private stack: Int32Array;

  constructor(readonly pattern: string) {
    if (pattern.length > MAX_GLOB_LENGTH) {
      throw new Error(`glob pattern is ${pattern.length} characters long; at most ${MAX_GLOB_LENGTH} are allowed: ${JSON.stringify(pattern.slice(0, 40))}…`);
    }
    const match = this.add(MATCH, 0);
    this.start = this.seq(parse(pattern), match);
    this.states = this.kind.length;
    this.cur = new Int32Array(this.states);
    this.next = new Int32Array(this.states);
    this.mark = new Int32Array(this.states);
    // Every state is pushed at most once per closure, except SPLIT fan-out: 2 per state bounds it.
    this.stack = new Int32Array(2 * this.states + 2);
  }

  private add(kind: number, arg: number, out1 = -1, out2 = -1): number {
    this.kind.push(kind);
    this.arg.push(arg);
    this.out1.push(out1);
    this.out2.push(out2);
    return this.kind.length - 1;
  }

  /** Compile `s` so that it continues to state `then`; returns its entry state (built back to front). */
  private seq(s: Seq, then: number): number {
    let entry = then;
    for (let k = s.length - 1; k >= 0; k--) entry = this.node(s[k]!, entry);
    return entry;
  }

  private node(n: Node, then: number): number {
    switch (n.t) {
      case 'char':
        return this.add(CHAR, n.c, then);
      case 'notSlash':
        return this.add(NOT_SLASH, 0, then);
      case 'class':
        this.classes.push(n.test);
        return this.add(CLASS, this.classes.length - 1, then);
      case 'star': {
        // loop: SPLIT(atom → loop, then). The atom always consumes, so no ε-cycle.
        const loop = this.add(SPLIT, 0, -1, then);
        this.out1[loop] = this.add(n.any ? ANY : NOT_SLASH, 0, loop);
        return loop;
      }
      case 'alt': {
        // Each alternative ends in a JUMP to `then`, so the continuation is built once, not per branch.
        const join = this.add(JUMP, 0, then);
        let entry = this.seq(n.alts[n.alts.length - 1]!, join);
        for (let k = n.alts.length - 2; k >= 0; k--) entry = this.add(SPLIT, 0, this.seq(n.alts[k]!, join), entry);
        return entry;
      }
    }
  }

  test(path: string): boolean {
    return this.run(path).matched;
  }

  run(path: string): { matched: boolean; steps: number } {
    const { kind, arg, out1, out2, classes, mark, stack } = this;
    let cur = this.cur;
    let next = this.next;
    mark.fill(0);
    let gen = 1;
    let steps = 0;
    // Adds the ε-closure of `s` to `list` (from `len`), visiting each state once per generation.
    const close = (list: Int32Array, len: number, s: number): number => {
      let sp = 0;
      stack[sp++] = s;
      while (sp > 0) {
        const t = stack[--sp]!;
        if (mark[t] === gen) continue;
        mark[t] = gen;
        steps++;
        const k = kind[t]!;
        if (k === SPLIT) {
          stack[sp++] = out2[t]!;
          stack[sp++] = out1[t]!;
        } else if (k === JUMP) {
          stack[sp++] = out1[t]!;
        } else {
          list[len++] = t;
        }
      }
      return len;
    };
    let n = close(cur, 0, this.start);
    for (let i = 0; i < path.length && n > 0; i++) {
      const x = path.charCodeAt(i);
      const fx = canon(x);
      gen++;
      let m = 0;
      for (let j = 0; j < n; j++) {
        const t = cur[j]!;
        steps++;
        const k = kind[t]!;
        const ok =
          k === CHAR ? arg[t] === fx : k === NOT_SLASH ? x !== SLASH : k === ANY ? true : k === CLASS ? classes[arg[t]!]!(x) : false;
        if (ok) m = close(next, m, out1[t]!);
      }
      const done = cur;
      cur = next;
      next = done;
      n = m;
    }
    let matched = false;
    for (let j = 0; j < n; j++) if (kind[cur[j]!] === MATCH) matched = true;
    return { matched, steps };
  }
}

/** Compile one glob pattern. Throws on a pattern over MAX_GLOB_LENGTH or with an invalid class. */
export function compileGlob(pattern: string): GlobMatcher {
  return new Nfa(pattern);
}

/** Former name, from when globs became RegExps; the result still answers test(). */
export const globToRegExp = compileGlob;

/** Include/exclude filter over root-relative paths. */
export class PathFilter {
  private readonly include: GlobMatcher[];
  private readonly exclude: GlobMatcher[];
  constructor(include: readonly string[] = [], exclude: readonly string[] = []) {
    this.include = include.map(compileGlob);
    this.exclude = exclude.map(compileGlob);
  }
  /** A file is kept when it matches some include (or there are none) and no exclude. */
  keepFile(rel: string): boolean {
    if (this.exclude.some((r) => r.test(rel))) return false;
    return this.include.length === 0 || this.include.some((r) => r.test(rel));
  }
  /** A directory is pruned when an exclude pattern matches it (or "dir/**" would). */
  pruneDir(rel: string): boolean {
    return this.exclude.some((r) => r.test(rel) || r.test(`${rel}/`));
  }
}
