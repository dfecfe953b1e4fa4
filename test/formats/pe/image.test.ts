// PeImage: headers, sections, RVA mapping for files and mapped images, CodeView identity, exports,
// laziness, and hostile headers (typed errors from files, undefined + a warning in memory).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BytesSource, CountingSource, type ByteSource } from '../../../src/reader/byte-source.js';
import { FileSource } from '../../../src/reader/file-source.js';
import { DumpError, isDumpError, type DumpWarning } from '../../../src/errors.js';
import { PeMachine, openPeImageFile, openPeImageInMemory, type PeImage } from '../../../src/formats/pe/image.js';
import { Bytes, SparseMemory, SynthPe } from './build-pe.js';

const BASE = 0x7ff7_0000_0000n;

/** GUID 72E103A8-5CB2-4907-8B76-B2E7C06257B1 as stored (Data1-3 little-endian). */
const GUID = [0xa8, 0x03, 0xe1, 0x72, 0xb2, 0x5c, 0x07, 0x49, 0x8b, 0x76, 0xb2, 0xe7, 0xc0, 0x62, 0x57, 0xb1];

function ascii(s: string): number[] {
  return [...Buffer.from(`${s}\0`, 'latin1')];
}

/**
 * .text 0x1000 (0x800 mapped, a gap to 0x2000), .rdata 0x2000 (debug directory, RSDS record,
 * export directory), .bss 0x4000 (0x10 raw bytes, 0x3000 mapped: zeros).
 */
function synthImage(): Uint8Array {
  const pdb = 'C:\\build\\synth.pdb';
  const rdata = new Bytes();
  const cvSize = 24 + pdb.length + 1;
  rdata.u32(0).u32(0x5a5a1234).u16(0).u16(0).u32(2).u32(cvSize).u32(0x2040).u32(0x2040); // IMAGE_DEBUG_DIRECTORY
  rdata.at(0x40).u32(0x53445352).raw(GUID).u32(3).raw(ascii(pdb)); // RSDS
  rdata.at(0x100).u32(0).u32(0).u16(0).u16(0).u32(0x2180).u32(1).u32(3).u32(2).u32(0x2140).u32(0x2150).u32(0x2160); // export dir
  rdata.at(0x140).u32(0x1010).u32(0x1020).u32(0x2190); // functions (the third forwards)
  rdata.at(0x150).u32(0x21a0).u32(0x21b0); // names
  rdata.at(0x160).u16(0).u16(2); // name ordinals
  rdata.at(0x180).raw(ascii('synth.dll'));
  rdata.at(0x190).raw(ascii('KERNEL32.Sleep'));
  rdata.at(0x1a0).raw(ascii('Alpha'));
  rdata.at(0x1b0).raw(ascii('Gamma'));
  return new SynthPe({ machine: PeMachine.AMD64, imageBase: 0x180000000n, timestamp: 0x589dfd11 })
    .addSection({ name: '.text', rva: 0x1000, bytes: new Uint8Array(0x800).fill(0xcc), virtualSize: 0x800 })
    .addSection({ name: '.rdata', rva: 0x2000, bytes: rdata.bytes() })
    .addSection({ name: '.bss', rva: 0x4000, bytes: new Uint8Array(0x10).fill(0x11), virtualSize: 0x3000, characteristics: 0xc0000080 })
    .setDirectory(6, 0x2000, 28)
    .setDirectory(0, 0x2100, 0xc0)
    .build();
}

const FILE = synthImage();
const dir = mkdtempSync(join(tmpdir(), 'pe-image-'));
const path = join(dir, 'synth.dll');
writeFileSync(path, FILE);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Kind = 'FileSource' | 'BytesSource' | 'memory';
async function open(kind: Kind, bytes = FILE): Promise<{ image: PeImage; source?: ByteSource }> {
  if (kind === 'memory') {
    const img = await openPeImageInMemory(new SparseMemory().map(BASE, bytes).read, BASE);
    return { image: img! };
  }
  const source = kind === 'FileSource' ? await FileSource.open(path) : new BytesSource(bytes);
  return { image: await openPeImageFile(source), source };
}

describe.each<Kind>(['FileSource', 'BytesSource', 'memory'])('PeImage through %s', (kind) => {
  it('headers, sections, identity', async () => {
    const { image, source } = await open(kind);
    try {
      expect([image.machine, image.timestamp, image.sizeOfImage, image.is64]).toEqual([PeMachine.AMD64, 0x589dfd11, 0x7000, true]);
      expect(image.imageBase).toBe(0x180000000n);
      expect(image.loadAddress).toBe(kind === 'memory' ? BASE : 0x180000000n);
      expect(image.codeId).toBe('589DFD117000');
      expect(image.sections.map((s) => [s.name, s.rva, s.virtualSize, s.executable])).toEqual([
        ['.text', 0x1000, 0x800, true], ['.rdata', 0x2000, 0x1000, false], ['.bss', 0x4000, 0x3000, false],
      ]);
      expect([image.isExecutableRva(0x1000), image.isExecutableRva(0x17ff), image.isExecutableRva(0x1800), image.isExecutableRva(0x2000)]).toEqual([true, true, false, false]);
      expect(image.exceptionDirectory).toBeUndefined();
      expect(image.debugDirectory).toEqual({ rva: 0x2000, size: 28 });
      expect(await image.codeViewId()).toEqual({ pdbName: 'C:\\build\\synth.pdb', guid: '72E103A8-5CB2-4907-8B76-B2E7C06257B1', age: 3, debugId: '72E103A85CB249078B76B2E7C06257B13' });
    } finally {
      await source?.close();
    }
  });

  it('exports: names, an ordinal-only entry, a forwarder; naming an address by the nearest export', async () => {
    const { image, source } = await open(kind);
    try {
      expect(await image.exports()).toEqual([
        { ordinal: 1, rva: 0x1010, name: 'Alpha' },
        { ordinal: 2, rva: 0x1020 },
        { ordinal: 3, rva: 0x2190, forwarder: 'KERNEL32.Sleep', name: 'Gamma' },
      ]);
      expect(await image.findExport(0x1015)).toEqual({ export: { ordinal: 1, rva: 0x1010, name: 'Alpha' }, offset: 5 });
      expect((await image.findExport(0x1100))?.export.ordinal).toBe(2);
      expect(await image.findExport(0x1005)).toBeUndefined();
    } finally {
      await source?.close();
    }
  });

  it('RVA reads: inside sections, zeros past the raw data, nothing in gaps or past SizeOfImage', async () => {
    const { image, source } = await open(kind);
    try {
      expect(Array.from((await image.readRva(0x1000, 4))!)).toEqual([0xcc, 0xcc, 0xcc, 0xcc]);
      expect(Array.from((await image.readRva(0x4008, 16))!)).toEqual([...Array(8).fill(0x11), ...Array(8).fill(0)]);
      expect(Array.from((await image.readRva(0x6ff0, 16))!)).toEqual(Array(16).fill(0));
      expect(await image.readRva(0x7000, 1)).toBeUndefined();
      expect(await image.readRva(0x6fff, 2)).toBeUndefined();
      expect(await image.readRva(-1, 2)).toBeUndefined();
      if (kind !== 'memory') expect(await image.readRva(0x1900, 4)).toBeUndefined(); // the gap after .text
      expect(image.rvaOf(image.loadAddress + 0x1234n)).toBe(0x1234);
      expect(image.rvaOf(image.loadAddress + 0x7000n)).toBeUndefined();
      expect(image.rvaOf(image.loadAddress - 1n)).toBeUndefined();
    } finally {
      await source?.close();
    }
  });
});

describe('laziness', () => {
  it('open reads the headers only; small reads go through the page cache', async () => {
    const counting = new CountingSource(new BytesSource(FILE));
    const image = await openPeImageFile(counting);
    expect(counting.bytesRead).toBeLessThan(0x400);
    const before = counting.reads;
    await image.readRva(0x2040, 24);
    await image.readRva(0x2050, 8);
    await image.readRva(0x2100, 40);
    expect(counting.reads - before).toBe(1); // one 4 KiB page of .rdata
    await image.codeViewId();
    await image.codeViewId();
    expect(counting.reads - before).toBe(1);
  });

  it('a mapped image reads only what it needs, and tolerates the CodeView page being absent', async () => {
    const mem = new SparseMemory().map(BASE, FILE);
    mem.missingPages.add((BASE + 0x2000n) >> 12n);
    const image = await openPeImageInMemory(mem.read, BASE);
    expect(image).toBeDefined();
    expect(await image!.codeViewId()).toBeUndefined();
    expect(await image!.exports()).toBeUndefined();
    expect(mem.reads.every((r) => r.length <= 0x1000)).toBe(true);
  });

  it('a mapped image whose header page is absent is undefined, without a warning', async () => {
    const mem = new SparseMemory().map(BASE, FILE);
    mem.missingPages.add(BASE >> 12n);
    const warnings: DumpWarning[] = [];
    expect(await openPeImageInMemory(mem.read, BASE, { warnings })).toBeUndefined();
    expect(warnings).toEqual([]);
  });
});

describe('hostile headers', () => {
  function patch(edit: (b: Uint8Array, v: DataView) => void, bytes = FILE): Uint8Array {
    const b = bytes.slice();
    edit(b, new DataView(b.buffer));
    return b;
  }
  const lfanew = 0x80;
  const CASES: [string, Uint8Array, string, string, number][] = [
    ['not MZ', patch((b) => (b[0] = 0x4e)), 'BadSignature', 'IMAGE_DOS_HEADER', 0],
    ['e_lfanew far away', patch((_, v) => v.setUint32(0x3c, 0x20000, true)), 'OutOfBounds', 'IMAGE_DOS_HEADER', 0x3c],
    ['no PE signature', patch((b) => (b[lfanew] = 0x4e)), 'BadSignature', 'IMAGE_NT_HEADERS', lfanew],
    ['97 sections', patch((_, v) => v.setUint16(lfanew + 6, 97, true)), 'CountTooLarge', 'IMAGE_FILE_HEADER', lfanew + 6],
    ['65535 sections', patch((_, v) => v.setUint16(lfanew + 6, 0xffff, true)), 'CountTooLarge', 'IMAGE_FILE_HEADER', lfanew + 6],
    ['optional header magic 0x107', patch((_, v) => v.setUint16(lfanew + 24, 0x107, true)), 'BadValue', 'IMAGE_OPTIONAL_HEADER', lfanew + 24],
    ['SizeOfOptionalHeader 0x10', patch((_, v) => v.setUint16(lfanew + 20, 0x10, true)), 'BadValue', 'IMAGE_FILE_HEADER', lfanew + 20],
    ['SizeOfImage 0', patch((_, v) => v.setUint32(lfanew + 24 + 0x38, 0, true)), 'BadValue', 'IMAGE_OPTIONAL_HEADER', lfanew + 24 + 0x38],
  ];

  it.each(CASES)('%s: a typed error from a file, undefined and a warning in memory', async (_name, bytes, code, struct, offset) => {
    const err = await openPeImageFile(new BytesSource(bytes)).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(DumpError);
    expect((err as DumpError).code).toBe(code);
    expect((err as DumpError).struct).toBe(struct);
    expect((err as DumpError).offset).toBe(offset);
    const warnings: DumpWarning[] = [];
    expect(await openPeImageInMemory(new SparseMemory().map(BASE, bytes).read, BASE, { warnings })).toBeUndefined();
    expect(warnings.map((w) => w.code)).toEqual(['BadPeHeader']);
  });

  it('truncated at every 8 bytes of the headers: TruncatedDumpError (or a typed error), never a plain Error', async () => {
    const headerEnd = lfanew + 24 + 0xf0 + 3 * 40;
    for (let n = 0; n < headerEnd; n += 8) {
      const err = await openPeImageFile(new BytesSource(FILE.subarray(0, n))).then(() => undefined, (e: unknown) => e);
      expect(isDumpError(err), `cut at ${n}: ${String(err)}`).toBe(true);
    }
    // cut inside the section table: the headers decode, the section table is the truncation
    const err = await openPeImageFile(new BytesSource(FILE.subarray(0, headerEnd - 20))).then(() => undefined, (e: unknown) => e);
    expect((err as DumpError).code).toBe('Truncated');
  });

  it('zero-filled inputs of 1..513 bytes are typed errors', async () => {
    for (let n = 1; n <= 513; n += 16) {
      const err = await openPeImageFile(new BytesSource(new Uint8Array(n))).then(() => undefined, (e: unknown) => e);
      expect(isDumpError(err), `${n} zero bytes`).toBe(true);
      expect(['Truncated', 'BadSignature']).toContain((err as DumpError).code);
    }
  });

  it('huge debug-directory and export counts are bounded (no large reads)', async () => {
    const bytes = patch((_, v) => {
      v.setUint32(lfanew + 24 + 0x70 + 6 * 8 + 4, 0xffffff00, true); // debug directory size
      v.setUint32(0x2100 + 0x14, 0xffffffff, true); // NumberOfFunctions
      v.setUint32(0x2100 + 0x18, 0xffffffff, true); // NumberOfNames
    });
    const mem = new SparseMemory().map(BASE, bytes);
    const image = (await openPeImageInMemory(mem.read, BASE))!;
    expect((await image.codeViewId())?.age).toBe(3);
    expect(await image.exports()).toBeUndefined(); // 65 536 × 4 bytes at 0x2140 run past SizeOfImage
    expect(Math.max(...mem.reads.map((r) => r.length))).toBeLessThanOrEqual(0x1000);
  });
});
