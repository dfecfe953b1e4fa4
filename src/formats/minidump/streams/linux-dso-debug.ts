// LinuxDsoDebug (0x4767000A): MDRawDebug32/64 + link map (the loader's view of loaded DSOs).

import { MDRAW_DEBUG32, MDRAW_DEBUG64, MDRAW_LINK_MAP32, MDRAW_LINK_MAP64 } from '../../../../native-structs/minidump/breakpad.js';
import { StreamType } from '../../../../native-structs/constants/minidump.js';
import { decodeArray, decodeStruct } from '../../../reader/struct-codec.js';
import { LIMITS } from '../../../limits.js';
import { clampCount, type StreamDecoder } from '../stream.js';

export const linuxDsoDebugStream: StreamDecoder<{ header: Record<string, unknown>; linkMap: Array<{ addr: bigint | number; name?: string; ld: bigint | number }> }> = {
  streamType: StreamType.LinuxDsoDebug,
  key: 'linuxDsoDebug',
  async decode(ctx) {
    const e = ctx.entry;
    const wide = ctx.system ? !['x86', 'arm', 'mips', 'ppc'].includes(ctx.system.arch) : e.dataSize >= MDRAW_DEBUG64.size;
    const hdef = wide ? MDRAW_DEBUG64 : MDRAW_DEBUG32;
    const mdef = wide ? MDRAW_LINK_MAP64 : MDRAW_LINK_MAP32;
    const header = decodeStruct<{ map: number; dsoCount: number } & Record<string, unknown>>(hdef, await ctx.file.read(e.rva, Math.min(e.dataSize, hdef.size), hdef.name), e.rva);
    const avail = header.map > 0 && header.map <= ctx.file.size ? ctx.file.size - header.map : 0;
    const n = clampCount(ctx, mdef.name, header.dsoCount, mdef.size, avail, LIMITS.maxModules, e.rva);
    const maps = n ? decodeArray<{ addr: bigint | number; name: number; ld: bigint | number }>(mdef, await ctx.file.read(header.map, n * mdef.size, mdef.name), n, header.map) : [];
    const linkMap: Array<{ addr: bigint | number; name: string | undefined; ld: bigint | number }> = [];
    await ctx.file.prefetchEach(maps, (m) => [{ offset: m.name, length: 260 }], async (m) => {
      linkMap.push({ addr: m.addr, name: await ctx.file.readString(m.name, 'link map name'), ld: m.ld });
    });
    return { header, linkMap };
  },
};
