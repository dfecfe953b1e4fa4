// Translation edge cases, the sparse 64 GiB complete dump, encoded KDBG, hostile module lists.
import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BytesSource, CountingSource } from '../../../src/reader/byte-source.js';
import { FileSource } from '../../../src/reader/file-source.js';
import { decodeEncodedKdbg, decodeKdbg, openKernelDump, type KernelDumpFile } from '../../../src/formats/kernel/index.js';
import { SynthKernelDump, encodeKdbgBlock } from '../../synth/kernel.js';
import { populate } from './populate.js';

async function openBytes(s: SynthKernelDump): Promise<KernelDumpFile> {
  return (await openKernelDump(new CountingSource(new BytesSource(s.build())), s.bits, {})) as KernelDumpFile;
}

const pattern = (seed: number, n = 0x1000): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

describe('virtual address translation', () => {
  it.each([
    ['x64 2 MiB', { arch: 'x64' as const }, '2M' as const, 0xfffff806_00000000n],
    ['x64 1 GiB', { arch: 'x64' as const }, '1G' as const, 0xfffff807_40000000n],
    ['PAE 2 MiB', { arch: 'x86' as const, pae: true }, '2M' as const, 0xa0000000n],
    ['x86 4 MiB', { arch: 'x86' as const, pae: false }, '4M' as const, 0xa0000000n],
    ['ARM64 2 MiB block', { arch: 'arm64' as const }, '2M' as const, 0xfffff806_00000000n],
  ])('large pages: %s', async (_n, o, kind, va) => {
    const s = populate(new SynthKernelDump({ ...o, dumpType: 1, build: 7601, ...(kind === '1G' ? { runs: [{ basePage: 0, pageCount: 0x800 }, { basePage: 0x40000, pageCount: 0x400 }] } : {}) }));
    const base = 0x400; // PFN of the large page, 2 MiB / 4 MiB / 1 GiB aligned enough for the masks
    s.mapLarge(va, kind, kind === '1G' ? 0x40000 : base);
    const off = 0x12345n & ~0xfffn;
    s.writeVirtual(va + off + 0x10n, pattern(3, 32));
    const d = await openBytes(s);
    const f = await d.facts();
    expect(await f.memory.read(va + off + 0x10n, 32)).toEqual(pattern(3, 32));
    // Inside the large page but never written: that physical page is not in the dump → missing.
    if (kind !== '1G') expect(await f.memory.read(va + 0x1000n * 100n, 8)).toBeUndefined();
    await d.close();
  });

  it('reads across page boundaries, reports missing pages as missing, follows transition PTEs, masks PCID', async () => {
    const s = populate(new SynthKernelDump({ dumpType: 1, pcid: 0x5 }));
    const va = 0xfffff805_00000000n;
    s.writeVirtual(va, pattern(1, 0x2000));
    const tp = s.allocPfn();
    s.mapPage(va + 0x3000n, tp, { transition: true });
    s.writeVirtual(va + 0x3000n, pattern(9, 16));
    s.mapPage(va + 0x4000n, 0x7ffff); // PFN outside every run: not in the dump
    const d = await openBytes(s);
    const m = (await d.facts()).memory;
    expect(await m.read(va + 0xff8n, 16)).toEqual(pattern(1, 0x2000).subarray(0xff8, 0x1008));
    expect(await m.read(va + 0x1ff8n, 16)).toBeUndefined(); // second half unmapped
    expect((await m.readPrefix(va + 0x1ff8n, 16)).length).toBe(8);
    expect(await m.read(va + 0x3000n, 16)).toEqual(pattern(9, 16));
    expect(await m.read(va + 0x4000n, 8)).toBeUndefined();
    expect(await m.read(0x0000_8000_0000_0000n, 8)).toBeUndefined(); // non-canonical
    expect(await m.fileOffsetOf!(va)).toBeGreaterThan(0x2000);
    await d.close();
  });

  it('caps translation at LIMITS.maxPagesTranslated with a warning', async () => {
    const { LIMITS } = await import('../../../src/limits.js');
    const s = populate(new SynthKernelDump({ dumpType: 1 }));
    const d = await openBytes(s);
    const m = (await d.facts()).memory;
    for (let i = 0; i <= LIMITS.maxPagesTranslated; i += 1) await m.read(0xfffff900_00000000n + BigInt(i) * 0x1000n, 1);
    expect(d.warnings.map((w) => w.code)).toContain('TranslationCapped');
    await d.close();
  }, 120_000);
});

describe('KDBG', () => {
  const keys = { kiWaitNever: 0x1234_5678_9abc_def1n, kiWaitAlways: 0x0fed_cba9_8765_4321n, kdpDataBlockEncoded: 0xfffff804_7c6fc3a0n };
  it('round-trips the encoding scheme', () => {
    const s = new SynthKernelDump({ dumpType: 1 });
    const plain = s.kdbgBytes({ kernBase: 0xfffff804_7ba00000n, psLoadedModuleList: 0xfffff804_7c62a390n });
    const enc = encodeKdbgBlock(plain, keys);
    expect(decodeKdbg(enc, 0, 64).state).toBe('encoded');
    const back = decodeKdbg(decodeEncodedKdbg(enc, keys), 0, 64);
    expect(back.state).toBe('decoded');
    expect(back.fields!.kernBase).toBe(0xfffff804_7ba00000n);
  });
  it('an encoded block in a full dump falls back to the header list head, with a warning', async () => {
    const s = populate(new SynthKernelDump({ dumpType: 1, kdbgEncoded: keys }));
    const d = await openBytes(s);
    const f = await d.facts();
    expect((f.extra.kernel as Record<string, unknown>).kdbgState).toBe('encoded');
    expect(d.warnings.map((w) => w.code)).toContain('KdbgEncoded');
    expect(f.modules.map((m) => m.name)).toEqual(['ntoskrnl.exe', 'hal.dll', 'amdppm.sys']);
    await d.close();
  });
  it('x86 KDBG pointers are sign-extended in the block and masked on read', async () => {
    const s = populate(new SynthKernelDump({ arch: 'x86', dumpType: 1, build: 7601 }));
    const d = await openBytes(s);
    const k = await d.kdbg();
    expect(k.fields!.psLoadedModuleList).toBe(s.addresses.psLoadedModuleList);
    await d.close();
  });
});

describe('hostile module lists', () => {
  it('stops on a cycle with a warning', async () => {
    const s = populate(new SynthKernelDump({ dumpType: 1 }));
    const d0 = await openBytes(s);
    await d0.facts();
    await d0.close();
    // Point entry 2's Flink back at entry 0.
    const first = s.addresses.psLoadedModuleList!;
    const bytes = s.build();
    const d1 = (await openKernelDump(new CountingSource(new BytesSource(bytes)), 64, {})) as KernelDumpFile;
    const headBytes = await (await d1.facts()).memory.read(first, 8);
    const e0 = new DataView(headBytes!.buffer, headBytes!.byteOffset).getBigUint64(0, true);
    await d1.close();
    const s2 = populate(new SynthKernelDump({ dumpType: 1 }));
    s2.layout();
    // entries are 0xa0 apart in the builder's heap; the last Flink sits at entry2 + 0
    s2.writeVirtual(e0 + 0xa0n * 2n, (() => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, e0, true); return b; })());
    const d2 = await openBytes(s2);
    const f = await d2.facts();
    expect(f.modules).toHaveLength(3);
    expect(d2.warnings.map((w) => w.code)).toContain('ModuleListCycle');
    await d2.close();
  });
});

describe('sparse 64 GiB complete dump', () => {
  it('triages while reading under 1 MiB', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dt-k64-'));
    try {
      const s = populate(new SynthKernelDump({ dumpType: 1, ramPages: 16 * 1024 * 1024, bugcheck: { code: 0x133, args: [1, 0x1e00, 0xfffff804_7c6fb320n, 0] } }));
      const path = join(dir, 'MEMORY.DMP');
      const size = await s.writeFile(path);
      expect(size).toBeGreaterThan(64 * 1024 ** 3);
      const src = new CountingSource(await FileSource.open(path));
      const d = (await openKernelDump(src, 64, {})) as KernelDumpFile;
      const f = await d.facts();
      expect(f.dumpType).toBe('complete');
      expect(f.bugcheck?.code).toBe(0x133);
      expect(f.modules.map((m) => m.name)).toEqual(['ntoskrnl.exe', 'hal.dll', 'amdppm.sys']);
      expect(f.process?.name).toBe('System');
      expect(src.bytesRead).toBeLessThan(1024 * 1024);
      await d.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it('a bitmap dump of 64 GiB with every page present reads the bitmap in bounded chunks', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dt-k64b-'));
    try {
      const s = populate(new SynthKernelDump({ dumpType: 5, bitmapSignature: 'FDMP', allPresent: true, ramPages: 16 * 1024 * 1024 }));
      const path = join(dir, 'MEMORY.DMP');
      await s.writeFile(path);
      const src = new CountingSource(await FileSource.open(path));
      const d = (await openKernelDump(src, 64, {})) as KernelDumpFile;
      const f = await d.facts();
      expect(f.dumpType).toBe('bitmap-complete');
      expect(f.modules).toHaveLength(3);
      expect(src.bytesRead).toBeLessThan(1024 * 1024);
      await d.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('incomplete dumps', () => {
  it('a triage dump without the TRGD marker is analysed with a warning', async () => {
    const s = populate(new SynthKernelDump({ dumpType: 4, noValidMarker: true }));
    const d = await openBytes(s);
    const f = await d.facts();
    expect(f.modules).toHaveLength(3);
    expect(d.warnings.map((w) => w.code)).toContain('IncompleteTriageDump');
    await d.close();
  });
  it('a full dump shorter than RequiredDumpSpace keeps what is there', async () => {
    const s = populate(new SynthKernelDump({ dumpType: 1, ramPages: 0x2000 }));
    const full = s.build();
    const d = (await openKernelDump(new CountingSource(new BytesSource(full.subarray(0, full.length - 0x10000))), 64, {})) as KernelDumpFile;
    const f = await d.facts();
    expect(f.bugcheck?.code).toBe(0x7e);
    expect(d.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['TruncatedDump', 'TruncatedPages']));
    await d.close();
  });
});
