// Page-map sub-headers that follow the main header page: bitmap dumps (types 5/6, "SDMP"/"FDMP"),
// the legacy type-2 summary dump and the "RDMP" run-table dumps (types 8/9/0xA).
// Offsets from ../shared/spec/kernel-dump.md §6.2–§6.4.

import { bytes, defineStruct, u32, u64 } from '../define.js';

/** Types 5 and 6, at 0x1000 / 0x2000. The bitmap (ceil(pages/8) bytes) follows at +0x38. */
export const BITMAP_DUMP_HEADER = defineStruct('BITMAP_DUMP_HEADER', 0x38, [
  ['signature', u32], // 0x00 "SDMP" / "FDMP"
  ['validDump', u32], // 0x04 "DUMP"
  ['dumpOptions', u32], // 0x08
  ['reserved', bytes(20)], // 0x0C
  ['firstPage', u64], // 0x20 file offset of the first stored page
  ['totalPresentPages', u64], // 0x28 set bits
  ['pages', u64], // 0x30 bitmap length in bits
]);

/** Legacy type 2, 32-bit file: bitmap (u32 words) at +0x20. */
export const SUMMARY_DUMP32 = defineStruct('SUMMARY_DUMP32', 0x20, [
  ['signature', u32], // 0x00 "SDMP"
  ['validDump', u32], // 0x04 "DUMP"
  ['dumpOptions', u32], // 0x08
  ['headerSize', u32], // 0x0C file offset of first page
  ['bitmapSize', u32], // 0x10 bits
  ['pages', u32], // 0x14 set bits
  ['sizeOfBitMap', u32], // 0x18
  ['bitmapReserved0', u32], // 0x1C
]);

/** Legacy type 2, 64-bit file: bitmap at +0x28. */
export const SUMMARY_DUMP64 = defineStruct('SUMMARY_DUMP64', 0x28, [
  ['signature', u32], // 0x00 "SDMP"
  ['validDump', u32], // 0x04 "DUMP"
  ['dumpOptions', u32], // 0x08
  ['headerSize', u32], // 0x0C
  ['bitmapSize', u32], // 0x10
  ['pages', u32], // 0x14
  ['sizeOfBitMap', u32], // 0x18
  ['pad0', u32], // 0x1C
  ['bitmapReserved0', u64], // 0x20
]);

/** Types 8/9/0xA at 0x2000; run table {u64 BasePfn, u64 PageCount}[] at +0x30. [single source] */
export const RDMP_HEADER64 = defineStruct('RDMP_HEADER64', 0x30, [
  ['marker', u32], // 0x00 0x40
  ['signature', u32], // 0x04 "RDMP"
  ['validDump', u32], // 0x08 "DUMP"
  ['unused', u32], // 0x0C
  ['metadataSize', u64], // 0x10
  ['firstPageOffset', u64], // 0x18
  ['reserved1', u64], // 0x20 type 10: NumberOfRanges u32 + 2×u16
  ['reserved2', u64], // 0x28 type 10: TotalNumberOfPages
]);
