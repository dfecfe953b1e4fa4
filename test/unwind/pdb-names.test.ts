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
import { buildPeImage, debugDirectoryWithCodeView, SCN_RDATA, SCN_TEXT } from '../synth/pe-image.js';
import { guidBytes } from '../synth/minidump.js';

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

/** The module's image (x86, TimeDateStamp 0x5f000000, 0x20000 bytes) with a CodeView record naming the PDB. */
function image() {
  const dbg = debugDirectoryWithCodeView(0x3000, { name: 'c:\\build\\dump_syms_regtest.pdb', guidBytes: guidBytes(GUID), age: 1 });
  return buildPeImage({
    machine: 'x86',
    base: BASE,
    sizeOfImage: 0x20000,
    timestamp: 0x5f000000,
    sections: [
      { name: '.text', rva: 0x1000, bytes: new Uint8Array(0x2000).fill(0x90), characteristics: SCN_TEXT },
      { name: '.rdata', rva: 0x3000, bytes: dbg.bytes, characteristics: SCN_RDATA },
    ],
    debug: dbg.directory,
  });
}

/** A kernel-small-dump-like module list: name, base, size and timestamp, no CodeView record; the image's pages in memory or not. */
function dumpWithoutCodeView(withImage: boolean): Uint8Array {
  const stack = new Uint8Array(0x100);
  const d = new SynthMinidump({ arch: 'x86', timestamp: 1_700_000_000 })
    .addSystemInfo({ arch: 'x86', major: 10, minor: 0, build: 19045, cpus: 2 })
    .addModule({ name: 'C:\\test\\dump_syms_regtest.exe', base: BASE, size: 0x20000, timestamp: 0x5f000000 })
    .addThread({ id: 1, context: { eip: BASE + 0x10c5n, esp: 0x10000n, ebp: 0 }, stack: { start: 0x10000n, bytes: stack } })
    .addException({ threadId: 1, code: 0xc0000005, address: BASE + 0x10c5n, parameters: [1n, 0n] });
  if (withImage) for (const p of image().pages) d.addMemory(p.address, p.bytes);
  return d.build();
}

/** The image as a file (its sections at their RVAs: the synthetic layout mirrors the mapping). */
function imageFile(): Uint8Array {
  const img = image();
  const out = new Uint8Array(img.sizeOfImage);
  for (const p of img.pages) out.set(p.bytes, Number(p.address - BASE));
  return out;
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

  it('a module without a CodeView record: its image (in the dump, or by TimeDateStamp and SizeOfImage on the symbol path) names its PDB', async () => {
    const inMemory = join(dir, 'nocv-mem.dmp');
    writeFileSync(inMemory, dumpWithoutCodeView(true));
    let r = await triageFile(inMemory, { symbolPaths: [store] });
    expect(r.verdict.frames[0]).toMatchObject({ function: 'google_breakpad::C::set_member(int)', functionSource: 'pdb' });
    const bare = join(dir, 'nocv.dmp');
    writeFileSync(bare, dumpWithoutCodeView(false));
    r = await triageFile(bare, { symbolPaths: [store] });
    expect(r.verdict.frames[0]!.function).toBeUndefined();
    mkdirSync(join(store, 'dump_syms_regtest.exe', '5F00000020000'), { recursive: true });
    writeFileSync(join(store, 'dump_syms_regtest.exe', '5F00000020000', 'dump_syms_regtest.exe'), imageFile());
    await closeSymbolSources();
    r = await triageFile(bare, { symbolPaths: [store] });
    expect(r.verdict.frames[0]).toMatchObject({ function: 'google_breakpad::C::set_member(int)', functionSource: 'pdb' });
    expect(r.verdict.bucketId).toBe('NULL_POINTER_WRITE_c0000005_dump_syms_regtest.exe!google_breakpad::C::set_member');
  });

  it('a PDB of another build is not used', async () => {
    const r = await triageFile(other, { symbolPaths: [flat], verbose: true });
    expect(r.verdict.frames[0]!.function).toBeUndefined();
    expect(r.modules[0]!.symbols!.status).toBe('missing');
    expect(r.symbolLookups!.some((l) => l.kind === 'pdb' && (l.result === 'mismatch' || l.result === 'corrupt'))).toBe(true);
  });
});
