// LinuxAuxv (0x47670008): the raw auxiliary vector, pairs of pointer-size words.

import { StreamType } from '../../../../native-structs/constants/minidump.js';
import { readPayload, type StreamDecoder } from '../stream.js';

export const linuxAuxvStream: StreamDecoder<Array<{ type: bigint; value: bigint }>> = {
  streamType: StreamType.LinuxAuxv,
  key: 'linuxAuxv',
  async decode(ctx) {
    const bytes = await readPayload(ctx, 64 * 1024);
    const wide = ctx.system ? !['x86', 'arm', 'mips', 'ppc'].includes(ctx.system.arch) : true;
    const step = wide ? 16 : 8;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out: Array<{ type: bigint; value: bigint }> = [];
    for (let at = 0; at + step <= bytes.length; at += step) {
      const type = wide ? dv.getBigUint64(at, true) : BigInt(dv.getUint32(at, true));
      const value = wide ? dv.getBigUint64(at + 8, true) : BigInt(dv.getUint32(at + 4, true));
      out.push({ type, value });
      if (type === 0n) break;
    }
    return out;
  },
};
