// The "/names" string table (found through the info stream's named stream map): source file
// names that C13 file checksums point at by offset. Layout (LLVM docs/PDB/StringTable.rst):
// u32 signature 0xEFFEEFFE, u32 hash version, u32 byte size, the strings, then a hash index we do
// not need. Strings are read one at a time with positioned reads and cached: a big PDB's table
// holds tens of MiB of paths, a lookup needs a few.

import type { MsfStream } from './msf.js';
import { formatError, nulAt, text, view } from './bytes.js';
import { MAX_NAME_BYTES, PDB_STRUCT } from './limits.js';

const SIGNATURE = 0xeffeeffe;
const HEADER_BYTES = 12;
/** Bytes read for one name before looking further (paths are < 260 characters, mostly). */
const FIRST_READ = 512;
/** Names cached; past this the cache starts over (a lookup touches a handful of files). */
const MAX_CACHED = 65_536;

export class StringTable {
  private readonly cache = new Map<number, string>();

  private constructor(
    private readonly stream: MsfStream,
    readonly byteSize: number,
  ) {}

  static async open(stream: MsfStream): Promise<StringTable> {
    const S = PDB_STRUCT.names;
    const src = stream.msf.source;
    if (stream.size < HEADER_BYTES) throw formatError(src, 'OutOfBounds', S, stream.fileOffset(0), `string table of ${stream.size} bytes is shorter than its 12-byte header`);
    const dv = view(await stream.read(0, HEADER_BYTES, S));
    const sig = dv.getUint32(0, true);
    if (sig !== SIGNATURE) throw formatError(src, 'BadSignature', S, stream.fileOffset(0), `string table signature ${sig.toString(16)} is not effeeffe`);
    const byteSize = dv.getUint32(8, true);
    if (byteSize > stream.size - HEADER_BYTES) throw formatError(src, 'OutOfBounds', S, stream.fileOffset(8), `string table of ${byteSize} bytes does not fit its stream of ${stream.size}`);
    return new StringTable(stream, byteSize);
  }

  /** The string at `offset`, or undefined when the offset is outside the table. */
  async get(offset: number): Promise<string | undefined> {
    if (offset >= this.byteSize) return undefined;
    const hit = this.cache.get(offset);
    if (hit !== undefined) return hit;
    const start = HEADER_BYTES + offset;
    const end = HEADER_BYTES + this.byteSize;
    let want = Math.min(FIRST_READ, end - start);
    let b = await this.stream.read(start, want, PDB_STRUCT.names);
    let z = nulAt(b, 0, b.length, MAX_NAME_BYTES);
    if (z < 0 && want < end - start && want < MAX_NAME_BYTES) {
      want = Math.min(MAX_NAME_BYTES, end - start);
      b = await this.stream.read(start, want, PDB_STRUCT.names);
      z = nulAt(b, 0, b.length, MAX_NAME_BYTES);
    }
    // A name without a NUL before the table's end is cut there.
    const s = text(b, 0, z < 0 ? b.length : z);
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(offset, s);
    return s;
  }
}
