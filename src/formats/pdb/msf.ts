// The MSF 7.00 container ("multi-stream file") that holds a PDB: a superblock, a directory that
// lists every stream as a size and a list of fixed-size blocks, and the blocks. Layout as in
// LLVM's docs/PDB/MsfFile.rst and microsoft-pdb's msf.cpp (MSF_HB / "big" MSF):
//
//   superblock  magic[32] "Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0", blockSize, freeBlockMapBlock,
//               numBlocks, numDirectoryBytes, unknown, blockMapAddr
//   block map   at block blockMapAddr: the u32 block numbers of the directory
//   directory   numStreams, sizes[numStreams] (0xFFFFFFFF = nil), then every stream's blocks
//
// The directory is the only thing read whole (it is small: 4 MiB for a 4 GiB PDB). A stream is a
// block list; reads of a byte range read the runs of consecutive blocks it spans, so nothing
// reads more of the file than asked. The old "program database 2.00" (JG) format of VC 6 and
// earlier is refused with its own reason: its directory has 16-bit block numbers and no PDB we
// symbolize today uses it.

import type { ByteSource } from '../../reader/byte-source.js';
import { formatError, h, view } from './bytes.js';
import { TruncatedDumpError } from '../../errors.js';
import { MAX_DIRECTORY_BYTES, MAX_PDB_STREAMS, PDB_STRUCT } from './limits.js';

const MAGIC_70 = 'Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0';
const MAGIC_20 = 'Microsoft C/C++ program database 2.00\r\n\x1aJG\0\0';
const SUPERBLOCK_BYTES = 56;
/** Stream size meaning "no stream" (a deleted or never-written stream). */
const NIL_SIZE = 0xffff_ffff;

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}
const M70 = ascii(MAGIC_70);
const M20 = ascii(MAGIC_20);

function startsWith(b: Uint8Array, m: Uint8Array): boolean {
  if (b.length < m.length) return false;
  for (let i = 0; i < m.length; i++) if (b[i] !== m[i]) return false;
  return true;
}

/** True when the bytes begin like a PDB (either MSF version): for format detection. */
export function looksLikePdb(head: Uint8Array): boolean {
  return startsWith(head, M70) || startsWith(head, M20);
}

export class Msf {
  private readonly streams = new Map<number, MsfStream>();

  private constructor(
    readonly source: ByteSource,
    readonly blockSize: number,
    readonly numBlocks: number,
    /** Stream sizes in bytes (NIL_SIZE for a nil stream). */
    private readonly sizes: Uint32Array,
    /** Where each stream's blocks start in `blocks` (numStreams + 1 entries). */
    private readonly blockStart: Uint32Array,
    private readonly blocks: Uint32Array,
  ) {}

  /** Reads and checks the superblock and the stream directory. */
  static async open(source: ByteSource): Promise<Msf> {
    const S = PDB_STRUCT.msf;
    const head = await source.readAvailable(0, Math.max(SUPERBLOCK_BYTES, M20.length), S);
    if (startsWith(head, M20)) {
      throw formatError(source, 'BadVersion', S, 0, 'a PDB in the old "program database 2.00" format (VC 6 and earlier), which is not supported: only MSF 7.00 PDBs are read');
    }
    if (!startsWith(head, M70)) throw formatError(source, 'BadSignature', S, 0, 'not a PDB (no "Microsoft C/C++ MSF 7.00" signature)');
    if (head.length < SUPERBLOCK_BYTES) throw formatError(source, 'OutOfBounds', S, 0, `superblock needs ${SUPERBLOCK_BYTES} bytes, the file has ${head.length}`);
    const dv = view(head);
    const blockSize = dv.getUint32(32, true);
    const numBlocks = dv.getUint32(40, true);
    const dirBytes = dv.getUint32(44, true);
    const blockMapAddr = dv.getUint32(52, true);
    // MSVC writes 4 KiB blocks (512-4096 in older files); /pdbpagesize allows up to 32 KiB.
    if (blockSize < 512 || blockSize > 32768 || (blockSize & (blockSize - 1)) !== 0) {
      throw formatError(source, 'BadValue', S, 32, `block size ${blockSize} is not a power of two from 512 to 32768`);
    }
    if (numBlocks === 0) throw formatError(source, 'BadValue', S, 40, 'the superblock counts no blocks');
    if (dirBytes < 4) throw formatError(source, 'BadValue', S, 44, `stream directory of ${dirBytes} bytes cannot hold its stream count`);
    if (dirBytes > MAX_DIRECTORY_BYTES) throw formatError(source, 'CountTooLarge', S, 44, `stream directory of ${dirBytes} bytes is over the ${MAX_DIRECTORY_BYTES}-byte limit`);
    const dirBlocks = Math.ceil(dirBytes / blockSize);
    if (dirBlocks > numBlocks) throw formatError(source, 'CountTooLarge', S, 44, `stream directory of ${dirBytes} bytes needs ${dirBlocks} blocks, the file has ${numBlocks}`);
    // The block map is one block of u32 block numbers.
    if (dirBlocks * 4 > blockSize) throw formatError(source, 'CountTooLarge', S, 44, `stream directory of ${dirBytes} bytes needs a block map of ${dirBlocks * 4} bytes, over one block of ${blockSize}`);
    if (blockMapAddr === 0 || blockMapAddr >= numBlocks) throw formatError(source, 'OutOfBounds', S, 52, `block map at block ${blockMapAddr}, outside blocks 1..${numBlocks - 1}`);

    const mapOffset = blockMapAddr * blockSize;
    const mapBytes = await source.read(mapOffset, dirBlocks * 4, `${S} block map`);
    const mapView = view(mapBytes);
    const dirBlockList = new Uint32Array(dirBlocks);
    for (let i = 0; i < dirBlocks; i++) {
      const b = mapView.getUint32(i * 4, true);
      if (b === 0 || b >= numBlocks) throw formatError(source, 'OutOfBounds', S, mapOffset + i * 4, `stream directory block ${i} is block ${b}, outside blocks 1..${numBlocks - 1}`);
      dirBlockList[i] = b;
    }
    const dir = await readBlocks(source, blockSize, dirBlockList, 0, dirBytes, `${S} directory`);
    const dirView = view(dir);
    const dirAt = (o: number): number => dirBlockList[Math.floor(o / blockSize)]! * blockSize + (o % blockSize);

    const numStreams = dirView.getUint32(0, true);
    if (numStreams > MAX_PDB_STREAMS) throw formatError(source, 'CountTooLarge', S, dirAt(0), `the directory claims ${numStreams} streams, over the limit of ${MAX_PDB_STREAMS}`);
    if (4 + numStreams * 4 > dirBytes) throw formatError(source, 'CountTooLarge', S, dirAt(0), `the directory claims ${numStreams} streams, its ${dirBytes} bytes hold at most ${Math.floor((dirBytes - 4) / 4)}`);
    const sizes = new Uint32Array(numStreams);
    const blockStart = new Uint32Array(numStreams + 1);
    let total = 0;
    for (let i = 0; i < numStreams; i++) {
      const size = dirView.getUint32(4 + i * 4, true);
      sizes[i] = size;
      blockStart[i] = total;
      if (size !== NIL_SIZE) total += Math.ceil(size / blockSize);
    }
    blockStart[numStreams] = total;
    const listAt = 4 + numStreams * 4;
    if (listAt + total * 4 > dirBytes) {
      throw formatError(source, 'CountTooLarge', S, dirAt(listAt), `the stream sizes need ${total} block numbers, the directory holds ${Math.floor((dirBytes - listAt) / 4)}`);
    }
    // Block numbers are checked when a stream is first used (most streams never are).
    const blocks = new Uint32Array(total);
    for (let i = 0; i < total; i++) blocks[i] = dirView.getUint32(listAt + i * 4, true);
    return new Msf(source, blockSize, numBlocks, sizes, blockStart, blocks);
  }

  get streamCount(): number {
    return this.sizes.length;
  }

  /** True when stream `index` exists and is not nil. */
  has(index: number): boolean {
    return Number.isInteger(index) && index >= 0 && index < this.sizes.length && this.sizes[index] !== NIL_SIZE;
  }

  /** Size of stream `index` in bytes (0 for a nil or absent stream). */
  streamSize(index: number): number {
    return this.has(index) ? this.sizes[index]! : 0;
  }

  /**
   * Stream `index`, its block numbers checked against the file. `what` names the stream in the
   * error when it is absent (a DBI field that points past the directory).
   */
  stream(index: number, what: string): MsfStream {
    const hit = this.streams.get(index);
    if (hit) return hit;
    if (!this.has(index)) {
      throw formatError(this.source, 'OutOfBounds', PDB_STRUCT.msf, 0, `${what} is stream ${index}, which ${index < this.sizes.length ? 'is nil' : `is past the ${this.sizes.length} streams of the directory`}`);
    }
    const list = this.blocks.subarray(this.blockStart[index]!, this.blockStart[index + 1]!);
    for (let i = 0; i < list.length; i++) {
      const b = list[i]!;
      if (b >= this.numBlocks) {
        throw formatError(this.source, 'OutOfBounds', PDB_STRUCT.msf, 0, `block ${i} of stream ${index} (${what}) is block ${b}, past the ${this.numBlocks} blocks of the file`);
      }
    }
    const s = new MsfStream(this, index, this.sizes[index]!, list);
    this.streams.set(index, s);
    return s;
  }

  /** The stream, or undefined when `index` is 0xFFFF ("none") or names a nil or absent stream. */
  optionalStream(index: number, what: string): MsfStream | undefined {
    if (index === 0xffff || !this.has(index)) return undefined;
    return this.stream(index, what);
  }

  /** Bytes held by the directory's typed arrays. */
  get indexBytes(): number {
    return this.sizes.byteLength + this.blockStart.byteLength + this.blocks.byteLength;
  }
}

/**
 * Reads [offset, offset + length) of the block list, one read per run of consecutive blocks.
 * Every run is checked against the file before the buffer that joins them is allocated, so a
 * stream whose blocks lie past the end of a short file costs nothing.
 */
async function readBlocks(source: ByteSource, blockSize: number, blocks: Uint32Array, offset: number, length: number, struct: string, into?: Uint8Array): Promise<Uint8Array> {
  if (length === 0) return new Uint8Array(0);
  const first = Math.floor(offset / blockSize);
  const last = Math.floor((offset + length - 1) / blockSize);
  const runs: Array<[number, number]> = [];
  let written = 0;
  for (let b = first; b <= last; ) {
    let e = b;
    while (e < last && blocks[e + 1] === blocks[e]! + 1) e++;
    const start = b === first ? offset % blockSize : 0;
    const take = Math.min((e - b + 1) * blockSize - start, length - written);
    const at = blocks[b]! * blockSize + start;
    if (at > source.size || take > source.size - at) {
      throw new TruncatedDumpError({ struct, offset: at, wanted: take, available: Math.max(0, source.size - at), path: source.name });
    }
    runs.push([at, take]);
    written += take;
    b = e + 1;
  }
  // A caller's reused buffer, where the source can fill one: a sequential pass over a big stream
  // then leaves no chunk behind for the collector (a 1 GB PDB's open read ~90 MB in 2 MB chunks).
  if (into && into.length >= length && source.readInto) {
    written = 0;
    for (const [at, take] of runs) {
      const got = await source.readInto(at, into.subarray(written, written + take), struct);
      if (got < take) throw new TruncatedDumpError({ struct, offset: at, wanted: take, available: got, path: source.name });
      written += take;
    }
    return into.subarray(0, length);
  }
  if (runs.length === 1) return source.read(runs[0]![0], runs[0]![1], struct);
  const out = new Uint8Array(length);
  written = 0;
  for (const [at, take] of runs) {
    out.set(await source.read(at, take, struct), written);
    written += take;
  }
  return out;
}

/** One stream: a size and a block list. Reads are positioned and bounded by the stream size. */
export class MsfStream {
  constructor(
    readonly msf: Msf,
    readonly index: number,
    readonly size: number,
    private readonly blocks: Uint32Array,
  ) {}

  /** File offset of byte `offset` of the stream (for error messages). */
  fileOffset(offset: number): number {
    const bs = this.msf.blockSize;
    const b = Math.floor(Math.max(0, Math.min(offset, this.size - 1)) / bs);
    if (b >= this.blocks.length) return 0;
    return this.blocks[b]! * bs + (offset % bs);
  }

  /**
   * Exactly `length` bytes at `offset`; a DumpFormatError naming `struct` past the stream's end.
   * With `into` (at least `length` bytes) the bytes land there when the source can do it: the
   * result is then a view of `into`, overwritten by the caller's next read.
   */
  async read(offset: number, length: number, struct: string, into?: Uint8Array): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset > this.size || length > this.size - offset) {
      throw formatError(this.msf.source, 'OutOfBounds', struct, this.fileOffset(offset), `needs ${length} bytes at ${h(Math.max(0, offset))} of stream ${this.index}, which has ${this.size}`);
    }
    return readBlocks(this.msf.source, this.msf.blockSize, this.blocks, offset, length, struct, into);
  }

  /** Up to `length` bytes at `offset` (fewer at the end of the stream, none past it). */
  async readAvailable(offset: number, length: number, struct: string): Promise<Uint8Array> {
    if (offset >= this.size || length <= 0) return new Uint8Array(0);
    return this.read(offset, Math.min(length, this.size - offset), struct);
  }
}
