// Guards the layering (STYLE §1, §5): dependencies point one way, and no code in src/ reads a
// whole file into memory.

import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { PROJECT_ROOT } from './helpers/corpus.js';

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    const spec = m[1] ?? m[2]!;
    if (spec.startsWith('.')) found.push(relative(PROJECT_ROOT, resolve(dirname(file), spec)));
  }
  return found;
}

/** Layer of a project path, in dependency order; a file may import only its own layer or lower ones.
 *  symbols (the symbol path, stores and servers: where files come from) sits on formats, below the unwind sources that use it;
 *  analysis/facts holds the format-neutral fact types the formats build, so it sits below formats;
 *  so does unwind/types, the register and step types the unwind-data readers in formats return;
 *  fleet (the shared PostgreSQL store, queue and workers) sits on scan, whose walk and pool it uses. */
const LAYERS = ['native-structs', 'src/util', 'src/errors', 'src/limits', 'src/reader', 'src/analysis/facts', 'src/unwind/types', 'src/formats', 'src/symbols', 'src/unwind', 'src/analysis', 'src/vmlog', 'src/scan', 'src/fleet', 'src/cli'];
function layerOf(path: string): number {
  let best = -1;
  let bestLen = -1;
  LAYERS.forEach((l, i) => {
    if ((path === l || path.startsWith(`${l}/`) || path.startsWith(`${l}.`)) && l.length > bestLen) {
      best = i;
      bestLen = l.length;
    }
  });
  return best;
}

describe('architecture', () => {
  it('native-structs imports nothing from src/ or test/', () => {
    for (const f of tsFiles(join(PROJECT_ROOT, 'native-structs'))) {
      for (const i of imports(f)) expect(i, `${relative(PROJECT_ROOT, f)} imports ${i}`).toMatch(/^native-structs\//);
    }
  });

  it('src layers import only downwards (reader ← formats ← analysis ← vmlog/scan/cli)', () => {
    const allowedUp = new Set(['src/index', 'src/core', 'src/triage-file', 'src/defaults', 'src/types']);
    for (const f of tsFiles(join(PROJECT_ROOT, 'src'))) {
      const from = relative(PROJECT_ROOT, f);
      const fromLayer = layerOf(from);
      for (const i of imports(f)) {
        const target = i.replace(/\.js$/, '');
        if ([...allowedUp].some((a) => target === a || target.startsWith(`${a}/`))) {
          // entry points: only the CLI and scan (and index itself) may use them
          if (target === 'src/index' || target === 'src/core' || target === 'src/triage-file') {
            expect(['src/cli', 'src/scan', 'src/fleet', 'src/index', 'src/triage-file', 'src/vmlog'].some((p) => from.startsWith(p)), `${from} imports entry ${target}`).toBe(true);
          }
          continue;
        }
        const toLayer = layerOf(target);
        if (fromLayer < 0 || toLayer < 0) continue;
        // vmlog and scan sit side by side above analysis: neither is "below" cli, both may use analysis.
        const sideBySide = (a: number, b: number) => new Set([LAYERS.indexOf('src/vmlog'), LAYERS.indexOf('src/scan')]).has(a) && new Set([LAYERS.indexOf('src/vmlog'), LAYERS.indexOf('src/scan')]).has(b);
        expect(toLayer <= fromLayer || sideBySide(fromLayer, toLayer), `${from} (layer ${LAYERS[fromLayer]}) imports ${target} (layer ${LAYERS[toLayer]})`).toBe(true);
      }
    }
  });

  it('below the CLI nothing imports the package entry (the scan used to, a five-file cycle)', () => {
    for (const f of tsFiles(join(PROJECT_ROOT, 'src'))) {
      const from = relative(PROJECT_ROOT, f);
      if (from.startsWith('src/cli/')) continue;
      for (const i of imports(f)) expect(i.replace(/\.js$/, ''), `${from} imports the package entry`).not.toBe('src/index');
    }
  });

  it('src has no import cycle of values (type-only imports are erased)', () => {
    const graph = new Map<string, string[]>();
    for (const f of tsFiles(join(PROJECT_ROOT, 'src'))) {
      const text = readFileSync(f, 'utf8').replace(/^import type [^;]*;$/gm, '').replace(/^export type [^;]*;$/gm, '');
      const deps: string[] = [];
      for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        const spec = m[1] ?? m[2]!;
        if (spec.startsWith('.')) deps.push(relative(PROJECT_ROOT, resolve(dirname(f), spec)).replace(/\.js$/, ''));
      }
      graph.set(relative(PROJECT_ROOT, f).replace(/\.ts$/, ''), deps);
    }
    const state = new Map<string, 1 | 2>();
    const cycles: string[] = [];
    const visit = (n: string, path: string[]) => {
      if (state.get(n) === 2) return;
      if (state.get(n) === 1) {
        cycles.push([...path.slice(path.indexOf(n)), n].join(' -> '));
        return;
      }
      state.set(n, 1);
      for (const m of graph.get(n) ?? []) if (graph.has(m)) visit(m, [...path, n]);
      state.set(n, 2);
    };
    for (const n of graph.keys()) visit(n, []);
    expect(cycles).toEqual([]);
  });

  it('test/synth imports native-structs and itself only', () => {
    for (const f of tsFiles(join(PROJECT_ROOT, 'test', 'synth'))) {
      for (const i of imports(f)) expect(i, `${relative(PROJECT_ROOT, f)} imports ${i}`).toMatch(/^(native-structs|test\/synth)\//);
    }
  });

  it('no whole-file reads of dumps in src/ (readFile / createReadStream / readFileSync are confined to non-dump inputs)', () => {
    // Files allowed to read whole small text inputs: data lists shipped with the package, the
    // user's triage.ini, and streamed logs (vmlog streams with createReadStream by design).
    const allowed = [/^src\/analysis\/lists\//, /^src\/analysis\/knowledge/, /^src\/analysis\/.*list/, /^src\/cli\/triage-ini-option\.ts$/, /^src\/vmlog\//, /^src\/scan\/report-html/, /^src\/analysis\/triage-ini/];
    for (const f of tsFiles(join(PROJECT_ROOT, 'src'))) {
      const rel = relative(PROJECT_ROOT, f);
      if (allowed.some((a) => a.test(rel))) continue;
      const text = readFileSync(f, 'utf8');
      expect(text, `${rel} reads a whole file`).not.toMatch(/\breadFile(Sync)?\s*\(|createReadStream\s*\(/);
    }
  });

  it('no absolute machine paths in tracked source', () => {
    for (const root of ['src', 'test', 'native-structs', 'bench']) {
      for (const f of tsFiles(join(PROJECT_ROOT, root))) {
        expect(readFileSync(f, 'utf8'), relative(PROJECT_ROOT, f)).not.toMatch(/['"`]\/work\//);
      }
    }
  });

  it('the CLI start-up loads no decoder: src/cli imports the library, formats, analysis and vmlog only lazily', () => {
    // `dumptriage scan` runs the decoders in its worker threads; a static import here would load
    // them in the main thread too (8 MiB of RSS and 40 ms of start-up for nothing).
    const lazyOnly = /^src\/(index|core|formats|analysis|vmlog|reader)(\/|$)/;
    // src/cli/render/ is itself loaded lazily, by the commands that print reports.
    for (const f of tsFiles(join(PROJECT_ROOT, 'src', 'cli')).filter((p) => !p.includes(`${join('cli', 'render')}`))) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/^import\s+(?!type\s)[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
        const spec = m[1]!;
        if (!spec.startsWith('.')) continue;
        const target = relative(PROJECT_ROOT, resolve(dirname(f), spec)).replace(/\.js$/, '');
        expect(target, `${relative(PROJECT_ROOT, f)} imports ${target} statically`).not.toMatch(lazyOnly);
      }
    }
  });
});
