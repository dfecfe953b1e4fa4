// Records Google Breakpad's source lines and inline frames, for test/formats/breakpad-sym/sym-lines.test.ts.
// Breakpad is built from source by hand (see test/unwind/README.md); nothing of it is committed,
// only what minidump_stackwalk printed.
//
//   node scripts/record-breakpad-lines.mjs PATH/TO/minidump_stackwalk
//
// Writes two files into test/formats/breakpad-sym/expected/:
//
// breakpad-lines.json: for every Windows user dump in ../shared/corpus/user-windows, every frame of
//   every thread that breakpad printed with a source file and line, using ../shared/corpus/symbols.
//   Each frame records the module's debug file and id (hence the .sym breakpad read), the frame's
//   instruction register (`pc`: for a caller, the return address) and the address breakpad looked
//   up for it: the register itself for the context frame, else the register minus 1 on x86 and
//   amd64 (stackwalker_x86.cc / stackwalker_amd64.cc: "one less than that, so it points within the
//   CALL instruction") and minus 4 on arm64 (stackwalker_arm64.cc). `lineOffset` is the start of
//   the line record breakpad used: it prints `instruction_address - source_line_base`, where the
//   instruction address is ReturnAddress(): the register on x86 / amd64 (StackFrameX86 / AMD64
//   override it), the looked-up address elsewhere. All offsets are module-relative, in hex.
//
// breakpad-inlines.json: synthetic .sym files (written below, for the module of
//   ../shared/corpus/user-other/bp-linux_inline.dmp, whose thread 0 has a context frame at module
//   offset 0x161b6 and a scanned return address at 0x289e) each put alone on a symbol path, and the
//   frames breakpad printed for that module: inline frames ("Found by: inline record", innermost
//   first) and the physical frame they belong to, with function, file and line. Each case checks
//   one rule of basic_source_line_resolver.cc (see `why`).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const corpus = process.env.DUMPTRIAGE_SHARED ? join(process.env.DUMPTRIAGE_SHARED, 'corpus') : join(root, '..', 'shared', 'corpus');
const stackwalk = process.argv[2];
if (!stackwalk) {
  process.stderr.write('usage: node scripts/record-breakpad-lines.mjs PATH/TO/minidump_stackwalk\n');
  process.exit(2);
}
const outDir = join(root, 'test', 'formats', 'breakpad-sym', 'expected');

function run(args) {
  return execFileSync(stackwalk, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 << 20 });
}

/** PathnameStripper::File. */
function baseName(p) {
  return p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1);
}

/** SimpleSymbolSupplier's path: debug file / debug id / debug file without .pdb (any case) + .sym. */
function symPath(debugFile, debugId) {
  const f = baseName(debugFile);
  const stem = f.length > 4 && f.slice(-4).toLowerCase() === '.pdb' ? f.slice(0, -4) : f;
  return `symbols/${f}/${debugId}/${stem}.sym`;
}

const hex = (n) => `0x${n.toString(16)}`;

/**
 * Both outputs of one dump: human (per thread and frame: trust and the instruction register) and
 * machine-readable (-m: modules, and per frame module, function, full source path, line, offset).
 */
function walk(dump, symbols) {
  const human = run([dump, symbols]);
  const machine = run(['-m', dump, symbols]);
  const cpu = /^CPU\|([^|]*)/m.exec(machine)?.[1];
  const modules = [];
  for (const m of machine.matchAll(/^Module\|([^|]*)\|[^|]*\|([^|]*)\|([^|]*)\|(0x[0-9a-f]+)\|(0x[0-9a-f]+)\|/gm)) {
    modules.push({ name: m[1], debugFile: m[2], debugId: m[3], base: BigInt(m[4]), end: BigInt(m[5]) });
  }
  const threads = new Map();
  const threadRe = /^Thread (\d+)[^\n]*\n([\s\S]*?)(?=^Thread \d+|^Loaded modules:|(?![\s\S]))/gm;
  for (const t of human.matchAll(threadRe)) {
    const frames = new Map();
    for (const b of t[2].split(/\n(?= ?\d+ {2})/)) {
      const head = /^ ?(\d+) {2}/.exec(b);
      if (!head) continue;
      const pc = /(?:^|\s)(?:eip|rip|pc) = (0x[0-9a-f]+)/m.exec(b);
      const found = /Found by: (.*)$/m.exec(b);
      frames.set(Number(head[1]), { pc: pc ? BigInt(pc[1]) : undefined, trust: found?.[1].trim() });
    }
    threads.set(Number(t[1]), frames);
  }
  const rows = [];
  for (const line of machine.split('\n')) {
    const f = line.split('|');
    if (f.length !== 7 || !/^\d+$/.test(f[0]) || !/^\d+$/.test(f[1])) continue;
    rows.push({ thread: Number(f[0]), frame: Number(f[1]), module: f[2], function: f[3], file: f[4], line: f[5] === '' ? undefined : Number(f[5]), offset: BigInt(f[6]) });
  }
  return { cpu, modules, threads, rows };
}

/**
 * The address breakpad looked up for each frame: a physical frame's from its register and trust;
 * inline frames (which print no registers) share the physical frame that follows them.
 */
function lookups(w) {
  const out = new Map();
  for (const [thread, frames] of w.threads) {
    const pending = [];
    for (const [index, f] of [...frames].sort((a, b) => a[0] - b[0])) {
      if (f.trust === 'inline record') {
        pending.push(index);
        continue;
      }
      if (f.pc === undefined) continue;
      const context = f.trust === 'given as instruction pointer in context';
      const back = w.cpu === 'arm64' ? 4n : w.cpu === 'arm' ? 2n : 1n;
      const instruction = context ? f.pc : f.pc - back;
      // ReturnAddress(): the register on x86 and amd64, the instruction elsewhere.
      const returnAddress = w.cpu === 'x86' || w.cpu === 'amd64' ? f.pc : instruction;
      const mod = w.modules.find((m) => instruction >= m.base && instruction <= m.end);
      for (const i of [...pending, index]) out.set(`${thread}|${i}`, { pc: f.pc, instruction, returnAddress, mod, trust: i === index ? f.trust : 'inline record', physical: index });
      pending.length = 0;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// 1. Windows dumps.

const lines = [];
const dumps = readdirSync(join(corpus, 'user-windows')).filter((n) => n.endsWith('.dmp')).sort();
for (const dump of dumps) {
  const w = walk(join(corpus, 'user-windows', dump), join(corpus, 'symbols'));
  const at = lookups(w);
  for (const r of w.rows) {
    if (r.file === '' || r.line === undefined) continue;
    const l = at.get(`${r.thread}|${r.frame}`);
    if (!l || !l.mod) throw new Error(`${dump} ${r.thread}|${r.frame}: no register or module`);
    const sym = symPath(l.mod.debugFile, l.mod.debugId);
    if (!existsSync(join(corpus, sym))) throw new Error(`${dump}: ${sym} not in the corpus`);
    lines.push({
      dump,
      thread: r.thread,
      frameIndex: r.frame,
      module: r.module,
      cpu: w.cpu,
      debugFile: l.mod.debugFile,
      debugId: l.mod.debugId,
      sym,
      trust: l.trust,
      offsetInModule: hex(l.pc - l.mod.base),
      lookupOffset: hex(l.instruction - l.mod.base),
      lineOffset: hex(l.returnAddress - r.offset - l.mod.base),
      function: r.function,
      file: r.file,
      line: r.line,
    });
  }
}
writeFileSync(join(outDir, 'breakpad-lines.json'), `${JSON.stringify({ stackwalk: 'minidump_stackwalk (google/breakpad 418aacd6)', symbols: 'symbols', frames: lines }, null, 1)}\n`);
process.stderr.write(`breakpad-lines.json: ${lines.length} frames with a source line in ${new Set(lines.map((l) => l.dump)).size} dumps\n`);

// ---------------------------------------------------------------------------------------------
// 2. Synthetic INLINE cases on bp-linux_inline.dmp.

const MODULE = 'MODULE Linux x86_64 BBA6FA10B8AAB33D00000000000000000 linux_inline';
/** A FUNC around the scanned return address 0x289e (looked up at 0x289d), so that frame stays. */
const CALLER = ['FUNC 2800 200 0 caller_of_all', '2800 80 300 1', '2880 80 301 1', '2900 100 302 1'];

const CASES = [
  {
    name: 'nested-new-format',
    why: 'three nested INLINE records (new format, with call-site file ids): frames innermost first, each at the call site of the one inside it; the FUNC frame at the outermost call site',
    sym: [MODULE, 'FILE 0 /src/outer.cc', 'FILE 1 /src/caller.cc', 'FILE 2 /src/mid.h', 'FILE 3 /src/leaf.h',
      'INLINE_ORIGIN 0 mid_fn()', 'INLINE_ORIGIN 1 leaf_fn(int)', 'INLINE_ORIGIN 2 top_inline()',
      'FUNC 16000 400 0 outer_fn()',
      'INLINE 0 120 0 2 16100 200',
      'INLINE 1 55 2 0 16180 80',
      'INLINE 2 17 3 1 161a0 20',
      '16000 100 100 0', '16100 80 121 0', '16180 20 122 0', '161a0 10 7 3', '161b0 10 8 3', '161c0 240 130 0',
      ...CALLER],
  },
  {
    name: 'nested-old-format',
    why: 'INLINE records without call-site file ids (odd field count) and old INLINE_ORIGIN <id> <file id> <name>: every call site keeps the line record\'s file',
    sym: [MODULE, 'FILE 0 /src/old.cc', 'FILE 1 /src/old_leaf.h',
      'INLINE_ORIGIN 0 0 old_mid()', 'INLINE_ORIGIN 1 -1 old_leaf()',
      'FUNC 16000 400 0 old_outer()',
      'INLINE 0 40 0 16100 200',
      'INLINE 1 41 1 16180 80',
      '16000 1b0 10 0', '161b0 10 77 1', '161c0 240 11 0',
      ...CALLER],
  },
  {
    name: 'missing-origin-and-file',
    why: 'an origin id with no INLINE_ORIGIN record ("<name omitted>") and a call-site file id with no FILE record (keeps the line record\'s file)',
    sym: [MODULE, 'FILE 0 /src/m.cc', 'INLINE_ORIGIN 5 present()',
      'FUNC 16000 400 0 m_outer()',
      'INLINE 0 10 0 99 16100 200',
      'INLINE 1 20 77 5 16180 80',
      '16000 400 30 0',
      ...CALLER],
  },
  {
    name: 'equal-ranges-nest',
    why: 'equal ranges are kept (ContainedRangeMap with allow_equal_range) and the later one nests inside the earlier',
    sym: [MODULE, 'FILE 0 /src/e.cc', 'FILE 1 /src/e1.h', 'FILE 2 /src/e2.h', 'INLINE_ORIGIN 0 first_equal()', 'INLINE_ORIGIN 1 second_equal()', 'INLINE_ORIGIN 2 third_equal()',
      'FUNC 16000 400 0 e_outer()',
      'INLINE 0 1 0 0 16100 100',
      'INLINE 1 2 1 1 16100 100',
      'INLINE 1 3 2 2 16100 100',
      '16000 400 4 0',
      ...CALLER],
  },
  {
    name: 'partial-overlap-and-enclosing',
    why: 'a range partially overlapping a stored one is dropped; a range stored later that encloses stored ones becomes their parent',
    sym: [MODULE, 'FILE 0 /src/p.cc', 'INLINE_ORIGIN 0 inner_first()', 'INLINE_ORIGIN 1 overlapping()', 'INLINE_ORIGIN 2 enclosing_later()',
      'FUNC 16000 400 0 p_outer()',
      'INLINE 0 11 0 0 16180 40',
      'INLINE 0 12 0 1 16190 100',
      'INLINE 0 13 0 2 16100 200',
      '16000 400 14 0',
      ...CALLER],
  },
  {
    name: 'nest-level-skip',
    why: 'Function::AppendInline ignores a record whose nest level is more than one past the last added; later records are judged against the last added',
    sym: [MODULE, 'FILE 0 /src/s.cc', 'INLINE_ORIGIN 0 level0()', 'INLINE_ORIGIN 1 level3_ignored()', 'INLINE_ORIGIN 2 level1()',
      'FUNC 16000 400 0 s_outer()',
      'INLINE 0 21 0 0 16100 200',
      'INLINE 3 22 0 1 16180 80',
      'INLINE 1 23 0 2 16190 40',
      '16000 400 24 0',
      ...CALLER],
  },
  {
    name: 'duplicate-and-sparse-ids',
    why: 'the first FILE / INLINE_ORIGIN record of an id wins; ids may be sparse and large',
    sym: [MODULE, 'FILE 7 /src/first7.cc', 'FILE 7 /src/second7.cc', 'FILE 2000000000 /src/big_id.h',
      'INLINE_ORIGIN 1999999999 first_origin()', 'INLINE_ORIGIN 1999999999 second_origin()',
      'FUNC 16000 400 0 d_outer()',
      'INLINE 0 31 2000000000 1999999999 16100 200',
      '16000 400 32 7',
      ...CALLER],
  },
  {
    name: 'overlapping-line-records',
    why: 'line records go into an exclusive RangeMap: a record overlapping an earlier one is dropped, as is a zero-sized one',
    sym: [MODULE, 'FILE 0 /src/l.cc', 'FILE 1 /src/l_wrong.cc',
      'FUNC 16000 400 0 l_outer()',
      '16000 100 1 0',
      '161b6 0 2 1',
      '16100 c0 3 0',
      '16180 80 4 1',
      '161c0 240 5 0',
      ...CALLER],
  },
  {
    name: 'inline-without-line-record',
    why: 'inlines cover the address but no line record does: the FUNC frame still takes the outermost call site, the innermost inline has no file',
    sym: [MODULE, 'FILE 0 /src/n.cc', 'FILE 1 /src/n.h', 'INLINE_ORIGIN 0 n_mid()', 'INLINE_ORIGIN 1 n_leaf()',
      'FUNC 16000 400 0 n_outer()',
      'INLINE 0 51 0 0 16100 200',
      'INLINE 1 52 1 1 16180 80',
      '16000 100 50 0',
      ...CALLER],
  },
  {
    name: 'recursive-origins',
    why: 'the same origin inlined within itself (a -> b -> a) and the FUNC\'s own name as an origin: frames repeat, nothing loops',
    sym: [MODULE, 'FILE 0 /src/r.cc', 'INLINE_ORIGIN 0 r_outer()', 'INLINE_ORIGIN 1 r_b()',
      'FUNC 16000 400 0 r_outer()',
      'INLINE 0 61 0 0 16100 200',
      'INLINE 1 62 0 1 16140 100',
      'INLINE 2 63 0 0 16180 80',
      '16000 400 64 0',
      ...CALLER],
  },
  {
    name: 'one-record-two-nested-ranges',
    why: 'one INLINE record whose two ranges nest: both cover the address, so its frame appears twice',
    sym: [MODULE, 'FILE 0 /src/t.cc', 'INLINE_ORIGIN 0 twice()',
      'FUNC 16000 400 0 t_outer()',
      'INLINE 0 71 0 0 16100 200 16180 40',
      '16000 400 72 0',
      ...CALLER],
  },
  {
    name: 'crlf-and-hex-prefixes',
    why: 'CRLF line ends and 0x prefixes (strtoull base 16) in line and INLINE records',
    crlf: true,
    sym: [MODULE, 'FILE 0 /src/c.cc', 'FILE 1 /src/c.h', 'INLINE_ORIGIN 0 c_inl()',
      'FUNC 16000 400 0 c_outer()',
      'INLINE 0 81 0 0 0x16100 0x200',
      '0x16000 0x400 82 1',
      ...CALLER],
  },
  {
    name: 'records-separated-from-func',
    why: 'KNOWN DIFFERENCE: breakpad attaches line and INLINE records to the last FUNC even after a STACK line; dumptriage reads only the block right after the FUNC and counts these in `dropped`',
    knownDifference: true,
    sym: [MODULE, 'FILE 0 /src/x.cc', 'INLINE_ORIGIN 0 x_inl()',
      'FUNC 16000 400 0 x_outer()',
      'STACK CFI INIT 16000 400 .cfa: $rsp 8 + .ra: .cfa 8 - ^',
      'INLINE 0 91 0 0 16100 200',
      '16000 400 92 0',
      ...CALLER],
  },
];

const inlineDump = join(corpus, 'user-other', 'bp-linux_inline.dmp');
const tmp = mkdtempSync(join(tmpdir(), 'bp-inline-'));
const cases = [];
try {
  for (const c of CASES) {
    const dir = join(tmp, c.name);
    const symDir = join(dir, 'linux_inline', 'BBA6FA10B8AAB33D00000000000000000');
    mkdirSync(symDir, { recursive: true });
    const text = `${c.sym.join(c.crlf ? '\r\n' : '\n')}${c.crlf ? '\r\n' : '\n'}`;
    writeFileSync(join(symDir, 'linux_inline.sym'), text);
    const w = walk(inlineDump, dir);
    const at = lookups(w);
    const frames = [];
    for (const r of w.rows) {
      if (r.thread !== 0 || r.module !== 'linux_inline') continue;
      const l = at.get(`${r.thread}|${r.frame}`);
      frames.push({
        frameIndex: r.frame,
        inline: l.trust === 'inline record',
        physicalFrame: l.physical,
        lookupOffset: hex(l.instruction - l.mod.base),
        function: r.function,
        ...(r.file !== '' ? { file: r.file, line: r.line } : {}),
        // No line record covering the address leaves source_line_base 0: the printed offset is then absolute.
        ...(r.file !== '' && l.trust !== 'inline record' && l.returnAddress - r.offset >= l.mod.base ? { lineOffset: hex(l.returnAddress - r.offset - l.mod.base) } : {}),
      });
    }
    cases.push({ name: c.name, why: c.why, ...(c.knownDifference ? { knownDifference: true } : {}), sym: text, frames });
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
writeFileSync(join(outDir, 'breakpad-inlines.json'), `${JSON.stringify({ stackwalk: 'minidump_stackwalk (google/breakpad 418aacd6)', dump: 'user-other/bp-linux_inline.dmp', cases }, null, 1)}\n`);
process.stderr.write(`breakpad-inlines.json: ${cases.length} cases, ${cases.reduce((n, c) => n + c.frames.length, 0)} frames\n`);
