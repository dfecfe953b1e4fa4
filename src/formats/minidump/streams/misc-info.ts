// MiscInfoStream (15), v1..v5 chosen by size; each field kept only when its Flags1 bit is set.

import { MISC_INFO_VERSIONS } from '../../../../native-structs/minidump/system.js';
import { MiscInfoFlag, StreamType } from '../../../../native-structs/constants/minidump.js';
import { decodeStruct } from '../../../reader/struct-codec.js';
import { decodeUtf16, unixToIso } from '../../../reader/text.js';
import { DumpFormatError } from '../../../errors.js';
import type { StreamDecoder } from '../stream.js';

export interface MiscInfo {
  version: number;
  sizeOfInfo: number;
  flags1: number;
  processId?: number;
  processCreateTime?: number;
  processCreateTimeIso?: string;
  processUserTime?: number;
  processKernelTime?: number;
  processorMaxMhz?: number;
  processorCurrentMhz?: number;
  processorMhzLimit?: number;
  processorMaxIdleState?: number;
  processorCurrentIdleState?: number;
  processIntegrityLevel?: number;
  processExecuteFlags?: number;
  protectedProcess?: number;
  timeZoneId?: number;
  timeZone?: { bias: number; standardName: string; daylightName: string; standardBias: number; daylightBias: number };
  buildString?: string;
  dbgBldStr?: string;
  xstate?: { sizeOfInfo: number; contextSize: number; enabledFeatures: bigint; features: Array<{ index: number; offset: number; size: number }> };
  processCookie?: number;
}

export const miscInfoStream: StreamDecoder<MiscInfo> = {
  streamType: StreamType.MiscInfo,
  key: 'miscInfo',
  async decode(ctx) {
    const e = ctx.entry;
    const head = await ctx.file.read(e.rva, Math.min(e.dataSize, 8), 'MINIDUMP_MISC_INFO');
    if (head.length < 8) throw new DumpFormatError('BadValue', `MiscInfoStream is ${e.dataSize} bytes`, { struct: 'MINIDUMP_MISC_INFO', offset: e.rva });
    const sizeOfInfo = new DataView(head.buffer, head.byteOffset).getUint32(0, true);
    const choice = MISC_INFO_VERSIONS.find((v) => v.def.size <= e.dataSize && v.def.size <= sizeOfInfo) ?? MISC_INFO_VERSIONS.find((v) => v.def.size <= e.dataSize);
    if (!choice) throw new DumpFormatError('BadValue', `MiscInfoStream is ${e.dataSize} bytes, smaller than MINIDUMP_MISC_INFO (24)`, { struct: 'MINIDUMP_MISC_INFO', offset: e.rva });
    if (sizeOfInfo !== choice.def.size) ctx.file.warn('MiscInfoSize', `MINIDUMP_MISC_INFO SizeOfInfo ${sizeOfInfo}, stream ${e.dataSize}: decoded as v${choice.version}`, e.rva);
    const r = decodeStruct<Record<string, any>>(choice.def, await ctx.file.read(e.rva, choice.def.size, choice.def.name), e.rva);
    const f = r.flags1 as number;
    const out: MiscInfo = { version: choice.version, sizeOfInfo, flags1: f };
    if (f & MiscInfoFlag.ProcessId) out.processId = r.processId;
    if (f & MiscInfoFlag.ProcessTimes) {
      out.processCreateTime = r.processCreateTime;
      const iso = unixToIso(r.processCreateTime);
      if (iso) out.processCreateTimeIso = iso;
      out.processUserTime = r.processUserTime;
      out.processKernelTime = r.processKernelTime;
    }
    if (choice.version >= 2 && f & MiscInfoFlag.ProcessorPowerInfo) {
      out.processorMaxMhz = r.processorMaxMhz;
      out.processorCurrentMhz = r.processorCurrentMhz;
      out.processorMhzLimit = r.processorMhzLimit;
      out.processorMaxIdleState = r.processorMaxIdleState;
      out.processorCurrentIdleState = r.processorCurrentIdleState;
    }
    if (choice.version >= 3) {
      if (f & MiscInfoFlag.ProcessIntegrity) out.processIntegrityLevel = r.processIntegrityLevel;
      if (f & MiscInfoFlag.ProcessExecuteFlags) out.processExecuteFlags = r.processExecuteFlags;
      if (f & MiscInfoFlag.ProtectedProcess) out.protectedProcess = r.protectedProcess;
      if (f & MiscInfoFlag.Timezone) {
        out.timeZoneId = r.timeZoneId;
        const tz = r.timeZone;
        out.timeZone = { bias: tz.bias, standardName: decodeUtf16(tz.standardName), daylightName: decodeUtf16(tz.daylightName), standardBias: tz.standardBias, daylightBias: tz.daylightBias };
      }
    }
    if (choice.version >= 4 && f & MiscInfoFlag.BuildString) {
      out.buildString = decodeUtf16(r.buildString);
      out.dbgBldStr = decodeUtf16(r.dbgBldStr);
    }
    if (choice.version >= 5) {
      const x = r.xStateData;
      if (x.sizeOfInfo) {
        const features: Array<{ index: number; offset: number; size: number }> = [];
        for (let i = 0; i < 64; i++) if ((x.enabledFeatures >> BigInt(i)) & 1n) features.push({ index: i, offset: x.features[i].offset, size: x.features[i].size });
        out.xstate = { sizeOfInfo: x.sizeOfInfo, contextSize: x.contextSize, enabledFeatures: x.enabledFeatures, features };
      }
      if (f & MiscInfoFlag.ProcessCookie) out.processCookie = r.processCookie;
    }
    return out;
  },
};
