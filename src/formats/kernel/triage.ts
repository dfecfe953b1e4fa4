// Small memory dumps (DumpType 4): the TRIAGE_DUMP block and every section it points to
// (triage-dump.md). Every (offset, size) is bounded by min(SizeOfDump, file size) before any read;
// a section that does not fit is absent with a warning, never a crash.

import { StringBudget } from '../../reader/string-budget.js';
import {
  DUMP_DRIVER_ENTRY32, DUMP_DRIVER_ENTRY64, DUMP_MM_STORAGE32, DUMP_MM_STORAGE64, DUMP_UNLOADED_DRIVERS32, DUMP_UNLOADED_DRIVERS64,
  TRIAGE_DATA_BLOCK, TRIAGE_DATA_BLOCK32, TRIAGE_DUMP32, TRIAGE_DUMP64, TRIAGE_DUMP_VALID,
} from '../../../native-structs/kernel/triage.js';
import { TRIAGE_OPTION_OVERFLOWED } from '../../../native-structs/constants/kernel.js';
import { compileStructs, decodeArray, decodeStruct } from '../../reader/struct-codec.js';
import { decodeUtf16 } from '../../reader/text.js';
import type { ByteSource } from '../../reader/byte-source.js';
import type { DumpWarning } from '../../errors.js';
import { LIMITS } from '../../limits.js';
import { hex } from '../../util/hex.js';
import type { VaRange } from './vmem.js';

compileStructs(TRIAGE_DUMP32, TRIAGE_DUMP64, DUMP_DRIVER_ENTRY32, DUMP_DRIVER_ENTRY64, DUMP_UNLOADED_DRIVERS32, DUMP_UNLOADED_DRIVERS64, DUMP_MM_STORAGE32, DUMP_MM_STORAGE64, TRIAGE_DATA_BLOCK, TRIAGE_DATA_BLOCK32);

type Raw = Record<string, unknown>;

/** Data blocks accepted from one triage dump (real: ~2000). */
const MAX_DATA_BLOCKS = 16_384;
/** Unloaded drivers kept by the kernel (MI_UNLOADED_DRIVERS). */
const MAX_UNLOADED = 50;
/** Characters in one DUMP_STRING (rizin rejects > 1024). */
const MAX_DUMP_STRING = 1024;

export interface TriageDriver {
  name: string;
  base: bigint;
  size: number;
  timestamp: number;
  checksum: number;
  entryPoint: bigint;
  flags: number;
  loadCount: number;
  /** File offset of the DUMP_DRIVER_ENTRY. */
  offset: number;
  nameOffset: number;
}

export interface TriageUnloaded {
  name: string;
  start: bigint;
  end: bigint;
  offset: number;
}

export interface TriageBlock {
  bits: 32 | 64;
  offset: number;
  raw: Raw;
  /** Bytes the dump really has: min(SizeOfDump, file size). */
  limit: number;
  valid: boolean;
  overflowed: boolean;
  drivers: TriageDriver[];
  unloaded: TriageUnloaded[];
  mm?: Raw;
  ranges: VaRange[];
  dataBlockCount: number;
  dataBlockEntrySize: number;
  stack?: { address: bigint; size: number; offset: number };
  prcb?: { offset: number; size: number };
  process?: { offset: number; size: number };
  thread?: { offset: number; size: number };
  debuggerData?: { offset: number; size: number };
  brokenDriver?: { offset: number; name?: string };
}

function fits(off: number, size: number, limit: number): boolean {
  return off > 0 && size >= 0 && off <= limit && size <= limit - off;
}

/** Sizes of the raw KPRCB/EPROCESS/ETHREAD copies: up to the next section start (the writer packs them). */
function sectionSize(off: number, all: number[], limit: number): number {
  let next = limit;
  for (const o of all) if (o > off && o < next) next = o;
  return next - off;
}

export async function readTriageBlock(source: ByteSource, headerSize: number, bits: 32 | 64, warnings: DumpWarning[], budget = new StringBudget(warnings)): Promise<TriageBlock> {
  const def = bits === 64 ? TRIAGE_DUMP64 : TRIAGE_DUMP32;
  const raw = decodeStruct<Raw>(def, await source.read(headerSize, def.size, def.name), headerSize);
  const n = (k: string): number => Number(raw[k] as number | bigint);
  const sizeOfDump = n('sizeOfDump');
  let limit = source.size;
  if (sizeOfDump < source.size) limit = Math.max(headerSize + def.size, sizeOfDump);
  if (sizeOfDump > source.size) {
    warnings.push({ code: 'TruncatedDump', message: `SizeOfDump is ${sizeOfDump} bytes but the file has ${source.size}: analysing what is there`, offset: headerSize + 4 });
  }
  // Validity marker, written last.
  let valid = false;
  const vo = n('validOffset');
  if (fits(vo, 4, source.size)) {
    const v = await source.read(vo, 4, 'TRIAGE_DUMP_VALID');
    valid = new DataView(v.buffer, v.byteOffset, 4).getUint32(0, true) === TRIAGE_DUMP_VALID;
  }
  if (!valid) warnings.push({ code: 'IncompleteTriageDump', message: 'the "TRGD" validity marker is missing: the dump was not completely written', offset: vo });
  const options = n('triageOptions');
  const overflowed = options !== 0xffffffff && (options & TRIAGE_OPTION_OVERFLOWED) !== 0;
  if (overflowed) warnings.push({ code: 'TriageOverflowed', message: 'TriageOptions says some sections did not fit and were skipped', offset: headerSize + 0x44 });

  const block: TriageBlock = { bits, offset: headerSize, raw, limit, valid, overflowed, drivers: [], unloaded: [], ranges: [], dataBlockCount: 0, dataBlockEntrySize: TRIAGE_DATA_BLOCK.size };
  const sectionStarts = ['mmOffset', 'unloadedDriversOffset', 'prcbOffset', 'processOffset', 'threadOffset', 'callStackOffset', 'debuggerDataOffset', 'driverListOffset', 'stringPoolOffset', 'dataBlocksOffset', 'validOffset', 'dataPageOffset'].map(n).filter((o) => o > 0);
  const absent = (what: string, off: number, size: number): void => {
    warnings.push({ code: 'TriageSectionOutOfBounds', message: `${what} (${size} bytes at ${hex(off)}) lies outside the dump's ${limit} bytes: ignored`, offset: off });
  };

  // Faulting thread's stack.
  const cs = n('callStackOffset');
  const csSize = n('sizeOfCallStack');
  const top = BigInt(raw.topOfStack as number | bigint);
  if (cs) {
    if (fits(cs, csSize, limit)) {
      block.stack = { address: top, size: csSize, offset: cs };
      block.ranges.push({ address: top, size: csSize, fileOffset: cs, kind: 'stack' });
    } else absent('call stack', cs, csSize);
  }

  for (const [key, name] of [['prcbOffset', 'prcb'], ['processOffset', 'process'], ['threadOffset', 'thread']] as const) {
    const o = n(key);
    if (!o) continue;
    if (o >= limit) {
      absent(name, o, 0);
      continue;
    }
    block[name] = { offset: o, size: Math.min(sectionSize(o, sectionStarts, limit), 0x10000) };
  }

  // Driver list + string pool.
  const dl = n('driverListOffset');
  let dc = n('driverCount');
  const entryDef = bits === 64 ? DUMP_DRIVER_ENTRY64 : DUMP_DRIVER_ENTRY32;
  if (dl && dc) {
    if (dc > LIMITS.maxModules) {
      warnings.push({ code: 'DriverCountClamped', message: `DriverCount ${dc} clamped to ${LIMITS.maxModules}`, offset: headerSize + 0x34 });
      dc = LIMITS.maxModules;
    }
    const room = dl < limit ? Math.floor((limit - dl) / entryDef.size) : 0;
    if (room < dc) {
      warnings.push({ code: 'DriverListTruncated', message: `driver list holds ${dc} entries, only ${room} fit in the dump`, offset: dl });
      dc = room;
    }
    if (dc > 0) {
      const entries = decodeArray<Raw>(entryDef, await source.read(dl, dc * entryDef.size, `${entryDef.name}[${dc}]`), dc, dl);
      const poolOff = n('stringPoolOffset');
      const poolSize = n('stringPoolSize');
      const poolEnd = fits(poolOff, poolSize, limit) ? poolOff + poolSize : limit;
      const pool = fits(poolOff, poolSize, limit) && poolSize > 0 ? await source.read(poolOff, poolSize, 'DUMP_STRING pool') : undefined;
      const readName = async (off: number): Promise<string | undefined> => {
        if (!(off >= 4 && off + 4 <= poolEnd)) return undefined;
        let bytes: Uint8Array;
        let at: number;
        if (pool && off >= poolOff) {
          bytes = pool;
          at = off - poolOff;
        } else {
          bytes = await source.readAvailable(off, 4 + 2 * (MAX_DUMP_STRING + 1), 'DUMP_STRING');
          at = 0;
        }
        const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        if (at + 4 > bytes.length) return undefined;
        const len = dv.getUint32(at, true);
        if (len > MAX_DUMP_STRING) return undefined;
        const end = Math.min(bytes.length, at + 4 + 2 * len, poolEnd - (pool && off >= poolOff ? poolOff : off) + at);
        return decodeUtf16(bytes.subarray(at + 4, at + 4 + budget.charge(Math.max(0, end - at - 4))), true);
      };
      for (const [i, e] of entries.entries()) {
        const ldr = e.ldrEntry as Raw;
        const nameOff = e.driverNameOffset as number;
        const name = await readName(nameOff);
        if (name === undefined) warnings.push({ code: 'BadDriverName', message: `driver ${i}: name offset ${hex(nameOff)} is outside the string pool`, offset: dl + i * entryDef.size });
        block.drivers.push({
          name: name ?? `driver-${i}`,
          base: BigInt(ldr.dllBase as number | bigint),
          size: ldr.sizeOfImage as number,
          timestamp: ldr.timeDateStamp as number,
          checksum: ldr.checkSum as number,
          entryPoint: BigInt(ldr.entryPoint as number | bigint),
          flags: ldr.flags as number,
          loadCount: ldr.loadCount as number,
          offset: dl + i * entryDef.size,
          nameOffset: nameOff,
        });
      }
    }
  }

  // Broken driver (normally 0).
  const bd = n('brokenDriverOffset');
  if (bd) {
    const d = block.drivers.find((x) => x.offset === bd);
    block.brokenDriver = { offset: bd, name: d?.name };
  }

  // Unloaded drivers: count in a pointer-sized slot, then entries.
  const ud = n('unloadedDriversOffset');
  if (ud) {
    const slot = bits === 64 ? 8 : 4;
    const udef = bits === 64 ? DUMP_UNLOADED_DRIVERS64 : DUMP_UNLOADED_DRIVERS32;
    if (fits(ud, slot, limit)) {
      const cntBytes = await source.read(ud, 4, 'unloaded driver count');
      let cnt = new DataView(cntBytes.buffer, cntBytes.byteOffset, 4).getUint32(0, true);
      const room = Math.floor((limit - ud - slot) / udef.size);
      if (cnt > MAX_UNLOADED || cnt > room) {
        warnings.push({ code: 'UnloadedCountClamped', message: `unloaded driver count ${cnt} clamped to ${Math.min(MAX_UNLOADED, room)}`, offset: ud });
        cnt = Math.min(MAX_UNLOADED, room);
      }
      if (cnt > 0) {
        const list = decodeArray<Raw>(udef, await source.read(ud + slot, cnt * udef.size, `${udef.name}[${cnt}]`), cnt, ud + slot);
        for (const [i, u] of list.entries()) {
          const units = u.driverName as number[];
          const chars = Math.min(12, Math.floor((u.nameLength as number) / 2));
          block.unloaded.push({
            name: String.fromCharCode(...units.slice(0, chars)).replace(/\0.*$/, ''),
            start: BigInt(u.startAddress as number | bigint),
            end: BigInt(u.endAddress as number | bigint),
            offset: ud + slot + i * udef.size,
          });
        }
      }
    } else absent('unloaded drivers', ud, slot);
  }

  // Memory-manager summary.
  const mo = n('mmOffset');
  if (mo) {
    const mdef = bits === 64 ? DUMP_MM_STORAGE64 : DUMP_MM_STORAGE32;
    if (fits(mo, mdef.size, limit)) block.mm = decodeStruct<Raw>(mdef, await source.read(mo, mdef.size, mdef.name), mo);
    else absent('Mm info', mo, mdef.size);
  }

  // Debugger data copy (VA = header KdDebuggerDataBlock; the caller adds the range).
  const ddo = n('debuggerDataOffset');
  const dds = n('debuggerDataSize');
  if (ddo && dds) {
    if (fits(ddo, dds, limit)) block.debuggerData = { offset: ddo, size: dds };
    else absent('debugger data', ddo, dds);
  }

  // Data page.
  const dpa = BigInt(raw.dataPageAddress as number | bigint);
  const dpo = n('dataPageOffset');
  const dps = n('dataPageSize');
  if (dpa && dpo && dps) {
    if (fits(dpo, dps, limit)) block.ranges.push({ address: dpa, size: dps, fileOffset: dpo, kind: 'data-page' });
    else absent('data page', dpo, dps);
  }

  // Data blocks.
  const dbo = n('dataBlocksOffset');
  let dbc = n('dataBlocksCount');
  if (dbo && dbc) {
    if (dbc > MAX_DATA_BLOCKS) {
      warnings.push({ code: 'DataBlockCountClamped', message: `DataBlocksCount ${dbc} clamped to ${MAX_DATA_BLOCKS}`, offset: headerSize + (bits === 64 ? 0x7c : 0x64) });
      dbc = MAX_DATA_BLOCKS;
    }
    const tryLayout = async (bdef: typeof TRIAGE_DATA_BLOCK): Promise<VaRange[] | undefined> => {
      const room = dbo < limit ? Math.floor((limit - dbo) / bdef.size) : 0;
      const cnt = Math.min(dbc, room);
      if (cnt < dbc) warnings.push({ code: 'DataBlocksTruncated', message: `${dbc} data blocks declared, ${cnt} fit in the dump`, offset: dbo });
      if (cnt <= 0) return [];
      const list = decodeArray<Raw>(bdef, await source.read(dbo, cnt * bdef.size, `${bdef.name}[${cnt}]`), cnt, dbo);
      const out: VaRange[] = [];
      let bad = 0;
      for (const b of list) {
        const off = b.offset as number;
        const size = b.size as number;
        if (size === 0 || !fits(off, size, limit)) {
          bad++;
          continue;
        }
        out.push({ address: BigInt(b.address as number | bigint), size, fileOffset: off, kind: 'data-block' });
      }
      if (bad > list.length / 2 && list.length > 0) return undefined;
      if (bad) warnings.push({ code: 'DataBlockOutOfBounds', message: `${bad} data blocks point outside the dump: ignored`, offset: dbo });
      return out;
    };
    let got = await tryLayout(TRIAGE_DATA_BLOCK);
    if (got === undefined && bits === 32) {
      const alt = await tryLayout(TRIAGE_DATA_BLOCK32 as typeof TRIAGE_DATA_BLOCK);
      if (alt !== undefined) {
        warnings.push({ code: 'DataBlock12', message: '32-bit data blocks use the 12-byte layout', offset: dbo });
        block.dataBlockEntrySize = TRIAGE_DATA_BLOCK32.size;
        got = alt;
      }
    }
    if (got === undefined) {
      warnings.push({ code: 'DataBlocksImplausible', message: 'most data blocks point outside the dump: the table is ignored', offset: dbo });
      got = [];
    }
    block.dataBlockCount = got.length;
    block.ranges.push(...got);
  }
  return block;
}
