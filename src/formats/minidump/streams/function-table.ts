// FunctionTableStream (13): header + descriptors (JIT unwind tables). Descriptors are listed;
// the native descriptor and RUNTIME_FUNCTION entries are skipped by size.

import { MINIDUMP_FUNCTION_TABLE_DESCRIPTOR, MINIDUMP_FUNCTION_TABLE_STREAM } from '../../../../native-structs/minidump/handles.js';
import { StreamType } from '../../../../native-structs/constants/minidump.js';
import { decodeStruct } from '../../../reader/struct-codec.js';
import { DumpFormatError } from '../../../errors.js';
import { readPayload, type StreamDecoder } from '../stream.js';

const MAX_TABLES = 4096;

export const functionTableStream: StreamDecoder<{ header: Record<string, number>; descriptors: Array<Record<string, unknown>> }> = {
  streamType: StreamType.FunctionTable,
  key: 'functionTable',
  async decode(ctx) {
    const e = ctx.entry;
    const bytes = await readPayload(ctx);
    const h = decodeStruct<Record<string, number>>(MINIDUMP_FUNCTION_TABLE_STREAM, bytes, e.rva);
    if (h.sizeOfHeader! < 24 || h.sizeOfDescriptor! < 32) throw new DumpFormatError('BadValue', 'function table header sizes are too small', { struct: MINIDUMP_FUNCTION_TABLE_STREAM.name, offset: e.rva });
    const descriptors: Array<Record<string, unknown>> = [];
    let at = h.sizeOfHeader!;
    for (let i = 0; i < Math.min(h.numberOfDescriptors!, MAX_TABLES); i++) {
      if (at + h.sizeOfDescriptor! > bytes.length) {
        ctx.file.warn('CountClamped', `FunctionTableStream: ${h.numberOfDescriptors} descriptors claimed, ${i} fit`, e.rva);
        break;
      }
      const d = decodeStruct<Record<string, unknown> & { entryCount: number }>(MINIDUMP_FUNCTION_TABLE_DESCRIPTOR, bytes, e.rva, at);
      descriptors.push(d);
      at += h.sizeOfDescriptor! + h.sizeOfNativeDescriptor! + d.entryCount * h.sizeOfFunctionEntry! + (d.sizeOfAlignPad as number);
    }
    return { header: h, descriptors };
  },
};
