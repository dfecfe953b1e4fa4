// llvm-pdbutil as a second oracle: what LLVM reads from two corpus PDBs (recorded in
// expected/llvm-pdbutil/, command in its README.md) against what openPdb reads: the GUID and age,
// every module name in order, and every public symbol (record offset, name, section:offset,
// flags).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileSource } from '../../../src/reader/file-source.js';
import { openPdb, type PdbFile } from '../../../src/formats/pdb/pdb-file.js';
import { corpusOrSkipMessage, corpusPath } from '../../helpers/corpus.js';

const haveCorpus = corpusOrSkipMessage();
const expected = join(dirname(fileURLToPath(import.meta.url)), 'expected', 'llvm-pdbutil');

interface LlvmDump {
  guid: string;
  age: number;
  modules: string[];
  publics: Map<number, { name: string; section: number; offset: number; flags: number }>;
}

const FLAG_BITS: Record<string, number> = { none: 0, code: 1, function: 2, managed: 4, msil: 8 };

/** The parts of `llvm-pdbutil dump -summary -publics -modules` we compare. */
function readDump(file: string): LlvmDump {
  const text = readFileSync(join(expected, file), 'utf8').split('\n');
  const out: LlvmDump = { guid: '', age: -1, modules: [], publics: new Map() };
  for (let i = 0; i < text.length; i++) {
    const line = text[i]!;
    let m = /^\s*GUID: (\{[0-9A-F-]+\})$/.exec(line);
    if (m) out.guid = m[1]!;
    m = /^\s*Age: (\d+)$/.exec(line);
    if (m) out.age = Number(m[1]);
    m = /^\s*Mod (\d{4}) \| `(.*)`:\s*$/.exec(line);
    if (m) {
      expect(Number(m[1])).toBe(out.modules.length);
      out.modules.push(m[2]!);
    }
    m = /^\s*(\d+) \| S_PUB32 \[size = \d+\] `(.*)`$/.exec(line);
    if (m) {
      const f = /^\s*flags = (.*), addr = (\d{4}):(\d+)$/.exec(text[i + 1]!);
      expect(f, text[i + 1]).not.toBeNull();
      const flags = f![1]!.split(' | ').reduce((n, w) => n | FLAG_BITS[w]!, 0);
      out.publics.set(Number(m[1]), { name: m[2]!, section: Number(f![2]), offset: Number(f![3]), flags });
    }
  }
  return out;
}

describe.skipIf(!haveCorpus).each([
  ['dump_syms_regtest', 106, 550],
  ['dump_syms_regtest64', 144, 1058],
])('%s.pdb against llvm-pdbutil', (name, modules, publics) => {
  let pdb: PdbFile;
  let llvm: LlvmDump;
  beforeAll(async () => {
    pdb = await openPdb(await FileSource.open(corpusPath('pdb', `${name}.pdb`)));
    llvm = readDump(`${name}.txt`);
  });
  afterAll(() => pdb?.close());

  it('reads the same GUID and age', () => {
    expect(pdb.guid).toBe(llvm.guid);
    expect(pdb.age).toBe(llvm.age);
  });

  it('reads the same modules, in order', () => {
    expect(llvm.modules.length).toBe(modules);
    expect(pdb.moduleNames).toEqual(llvm.modules);
  });

  it('reads the same public symbols: record offset, name, section, offset and flags', async () => {
    const mine = await pdb.listRawPublics();
    expect(llvm.publics.size).toBe(publics);
    expect(mine.length).toBe(publics);
    let same = 0;
    for (const p of mine) {
      const l = llvm.publics.get(p.record);
      if (l && l.name === p.name && l.section === p.section && l.offset === p.offset && l.flags === p.flags) same++;
    }
    expect(same).toBe(publics);
  });
});
