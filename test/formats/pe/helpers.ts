// Shared by the PE tests: opening an image through each source kind, mapping a file's sections to
// their RVAs (to test the in-memory reader on real images), and a synthetic stack whose every
// 8-byte word names its own address.

import { readFileSync } from 'node:fs';
import { BytesSource, type ByteSource } from '../../../src/reader/byte-source.js';
import { FileSource } from '../../../src/reader/file-source.js';
import { openPeImageFile, openPeImageInMemory, type PeImage } from '../../../src/formats/pe/image.js';
import type { ReadMemory } from '../../../src/unwind/types.js';

export type SourceKind = 'FileSource' | 'BytesSource' | 'memory';
export const SOURCE_KINDS: SourceKind[] = ['FileSource', 'BytesSource', 'memory'];

/** The image as the section table maps it (what a loader puts in memory), from the file's bytes. */
export function mapSections(file: Uint8Array): Uint8Array {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const lfanew = v.getUint32(0x3c, true);
  const nSections = v.getUint16(lfanew + 6, true);
  const optSize = v.getUint16(lfanew + 20, true);
  const opt = lfanew + 24;
  const sizeOfImage = v.getUint32(opt + 0x38, true);
  const sizeOfHeaders = v.getUint32(opt + 0x3c, true);
  const out = new Uint8Array(sizeOfImage);
  out.set(file.subarray(0, Math.min(sizeOfHeaders, file.length)));
  for (let i = 0; i < nSections; i++) {
    const sh = opt + optSize + 40 * i;
    const vsize = v.getUint32(sh + 8, true);
    const va = v.getUint32(sh + 12, true);
    const rawSize = v.getUint32(sh + 16, true);
    const rawPtr = v.getUint32(sh + 20, true);
    const n = Math.min(rawSize, vsize || rawSize, sizeOfImage - va);
    out.set(file.subarray(rawPtr, rawPtr + n), va);
  }
  return out;
}

/** A ReadMemory over `mapped` at `base` (all or nothing), plus extra words (the stack). */
export function memoryOf(regions: { base: bigint; bytes: Uint8Array }[]): ReadMemory {
  return async (address, length) => {
    for (const r of regions) {
      if (address >= r.base && address + BigInt(length) <= r.base + BigInt(r.bytes.length)) {
        const off = Number(address - r.base);
        return r.bytes.subarray(off, off + length);
      }
    }
    return undefined;
  };
}

export interface Opened {
  image: PeImage;
  close(): Promise<void>;
}

/** Open `path` as a PE image through `kind`; in 'memory' the mapped image sits at `base`. */
export async function openImage(path: string, kind: SourceKind, base?: bigint): Promise<Opened> {
  if (kind === 'memory') {
    const bytes = mapSections(readFileSync(path));
    const b = base ?? 0x7ff6_0000_0000n;
    const image = await openPeImageInMemory(memoryOf([{ base: b, bytes }]), b);
    if (!image) throw new Error(`${path}: not opened in memory`);
    return { image, close: async () => {} };
  }
  const source: ByteSource = kind === 'FileSource' ? await FileSource.open(path) : new BytesSource(new Uint8Array(readFileSync(path)), path);
  try {
    const image = await openPeImageFile(source, base === undefined ? {} : { loadAddress: base });
    return { image, close: () => source.close() };
  } catch (e) {
    await source.close();
    throw e;
  }
}

/** Value stored at stack address `a` by `stackMemory`: the address tagged in its top byte. */
export function stackValue(a: bigint): bigint {
  return 0x5500_0000_0000_0000n | a;
}

/** A stack of `size` bytes at `base` whose words hold stackValue(their address). */
export function stackMemory(base: bigint, size: number): { base: bigint; bytes: Uint8Array } {
  const bytes = new Uint8Array(size);
  const v = new DataView(bytes.buffer);
  for (let i = 0; i + 8 <= size; i += 8) v.setBigUint64(i, stackValue(base + BigInt(i)), true);
  return { base, bytes };
}
