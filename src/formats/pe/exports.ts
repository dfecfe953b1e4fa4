// PE export tables, for last-resort names: a module with no symbol file is named from its image's
// exports (the image mapped in the dump, or a binary found on the symbol path), the nearest export
// at or below the address. An export says nothing of where its function ends, so a private
// function after it takes its name with a large offset; callers say the name came from exports.
//
// Layout: Microsoft's PE format, "The .edata Section" (IMAGE_EXPORT_DIRECTORY, the export address
// table of RVAs indexed by ordinal - base, the name pointer table and the name ordinal table, side
// by side, and forwarders: an address-table RVA inside the export directory names "DLL.Function"
// instead of code). Listing follows llvm-readobj --coff-exports (one entry per address-table slot,
// named by the first name-table entry that points at it), except that unused slots (RVA 0) are left
// out, as dumpbin /exports does.
//
// Hostile input. Structure that cannot be read right is a typed error, never a shorter list that
// would name an address after the wrong export: a directory smaller than IMAGE_EXPORT_DIRECTORY or
// reaching past SizeOfImage, counts whose tables need more bytes than the directory holds (the
// linker writes the tables and strings inside it) or more than `maxExports`, tables outside the
// image (DumpFormatError); a directory or table whose bytes are not present, as in a dump that
// kept only some of the image's pages (TruncatedDumpError). A single bad name (its RVA outside the
// image, no NUL within MAX_EXPORT_NAME_BYTES or before the image's end, its bytes not present)
// leaves that export unnamed and adds a warning: an unnamed export is never used as a name. The
// work is bounded by the counts, themselves bounded by the directory's size; forwarders are listed,
// never followed (they name other DLLs), so a forwarder loop costs nothing.

import { DumpFormatError, TruncatedDumpError, type DumpWarning } from '../../errors.js';
import { decodeUtf8 } from '../../reader/text.js';
import { hex } from '../../util/hex.js';
import { IMAGE_EXPORT_DIRECTORY, PE_LIMITS, type PeExport, type PeImage } from './image.js';

export type { PeExport } from './image.js';

/** Exports per image: a 16-bit ordinal table cannot name more (ntdll has ~2,500, the largest DLLs ~30,000). */
export const MAX_EXPORTS = 65_536;

/** Bytes of one export or forwarder name. MSVC cuts decorated names at 4,096 characters. */
export const MAX_EXPORT_NAME_BYTES = 4096;

/** The whole directory is read at once up to this size (real ones: ntdll ~100 KB). */
const MAX_DIRECTORY_READ = 16 * 1024 * 1024;

export interface ReadExportsOptions {
  /** At most this many address-table slots (default and ceiling MAX_EXPORTS); more is CountTooLarge. */
  maxExports?: number;
  /** Receives one warning per export left unnamed or name skipped (bad RVA, no NUL, bytes absent). */
  warnings?: DumpWarning[];
}

const DIR = 'IMAGE_EXPORT_DIRECTORY';

/**
 * The export table of `image`, in address-table (ordinal) order: [] when the image has no export
 * directory. Throws DumpFormatError for a malformed table and TruncatedDumpError when its bytes are
 * not present (offsets in both are RVAs).
 */
export async function readExports(image: PeImage, options: ReadExportsOptions = {}): Promise<PeExport[]> {
  const dir = image.exportDirectory;
  if (!dir) return [];
  const maxExports = Math.max(0, Math.min(MAX_EXPORTS, Math.floor(options.maxExports ?? MAX_EXPORTS)));
  const size = image.sizeOfImage;
  if (dir.size < IMAGE_EXPORT_DIRECTORY.size) {
    throw new DumpFormatError('BadValue', `export directory size ${hex(dir.size)} is smaller than ${DIR} (${hex(IMAGE_EXPORT_DIRECTORY.size)})`, { struct: DIR, offset: dir.rva });
  }
  if (dir.rva >= size || dir.size > size - dir.rva) {
    throw new DumpFormatError('OutOfBounds', `export directory ${hex(dir.rva)}+${hex(dir.size)} runs past SizeOfImage ${hex(size)}`, { struct: DIR, offset: dir.rva });
  }
  const dirEnd = dir.rva + dir.size;
  // The directory holds the tables and strings: one read serves them all when its pages are there.
  const whole = dir.size <= MAX_DIRECTORY_READ ? await image.readRva(dir.rva, dir.size) : undefined;
  const read = async (rva: number, length: number): Promise<Uint8Array | undefined> =>
    whole && rva >= dir.rva && rva + length <= dirEnd ? whole.subarray(rva - dir.rva, rva - dir.rva + length) : image.readRva(rva, length);

  const head = await read(dir.rva, IMAGE_EXPORT_DIRECTORY.size);
  if (!head) throw new TruncatedDumpError({ struct: DIR, offset: dir.rva, wanted: IMAGE_EXPORT_DIRECTORY.size, available: 0 });
  const h = view(head);
  const base = h.getUint32(0x10, true);
  const nFunctions = h.getUint32(0x14, true);
  const nNames = h.getUint32(0x18, true);
  const functionsAt = h.getUint32(0x1c, true);
  const namesAt = h.getUint32(0x20, true);
  const ordinalsAt = h.getUint32(0x24, true);

  if (nFunctions > maxExports || nNames > maxExports) {
    throw new DumpFormatError('CountTooLarge', `${nFunctions} functions, ${nNames} names (at most ${maxExports})`, { struct: DIR, offset: dir.rva + 0x14 });
  }
  if (nFunctions * 4 > dir.size || nNames * 6 > dir.size) {
    throw new DumpFormatError('CountTooLarge', `${nFunctions} functions and ${nNames} names need more than the directory's ${hex(dir.size)} bytes`, { struct: DIR, offset: dir.rva + 0x14 });
  }
  const table = async (at: number, length: number, struct: string): Promise<DataView> => {
    if (length === 0) return new DataView(new ArrayBuffer(0));
    if (at >= size || length > size - at) throw new DumpFormatError('OutOfBounds', `${struct} ${hex(at)}+${hex(length)} runs past SizeOfImage ${hex(size)}`, { struct, offset: at });
    const b = await read(at, length);
    if (!b) throw new TruncatedDumpError({ struct, offset: at, wanted: length, available: 0 });
    return view(b);
  };
  const functions = await table(functionsAt, nFunctions * 4, 'export address table');
  const names = await table(namesAt, nNames * 4, 'export name pointer table');
  const ordinals = await table(ordinalsAt, nNames * 2, 'export ordinal table');

  const warn = (message: string, rva: number): void => {
    options.warnings?.push({ code: 'BadPeExport', message: `export at rva ${hex(rva)}: ${message}` });
  };
  /** A NUL-terminated string at rva, read at most up to `limit` (an RVA); undefined with a warning when it cannot be. */
  const asciiz = async (rva: number, limit: number): Promise<string | undefined> => {
    if (rva >= size) {
      warn(`name rva ${hex(rva)} is outside the image (SizeOfImage ${hex(size)})`, rva);
      return undefined;
    }
    const end = Math.min(limit, size, rva + MAX_EXPORT_NAME_BYTES);
    const parts: Uint8Array[] = [];
    // Page by page: a name may straddle a page the dump does not hold.
    for (let at = rva; at < end; ) {
      const n = Math.min(end - at, PE_LIMITS.pageSize - (at % PE_LIMITS.pageSize));
      const b = await read(at, n);
      if (!b) {
        warn(`name bytes at rva ${hex(at)} are not present`, rva);
        return undefined;
      }
      const nul = b.indexOf(0);
      if (nul >= 0) {
        parts.push(b.subarray(0, nul));
        return decodeUtf8(concat(parts), false);
      }
      parts.push(b);
      at += n;
    }
    warn(`no NUL within ${end - rva} bytes of rva ${hex(rva)}`, rva);
    return undefined;
  };

  const out: PeExport[] = [];
  const bySlot = new Map<number, PeExport>();
  for (let i = 0; i < nFunctions; i++) {
    const rva = functions.getUint32(i * 4, true);
    if (rva === 0) continue; // an unused ordinal
    const e: PeExport = { ordinal: base + i, rva };
    if (rva >= dir.rva && rva < dirEnd) {
      // A forwarder: it stays marked as one even when its text is unreadable, so that it is never taken for code.
      e.forwarder = (await asciiz(rva, dirEnd)) ?? '';
      if (e.forwarder === '') warn('empty or unreadable forwarder', rva);
    }
    bySlot.set(i, e);
    out.push(e);
  }
  for (let j = 0; j < nNames; j++) {
    const slot = ordinals.getUint16(j * 2, true);
    const nameRva = names.getUint32(j * 4, true);
    const e = bySlot.get(slot);
    if (!e) {
      if (slot >= nFunctions) warn(`name ${j} has ordinal index ${slot}, past NumberOfFunctions ${nFunctions}`, nameRva);
      continue;
    }
    if (e.name !== undefined) continue; // an alias: the first name in the (sorted) name table names the slot
    const name = await asciiz(nameRva, size);
    if (name === '') warn('empty name', nameRva);
    else if (name !== undefined) e.name = name;
  }
  return out;
}

/** Per export list: the candidates for findExportBelow, by address. */
const belowIndex = new WeakMap<readonly PeExport[], { rva: Uint32Array; entry: PeExport[] }>();

/**
 * The export at or below rva (not a forwarder), as a last-resort name: breakpad's rule for the
 * PUBLIC records of a PE-only symbol file (AddressMap::Retrieve: the greatest address at or below;
 * address 0 never stored). Of several exports at one address (aliases), a named one before an
 * ordinal-only one, then the lowest ordinal. Undefined below the first export. The index is built
 * once per list.
 */
export function findExportBelow(exports: readonly PeExport[], rva: number): PeExport | undefined {
  let idx = belowIndex.get(exports);
  if (!idx) {
    const c = exports.filter((e) => e.forwarder === undefined && e.rva > 0);
    c.sort((a, b) => a.rva - b.rva || Number(a.name === undefined) - Number(b.name === undefined) || a.ordinal - b.ordinal);
    const entry = c.filter((e, i) => i === 0 || c[i - 1]!.rva !== e.rva);
    idx = { rva: Uint32Array.from(entry, (e) => e.rva), entry };
    belowIndex.set(exports, idx);
  }
  let lo = 0;
  let hi = idx.rva.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (idx.rva[mid]! <= rva) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? idx.entry[lo - 1] : undefined;
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
