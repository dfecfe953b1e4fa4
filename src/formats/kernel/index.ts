// Kernel dumps (PAGEDUMP / PAGEDU64). Placeholder until the kernel decoder lands.
import type { CountingSource } from '../../reader/byte-source.js';
import type { Dump, OpenOptions } from '../dump.js';
import { UnsupportedDumpError } from '../../errors.js';

export async function openKernelDump(source: CountingSource, bits: 32 | 64, _opts: OpenOptions): Promise<Dump> {
  throw new UnsupportedDumpError(`kernel dump (${bits}-bit) decoding not implemented yet`, { path: source.name, offset: 0, struct: bits === 64 ? 'DUMP_HEADER64' : 'DUMP_HEADER32' });
}
