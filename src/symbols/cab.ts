// Microsoft CAB extraction for symstore's compressed files (`ntdll.pd_`, `ntdll.dl_`: symstore
// /compress and makecab write one file in one CAB). Layout from [MS-CAB]:
//
//   CFHEADER  'MSCF', cbCabinet, coffFiles, version, cFolders, cFiles, flags, setID, iCabinet,
//             [cbCFHeader u16, cbCFFolder u8, cbCFData u8, abReserve]  (flags & RESERVE_PRESENT)
//             [szCabinetPrev, szDiskPrev]  (flags & PREV_CABINET)  [szCabinetNext, szDiskNext]
//   CFFOLDER  coffCabStart u32, cCFData u16, typeCompress u16, [abReserve]
//   CFFILE    cbFile u32, uoffFolderStart u32, iFolder u16, date, time, attribs, szName
//   CFDATA    csum u32, cbData u16, cbUncomp u16, [abReserve], ab[cbData]
//
// MSZIP ([MS-MCI]): each CFDATA block is `CK` and a raw deflate stream of at most 32 KiB of
// output, and the LZ77 window carries over from the previous block: each block is inflated with
// the last 32 KiB of output as its preset dictionary (node:zlib inflateRaw `dictionary`).
// Stored (uncompressed) folders are copied. LZX and Quantum are not implemented: a typed
// CabError('CabUnsupported') says so and the locator logs it.
//
// The CAB is hostile (a server sent it). Everything is read in bounded pieces from a file handle
// (a block is at most 64 KiB), every offset and count is checked against the file size, each
// block's output against its cbUncomp and 32 KiB, and the file's total against a limit; the
// output is written block by block. Names inside the CAB never become paths: the caller names
// the output file.

import { open, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { inflateRaw as inflateRawCb, constants as zc, type ZlibOptions } from 'node:zlib';

const inflateRaw = promisify<Buffer, ZlibOptions, Buffer>(inflateRawCb);

export type CabErrorCode = 'CabCorrupt' | 'CabUnsupported' | 'CabTooLarge';

export class CabError extends Error {
  constructor(
    readonly code: CabErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CabError';
  }
}

const RESERVE_PRESENT = 0x0004;
const PREV_CABINET = 0x0001;
const NEXT_CABINET = 0x0002;
/** MSZIP's window and its largest block output. */
const WINDOW = 32 * 1024;
/** Files a CAB may list before we stop reading its file table (symstore's hold one). */
const MAX_FILES = 4096;
const TYPE_NAMES: Record<number, string> = { 0: 'stored', 1: 'MSZIP', 2: 'Quantum', 3: 'LZX' };

class Reader {
  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  async bytes(offset: number, length: number, what: string): Promise<Buffer> {
    if (offset < 0 || length < 0 || offset + length > this.size) throw new CabError('CabCorrupt', `${what} at ${offset} (+${length}) is past the end of the ${this.size}-byte CAB`);
    const buf = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await this.fh.read(buf, got, length - got, offset + got);
      if (bytesRead === 0) throw new CabError('CabCorrupt', `${what}: unexpected end of file`);
      got += bytesRead;
    }
    return buf;
  }

  /** A NUL-terminated string of at most 256 bytes at `offset`: its length with the NUL. */
  async cstring(offset: number, what: string): Promise<{ text: string; length: number }> {
    const buf = await this.bytes(offset, Math.min(257, this.size - offset), what);
    const nul = buf.indexOf(0);
    if (nul < 0) throw new CabError('CabCorrupt', `${what}: no NUL within 256 bytes`);
    return { text: buf.subarray(0, nul).toString('latin1'), length: nul + 1 };
  }
}

interface CabFile {
  name: string;
  size: number;
  folderOffset: number;
  folder: number;
}

interface CabFolder {
  dataOffset: number;
  blocks: number;
  type: number;
}

/** A file name's last component, compared case-insensitively (Windows names). */
function sameName(a: string, b: string): boolean {
  const last = (s: string) => s.slice(Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\')) + 1).toLowerCase();
  return last(a) === last(b);
}

/**
 * Extracts the file named `wanted` (or the CAB's only file) from the CAB at `cabPath` into
 * `outPath` (created; must not exist), at most `maxBytes`. Returns the bytes written; throws
 * CabError.
 */
export async function extractCab(cabPath: string, wanted: string, outPath: string, maxBytes: number): Promise<{ bytes: number; name: string }> {
  const fh = await open(cabPath, 'r');
  try {
    const r = new Reader(fh, (await fh.stat()).size);
    const h = await r.bytes(0, 36, 'CFHEADER');
    if (h.toString('latin1', 0, 4) !== 'MSCF') throw new CabError('CabCorrupt', 'no MSCF signature');
    const coffFiles = h.readUInt32LE(16);
    const cFolders = h.readUInt16LE(26);
    const cFiles = h.readUInt16LE(28);
    const flags = h.readUInt16LE(30);
    if (h[25] !== 1) throw new CabError('CabUnsupported', `CAB format version ${h[25]}.${h[24]}`);
    if (flags & (PREV_CABINET | NEXT_CABINET)) throw new CabError('CabUnsupported', 'a CAB spanning several cabinets');
    let at = 36;
    let folderReserve = 0;
    let dataReserve = 0;
    if (flags & RESERVE_PRESENT) {
      const rsv = await r.bytes(at, 4, 'CFHEADER reserve sizes');
      folderReserve = rsv[2]!;
      dataReserve = rsv[3]!;
      at += 4 + rsv.readUInt16LE(0);
    }
    if (cFolders === 0 || cFiles === 0) throw new CabError('CabCorrupt', 'no folder or no file');

    // Files first: find the one wanted.
    let pick: CabFile | undefined;
    let only: CabFile | undefined;
    let pos = coffFiles;
    for (let i = 0; i < Math.min(cFiles, MAX_FILES); i++) {
      const f = await r.bytes(pos, 16, 'CFFILE');
      const name = await r.cstring(pos + 16, 'CFFILE name');
      const file: CabFile = { size: f.readUInt32LE(0), folderOffset: f.readUInt32LE(4), folder: f.readUInt16LE(8), name: name.text };
      pos += 16 + name.length;
      if (i === 0) only = file;
      if (sameName(file.name, wanted)) {
        pick = file;
        break;
      }
    }
    if (!pick && cFiles === 1) pick = only;
    if (!pick) throw new CabError('CabCorrupt', `no file named ${wanted} in the CAB`);
    if (pick.folder >= 0xfffd) throw new CabError('CabUnsupported', 'a file continued from or into another cabinet');
    if (pick.folder >= cFolders) throw new CabError('CabCorrupt', `file's folder ${pick.folder} of ${cFolders}`);
    if (pick.size > maxBytes) throw new CabError('CabTooLarge', `the CAB holds ${pick.size} bytes, over the ${maxBytes}-byte limit`);

    const fd = await r.bytes(at + pick.folder * (8 + folderReserve), 8, 'CFFOLDER');
    const folder: CabFolder = { dataOffset: fd.readUInt32LE(0), blocks: fd.readUInt16LE(4), type: fd.readUInt16LE(6) };
    const type = folder.type & 0x0f;
    if (type === 3) throw new CabError('CabUnsupported', 'LZX-compressed CAB not supported');
    if (type !== 0 && type !== 1) throw new CabError('CabUnsupported', `${TYPE_NAMES[type] ?? `type ${type}`}-compressed CAB not supported`);

    const out = await open(outPath, 'wx');
    try {
      const start = pick.folderOffset;
      const end = start + pick.size;
      let folderPos = 0; // uncompressed offset of the next block within the folder
      let written = 0;
      let history = Buffer.alloc(0);
      let p = folder.dataOffset;
      for (let b = 0; b < folder.blocks && folderPos < end; b++) {
        const dh = await r.bytes(p, 8, 'CFDATA');
        const cbData = dh.readUInt16LE(4);
        const cbUncomp = dh.readUInt16LE(6);
        p += 8 + dataReserve;
        const data = await r.bytes(p, cbData, 'CFDATA block');
        p += cbData;
        if (cbUncomp > WINDOW || cbUncomp === 0) throw new CabError('CabCorrupt', `block ${b} claims ${cbUncomp} uncompressed bytes`);
        let plain: Buffer;
        if (type === 0) {
          plain = data;
        } else {
          if (data.length < 2 || data[0] !== 0x43 || data[1] !== 0x4b) throw new CabError('CabCorrupt', `block ${b} has no MSZIP "CK" signature`);
          try {
            plain = await inflateRaw(data.subarray(2), {
              ...(history.length ? { dictionary: history } : {}),
              // A block's deflate data may end without BFINAL; its output never exceeds 32 KiB.
              finishFlush: zc.Z_SYNC_FLUSH,
              maxOutputLength: WINDOW,
            });
          } catch (e) {
            throw new CabError('CabCorrupt', `block ${b}: ${(e as Error).message}`);
          }
        }
        if (plain.length !== cbUncomp) throw new CabError('CabCorrupt', `block ${b} inflates to ${plain.length} bytes, not ${cbUncomp}`);
        if (type === 1) history = history.length + plain.length <= WINDOW ? Buffer.concat([history, plain]) : Buffer.concat([history, plain]).subarray(-WINDOW);
        // The part of this block inside the wanted file.
        const from = Math.max(start, folderPos) - folderPos;
        const to = Math.min(end, folderPos + plain.length) - folderPos;
        if (to > from) {
          const slice = plain.subarray(from, to);
          let off = 0;
          while (off < slice.length) off += (await out.write(slice, off, slice.length - off, written + off)).bytesWritten;
          written += slice.length;
        }
        folderPos += plain.length;
      }
      if (written !== pick.size) throw new CabError('CabCorrupt', `the folder ends after ${written} of the file's ${pick.size} bytes`);
      return { bytes: written, name: pick.name };
    } finally {
      await out.close();
    }
  } finally {
    await fh.close();
  }
}
