// Records Google Breakpad's minidump_stackwalk view of the crashing thread of each Windows user
// dump in ../shared/corpus, for test/unwind/breakpad-parity.test.ts. Breakpad is built from source
// by hand (see test/unwind/README.md); nothing of it is committed, only the frames it printed.
//
//   node scripts/record-breakpad.mjs PATH/TO/minidump_stackwalk > test/unwind/expected/breakpad-frames.json
//
// Per dump: the crashing thread's index and its first 32 frames: module, the frame's instruction
// register (pc/rip/eip: for a caller, the return address), its offset in the module, and how
// breakpad found it (context | cfi | frame-pointer | scan), and the function name it gave, if any.

import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const corpus = process.env.DUMPTRIAGE_SHARED ? join(process.env.DUMPTRIAGE_SHARED, 'corpus') : join(root, '..', 'shared', 'corpus');
const stackwalk = process.argv[2];
const FOUND_BY = {
  'given as instruction pointer in context': 'context',
  'call frame info': 'cfi',
  'call frame info with scanning': 'cfi-scan',
  'previous frame\'s frame pointer': 'frame-pointer',
  'stack scanning': 'scan',
  // amd64, first caller only: [rsp] taken as the return address of a leaf (breakpad's FRAME_TRUST_LEAF).
  'simulating a return from leaf function': 'leaf',
};
const PC = /(?:^|\s)(?:eip|rip|pc) = (0x[0-9a-f]+)/m;

function parse(text) {
  const modules = [];
  const modSection = text.split('\nLoaded modules:\n')[1] ?? '';
  for (const line of modSection.split('\n')) {
    const m = /^(0x[0-9a-f]+) - (0x[0-9a-f]+)\s+(\S+)/.exec(line);
    if (m) modules.push({ start: BigInt(m[1]), end: BigInt(m[2]), name: m[3] });
  }
  // With no exception breakpad names no crashed thread and prints thread 0 first.
  const crashed = /\nThread (\d+)( \(crashed\))?\n([\s\S]*?)(?=\n\nThread |\n\nLoaded modules:)/.exec(text);
  if (!crashed) return undefined;
  const frames = [];
  const blocks = crashed[3].split(/\n(?= {0,2}\d+ {2})/);
  for (const b of blocks) {
    const head = /^ {0,2}(\d+) {2}(.*)$/m.exec(b);
    if (!head) continue;
    const pcm = PC.exec(b);
    const found = /Found by: (.*)$/m.exec(b);
    if (!pcm || !found) continue;
    const pc = BigInt(pcm[1]);
    const mod = modules.find((m) => pc >= m.start && pc <= m.end);
    // "module!function [file : line + 0x..]" or "module!function + 0x..": the name breakpad gave.
    const named = /^[^!\s]+!(.+?)(?: \[.* : \d+ \+ 0x[0-9a-f]+\]| \+ 0x[0-9a-f]+)?$/.exec(head[2].trim());
    frames.push({
      index: Number(head[1]),
      function: named ? named[1] : null,
      module: mod?.name ?? null,
      address: `0x${pc.toString(16)}`,
      offset: mod ? `0x${(pc - mod.start).toString(16)}` : null,
      trust: FOUND_BY[found[1].trim()] ?? found[1].trim(),
    });
    if (frames.length >= 32) break;
  }
  return { threadIndex: Number(crashed[1]), crashed: crashed[2] !== undefined, frames };
}

const out = {};
const dir = join(corpus, 'user-windows');
for (const f of readdirSync(dir).filter((n) => n.endsWith('.dmp')).sort()) {
  const text = execFileSync(stackwalk, [join(dir, f), join(corpus, 'symbols')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 << 20 });
  const r = parse(text);
  if (r) out[f] = r;
}
process.stdout.write(`${JSON.stringify(out, null, 1)}\n`);
