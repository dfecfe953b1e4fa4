// Records every frame Google Breakpad's minidump_stackwalk names (all threads) in the Windows user
// dumps of ../shared/corpus, with ../shared/corpus/symbols as its symbol path, for
// test/unwind/breakpad-names.test.ts. Breakpad is built from source by hand (test/unwind/README.md);
// nothing of it is committed, only the names it printed.
//
//   node scripts/record-breakpad-names.mjs PATH/TO/minidump_stackwalk > test/unwind/expected/breakpad-names.json
//
// One row per named frame: thread index, frame index, module, the frame's instruction register
// (for a caller: the return address) and its module offset, and the name breakpad printed.

import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const corpus = process.env.DUMPTRIAGE_SHARED ? join(process.env.DUMPTRIAGE_SHARED, 'corpus') : join(root, '..', 'shared', 'corpus');
const stackwalk = process.argv[2];
const PC = /(?:^|\s)(?:eip|rip|pc) = (0x[0-9a-f]+)/m;

function parse(text) {
  const modules = [];
  for (const line of (text.split('\nLoaded modules:\n')[1] ?? '').split('\n')) {
    const m = /^(0x[0-9a-f]+) - (0x[0-9a-f]+)\s+(\S+)/.exec(line);
    if (m) modules.push({ start: BigInt(m[1]), end: BigInt(m[2]), name: m[3] });
  }
  const rows = [];
  for (const t of text.matchAll(/(?:^|\n)Thread (\d+)(?: \(crashed\))?\n([\s\S]*?)(?=\n\nThread |\n\nLoaded modules:|$)/g)) {
    for (const b of t[2].split(/\n(?= {0,2}\d+ {2})/)) {
      const head = /^ {0,2}(\d+) {2}(.*)$/m.exec(b);
      const pcm = PC.exec(b);
      if (!head || !pcm) continue;
      const named = /^[^!\s]+!(.+?)(?: \[.* : \d+ \+ 0x[0-9a-f]+\]| \+ 0x[0-9a-f]+)?$/.exec(head[2].trim());
      if (!named) continue;
      const pc = BigInt(pcm[1]);
      const mod = modules.find((m) => pc >= m.start && pc <= m.end);
      rows.push([Number(t[1]), Number(head[1]), mod?.name ?? null, `0x${pc.toString(16)}`, mod ? `0x${(pc - mod.start).toString(16)}` : null, named[1]]);
    }
  }
  return rows;
}

const out = {};
const dir = join(corpus, 'user-windows');
for (const f of readdirSync(dir).filter((n) => n.endsWith('.dmp')).sort()) {
  let text;
  try {
    text = execFileSync(stackwalk, [join(dir, f), join(corpus, 'symbols')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 << 20 });
  } catch {
    continue;
  }
  const rows = parse(text);
  if (rows.length > 0) out[f] = rows;
}
// One frame per line: [thread, frame, module, address, offset, function].
const lines = Object.entries(out).map(([f, rows]) => ` ${JSON.stringify(f)}: [\n${rows.map((r) => `  ${JSON.stringify(r)}`).join(',\n')}\n ]`);
process.stdout.write(`{\n${lines.join(',\n')}\n}\n`);
