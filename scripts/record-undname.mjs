#!/usr/bin/env node
// Records the expectation data of test/formats/pdb/undname.test.ts from two oracles. Run by hand
// when the inputs change; the test never runs a tool.
//
//   node scripts/record-undname.mjs --llvm-tests DIR [--corpus ../shared/corpus/pdb]
//                                   [--pdbutil /usr/bin/llvm-pdbutil]
//                                   [--undname /usr/lib/llvm-19/bin/llvm-undname]
//
// 1. breakpad-pairs.tsv: decorated public symbols of the corpus PDBs (llvm-pdbutil dump
//    -publics) paired with the FUNC/PUBLIC names Breakpad's dump_syms (DIA) wrote for the same
//    address in the .sym file next to each PDB. A public's address is its section's virtual
//    address (dump -section-headers) plus its offset; for the Syzygy-relinked omap_*.pdb the
//    result is then mapped through the "Omap From Source Data" stream as DIA does (the last entry
//    at or below the address; a target of 0 means the code was dropped). A pair is kept when
//    exactly one FUNC or PUBLIC name sits at that address; the other decorated names at the same
//    address are listed with it (Breakpad names an address once, from one of them).
// 2. llvm-undname.tsv: llvm-undname's output for every decorated public of those PDBs, the
//    hand-written names of handwritten.txt, and the mangled inputs of LLVM's
//    llvm/test/Demangle/ms-*.test files (--llvm-tests: a directory holding copies of them; only
//    the input lines are used, never LLVM's expected text), run once with the options closest to
//    Breakpad's flags and once with none.
//
// llvm-undname-divergences.tsv is not recorded here: it is reviewed by hand (see its README).

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'test/formats/pdb/expected/undname');

const args = process.argv.slice(2);
function option(name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}
const corpus = resolve(root, option('--corpus', '../shared/corpus/pdb'));
const llvmTests = option('--llvm-tests', undefined);
if (llvmTests === undefined) {
  console.error('usage: node scripts/record-undname.mjs --llvm-tests DIR [--corpus DIR] [--pdbutil PATH] [--undname PATH]');
  console.error("  DIR: copies of LLVM's llvm/test/Demangle/ms-*.test and invalid-manglings.test");
  process.exit(2);
}
const pdbutil = option('--pdbutil', '/usr/bin/llvm-pdbutil');
const undname = option('--undname', '/usr/lib/llvm-19/bin/llvm-undname');

const run = (cmd, argv, input) =>
  execFileSync(cmd, argv, { encoding: 'utf8', input, maxBuffer: 256 * 1024 * 1024 });

// --- 1. Breakpad pairs --------------------------------------------------------------------------

function publicsOf(pdb) {
  const text = run(pdbutil, ['dump', '-publics', pdb]);
  const out = [];
  const re = /S_PUB32 \[size = \d+\] `([^`]*)`\s*\n\s*flags = ([^,]*), addr = (\d+):(\d+)/g;
  for (let m; (m = re.exec(text)); ) {
    out.push({ name: m[1], flags: m[2], section: Number(m[3]), offset: Number(m[4]) });
  }
  return out;
}

function sectionVirtualAddresses(pdb) {
  const text = run(pdbutil, ['dump', '-section-headers', pdb]);
  const vas = [];
  const re = /SECTION HEADER #(\d+)[\s\S]*?\n\s*([0-9A-F]+) virtual address/g;
  for (let m; (m = re.exec(text)); ) vas[Number(m[1])] = parseInt(m[2], 16);
  return vas;
}

/** The OMAP_FROM_SRC table (pairs of u32: original rva, rva in the image), or undefined. */
function omapFromSource(pdb, tmp) {
  const streams = run(pdbutil, ['dump', '-streams', pdb]);
  const m = /Stream\s+(\d+) \(\s*\d+ bytes\): \[Omap From Source Data\]/.exec(streams);
  if (!m) return undefined;
  const file = join(tmp, `${basename(pdb)}.omap`);
  run(pdbutil, ['export', `--stream=${m[1]}`, `--out=${file}`, pdb]);
  const bytes = readFileSync(file);
  const table = [];
  for (let i = 0; i + 8 <= bytes.length; i += 8) table.push([bytes.readUInt32LE(i), bytes.readUInt32LE(i + 4)]);
  return table;
}

function mapOmap(table, rva) {
  let lo = 0;
  let hi = table.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (table[mid][0] <= rva) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found < 0 || table[found][1] === 0) return undefined;
  return table[found][1] + (rva - table[found][0]);
}

/** rva -> [{ kind, name, param }] from FUNC and PUBLIC lines. */
function symNames(sym) {
  const byRva = new Map();
  for (const line of readFileSync(sym, 'utf8').split(/\r?\n/)) {
    let m = /^FUNC (?:m )?([0-9a-f]+) [0-9a-f]+ ([0-9a-f]+) (.*)$/.exec(line);
    let kind = 'FUNC';
    if (!m) {
      m = /^PUBLIC (?:m )?([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
      kind = 'PUBLIC';
    }
    if (!m) continue;
    const rva = parseInt(m[1], 16);
    if (!byRva.has(rva)) byRva.set(rva, []);
    byRva.get(rva).push({ kind, param: m[2], name: m[3] });
  }
  return byRva;
}

function recordPairs(tmp) {
  const rows = new Map();
  let publicCount = 0;
  for (const file of readdirSync(corpus).filter((f) => f.endsWith('.pdb')).sort()) {
    const pdb = join(corpus, file);
    const names = symNames(pdb.replace(/\.pdb$/, '.sym'));
    const vas = sectionVirtualAddresses(pdb);
    const omap = omapFromSource(pdb, tmp);
    // Several publics can share an address (identical-code folding, aliases such as ??_E and
    // ??_G): Breakpad names the address once, from one of them.
    const byRva = new Map();
    for (const pub of publicsOf(pdb)) {
      publicCount++;
      const first = pub.name.charAt(0);
      if (first !== '?' && first !== '_' && first !== '@') continue;
      const va = vas[pub.section];
      if (va === undefined) continue;
      let rva = va + pub.offset;
      if (omap) rva = mapOmap(omap, rva);
      if (rva === undefined) continue;
      if (!byRva.has(rva)) byRva.set(rva, []);
      byRva.get(rva).push(pub.name);
    }
    for (const [rva, decorated] of byRva) {
      const at = names.get(rva);
      if (!at || at.length !== 1) continue;
      const { kind, param, name } = at[0];
      decorated.sort();
      for (const d of decorated) {
        const also = decorated.filter((x) => x !== d).join(' ') || '-';
        const key = `${d}\t${name}\t${kind}\t${param}\t${also}`;
        const source = `${file}:${rva.toString(16)}`;
        const old = rows.get(key);
        if (old) old.sources.push(source);
        else rows.set(key, { key, sources: [source] });
      }
    }
  }
  const sorted = [...rows.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const lines = ['# decorated\texpected (the .sym name at its address)\tkind\tparam (hex, as in the .sym line)\tother decorated names at that address\tsources (pdb:rva)'];
  for (const r of sorted) lines.push(`${r.key}\t${r.sources.join(' ')}`);
  writeFileSync(join(outDir, 'breakpad-pairs.tsv'), `${lines.join('\n')}\n`);
  console.log(`breakpad-pairs.tsv: ${sorted.length} pairs from ${publicCount} publics`);
}

// --- 2. llvm-undname ----------------------------------------------------------------------------

function llvmInputs() {
  const inputs = new Map();
  const add = (name, source) => {
    if (name === '' || /[\t\r\n]/.test(name) || inputs.has(name)) return;
    inputs.set(name, source);
  };
  for (const file of readdirSync(corpus).filter((f) => f.endsWith('.pdb')).sort()) {
    for (const pub of publicsOf(join(corpus, file))) if (pub.name.startsWith('?')) add(pub.name, 'pdb');
  }
  for (const line of readFileSync(join(outDir, 'handwritten.txt'), 'utf8').split('\n')) {
    if (line !== '' && !line.startsWith('#')) add(line, 'handwritten');
  }
  {
    for (const file of readdirSync(llvmTests).filter((f) => /^(ms-.*|invalid-manglings)\.test$/.test(f)).sort()) {
      for (const line of readFileSync(join(llvmTests, file), 'utf8').split('\n')) {
        const t = line.trim();
        if (t !== '' && !t.startsWith(';')) add(t, `llvm:${file.replace(/\.test$/, '')}`);
      }
    }
  }
  return inputs;
}

/** The output column of a name llvm-undname rejects. */
const INVALID = '!invalid';

/**
 * llvm-undname echoes each input line, then prints the result and a blank line, or only the
 * blank line (and an error on stderr, and exit status 1) for a name it rejects.
 */
function runUndname(names, options) {
  const res = spawnSync(undname, options, { encoding: 'utf8', input: `${names.join('\n')}\n`, maxBuffer: 256 * 1024 * 1024 });
  if (res.error) throw res.error;
  const lines = res.stdout.split('\n');
  const out = [];
  let i = 0;
  for (const name of names) {
    if (lines[i] !== name) throw new Error(`llvm-undname output out of step at ${JSON.stringify(name)}: ${JSON.stringify(lines[i])}`);
    if (lines[i + 1] === '') {
      out.push(INVALID);
      i += 2;
    } else {
      out.push(lines[i + 1]);
      if (lines[i + 2] !== '') throw new Error(`expected a blank line after ${JSON.stringify(name)}`);
      i += 3;
    }
  }
  return out;
}

function recordLlvm() {
  const inputs = llvmInputs();
  const names = [...inputs.keys()];
  const breakpadLike = runUndname(names, ['--no-access-specifier', '--no-calling-convention', '--no-return-type', '--no-member-type']);
  const full = runUndname(names, []);
  const lines = ['# source\tdecorated\tllvm-undname --no-access-specifier --no-calling-convention --no-return-type --no-member-type\tllvm-undname'];
  names.forEach((name, i) => lines.push([inputs.get(name), name, breakpadLike[i], full[i]].join('\t')));
  writeFileSync(join(outDir, 'llvm-undname.tsv'), `${lines.join('\n')}\n`);
  const invalid = breakpadLike.filter((o) => o === INVALID).length;
  console.log(`llvm-undname.tsv: ${names.length} names, ${invalid} rejected by llvm-undname (${run(undname, ['--version']).split('\n').find((l) => /version/i.test(l))?.trim()})`);
}

const tmp = mkdtempSync(join(tmpdir(), 'record-undname-'));
try {
  recordPairs(tmp);
  recordLlvm();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
