// The header page of a kernel dump (DUMP_HEADER32 at 0 / DUMP_HEADER64 at 0), decoded into one
// width-neutral shape. Every field of the page is kept; 32-bit values widen to bigint.

import { DUMP_HEADER32, DUMP_HEADER64 } from '../../../native-structs/kernel/dump-header.js';
import { KernelSignature, PAGE_FILL32 } from '../../../native-structs/constants/kernel.js';
import { compileStructs, decodeStruct } from '../../reader/struct-codec.js';
import { decodeAnsi } from '../../reader/text.js';
import { DumpFormatError } from '../../errors.js';

compileStructs(DUMP_HEADER32, DUMP_HEADER64);

export interface HeaderException {
  code: number;
  flags: number;
  record: bigint;
  address: bigint;
  numberParameters: number;
  information: bigint[];
  offset: number;
}

export interface KernelHeader {
  bits: 32 | 64;
  /** 0x1000 or 0x2000: page data / sub-headers start here. */
  headerSize: number;
  majorVersion: number;
  minorVersion: number;
  directoryTableBase: bigint;
  pfnDataBase: bigint;
  psLoadedModuleList: bigint;
  psActiveProcessHead: bigint;
  machineImageType: number;
  numberProcessors: number;
  bugCheckCode: number;
  bugCheckParameters: [bigint, bigint, bigint, bigint];
  versionUser: Uint8Array;
  paeEnabled: boolean;
  kdSecondaryVersion: number;
  kdDebuggerDataBlock: bigint;
  physicalMemoryBlock: Uint8Array;
  /** File offset of the physical memory block inside the header. */
  physicalMemoryBlockOffset: number;
  contextRecord: Uint8Array;
  contextOffset: number;
  exception: HeaderException;
  comment: string;
  commentRaw: Uint8Array;
  attributes: number;
  bootId: number;
  dumpType: number;
  miniDumpFields: number;
  secondaryDataState: number;
  productType: number;
  suiteMask: number;
  writerStatus: number;
  requiredDumpSpace: bigint;
  systemUpTime: bigint;
  systemTime: bigint;
  /** Offsets of the header fields facts point at. */
  offsets: { bugCheckCode: number; dumpType: number; systemTime: number; exception: number };
}

type Raw = Record<string, unknown>;

function commentText(raw: Uint8Array): string {
  // An untouched comment is the "PAGE" fill: no comment.
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (raw.length >= 4 && dv.getUint32(0, true) === PAGE_FILL32) return '';
  return decodeAnsi(raw);
}

/** Decode the header page (`page` holds at least 0x1000 / 0x2000 bytes). */
export function decodeKernelHeader(page: Uint8Array, bits: 32 | 64): KernelHeader {
  const def = bits === 64 ? DUMP_HEADER64 : DUMP_HEADER32;
  const r = decodeStruct<Raw>(def, page, 0);
  if (r.signature !== KernelSignature.PAGE || r.validDump !== (bits === 64 ? KernelSignature.DU64 : KernelSignature.DUMP)) {
    throw new DumpFormatError('BadSignature', 'not a PAGEDUMP/PAGEDU64 header', { struct: def.name, offset: 0 });
  }
  const big = (v: unknown): bigint => (typeof v === 'bigint' ? v : BigInt(v as number));
  const exc = r.exception as Raw;
  const params = (r.bugCheckParameter as unknown[]).map(big) as [bigint, bigint, bigint, bigint];
  const commentRaw = r.comment as Uint8Array;
  const excOffset = def.offsetOf('exception');
  return {
    bits,
    headerSize: def.size,
    majorVersion: r.majorVersion as number,
    minorVersion: r.minorVersion as number,
    directoryTableBase: big(r.directoryTableBase),
    pfnDataBase: big(r.pfnDataBase),
    psLoadedModuleList: big(r.psLoadedModuleList),
    psActiveProcessHead: big(r.psActiveProcessHead),
    machineImageType: r.machineImageType as number,
    numberProcessors: r.numberProcessors as number,
    bugCheckCode: r.bugCheckCode as number,
    bugCheckParameters: params,
    versionUser: r.versionUser as Uint8Array,
    paeEnabled: bits === 32 ? (r.paeEnabled as number) !== 0 : false,
    kdSecondaryVersion: r.kdSecondaryVersion as number,
    kdDebuggerDataBlock: big(r.kdDebuggerDataBlock),
    physicalMemoryBlock: r.physicalMemoryBlock as Uint8Array,
    physicalMemoryBlockOffset: def.offsetOf('physicalMemoryBlock'),
    contextRecord: r.contextRecord as Uint8Array,
    contextOffset: def.offsetOf('contextRecord'),
    exception: {
      code: exc.exceptionCode as number,
      flags: exc.exceptionFlags as number,
      record: big(exc.exceptionRecord),
      address: big(exc.exceptionAddress),
      numberParameters: exc.numberParameters as number,
      information: (exc.exceptionInformation as unknown[]).map(big),
      offset: excOffset,
    },
    comment: commentText(commentRaw),
    commentRaw,
    attributes: r.attributes as number,
    bootId: r.bootId as number,
    dumpType: r.dumpType as number,
    miniDumpFields: r.miniDumpFields as number,
    secondaryDataState: r.secondaryDataState as number,
    productType: r.productType as number,
    suiteMask: r.suiteMask as number,
    writerStatus: r.writerStatus as number,
    requiredDumpSpace: big(r.requiredDumpSpace),
    systemUpTime: big(r.systemUpTime),
    systemTime: big(r.systemTime),
    offsets: {
      bugCheckCode: def.offsetOf('bugCheckCode'),
      dumpType: def.offsetOf('dumpType'),
      systemTime: def.offsetOf('systemTime'),
      exception: excOffset,
    },
  };
}
