// ExceptionStream (6): thread id, MINIDUMP_EXCEPTION, the context at the exception.

import { MINIDUMP_EXCEPTION_STREAM, EXCEPTION_MAXIMUM_PARAMETERS } from '../../../../native-structs/minidump/exception.js';
import { StreamType } from '../../../../native-structs/constants/minidump.js';
import { decodeStruct } from '../../../reader/struct-codec.js';
import { DumpFormatError } from '../../../errors.js';
import type { StreamDecoder } from '../stream.js';

export interface ExceptionStream {
  threadId: number;
  exceptionRecord: {
    exceptionCode: number;
    exceptionFlags: number;
    exceptionRecord: bigint;
    exceptionAddress: bigint;
    numberParameters: number;
    exceptionInformation: bigint[];
  };
  threadContext: { dataSize: number; rva: number };
  /** ExceptionInformation[0..min(NumberParameters, 15)) */
  parameters: bigint[];
  offset: number;
}

export const exceptionStream: StreamDecoder<ExceptionStream> = {
  streamType: StreamType.Exception,
  key: 'exception',
  async decode(ctx) {
    const e = ctx.entry;
    if (e.dataSize < MINIDUMP_EXCEPTION_STREAM.size) {
      throw new DumpFormatError('BadValue', `ExceptionStream is ${e.dataSize} bytes; MINIDUMP_EXCEPTION_STREAM needs ${MINIDUMP_EXCEPTION_STREAM.size}`, { struct: MINIDUMP_EXCEPTION_STREAM.name, offset: e.rva });
    }
    const r = decodeStruct<Omit<ExceptionStream, 'parameters' | 'offset'>>(MINIDUMP_EXCEPTION_STREAM, await ctx.file.read(e.rva, MINIDUMP_EXCEPTION_STREAM.size, MINIDUMP_EXCEPTION_STREAM.name), e.rva);
    let n = r.exceptionRecord.numberParameters;
    if (n > EXCEPTION_MAXIMUM_PARAMETERS) {
      ctx.file.warn('CountClamped', `MINIDUMP_EXCEPTION: NumberParameters ${n} is over 15; using 15`, e.rva + 8 + 0x18);
      n = EXCEPTION_MAXIMUM_PARAMETERS;
    }
    return { ...r, parameters: r.exceptionRecord.exceptionInformation.slice(0, n), offset: e.rva };
  },
};
