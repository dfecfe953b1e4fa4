// In-memory PE headers needed to identify a loaded image: DOS header, file header, optional
// header (PE32 / PE32+), data directories, debug directory and the CodeView RSDS record.
// Offsets from ../shared/spec/pe-unwind.md §1–§2.

import { array, bytes, defineStruct, struct, u16, u32, u64, u8 } from '../define.js';

export const IMAGE_DOS_HEADER = defineStruct('IMAGE_DOS_HEADER', 0x40, [
  ['eMagic', u16], // 0x00 "MZ"
  ['eRest', bytes(0x3a)], // 0x02 e_cblp .. e_res2
  ['eLfanew', u32], // 0x3C
]);

export const IMAGE_FILE_HEADER = defineStruct('IMAGE_FILE_HEADER', 0x14, [
  ['machine', u16], // 0x00
  ['numberOfSections', u16], // 0x02
  ['timeDateStamp', u32], // 0x04
  ['pointerToSymbolTable', u32], // 0x08
  ['numberOfSymbols', u32], // 0x0C
  ['sizeOfOptionalHeader', u16], // 0x10
  ['characteristics', u16], // 0x12
]);

/** "PE\0\0" + IMAGE_FILE_HEADER, at base + e_lfanew. */
export const IMAGE_NT_HEADERS_COMMON = defineStruct('IMAGE_NT_HEADERS_COMMON', 0x18, [
  ['signature', u32], // 0x00 0x00004550
  ['fileHeader', struct(IMAGE_FILE_HEADER)], // 0x04
]);

export const IMAGE_DATA_DIRECTORY = defineStruct('IMAGE_DATA_DIRECTORY', 8, [
  ['virtualAddress', u32], // 0x0
  ['size', u32], // 0x4
]);

export const IMAGE_OPTIONAL_HEADER32 = defineStruct('IMAGE_OPTIONAL_HEADER32', 0xe0, [
  ['magic', u16], // 0x00 0x10B
  ['majorLinkerVersion', u8], ['minorLinkerVersion', u8], // 0x02
  ['sizeOfCode', u32], ['sizeOfInitializedData', u32], ['sizeOfUninitializedData', u32], // 0x04
  ['addressOfEntryPoint', u32], // 0x10
  ['baseOfCode', u32], // 0x14
  ['baseOfData', u32], // 0x18
  ['imageBase', u32], // 0x1C
  ['sectionAlignment', u32], ['fileAlignment', u32], // 0x20
  ['majorOperatingSystemVersion', u16], ['minorOperatingSystemVersion', u16], // 0x28
  ['majorImageVersion', u16], ['minorImageVersion', u16], // 0x2C
  ['majorSubsystemVersion', u16], ['minorSubsystemVersion', u16], // 0x30
  ['win32VersionValue', u32], // 0x34
  ['sizeOfImage', u32], // 0x38
  ['sizeOfHeaders', u32], // 0x3C
  ['checkSum', u32], // 0x40
  ['subsystem', u16], ['dllCharacteristics', u16], // 0x44
  ['sizeOfStackReserve', u32], ['sizeOfStackCommit', u32], ['sizeOfHeapReserve', u32], ['sizeOfHeapCommit', u32], // 0x48
  ['loaderFlags', u32], // 0x58
  ['numberOfRvaAndSizes', u32], // 0x5C
  ['dataDirectory', array(struct(IMAGE_DATA_DIRECTORY), 16)], // 0x60
]);

export const IMAGE_OPTIONAL_HEADER64 = defineStruct('IMAGE_OPTIONAL_HEADER64', 0xf0, [
  ['magic', u16], // 0x00 0x20B
  ['majorLinkerVersion', u8], ['minorLinkerVersion', u8], // 0x02
  ['sizeOfCode', u32], ['sizeOfInitializedData', u32], ['sizeOfUninitializedData', u32], // 0x04
  ['addressOfEntryPoint', u32], // 0x10
  ['baseOfCode', u32], // 0x14
  ['imageBase', u64], // 0x18
  ['sectionAlignment', u32], ['fileAlignment', u32], // 0x20
  ['majorOperatingSystemVersion', u16], ['minorOperatingSystemVersion', u16], // 0x28
  ['majorImageVersion', u16], ['minorImageVersion', u16], // 0x2C
  ['majorSubsystemVersion', u16], ['minorSubsystemVersion', u16], // 0x30
  ['win32VersionValue', u32], // 0x34
  ['sizeOfImage', u32], // 0x38
  ['sizeOfHeaders', u32], // 0x3C
  ['checkSum', u32], // 0x40
  ['subsystem', u16], ['dllCharacteristics', u16], // 0x44
  ['sizeOfStackReserve', u64], ['sizeOfStackCommit', u64], ['sizeOfHeapReserve', u64], ['sizeOfHeapCommit', u64], // 0x48
  ['loaderFlags', u32], // 0x68
  ['numberOfRvaAndSizes', u32], // 0x6C
  ['dataDirectory', array(struct(IMAGE_DATA_DIRECTORY), 16)], // 0x70
]);

export const IMAGE_DEBUG_DIRECTORY = defineStruct('IMAGE_DEBUG_DIRECTORY', 28, [
  ['characteristics', u32], // 0x00
  ['timeDateStamp', u32], // 0x04
  ['majorVersion', u16], // 0x08
  ['minorVersion', u16], // 0x0A
  ['type', u32], // 0x0C 2 = CODEVIEW
  ['sizeOfData', u32], // 0x10
  ['addressOfRawData', u32], // 0x14 RVA
  ['pointerToRawData', u32], // 0x18
]);

/** "RSDS" record head; a NUL-terminated PDB path follows at +0x18. */
export const CV_INFO_PDB70 = defineStruct('CV_INFO_PDB70', 0x18, [
  ['cvSignature', u32], // 0x00 "RSDS"
  ['signature', bytes(16)], // 0x04 GUID
  ['age', u32], // 0x14
]);

export const IMAGE_DOS_SIGNATURE = 0x5a4d;
export const IMAGE_NT_SIGNATURE = 0x00004550;
export const IMAGE_NT_OPTIONAL_HDR32_MAGIC = 0x10b;
export const IMAGE_NT_OPTIONAL_HDR64_MAGIC = 0x20b;
export const IMAGE_DEBUG_TYPE_CODEVIEW = 2;
export const CV_SIGNATURE_RSDS = 0x53445352;
export const IMAGE_DIRECTORY_ENTRY_DEBUG = 6;
