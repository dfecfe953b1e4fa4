// Glob matcher (issue 18, finding 5): the same syntax and answers as the old RegExp translator,
// in time linear in pattern × path, whatever the path (file names come from the share: hostile).

import { describe, expect, it } from 'vitest';
import { compileGlob, globToRegExp, MAX_GLOB_LENGTH, PathFilter } from '../../src/scan/glob.js';

// The translator glob.ts used before, kept verbatim as the oracle for "same semantics". It is only
// ever run here on short inputs, where its backtracking cannot hurt.
function oldGlobToRegExp(pattern: string): RegExp {
  const escapeRe = (c: string) => (/[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c);
  let p = pattern.replace(/\\/g, '/');
  if (p.startsWith('./')) p = p.slice(2);
  if (!p.includes('/')) p = `**/${p}`;
  else if (p.startsWith('/')) p = p.slice(1);
  let re = '';
  let braceDepth = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*') {
      if (p[i + 1] === '*') {
        const atStart = i === 0 || p[i - 1] === '/';
        const j = i + 2;
        if (atStart && p[j] === '/') {
          re += '(?:.*/)?';
          i = j;
          continue;
        }
        if (atStart && j === p.length) {
          re += '.*';
          i = j;
          continue;
        }
        re += '.*';
        i++;
        continue;
      }
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const end = p.indexOf(']', i + 2);
      if (end === -1) {
        re += '\\[';
        continue;
      }
      let body = p.slice(i + 1, end);
      const neg = body.startsWith('!') || body.startsWith('^');
      if (neg) body = body.slice(1);
      body = body.replace(/[\\\]^]/g, (m) => `\\${m}`);
      re += neg ? `[^/${body}]` : `[${body}]`;
      i = end;
    } else if (c === '{') {
      braceDepth++;
      re += '(?:';
    } else if (c === '}' && braceDepth > 0) {
      braceDepth--;
      re += ')';
    } else if (c === ',' && braceDepth > 0) {
      re += '|';
    } else {
      re += escapeRe(c);
    }
  }
  while (braceDepth-- > 0) re += ')';
  return new RegExp(`^${re}$`, 'i');
}

/** Outcome of a pattern on a path: true/false, or 'throws' when the pattern is refused. */
function outcome(compile: (g: string) => { test(s: string): boolean }, g: string, s: string): boolean | 'throws' {
  let m;
  try {
    m = compile(g);
  } catch {
    return 'throws';
  }
  return m.test(s);
}

describe('glob semantics', () => {
  it.each([
    // the cases walk.test.ts checked before the matcher was rewritten
    ['*.dmp', 'HOST/Minidump/a.dmp', true],
    ['*.dmp', 'a.DMP', true],
    ['*.dmp', 'a.dmp.txt', false],
    ['HOST1/**', 'HOST1/x/y.dmp', true],
    ['HOST1/**', 'HOST10/y.dmp', false],
    ['**/Minidump/*.dmp', 'Minidump/a.dmp', true],
    ['**/Minidump/*.dmp', 'H/Minidump/sub/a.dmp', false],
    ['Mini????-??.dmp', 'x/Mini0101-01.dmp', true],
    ['*.{dmp,mdmp}', 'a.mdmp', true],
    ['[!a]*.dmp', 'b.dmp', true],
    ['[!a]*.dmp', 'a.dmp', false],
    // '*' and '?' stay inside a segment, '**' does not
    ['a/*', 'a/b/c', false],
    ['a/**', 'a/b/c', true],
    ['a/**/c', 'a/c', true],
    ['a/**/c', 'a/b/d/c', true],
    ['a/**c', 'a/b/xc', true],
    ['a/?', 'a//', false],
    ['a?b', 'x/a/b', false],
    // base-name rule, root-relative paths, separators
    ['x.dmp', 'deep/er/X.DMP', true],
    ['sub/x.dmp', 'a/sub/x.dmp', false],
    ['/sub/x.dmp', 'sub/x.dmp', true],
    ['./sub/x.dmp', 'sub/x.dmp', true],
    ['sub\\*.dmp', 'sub/a.dmp', true],
    // classes: ranges, negation with ! and ^, a leading ']', negation never matches '/'
    ['[a-c]x', 'Bx', true],
    ['[a-c]x', 'dx', false],
    ['[^a]x', 'ax', false],
    ['[]a]x', ']x', true],
    ['[!]', 'q', true],
    ['a[!b]c', 'a/c', false],
    ['a[/]c', 'a/c', true],
    ['[', '[', true],
    ['a[b', 'A[B', true],
    // braces: nesting, empty alternatives, unclosed, literal '}' and ','
    ['{a,{b,c}d}', 'cd', true],
    ['{a,{b,c}d}', 'c', false],
    ['x{,y}', 'x', true],
    ['x{a,b', 'xb', true],
    ['a}b', 'a}b', true],
    ['a,b', 'a,b', true],
    ['{a/**,b}', 'a/q/r', true],
    // case folding as /i did it
    ['É*', 'é.dmp', true],
    ['memory.dmp', 'MEMORY.DMP', true],
  ])('%s vs %s → %s', (g, p, want) => {
    expect(compileGlob(g).test(p)).toBe(want);
    expect(oldGlobToRegExp(g).test(p)).toBe(want);
  });

  it('keeps the old name working', () => {
    expect(globToRegExp('*.dmp').test('a/b.dmp')).toBe(true);
  });

  it('answers as the old RegExp translator on random patterns and paths', () => {
    // A small deterministic PRNG, so a failure names a reproducible case.
    let seed = 0x1234567;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const pTok = ['a', 'b', 'A', '-', '.', '/', '*', '**', '?', '[', ']', '!', '^', '{', '}', ',', '\\', '[ab]', '[!a]', '[a-c]', '**/', 'é'];
    const sTok = ['a', 'b', 'A', 'B', 'c', '-', '.', '/', '[', ']', '{', '}', ',', '!', 'É', 'é'];
    // Half the paths are built from the pattern's own tokens (a wildcard becomes a few random
    // characters), so that matches are common and not only misses are compared.
    const pick = (t: string): string => {
      if (t === '*' || t === '**' || t === '?') {
        let r = '';
        for (let n = t === '?' ? 1 : rnd(3); n > 0; n--) r += t === '**' ? sTok[rnd(sTok.length)] : 'ab-.É'[rnd(5)];
        return r;
      }
      if (t === '**/') return ['', 'x/', 'a/b/'][rnd(3)]!;
      if (t.length > 1 && t.startsWith('[')) return 'abcAB-'[rnd(6)]!;
      return rnd(4) === 0 ? t.toUpperCase() : t;
    };
    let matched = 0;
    for (let k = 0; k < 20000; k++) {
      let g = k % 7 === 0 ? './' : '';
      let s = '';
      for (let n = 1 + rnd(7); n > 0; n--) {
        const t = pTok[rnd(pTok.length)]!;
        g += t;
        if (k % 2 === 0) s += pick(t);
      }
      if (k % 2 === 1) for (let n = rnd(10); n > 0; n--) s += sTok[rnd(sTok.length)];
      const want = outcome(oldGlobToRegExp, g, s);
      if (want === true) matched++;
      expect([g, s, outcome(compileGlob, g, s)]).toEqual([g, s, want]);
    }
    expect(matched).toBeGreaterThan(2000); // the sample exercised matches, not only misses
  });

  it("lets '**' span a line terminator (the RegExp's '.' did not: an exclude bypass)", () => {
    expect(compileGlob('*.dmp').test('a\nb/x.dmp')).toBe(true);
    expect(oldGlobToRegExp('*.dmp').test('a\nb/x.dmp')).toBe(false);
    expect(compileGlob('top/**').test('top/\u2028/x')).toBe(true);
    expect(compileGlob('*').test('a\nb')).toBe(true); // '*' and '?' always did
  });

  it('refuses over-long patterns and reversed ranges with a clear error', () => {
    expect(() => compileGlob('a'.repeat(MAX_GLOB_LENGTH))).not.toThrow();
    expect(() => compileGlob('a'.repeat(MAX_GLOB_LENGTH + 1))).toThrow(/glob pattern is 1025 characters long; at most 1024/);
    expect(() => new PathFilter([], ['*'.repeat(5000)])).toThrow(/at most 1024/);
    expect(() => compileGlob('[z-a].dmp')).toThrow(/bad glob "\[z-a\]\.dmp": character class/);
  });

  it('PathFilter keeps, excludes and prunes as before', () => {
    const f = new PathFilter(['*.dmp'], ['tmp', 'old/**']);
    expect(f.keepFile('a/b.DMP')).toBe(true);
    expect(f.keepFile('a/b.txt')).toBe(false);
    expect(f.keepFile('x/tmp')).toBe(false);
    expect(f.pruneDir('x/tmp')).toBe(true);
    expect(f.pruneDir('old')).toBe(true); // via "old/"
    expect(f.pruneDir('older')).toBe(false);
    expect(new PathFilter().keepFile('anything')).toBe(true);
  });
});

describe('glob cost is linear (issue 18: these took minutes as RegExps)', () => {
  const N = 10_000;
  // [pattern, what the name is, expected, the name]
  const cases: [string, string, boolean, string][] = [
    ['*-*-*-*-*.dmp', "10,000 '-'", false, '-'.repeat(N)],
    ['*-*-*-*-*.dmp', "9,996 '-' + '.dmp'", true, `${'-'.repeat(N - 4)}.dmp`],
    ['*a*a*a*a*b', "10,000 'a'", false, 'a'.repeat(N)],
    ['**/**/**/**/x', "5,000 'a/'", false, 'a/'.repeat(N / 2)],
    ['**/**/**/**/x', "5,000 'a/' + 'x'", true, `${'a/'.repeat(N / 2)}x`],
    ['a/**/**/**/**/**/**/**/**/z', "'a/' + 5,000 'a/'", false, `a/${'a/'.repeat(N / 2)}`],
    ['{a,b}'.repeat(30), "5,000 'ab'", false, 'ab'.repeat(N / 2)],
    ['{a,b}'.repeat(30), "15 'ab'", true, 'ab'.repeat(15)],
    ['{a,{a,{a,{a,{a,aa}}}}}'.repeat(10) + 'b', "10,000 'a'", false, 'a'.repeat(N)],
    ['[', "10,000 '['", false, '['.repeat(N)],
    ['[*[*[*[*[*x', "10,000 '['", false, '['.repeat(N)],
    ['?*?*?*?*?*!', "10,000 'q'", false, 'q'.repeat(N)],
    ['*' + '{'.repeat(200) + 'a', "10,000 'a'", true, 'a'.repeat(N)],
  ];

  it.each(cases)('%s vs %s → %s', (g, _what, want, name) => {
    const m = compileGlob(g);
    const t0 = performance.now();
    const r = m.run(name);
    const ms = performance.now() - t0;
    expect(r.matched).toBe(want);
    // Deterministic bound: each state is visited at most once per character, plus once in the
    // test of its character: ≤ 2 × states per character (and once more for the start).
    expect(r.steps).toBeLessThanOrEqual(m.states * (2 * name.length + 1));
    // Linearity, not just a bound: twice the name costs about twice the steps (a backtracking
    // matcher would be quadratic or worse here).
    if (!want) expect(m.run(name + name).steps / r.steps).toBeLessThan(2.1);
    expect(ms).toBeLessThan(200); // under 50 ms when measured; generous for a loaded 2-core box
  });

  it('a maximum-length pattern against a long name stays bounded', () => {
    const g = '*a'.repeat(MAX_GLOB_LENGTH / 2);
    const m = compileGlob(g);
    const name = 'a'.repeat(4096);
    const t0 = performance.now();
    const r = m.run(name);
    const ms = performance.now() - t0;
    expect(r.steps).toBeLessThanOrEqual(m.states * (2 * name.length + 1));
    expect(ms).toBeLessThan(1000);
  });

  it('the issue\'s scan filter: 10 names of 240 dashes', () => {
    const f = new PathFilter(['*-*-*-*-*.dmp'], []);
    const t0 = performance.now();
    for (let k = 0; k < 10; k++) expect(f.keepFile(`share/${'-'.repeat(240)}${k}`)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(200);
  });
});
