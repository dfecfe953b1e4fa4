// The stream decoder registry, sorted by stream type. Types without a decoder are still listed
// (type, rva, size) by describe()/details(), never dropped.

import type { StreamDecoder } from '../stream.js';
import { threadListStream } from './thread-list.js';
import { moduleListStream } from './module-list.js';
import { memoryListStream } from './memory-list.js';
import { exceptionStream } from './exception.js';
import { systemInfoStream } from './system-info.js';
import { threadExListStream } from './thread-ex-list.js';
import { memory64ListStream } from './memory64-list.js';
import { commentAStream, commentWStream } from './comment.js';
import { handleDataStream } from './handle-data.js';
import { functionTableStream } from './function-table.js';
import { unloadedModuleListStream } from './unloaded-module-list.js';
import { miscInfoStream } from './misc-info.js';
import { memoryInfoListStream } from './memory-info-list.js';
import { threadInfoListStream } from './thread-info-list.js';
import { handleOperationListStream } from './handle-operation-list.js';
import { tokenStream } from './token.js';
import { systemMemoryInfoStream } from './system-memory-info.js';
import { processVmCountersStream } from './process-vm-counters.js';
import { threadNamesStream } from './thread-names.js';
import { breakpadInfoStream } from './breakpad-info.js';
import { assertionInfoStream } from './assertion-info.js';
import { linuxCmdLineStream, linuxCpuInfoStream, linuxEnvironStream, linuxLsbReleaseStream, linuxMapsStream, linuxProcStatusStream } from './linux-text.js';
import { linuxAuxvStream } from './linux-auxv.js';
import { linuxDsoDebugStream } from './linux-dso-debug.js';
import { crashpadInfoStream } from './crashpad-info.js';

const ALL: StreamDecoder[] = [
  threadListStream, moduleListStream, memoryListStream, exceptionStream, systemInfoStream, threadExListStream,
  memory64ListStream, commentAStream, commentWStream, handleDataStream, functionTableStream, unloadedModuleListStream,
  miscInfoStream, memoryInfoListStream, threadInfoListStream, handleOperationListStream, tokenStream,
  systemMemoryInfoStream, processVmCountersStream, threadNamesStream, breakpadInfoStream, assertionInfoStream,
  linuxCpuInfoStream, linuxProcStatusStream, linuxLsbReleaseStream, linuxCmdLineStream, linuxEnvironStream,
  linuxAuxvStream, linuxMapsStream, linuxDsoDebugStream, crashpadInfoStream,
];

export const STREAM_DECODERS: ReadonlyMap<number, StreamDecoder> = new Map(
  [...ALL].sort((a, b) => a.streamType - b.streamType).map((d) => [d.streamType, d]),
);
