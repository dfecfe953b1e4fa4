// User-mode minidump (MDMP). Placeholder until the minidump decoder lands.
import type { CountingSource } from '../../reader/byte-source.js';
import type { Dump, OpenOptions } from '../dump.js';
import { UnsupportedDumpError } from '../../errors.js';

export async function openMinidump(source: CountingSource, _opts: OpenOptions): Promise<Dump> {
  throw new UnsupportedDumpError('minidump decoding not implemented yet', { path: source.name, offset: 0, struct: 'MINIDUMP_HEADER' });
}
