// The keys a module is looked up by, in every store layout, built from hostile names.
//
//   Breakpad (simple_symbol_supplier, Tecken):  NAME.pdb/DEBUGID/NAME.sym
//   Microsoft symstore, PDB:                    NAME.pdb/DEBUGID/NAME.pdb   (.pd_, file.ptr)
//   Microsoft symstore, binary:                 NAME.dll/TIMESTAMP%08X SIZEOFIMAGE%x/NAME.dll   (.dl_, file.ptr)
//   two-tier symstore (index2.txt at the root): na/NAME.pdb/DEBUGID/NAME.pdb
//   flat:                                       NAME.sym, NAME.pdb (also symbols/EXT/, EXT/), NAME.dll
//
// Names come from dumps. They are cut to their last path component and refused by store.ts's
// rules (empty, `..`, a separator, NUL or a control character, over 255 bytes), and by a few
// more that matter once we write files on Windows: `:` (an NTFS alternate data stream: `a.pdb:x`
// would write a hidden stream), the characters Windows forbids in names (`<>"|?*`), reserved
// device names (`CON`, `NUL.pdb`, `COM1.dll`: opening them opens the device) and a trailing dot
// or space (Windows drops it, so two keys would name one file). Ids must be hex. No separator
// ever reaches a joined path or a URL (each component is also percent-encoded there).

import { moduleFileName, unsafeNameReason, type SymbolModule } from '../formats/breakpad-sym/store.js';

export type LocateKind = 'sym' | 'pdb' | 'binary';

/** Debug ids are a GUID (32 hex) plus an age; ELF build ids can be longer (store.ts's bound). */
const MAX_DEBUG_ID_CHARS = 64;

const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\.|$)/i;

/** A reason to refuse `name` as one path component of a store, or undefined when it is safe. */
export function componentReason(name: string): string | undefined {
  const base = unsafeNameReason(name);
  if (base !== undefined) return base;
  if (name.includes(':')) return 'name contains ":" (an NTFS stream name)';
  if (/[<>"|?*]/.test(name)) return 'name contains a character Windows forbids in file names';
  if (name.charCodeAt(name.length - 1) === 0x20 || name.endsWith('.')) return 'name ends with a dot or a space';
  if (WINDOWS_DEVICE.test(name)) return 'name is a Windows device name';
  return undefined;
}

export function isHex(s: string): boolean {
  return s.length > 0 && /^[0-9a-f]+$/i.test(s);
}

/** A hostile name made safe to print: control characters escaped, length capped (store.ts's printable). */
export function printable(name: string): string {
  let out = '';
  for (const ch of name.slice(0, 300)) {
    const c = ch.codePointAt(0)!;
    out += c < 0x20 || (c >= 0x7f && c <= 0x9f) ? `\\x${c.toString(16).padStart(2, '0')}` : ch;
  }
  return name.length > 300 ? `${out}...` : out;
}

function withoutExtension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** One keyed place: DIR/ID/FILE. */
export interface FileKey {
  /** The file's directory: the debug file (`ntdll.pdb`) or the code file (`ntdll.dll`). */
  dir: string;
  /** The debug id (GUID + age) or code id (TimeDateStamp + SizeOfImage). */
  id: string;
  /** The file itself: `ntdll.sym`, `ntdll.pdb`, `ntdll.dll`. */
  file: string;
  /** symstore's compressed form, the last character replaced by `_` (`ntdll.pd_`); none for .sym. */
  compressed?: string;
  layout: 'breakpad' | 'symstore';
}

/** What a found file must say about itself. */
export interface Expect {
  /** Breakpad debug id, for a .sym's MODULE line (any case). */
  debugId?: string;
  /** TimeDateStamp and SizeOfImage, for a binary's PE header. */
  stamp?: { timeDateStamp: number; sizeOfImage: number };
}

export interface ModuleKeys {
  kind: LocateKind;
  /** The module as printed in lookups. */
  label: string;
  /** Keys for local stores and caches, most specific first (case variants of the same key). */
  local: FileKey[];
  /** The one key a server is asked for, and the layout downloads are written in. */
  remote?: FileKey;
  /** Flat candidates, each a list of path components under the directory. */
  flat: string[][];
  expect: Expect;
  /** Names or ids refused while others were usable (logged as `rejected`). */
  refused: string[];
}

export type KeysResult = { ok: true; keys: ModuleKeys } | { ok: false; label: string; reason: string };

/** The two-tier folder of a store holding index2.txt: the file name's first two characters, or
 *  one when the second is a dot (symbolicator's get_symstore_index2_path: `a.pdb` → `a/a.pdb`). */
export function twoTierPrefix(dir: string): string {
  const p = Array.from(dir).slice(0, 2); // code points: never half a surrogate pair
  return p.length === 2 && p[1] === '.' ? p[0]! : p.join('');
}

/** TimeDateStamp and SizeOfImage from a code id: 8 hex digits, then 1-8 more. */
export function parseCodeId(codeId: string | undefined): { timeDateStamp: number; sizeOfImage: number } | undefined {
  if (codeId === undefined || codeId.length < 9 || codeId.length > 16 || !isHex(codeId)) return undefined;
  return { timeDateStamp: parseInt(codeId.slice(0, 8), 16), sizeOfImage: parseInt(codeId.slice(8), 16) };
}

/** A symstore binary directory: TimeDateStamp as %08X, SizeOfImage as %x (symstore's own format). */
export function symstoreCodeId(stamp: { timeDateStamp: number; sizeOfImage: number }): string {
  return `${(stamp.timeDateStamp >>> 0).toString(16).toUpperCase().padStart(8, '0')}${(stamp.sizeOfImage >>> 0).toString(16)}`;
}

function compressedName(file: string): string {
  return `${file.slice(0, -1)}_`;
}

function cut(raw: string | undefined): { name?: string; reason?: string } {
  if (raw === undefined || raw === '') return {};
  const name = moduleFileName(raw);
  const reason = componentReason(name);
  return reason === undefined ? { name } : { reason };
}

/** The .sym name for a debug file: `ntdll.pdb` → `ntdll.sym`, `libc.so` → `libc.so.sym`. */
function symFileName(debugFile: string): string {
  return debugFile.toLowerCase().endsWith('.pdb') && debugFile.length > 4 ? `${debugFile.slice(0, -4)}.sym` : `${debugFile}.sym`;
}

/** The extension of a binary, for WinDbg's flat `DIR/symbols/EXT/NAME.pdb` and `DIR/EXT/NAME.pdb`. */
function binaryExtension(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  return /^[a-z0-9]{1,8}$/.test(ext) && ext !== 'pdb' ? ext : undefined;
}

/**
 * Every key of `module` for `kind`, or why the module cannot be looked up. A module without an
 * id is still searched flat (unverified): WinDbg's "traditional symbol path" finds a file by name.
 */
export function moduleKeys(module: SymbolModule, kind: LocateKind): KeysResult {
  const label = printable(module.name || module.pdbName || '?');
  const name = cut(module.name);
  const pdb = cut(module.pdbName);
  const refusals = [name.reason && `name: ${name.reason}`, pdb.reason && `pdbName: ${pdb.reason}`].filter(Boolean) as string[];
  const local: FileKey[] = [];
  const flat: string[][] = [];
  let remote: FileKey | undefined;
  const expect: Expect = {};

  if (kind === 'sym' || kind === 'pdb') {
    // Debug files, most specific first: the CodeView name, else the module's name (a Linux
    // module's debug file is itself), else NAME.pdb (store.ts's symPaths order).
    const debugFiles: string[] = [];
    if (pdb.name) debugFiles.push(pdb.name);
    if (name.name) {
      if (kind === 'sym') debugFiles.push(name.name);
      debugFiles.push(`${withoutExtension(name.name)}.pdb`);
    }
    const files = unique(debugFiles).filter((d) => componentReason(d) === undefined);
    if (files.length === 0) return { ok: false, label, reason: refusals.join('; ') || 'no module or debug file name' };
    const rawId = module.debugId ?? '';
    const idOk = isHex(rawId) && rawId.length <= MAX_DEBUG_ID_CHARS;
    if (rawId !== '' && !idOk) refusals.push('debug id is not hex');
    if (idOk) {
      const ids = unique([rawId.toUpperCase(), rawId]);
      for (const d of files) {
        if (kind === 'sym') {
          for (const id of ids) local.push({ dir: d, id, file: symFileName(d), layout: 'breakpad' });
        } else if (d.toLowerCase().endsWith('.pdb')) {
          for (const id of ids) local.push({ dir: d, id, file: d, compressed: compressedName(d), layout: 'symstore' });
        }
      }
      remote = local[0];
      if (kind === 'sym') expect.debugId = rawId;
    }
    const first = files[0]!;
    if (kind === 'sym') flat.push([symFileName(first)]);
    else {
      const pdbFile = files.find((d) => d.toLowerCase().endsWith('.pdb'));
      if (pdbFile) {
        const ext = binaryExtension(name.name);
        if (ext) flat.push(['symbols', ext, pdbFile], [ext, pdbFile]);
        flat.push([pdbFile]);
      }
    }
  } else {
    if (!name.name) return { ok: false, label, reason: refusals.join('; ') || 'no module name' };
    const stamp = parseCodeId(module.codeId);
    if (module.codeId !== undefined && module.codeId !== '' && !stamp) refusals.push('code id is not 9-16 hex digits');
    if (stamp) {
      const canonical = symstoreCodeId(stamp);
      const ids = unique([canonical, module.codeId!, module.codeId!.toUpperCase(), canonical.toUpperCase()]);
      for (const id of ids) local.push({ dir: name.name, id, file: name.name, compressed: compressedName(name.name), layout: 'symstore' });
      remote = local[0];
      expect.stamp = stamp;
    }
    flat.push([name.name]);
  }
  if (local.length === 0 && flat.length === 0) return { ok: false, label, reason: refusals.join('; ') || 'nothing to look up' };
  // Every component was checked above; this is the last guard before any path is joined.
  for (const k of local) for (const c of [k.dir, k.id, k.file, k.compressed ?? 'x']) if (componentReason(c) !== undefined) return { ok: false, label, reason: `unsafe key component` };
  return { ok: true, keys: { kind, label, local, remote, flat, expect, refused: refusals } };
}
