// ModuleListStream (4): u32 count + MINIDUMP_MODULE[] (108 bytes each); names and CodeView
// records are read in coalesced windows (one I/O for the usual packed string area).

import { MINIDUMP_MODULE } from '../../../../native-structs/minidump/modules.js';
import { StreamType, VS_FFI_SIGNATURE } from '../../../../native-structs/constants/minidump.js';
import { LIMITS } from '../../../limits.js';
import { hex } from '../../../util/hex.js';
import { fileNameOf } from '../../../reader/text.js';
import { decodeCodeView, type CodeView } from '../codeview.js';
import { readCountedList, type StreamDecoder } from '../stream.js';

/** breakpad caps CodeView / Misc records at 32 KiB. */
const MAX_CV_RECORD = 32 * 1024;

export interface RawModule {
  baseOfImage: bigint;
  sizeOfImage: number;
  checkSum: number;
  timeDateStamp: number;
  moduleNameRva: number;
  versionInfo: {
    signature: number; strucVersion: number; fileVersionMS: number; fileVersionLS: number; productVersionMS: number; productVersionLS: number;
    fileFlagsMask: number; fileFlags: number; fileOS: number; fileType: number; fileSubtype: number; fileDateMS: number; fileDateLS: number;
  };
  cvRecord: { dataSize: number; rva: number };
  miscRecord: { dataSize: number; rva: number };
  reserved0: bigint;
  reserved1: bigint;
}

export interface Module {
  raw: RawModule;
  /** Entry offset in the file. */
  offset: number;
  path: string;
  name: string;
  version?: string;
  productVersion?: string;
  codeView?: CodeView;
  /** breakpad code identifier: TimeDateStamp (8 hex, upper) + SizeOfImage (lower hex). */
  codeId: string;
}

function ver(ms: number, ls: number): string {
  return `${ms >>> 16}.${ms & 0xffff}.${ls >>> 16}.${ls & 0xffff}`;
}


export const moduleListStream: StreamDecoder<Module[]> = {
  streamType: StreamType.ModuleList,
  key: 'moduleList',
  async decode(ctx) {
    const r = await readCountedList<RawModule>(ctx, MINIDUMP_MODULE, LIMITS.maxModules);
    const listStart = ctx.entry.rva + (r.padded ? 8 : 4);
    const out: Module[] = [];
    // Up to 258 characters in the read-ahead window; a longer path costs one extra read.
    const around = (m: RawModule) => [
      { offset: m.moduleNameRva, length: 4 + 520 },
      { offset: m.cvRecord.rva, length: Math.min(m.cvRecord.dataSize, MAX_CV_RECORD) },
    ];
    await ctx.file.prefetchEach(r.items, around, async (m, i) => {
      const offset = listStart + i * MINIDUMP_MODULE.size;
      const path = (await ctx.file.readString(m.moduleNameRva, `module ${i} name`)) ?? '';
      const mod: Module = {
        raw: m,
        offset,
        path,
        name: fileNameOf(path),
        codeId: `${m.timeDateStamp.toString(16).toUpperCase().padStart(8, '0')}${m.sizeOfImage.toString(16)}`,
      };
      const v = m.versionInfo;
      if (v.signature === VS_FFI_SIGNATURE) {
        mod.version = ver(v.fileVersionMS, v.fileVersionLS);
        mod.productVersion = ver(v.productVersionMS, v.productVersionLS);
      } else if (v.signature !== 0) {
        ctx.file.warn('BadVersionInfo', `module ${mod.name}: VS_FIXEDFILEINFO signature ${hex(v.signature)} is not 0xfeef04bd`, offset + 0x18);
      }
      const cv = m.cvRecord;
      if (cv.dataSize > 0 && cv.rva !== 0) {
        if (cv.dataSize > MAX_CV_RECORD) ctx.file.warn('CodeViewTooLarge', `module ${mod.name}: CodeView record of ${cv.dataSize} bytes ignored`, offset + 0x4c);
        else if (cv.rva > ctx.file.size || cv.dataSize > ctx.file.size - cv.rva) ctx.file.warn('CodeViewOutOfBounds', `module ${mod.name}: CodeView record at ${hex(cv.rva)} is outside the file`, offset + 0x4c);
        else {
          const decoded = decodeCodeView(await ctx.file.read(cv.rva, cv.dataSize, 'CodeView'), cv.rva);
          if (decoded) mod.codeView = decoded;
        }
      }
      out.push(mod);
    });
    return out;
  },
};
