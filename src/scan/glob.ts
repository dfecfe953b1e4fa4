// A small glob → RegExp translator for --include / --exclude (Node 20 has no fs.glob).
//
// Patterns match paths relative to the scan root, with '/' separators:
//   *      any run of characters except '/'
//   **     any run of characters including '/' (as a whole segment: "a/**/b" also matches "a/b")
//   ?      one character except '/'
//   [abc]  a character class ([!abc] negates); {a,b} alternatives.
// A pattern without '/' matches the base name at any depth ("*.dmp" = "**/*.dmp"). Matching is
// case-insensitive: dump shares come from Windows, where MEMORY.DMP and memory.dmp are one file.

function escapeRe(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

/** Translate one glob pattern into an anchored RegExp. */
export function globToRegExp(pattern: string): RegExp {
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
          re += '(?:.*/)?'; // "**/" : zero or more directories
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

/** Include/exclude filter over root-relative paths. */
export class PathFilter {
  private readonly include: RegExp[];
  private readonly exclude: RegExp[];
  constructor(include: readonly string[] = [], exclude: readonly string[] = []) {
    this.include = include.map(globToRegExp);
    this.exclude = exclude.map(globToRegExp);
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
