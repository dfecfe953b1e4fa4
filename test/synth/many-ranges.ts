// Hostile minidumps with legal maximal memory tables (issue 18, finding 1): the data really is
// present, so the fuzzer's clamping to the bytes in the file never shrinks them.
//
//   manyRangesMinidump(n)   MemoryList of n descriptors, distinct page addresses, all pointing
//                           at ONE shared 4 KiB block (n = 10^6: a 16 MB file)
//   manyInfoMinidump(n)     MemoryInfoList of n 48-byte entries (n = 10^6: 48 MB)
//   manyMemory64Head(n)     the head of a Memory64List dump whose n 64 KiB ranges lie past the
//                           end of the head: written to a file and truncated to `fileSize`, it is
//                           a sparse file of n x 64 KiB (n = 10^6: 64 GiB on disk, ~16 MB used)
//
// Each is a SynthMinidump base (system info, one module, an exception) with a raw directory
// entry for the big stream, which is written here by hand (the base is built twice: once to
// learn where its bytes end).

import { StreamType } from '../../native-structs/constants/minidump.js';
import { SynthMinidump } from './minidump.js';

export const RANGES_BASE = 0x1000_0000n;
export const RIP = 0x7ff7_1234_5678n;
export const MEMORY64_RANGE = 64 * 1024;

function base(type: number, rva: number, size: number): Uint8Array {
  return new SynthMinidump({ arch: 'x64' })
    .addSystemInfo({ arch: 'x64', os: 'windows' })
    .addModule({ name: 'C:\\app\\app.exe', base: 0x7ff7_1230_0000n, size: 0x10_0000 })
    // The stack pointer and the written address are inside the big table's first range, so the
    // stack walk reads the memory map and the access-violation rule asks the memory info.
    .addException({ threadId: 1, code: 0xc0000005, address: RIP, parameters: [1n, RANGES_BASE + 0x10n], context: { rip: RIP, rsp: RANGES_BASE + 0x100n } })
    .addThread({ id: 1, context: { rip: RIP, rsp: RANGES_BASE + 0x100n } })
    .addRawDirectoryEntry(type, rva, size)
    .build();
}

function withStream(type: number, streamSize: number, extra: number, write: (out: Uint8Array, streamRva: number, extraRva: number) => void): Uint8Array {
  const probe = base(type, 0, 0);
  const extraRva = (probe.length + 15) & ~15;
  const streamRva = (extraRva + extra + 15) & ~15;
  const head = base(type, streamRva, streamSize);
  if (head.length !== probe.length) throw new Error('base minidump size changed between builds');
  const out = new Uint8Array(streamRva + streamSize);
  out.set(head, 0);
  write(out, streamRva, extraRva);
  return out;
}

/** n MemoryList ranges at distinct pages, each 4 KiB, all sharing one data block. */
export function manyRangesMinidump(n: number): Uint8Array {
  const block = 4096;
  return withStream(StreamType.MemoryList, 4 + n * 16, block, (out, rva, dataRva) => {
    const dv = new DataView(out.buffer, out.byteOffset);
    for (let i = 0; i < block; i += 8) dv.setBigUint64(dataRva + i, BigInt(i), true);
    dv.setUint32(rva, n, true);
    for (let i = 0; i < n; i++) {
      const at = rva + 4 + i * 16;
      dv.setBigUint64(at, RANGES_BASE + BigInt(i) * 0x2000n, true);
      dv.setUint32(at + 8, block, true);
      dv.setUint32(at + 12, dataRva, true);
    }
  });
}

/** n MINIDUMP_MEMORY_INFO entries (committed private pages, alternating protections). */
export function manyInfoMinidump(n: number): Uint8Array {
  return withStream(StreamType.MemoryInfoList, 16 + n * 48, 0, (out, rva) => {
    const dv = new DataView(out.buffer, out.byteOffset);
    dv.setUint32(rva, 16, true); // SizeOfHeader
    dv.setUint32(rva + 4, 48, true); // SizeOfEntry
    dv.setBigUint64(rva + 8, BigInt(n), true);
    for (let i = 0; i < n; i++) {
      const at = rva + 16 + i * 48;
      const address = RANGES_BASE + BigInt(i) * 0x1000n;
      dv.setBigUint64(at, address, true); // BaseAddress
      dv.setBigUint64(at + 8, address, true); // AllocationBase
      dv.setUint32(at + 16, 0x04, true); // AllocationProtect PAGE_READWRITE
      dv.setBigUint64(at + 24, 0x1000n, true); // RegionSize
      dv.setUint32(at + 32, 0x1000, true); // State MEM_COMMIT
      dv.setUint32(at + 36, i % 2 ? 0x20 : 0x04, true); // Protect
      dv.setUint32(at + 40, 0x20000, true); // Type MEM_PRIVATE
    }
  });
}

/** The head of an n-range Memory64List dump; the ranges' data starts at the returned dataRva. */
export function manyMemory64Head(n: number): { head: Uint8Array; dataRva: number; fileSize: number } {
  let dataRva = 0;
  const head = withStream(StreamType.Memory64List, 16 + n * 16, 0, (out, rva) => {
    const dv = new DataView(out.buffer, out.byteOffset);
    dataRva = rva + 16 + n * 16;
    dv.setBigUint64(rva, BigInt(n), true);
    dv.setBigUint64(rva + 8, BigInt(dataRva), true);
    for (let i = 0; i < n; i++) {
      const at = rva + 16 + i * 16;
      dv.setBigUint64(at, RANGES_BASE + BigInt(i) * BigInt(MEMORY64_RANGE * 2), true);
      dv.setBigUint64(at + 8, BigInt(MEMORY64_RANGE), true);
    }
  });
  return { head, dataRva, fileSize: dataRva + n * MEMORY64_RANGE };
}

/**
 * n HandleData entries (MINIDUMP_HANDLE_DESCRIPTOR_2) whose type and object names all point at
 * one pair of strings (n = 10^6: a 40 MB stream, clamped at LIMITS.streamReadCap).
 */
export function manyHandlesMinidump(n: number): Uint8Array {
  const type = 'File';
  const name = `\\Device\\HarddiskVolume3\\${'x'.repeat(200)}`;
  const strings = 4 + type.length * 2 + 4 + name.length * 2;
  return withStream(StreamType.HandleData, 16 + n * 40, strings, (out, rva, sRva) => {
    const dv = new DataView(out.buffer, out.byteOffset);
    dv.setUint32(sRva, type.length * 2, true);
    for (let i = 0; i < type.length; i++) dv.setUint16(sRva + 4 + i * 2, type.charCodeAt(i), true);
    const nRva = sRva + 4 + type.length * 2;
    dv.setUint32(nRva, name.length * 2, true);
    for (let i = 0; i < name.length; i++) dv.setUint16(nRva + 4 + i * 2, name.charCodeAt(i), true);
    dv.setUint32(rva, 16, true); // SizeOfHeader
    dv.setUint32(rva + 4, 40, true); // SizeOfDescriptor
    dv.setUint32(rva + 8, n, true);
    for (let i = 0; i < n; i++) {
      const at = rva + 16 + i * 40;
      dv.setBigUint64(at, BigInt(4 + i * 4), true);
      dv.setUint32(at + 8, sRva, true);
      dv.setUint32(at + 12, nRva, true);
      dv.setUint32(at + 24, 1, true);
      dv.setUint32(at + 28, 1, true);
    }
  });
}

/** n modules, each with a distinct 250-character path and a CodeView record (n = 16,384: LIMITS.maxModules). */
export function manyModulesMinidump(n: number): Uint8Array {
  const m = new SynthMinidump({ arch: 'x64' }).addSystemInfo({ arch: 'x64', os: 'windows' });
  for (let i = 0; i < n; i++) {
    const name = `C:\\${'p'.repeat(230)}\\mod${String(i).padStart(5, '0')}.dll`;
    m.addModule({ name, base: 0x7ff0_0000_0000n + BigInt(i) * 0x10_0000n, size: 0x10_0000, pdb: { name: `mod${i}.pdb`, guid: '01234567-89ab-cdef-0123-456789abcdef', age: 1 } });
  }
  return m
    .addThread({ id: 1, context: { rip: 0x7ff0_0000_1234n, rsp: 0x1000n } })
    .addException({ threadId: 1, code: 0xc0000005, address: 0x7ff0_0000_1234n, parameters: [0n, 0n] })
    .build();
}

/** A directory of n streams of distinct unknown types all pointing at one 64 KiB blob. */
export function manyStreamsMinidump(n: number): Uint8Array {
  const blob = 64 * 1024;
  const m = new SynthMinidump({ arch: 'x64' }).addSystemInfo({ arch: 'x64', os: 'windows' });
  const probe = m.build();
  const blobRva = (probe.length + n * 12 + 15) & ~15;
  for (let i = 0; i < n - 1; i++) m.addRawDirectoryEntry(0x10000 + i, blobRva, blob);
  const head = m.build();
  const out = new Uint8Array(Math.max(head.length, blobRva) + blob);
  out.set(head, 0);
  return out;
}
