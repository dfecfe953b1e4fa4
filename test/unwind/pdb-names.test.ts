// Frames named from a PDB found on the symbol path: a synthetic x86 dump whose module is the one
// Breakpad's dump_syms_regtest.pdb describes (../shared/corpus/pdb, copied to a temporary store at
// test time), in a symstore layout, a flat folder, and on a local HTTP symbol server; a PDB of
// another build is refused (GUID/age mismatch) and the module's symbols say so.

import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SynthMinidump } from '../synth/minidump.js';
import { triageFile, closeSymbolSources } from '../../src/triage-file.js';
import { closeSymbolPathBinaries } from '../../src/unwind/symbol-path.js';
import { corpusOrSkipMessage, corpusPath } from '../helpers/corpus.js';
import { startServer } from '../symbols/helpers.js';

const ID = '9214611565FA4C538FE724A797B860F71';
const GUID = '92146115-65FA-4C53-8FE7-24A797B860F7';
const BASE = 0x400000n;

function dump(guid = GUID): Uint8Array {
  const stack = new Uint8Array(0x100);
  return new SynthMinidump({ arch: 'x86', timestamp: 1_700_000_000 })
    .addSystemInfo({ arch: 'x86', major: 10, minor: 0, build: 19045, cpus: 2 })
    .addModule({ name: 'C:\\test\\dump_syms_regtest.exe', base: BASE, size: 0x20000, pdb: { name: 'c:\\build\\dump_syms_regtest.pdb', guid, age: 1 } })
    .addThread({ id: 1, context: { eip: BASE + 0x10c5n, esp: 0x10000n, ebp: 0 }, stack: { start: 0x10000n, bytes: stack } })
    .addException({ threadId: 1, code: 0xc0000005, address: BASE + 0x10c5n, parameters: [1n, 0n] })
    .build();
}

describe.runIf(corpusOrSkipMessage())('names from a PDB', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dt-pdbnames-'));
  const file = join(dir, 'crash.dmp');
  writeFileSync(file, dump());
  const other = join(dir, 'other.dmp');
  writeFileSync(other, dump('92146115-65FA-4C53-8FE7-24A797B860F8'));
  const store = join(dir, 'store');
  mkdirSync(join(store, 'dump_syms_regtest.pdb', ID), { recursive: true });
  copyFileSync(corpusPath('pdb', 'dump_syms_regtest.pdb'), join(store, 'dump_syms_regtest.pdb', ID, 'dump_syms_regtest.pdb'));
  const flat = join(dir, 'flat');
  mkdirSync(flat);
  copyFileSync(corpusPath('pdb', 'dump_syms_regtest.pdb'), join(flat, 'dump_syms_regtest.pdb'));
  afterAll(async () => {
    await closeSymbolSources();
    await closeSymbolPathBinaries();
    rmSync(dir, { recursive: true, force: true });
  });

  const check = async (opts: Record<string, unknown>) => {
    const r = await triageFile(file, opts);
    expect(r.verdict.frames[0]).toMatchObject({ function: 'google_breakpad::C::set_member(int)', functionOffset: '0x5', functionSource: 'pdb' });
    expect(r.verdict.frames[0]!.file).toMatch(/dump_syms_regtest\.cc$/);
    expect(r.verdict.bucketId).toBe('NULL_POINTER_WRITE_c0000005_dump_syms_regtest.exe!google_breakpad::C::set_member');
    expect(r.modules[0]!.symbols).toMatchObject({ status: 'loaded', kind: 'pdb' });
    return r;
  };

  it('from a symstore (NAME.pdb/GUIDAGE/NAME.pdb)', async () => {
    await check({ symbolPaths: [store] });
  });

  it('from a flat folder, checked by the GUID and age inside', async () => {
    await check({ symbolPaths: [flat] });
  });

  it('from an HTTP symbol server, downloaded once into the cache', async () => {
    const server = await startServer(store);
    try {
      await check({ symbolPaths: [server.url], symbolCacheDir: join(dir, 'cache') });
      await check({ symbolPaths: [server.url], symbolCacheDir: join(dir, 'cache') });
      expect(server.count(`/dump_syms_regtest.pdb/${ID}/dump_syms_regtest.pdb`)).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('a PDB of another build is not used', async () => {
    const r = await triageFile(other, { symbolPaths: [flat], verbose: true });
    expect(r.verdict.frames[0]!.function).toBeUndefined();
    expect(r.modules[0]!.symbols!.status).toBe('missing');
    expect(r.symbolLookups!.some((l) => l.kind === 'pdb' && (l.result === 'mismatch' || l.result === 'corrupt'))).toBe(true);
  });
});
