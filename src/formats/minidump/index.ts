// User-mode minidump (MDMP): open = header + directory + SystemInfo; everything else lazily.
import type { CountingSource } from '../../reader/byte-source.js';
import type { Dump, OpenOptions } from '../dump.js';
import { MinidumpDump } from './minidump.js';

export { MinidumpDump } from './minidump.js';
export { MinidumpFile } from './file.js';

export async function openMinidump(source: CountingSource, opts: OpenOptions): Promise<Dump> {
  return MinidumpDump.open(source, opts);
}
