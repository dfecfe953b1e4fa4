// Module/function owners in WinDbg triage.ini syntax: `Module[!Function]=Owner`, `*` wildcard at
// the end of either part, owners `ignore`, `maybe_X`, `last_X`. The built-in file is
// lists/triage.ini; a user's file (--triage-ini) is parsed the same way and wins.

export type OwnerStrength = 'ignore' | 'definite' | 'maybe' | 'last';

export interface OwnerEntry {
  /** Normalised module pattern (lower case, no extension; may end in `*`). */
  module: string;
  /** Lower-case function pattern, or null for a bare module entry (same as `!*`). */
  fn: string | null;
  /** Owner as written (e.g. "maybe_Microsoft"). */
  owner: string;
  source: 'builtin' | 'user';
  line: number;
}

export interface OwnerMatch {
  strength: OwnerStrength;
  /** Owner without its maybe_/last_ prefix ("" for ignore). */
  owner: string;
  entry: OwnerEntry;
}

const KERNEL_ALIASES = new Set(['ntoskrnl', 'ntkrnlmp', 'ntkrnlpa', 'ntkrpamp', 'ntkrla57', 'ntkrnlmp_la57']);

/** "ntoskrnl.exe" → "nt", "halmacpi.dll" → "hal", "Wdf01000.sys" → "wdf01000". */
export function normaliseModuleName(name: string): string {
  let n = name.trim().toLowerCase();
  const slash = Math.max(n.lastIndexOf('\\'), n.lastIndexOf('/'));
  if (slash >= 0) n = n.slice(slash + 1);
  n = n.replace(/\.(sys|dll|exe|drv|efi|ocx|cpl|mui)$/, '');
  if (KERNEL_ALIASES.has(n)) return 'nt';
  if (/^hal(a?acpi|macpi|aacpi|mps|arm|extpl080)?$/.test(n) || n === 'hal') return 'hal';
  return n;
}

export function parseTriageIni(text: string, source: 'builtin' | 'user'): OwnerEntry[] {
  const out: OwnerEntry[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';') || line.startsWith('[')) return;
    const eq = line.indexOf('=');
    if (eq <= 0) return;
    const lhs = line.slice(0, eq).trim();
    const owner = line.slice(eq + 1).trim();
    if (!owner) return;
    const bang = lhs.indexOf('!');
    const modPart = bang >= 0 ? lhs.slice(0, bang) : lhs;
    const fnPart = bang >= 0 ? lhs.slice(bang + 1).trim().toLowerCase() : null;
    const module = modPart.endsWith('*') ? modPart.toLowerCase() : normaliseModuleName(modPart);
    out.push({ module, fn: fnPart === '*' || fnPart === '' ? null : fnPart, owner, source, line: i + 1 });
  });
  return out;
}

function strengthOf(owner: string): { strength: OwnerStrength; owner: string } {
  const o = owner.trim();
  if (o.toLowerCase() === 'ignore') return { strength: 'ignore', owner: '' };
  if (/^maybe_/i.test(o)) return { strength: 'maybe', owner: o.slice(6) };
  if (/^last_/i.test(o)) return { strength: 'last', owner: o.slice(5) };
  return { strength: 'definite', owner: o };
}

function globMatch(pattern: string, value: string): boolean {
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return pattern === value;
}

/**
 * Specificity of a match, higher wins: exact module!function > module!prefix* (longer first) >
 * bare module / module!* > mod*!function > mod* (longer first).
 */
function score(e: OwnerEntry, mod: string, fn: string | null): number {
  const modExact = !e.module.endsWith('*');
  if (!globMatch(e.module, mod)) return -1;
  if (e.fn !== null) {
    if (fn === null || !globMatch(e.fn, fn)) return -1;
    const fnExact = !e.fn.endsWith('*');
    if (modExact) return fnExact ? 4000 : 3000 + e.fn.length;
    return 1000 + (fnExact ? 500 : 0) + e.fn.length;
  }
  return modExact ? 2000 : e.module.length;
}

export class OwnerTable {
  private readonly user: OwnerEntry[];
  private readonly builtin: OwnerEntry[];
  private readonly cache = new Map<string, OwnerMatch | null>();

  constructor(builtin: OwnerEntry[], user: OwnerEntry[] = []) {
    this.builtin = builtin;
    this.user = user;
  }

  /** Owner of a frame in `module` (file name or module name), optionally inside `fn`. User entries win. */
  lookup(module: string, fn: string | null = null): OwnerMatch | null {
    const mod = normaliseModuleName(module);
    const f = fn ? fn.toLowerCase() : null;
    const key = `${mod}!${f ?? ''}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const res = this.best(this.user, mod, f) ?? this.best(this.builtin, mod, f);
    this.cache.set(key, res);
    return res;
  }

  private best(entries: OwnerEntry[], mod: string, fn: string | null): OwnerMatch | null {
    let best: OwnerEntry | null = null;
    let bestScore = -1;
    for (const e of entries) {
      const s = score(e, mod, fn);
      if (s > bestScore) {
        best = e;
        bestScore = s;
      }
    }
    if (!best) return null;
    const { strength, owner } = strengthOf(best.owner);
    return { strength, owner, entry: best };
  }

  /** True when the module's owner marks it as Microsoft's (any strength). */
  isMicrosoft(module: string): boolean {
    const m = this.lookup(module);
    return m !== null && /^microsoft$/i.test(m.owner);
  }
}
