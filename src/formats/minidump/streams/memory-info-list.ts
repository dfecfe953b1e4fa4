// MemoryInfoListStream (16): region map (state, protection, type) — not the bytes.

import { MINIDUMP_MEMORY_INFO, MINIDUMP_MEMORY_INFO_LIST } from '../../../../native-structs/minidump/memory.js';
import { MemState, MemType, PageProtect, StreamType } from '../../../../native-structs/constants/minidump.js';
import { LIMITS } from '../../../limits.js';
import { readExList, type StreamDecoder } from '../stream.js';

export interface MemoryInfo {
  baseAddress: bigint;
  allocationBase: bigint;
  allocationProtect: number;
  regionSize: bigint;
  state: number;
  protect: number;
  type: number;
  stateName?: string;
  typeName?: string;
  protectName?: string;
}

export function protectName(p: number): string {
  const base = Object.entries(PageProtect).find(([, v]) => v === (p & 0xff))?.[0] ?? (p & 0xff ? `0x${(p & 0xff).toString(16)}` : '');
  const mods = Object.entries(PageProtect).filter(([, v]) => v > 0xff && p & v).map(([k]) => k);
  return [base, ...mods].filter(Boolean).join('|');
}

export const memoryInfoListStream: StreamDecoder<MemoryInfo[]> = {
  streamType: StreamType.MemoryInfoList,
  key: 'memoryInfoList',
  async decode(ctx) {
    const r = await readExList<{ sizeOfHeader: number; sizeOfEntry: number; numberOfEntries: bigint }, MemoryInfo>(
      ctx, MINIDUMP_MEMORY_INFO_LIST, MINIDUMP_MEMORY_INFO, (h) => h.numberOfEntries, LIMITS.maxMemoryRanges);
    for (const m of r.items) {
      delete (m as unknown as Record<string, unknown>).alignment1;
      delete (m as unknown as Record<string, unknown>).alignment2;
      m.stateName = Object.entries(MemState).find(([, v]) => v === m.state)?.[0];
      m.typeName = Object.entries(MemType).find(([, v]) => v === m.type)?.[0];
      m.protectName = protectName(m.protect);
    }
    return r.items;
  },
};
