// Symbol-less walks over kernel memory: PsLoadedModuleList (KLDR_DATA_TABLE_ENTRY), MmUnloadedDrivers,
// in-memory PE headers (timestamp, size, CodeView PDB id) and the crashing process name.
// Walks stop on cycles, bad pointers and at LIMITS.maxListWalk, with a warning.

import { StringBudget } from '../../reader/string-budget.js';
import { KLDR_DATA_TABLE_ENTRY32, KLDR_DATA_TABLE_ENTRY64, KLDR_TIMESTAMP_OFFSET_LEGACY, UNLOADED_DRIVERS32, UNLOADED_DRIVERS64 } from '../../../native-structs/kernel/ldr.js';
import {
  CV_INFO_PDB70, CV_SIGNATURE_RSDS, IMAGE_DEBUG_DIRECTORY, IMAGE_DEBUG_TYPE_CODEVIEW, IMAGE_DIRECTORY_ENTRY_DEBUG, IMAGE_DOS_HEADER,
  IMAGE_DOS_SIGNATURE, IMAGE_NT_HEADERS_COMMON, IMAGE_NT_OPTIONAL_HDR32_MAGIC, IMAGE_NT_OPTIONAL_HDR64_MAGIC, IMAGE_NT_SIGNATURE,
  IMAGE_OPTIONAL_HEADER32, IMAGE_OPTIONAL_HEADER64,
} from '../../../native-structs/pe/pe.js';
import { compileStructs, decodeArray, decodeStruct } from '../../reader/struct-codec.js';
import { decodeAnsi, decodeUtf16, decodeUtf8, fileNameOf, filetimeToIso, formatGuid } from '../../reader/text.js';
import type { MemoryReader, ModuleFacts, PdbFacts, UnloadedModuleFacts } from '../../analysis/facts/types.js';
import type { DumpWarning } from '../../errors.js';
import { LIMITS } from '../../limits.js';
import { hex } from '../../util/hex.js';

compileStructs(KLDR_DATA_TABLE_ENTRY32, KLDR_DATA_TABLE_ENTRY64, UNLOADED_DRIVERS32, UNLOADED_DRIVERS64, IMAGE_DOS_HEADER, IMAGE_NT_HEADERS_COMMON, IMAGE_OPTIONAL_HEADER32, IMAGE_OPTIONAL_HEADER64, IMAGE_DEBUG_DIRECTORY, CV_INFO_PDB70);

type Raw = Record<string, unknown>;
const MAX_NAME_BYTES = 2048;

export function isKernelPointer(v: bigint, bits: 32 | 64): boolean {
  if (bits === 32) return v >= 0x8000_0000n && v <= 0xffff_ffffn;
  return v >= 0xffff_8000_0000_0000n && v <= 0xffff_ffff_ffff_fffen;
}

export function readPointer(b: Uint8Array, at: number, bits: 32 | 64): bigint {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return bits === 64 ? dv.getBigUint64(at, true) : BigInt(dv.getUint32(at, true));
}

/**
 * A UNICODE_STRING's text. Over MAX_NAME_BYTES it is cut there, with a warning (it used to be
 * dropped, and the module silently became module@base); every byte counts against the dump's
 * string budget.
 */
async function readUnicode(mem: MemoryReader, length: number, buffer: bigint, bits: 32 | 64, budget: StringBudget, warnings: DumpWarning[], what: string): Promise<string | undefined> {
  if (length === 0 || !isKernelPointer(buffer, bits)) return undefined;
  let want = length & ~1;
  if (want > MAX_NAME_BYTES) {
    warnings.push({ code: 'StringTooLong', message: `${what} at ${hex(buffer)} claims ${length} bytes; read ${MAX_NAME_BYTES}` });
    want = MAX_NAME_BYTES;
  }
  want = budget.charge(want);
  if (want === 0) return '';
  const b = await mem.read(buffer, want);
  return b ? decodeUtf16(b, true) : undefined;
}

export interface PeIdentity {
  timestamp: number;
  sizeOfImage: number;
  checksum: number;
  machine: number;
  pdb?: PdbFacts;
}

/** Read an image's PE header (first page) and CodeView record at `base`; undefined when not present. */
export async function readPeIdentity(mem: MemoryReader, base: bigint): Promise<PeIdentity | undefined> {
  const head = await mem.readPrefix(base, 0x1000);
  if (head.length < IMAGE_DOS_HEADER.size) return undefined;
  const dos = decodeStruct<Raw>(IMAGE_DOS_HEADER, head);
  if (dos.eMagic !== IMAGE_DOS_SIGNATURE) return undefined;
  const lfanew = dos.eLfanew as number;
  if (lfanew % 4 !== 0 || lfanew + IMAGE_NT_HEADERS_COMMON.size + 2 > head.length) return undefined;
  const nt = decodeStruct<Raw>(IMAGE_NT_HEADERS_COMMON, head, 0, lfanew);
  if (nt.signature !== IMAGE_NT_SIGNATURE) return undefined;
  const fh = nt.fileHeader as Raw;
  const optAt = lfanew + IMAGE_NT_HEADERS_COMMON.size;
  const magic = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint16(optAt, true);
  const odef = magic === IMAGE_NT_OPTIONAL_HDR64_MAGIC ? IMAGE_OPTIONAL_HEADER64 : magic === IMAGE_NT_OPTIONAL_HDR32_MAGIC ? IMAGE_OPTIONAL_HEADER32 : undefined;
  if (!odef || optAt + odef.size > head.length) return { timestamp: fh.timeDateStamp as number, sizeOfImage: 0, checksum: 0, machine: fh.machine as number };
  const opt = decodeStruct<Raw>(odef, head, 0, optAt);
  const id: PeIdentity = { timestamp: fh.timeDateStamp as number, sizeOfImage: opt.sizeOfImage as number, checksum: opt.checkSum as number, machine: fh.machine as number };
  const dirs = opt.dataDirectory as Raw[];
  if ((opt.numberOfRvaAndSizes as number) > IMAGE_DIRECTORY_ENTRY_DEBUG) {
    const dd = dirs[IMAGE_DIRECTORY_ENTRY_DEBUG]!;
    const rva = dd.virtualAddress as number;
    const count = Math.min(16, Math.floor((dd.size as number) / IMAGE_DEBUG_DIRECTORY.size));
    if (rva && count > 0 && rva < id.sizeOfImage) {
      const raw = await mem.read(base + BigInt(rva), count * IMAGE_DEBUG_DIRECTORY.size);
      if (raw) {
        for (const d of decodeArray<Raw>(IMAGE_DEBUG_DIRECTORY, raw, count)) {
          if (d.type !== IMAGE_DEBUG_TYPE_CODEVIEW || !(d.addressOfRawData as number)) continue;
          const size = Math.min(d.sizeOfData as number, 0x200);
          if (size < CV_INFO_PDB70.size) continue;
          const cv = await mem.read(base + BigInt(d.addressOfRawData as number), size);
          if (!cv) continue;
          const r = decodeStruct<Raw>(CV_INFO_PDB70, cv);
          if (r.cvSignature !== CV_SIGNATURE_RSDS) continue;
          const guid = formatGuid(r.signature as Uint8Array);
          const age = r.age as number;
          id.pdb = { name: decodeUtf8(cv.subarray(CV_INFO_PDB70.size)), guid, age, debugId: `${guid.replace(/-/g, '')}${age.toString(16).toUpperCase()}`, kind: 'RSDS' };
          break;
        }
      }
    }
  }
  return id;
}


function plausibleTimestamp(t: number): boolean {
  // 1990 .. 2100, and not a reproducible-build hash looking like a pointer half: accept any u32 in range
  return t > 0x2000_0000 && t < 0xf000_0000;
}

/** Walk PsLoadedModuleList; `head` is the VA of the LIST_ENTRY head. */
export async function walkLoadedModules(mem: MemoryReader, head: bigint, bits: 32 | 64, warnings: DumpWarning[], readPe = true, budget = new StringBudget(warnings)): Promise<ModuleFacts[]> {
  const def = bits === 64 ? KLDR_DATA_TABLE_ENTRY64 : KLDR_DATA_TABLE_ENTRY32;
  const ptr = bits === 64 ? 8 : 4;
  const out: ModuleFacts[] = [];
  if (!isKernelPointer(head, bits)) {
    warnings.push({ code: 'NoModuleList', message: `PsLoadedModuleList ${hex(head)} is not a kernel address` });
    return out;
  }
  const h = await mem.read(head, 2 * ptr);
  if (!h) {
    warnings.push({ code: 'ModuleListMissing', message: `the PsLoadedModuleList head at ${hex(head)} is not in the dump` });
    return out;
  }
  let entry = readPointer(h, 0, bits);
  let prev = head;
  const seen = new Set<bigint>();
  while (entry !== head) {
    if (out.length >= LIMITS.maxListWalk || out.length >= LIMITS.maxModules) {
      warnings.push({ code: 'ModuleListTooLong', message: `stopped walking PsLoadedModuleList after ${out.length} entries` });
      break;
    }
    if (!isKernelPointer(entry, bits)) {
      warnings.push({ code: 'ModuleListBadPointer', message: `PsLoadedModuleList link ${hex(entry)} after entry ${out.length} is not a kernel address: walk stopped` });
      break;
    }
    if (seen.has(entry)) {
      warnings.push({ code: 'ModuleListCycle', message: `PsLoadedModuleList loops back to ${hex(entry)} after ${out.length} entries: walk stopped` });
      break;
    }
    seen.add(entry);
    const raw = await mem.read(entry, def.size);
    if (!raw) {
      warnings.push({ code: 'ModuleEntryMissing', message: `loader entry at ${hex(entry)} is not in the dump: walk stopped after ${out.length} entries` });
      break;
    }
    const e = decodeStruct<Raw>(def, raw);
    const blink = BigInt(e.inLoadOrderBlink as number | bigint);
    if (blink !== prev) warnings.push({ code: 'ModuleListBlink', message: `loader entry ${hex(entry)} has Blink ${hex(blink)}, expected ${hex(prev)}` });
    const base = BigInt(e.dllBase as number | bigint);
    const full = await readUnicode(mem, e.fullDllNameLength as number, BigInt(e.fullDllNameBuffer as number | bigint), bits, budget, warnings, 'FullDllName');
    const short = await readUnicode(mem, e.baseDllNameLength as number, BigInt(e.baseDllNameBuffer as number | bigint), bits, budget, warnings, 'BaseDllName');
    const name = short || (full ? fileNameOf(full) : '') || `module@${hex(base)}`;
    const m: ModuleFacts = { name, path: full ?? name, base, size: e.sizeOfImage as number, checksum: e.checkSum as number, at: { struct: def.name, offset: (await mem.fileOffsetOf?.(entry)) ?? 0 } };
    let ts = e.timeDateStamp as number;
    if (!plausibleTimestamp(ts)) {
      const legacy = new DataView(raw.buffer, raw.byteOffset, raw.byteLength).getUint32(KLDR_TIMESTAMP_OFFSET_LEGACY[bits], true);
      ts = plausibleTimestamp(legacy) ? legacy : 0;
    }
    if (ts) m.timestamp = ts;
    if (readPe) {
      const pe = await readPeIdentity(mem, base);
      if (pe) {
        m.timestamp = pe.timestamp;
        if (pe.sizeOfImage) m.size = pe.sizeOfImage;
        if (pe.checksum) m.checksum = pe.checksum;
        if (pe.pdb) m.pdb = pe.pdb;
      }
    }
    out.push(m);
    prev = entry;
    entry = BigInt(e.inLoadOrderFlink as number | bigint);
  }
  return out;
}

/** MmUnloadedDrivers: `arrayVar` is the VA of the pointer to the array (KDBG field). */
export async function readUnloadedDrivers(mem: MemoryReader, arrayVar: bigint, bits: 32 | 64, warnings: DumpWarning[], budget = new StringBudget(warnings)): Promise<UnloadedModuleFacts[]> {
  const out: UnloadedModuleFacts[] = [];
  const ptr = bits === 64 ? 8 : 4;
  const pv = await mem.read(arrayVar, ptr);
  if (!pv) return out;
  const arr = readPointer(pv, 0, bits);
  if (arr === 0n) return out;
  if (!isKernelPointer(arr, bits)) {
    warnings.push({ code: 'UnloadedDriversBadPointer', message: `MmUnloadedDrivers points to ${hex(arr)}` });
    return out;
  }
  const def = bits === 64 ? UNLOADED_DRIVERS64 : UNLOADED_DRIVERS32;
  const n = 50;
  const raw = await mem.readPrefix(arr, n * def.size);
  const count = Math.floor(raw.length / def.size);
  for (const u of decodeArray<Raw>(def, raw, count)) {
    const len = u.nameLength as number;
    if (len === 0) continue;
    const name = (await readUnicode(mem, len, BigInt(u.nameBuffer as number | bigint), bits, budget, warnings, 'unloaded driver name')) ?? '';
    const start = BigInt(u.startAddress as number | bigint);
    const end = BigInt(u.endAddress as number | bigint);
    const m: UnloadedModuleFacts = { name: fileNameOf(name), path: name, base: start, size: end > start && end - start < 1n << 32n ? Number(end - start) : 0 };
    const t = filetimeToIso(u.currentTime as bigint);
    if (t) m.unloadTime = t;
    out.push(m);
  }
  return out;
}

/** ImageFileName offsets in EPROCESS by (arch, build) where known. */
const IMAGE_FILE_NAME: Record<string, number> = {
  'x64:7600': 0x2e0, 'x64:7601': 0x2e0, 'x64:9200': 0x438, 'x64:9600': 0x438, 'x64:10240': 0x448,
  'x64:10586': 0x450, 'x64:14393': 0x450, 'x64:15063': 0x450, 'x64:16299': 0x450, 'x64:17134': 0x450, 'x64:17763': 0x450,
  'x64:18362': 0x450, 'x64:18363': 0x450, 'x64:19041': 0x5a8, 'x64:19042': 0x5a8, 'x64:19043': 0x5a8, 'x64:19044': 0x5a8,
  'x64:19045': 0x5a8, 'x64:22000': 0x5a8, 'x64:22621': 0x5a8, 'x64:22631': 0x5a8,
  'arm64:22000': 0x560,
  'x86:7600': 0x16c, 'x86:7601': 0x16c,
};

const KNOWN_NAMES = new Set(['System', 'Idle', 'Registry', 'MemCompression', 'Secure System', 'vmmem', 'Interrupts']);

function nameAt(b: Uint8Array, at: number): string | undefined {
  if (at < 0 || at + 15 > b.length) return undefined;
  let len = 0;
  while (len < 15 && b[at + len] !== 0) {
    const c = b[at + len]!;
    if (c < 0x20 || c > 0x7e) return undefined;
    len++;
  }
  if (len === 0 || len === 15 && b[at + 14] === 0) return undefined;
  for (let i = len; i < 15; i++) if (b[at + i] !== 0) return undefined; // zero padded to 15
  return decodeAnsi(b.subarray(at, at + len));
}

/** The process image name from an EPROCESS copy: known offset for the build, else a guarded scan. */
export function findImageFileName(eprocess: Uint8Array, arch: string, build: number): { name: string; offset: number; how: string } | undefined {
  const known = IMAGE_FILE_NAME[`${arch}:${build}`];
  if (known !== undefined) {
    const n = nameAt(eprocess, known);
    if (n) return { name: n, offset: known, how: 'known-offset' };
  }
  for (let at = 0x100; at + 15 <= eprocess.length; at += 8) {
    if (at > 0 && eprocess[at - 1] === 0 && eprocess[at] !== 0) {
      const n = nameAt(eprocess, at);
      if (n && (KNOWN_NAMES.has(n) || /^[\w .-]{1,10}\.exe$/i.test(n))) return { name: n, offset: at, how: 'scan' };
    }
  }
  return undefined;
}
