// The symbol path: WinDbg's `_NT_SYMBOL_PATH` syntax, and the CLI's repeatable `--symbols DIR|URL`,
// parsed into entries the SymbolLocator (locate.ts) searches in order. Pure: no file system, no
// environment (the caller decides where the text comes from: `--symbol-path env` reads
// `_NT_SYMBOL_PATH` in the CLI, not here).
//
// The grammar follows Microsoft's "Symbol path for Windows debuggers" and "Advanced SymSrv Use":
//
//   path    = entry *( ";" entry )                 empty entries are skipped
//   entry   = "cache*" [DIR]                        a cache for every entry to its right
//           | "srv*" store-list                     symsrv.dll, shortened
//           | "symsrv*symsrv.dll*" store-list       the long form (no other DLL is emulated)
//           | URL                                   an http(s) symbol server with the default cache
//                                                   (our addition: WinDbg supports HTTP "only when
//                                                   using the SRV* prefix")
//           | DIR                                   a directory: a store, or a flat folder
//   store-list = *( [DIR] "*" ) (DIR | URL)          downstream stores, nearest first, then the
//                                                   store itself; an empty field is the default
//                                                   downstream store
//
// Behaviour kept from SymSrv:
// - `srv*DIR*URL`: DIR is checked first; a file found further up is copied into every store
//   before it ("Cascading Downstream Stores": found at the server, copied to both).
// - `srv**URL`, `srv*URL`, a bare URL: an HTTP store always gets a downstream store, the default
//   one when none is named ("If you are accessing symbols from an HTTP or HTTPS site ... a
//   downstream store is always used"). Ours is the locator's cacheDir (a per-user cache dir),
//   not the sym folder under the debugger's install dir.
// - `srv*DIR`: a store read in place, no downstream store.
// - `srv*` alone: "the default symbol store", which WinDbg's .symfix expands to
//   https://msdl.microsoft.com/download/symbols with the default cache.
// - An HTTP store can only be the last field ("it must be at the end of the path (as it can't be
//   written to serve as a cache)"); a middle URL is an error here, not a silently broken chain.
// - `cache*DIR` caches "symbols loaded from any element that appears in your symbol path to the
//   right of this string"; `cache*` alone uses the default cache. A later `cache*` replaces it.
//   Where it precedes a server that had only the implied default cache, it replaces that too
//   (`cache*c:\MySymbols;srv*https://msdl...` caches in c:\MySymbols).
//
// Entries keep the URL as written, credentials included (`https://user:pass@host/`, needed for
// the request); every message, `text` and `display` field shows it redacted.

/** Microsoft's public symbol server: what `srv*` alone means (WinDbg's .symfix). */
export const MICROSOFT_SYMBOL_SERVER = 'https://msdl.microsoft.com/download/symbols';

/** Entries a path may hold; a longer one is a mistake (or hostile), not a symbol path. */
const MAX_ENTRIES = 256;
/** Characters in one directory or URL. */
const MAX_FIELD_CHARS = 4096;

/** A store that receives copies: a directory, or the locator's default cache. */
export type CacheRef = { type: 'dir'; path: string } | { type: 'default' };

/** Where an entry's files are. */
export type SourceRef =
  | { type: 'dir'; path: string }
  | {
      type: 'http';
      /** The base URL as written, credentials included: used for requests only. */
      url: string;
      /** The same, credentials redacted: what every message shows. */
      display: string;
    };

export interface SymbolPathEntry {
  source: SourceRef;
  /**
   * Downstream stores searched before the source, nearest first. A file found in one of them, or
   * at the source, is copied into each one before it; a download lands in the first.
   */
  caches: CacheRef[];
  /**
   * A plain directory entry: besides the keyed layouts it is searched flat (DIR/NAME.pdb,
   * DIR/NAME.sym, DIR/NAME.dll), as WinDbg searches "the traditional symbol path". False for
   * symbol-server stores.
   */
  flat: boolean;
  /** The entry as written (credentials redacted), for messages. */
  text: string;
}

/** A symbol path the user wrote that cannot be used: which entry, and why. */
export class SymbolPathError extends Error {
  readonly code = 'SymbolPathError';
  constructor(
    /** "symbol path entry 2" or "--symbols value 1". */
    readonly where: string,
    /** The entry, credentials redacted. */
    readonly entry: string,
    readonly why: string,
  ) {
    super(`${where} "${entry}": ${why}`);
    this.name = 'SymbolPathError';
  }
}

/** A URL with its user name and password replaced by `***` (and any query string hidden). */
export function redactUrl(url: string | URL): string {
  let u: URL;
  try {
    u = typeof url === 'string' ? new URL(url) : new URL(url.href);
  } catch {
    // Not a URL we can take apart: hide whatever sits between "://" and the last "@".
    return String(url).replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1***@');
  }
  if (u.username !== '' || u.password !== '') {
    u.username = '***';
    u.password = '';
  }
  // Signed redirect targets (blob storage SAS tokens) carry their secret in the query.
  if (u.search !== '') u.search = '?***';
  return u.href;
}

/** `scheme://...` with a scheme of two or more letters (so `C://x` stays a Windows path). */
function urlScheme(text: string): string | undefined {
  const m = /^([a-z][a-z0-9+.-]+):\/\//i.exec(text);
  return m ? m[1]!.toLowerCase() : undefined;
}

/** Text safe to show in an error: control characters escaped, URL credentials redacted, capped. */
function shown(text: string): string {
  let t = urlScheme(text) ? redactUrl(text) : text.replace(/^((?:srv|symsrv|cache)\*.*?[a-z][a-z0-9+.-]+:\/\/)[^/?#*]*@/i, '$1***@');
  if (t.length > 200) t = `${t.slice(0, 200)}...`;
  // eslint-disable-next-line no-control-regex
  return t.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Redact credentials inside a whole entry (`srv*C*https://u:p@host`). */
function redactEntry(text: string): string {
  return text
    .split('*')
    .map((f) => (urlScheme(f.trim()) ? redactUrl(f.trim()) : f))
    .join('*');
}

function controlCharReason(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x20 || text.charCodeAt(i) === 0x7f) return 'contains a control character';
  if (text.length > MAX_FIELD_CHARS) return `longer than ${MAX_FIELD_CHARS} characters`;
  return undefined;
}

/** An http(s) URL as a server source, or why not. */
function serverSource(text: string): SourceRef | string {
  const scheme = urlScheme(text);
  if (scheme !== 'http' && scheme !== 'https') return `unsupported URL scheme "${scheme}:" (only http and https symbol servers)`;
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return 'not a valid URL';
  }
  if (u.hostname === '') return 'the URL has no host';
  if (u.search !== '' || u.hash !== '') return 'a symbol server URL cannot have a query string or fragment (file paths are appended to it)';
  return { type: 'http', url: u.href, display: redactUrl(u) };
}

interface Piece {
  text: string;
  where: string;
  /** One directory or URL as given (--symbols): no `;`/`*` syntax, no trimming of a directory. */
  literal?: boolean;
}

interface Parsed {
  entry: SymbolPathEntry;
  /** The only cache is the one an HTTP store gets when none is named: a cache* replaces it. */
  impliedCache: boolean;
}

function parseStoreList(fields: string[], fail: (why: string) => never): Parsed {
  // `srv*` alone: the default symbol store (.symfix).
  if (fields.length === 1 && fields[0]!.trim() === '') {
    const src = serverSource(MICROSOFT_SYMBOL_SERVER) as SourceRef;
    return { entry: { source: src, caches: [{ type: 'default' }], flat: false, text: '' }, impliedCache: true };
  }
  const last = fields[fields.length - 1]!.trim();
  if (last === '') fail('the last field must be a store (a directory or an http(s) URL); an empty field means the default cache and can only come before it');
  const caches: CacheRef[] = [];
  for (const raw of fields.slice(0, -1)) {
    const f = raw.trim();
    if (f === '') {
      caches.push({ type: 'default' });
      continue;
    }
    if (urlScheme(f)) fail(`a symbol server URL can only be the last field (files found are copied into the stores before it, and a URL cannot be written to): ${shown(f)}`);
    const why = controlCharReason(f);
    if (why) fail(`cache directory ${why}`);
    caches.push({ type: 'dir', path: f });
  }
  let source: SourceRef;
  if (urlScheme(last)) {
    const s = serverSource(last);
    if (typeof s === 'string') fail(s);
    source = s;
  } else {
    const why = controlCharReason(last);
    if (why) fail(`store directory ${why}`);
    source = { type: 'dir', path: last };
  }
  const implied = source.type === 'http' && caches.length === 0;
  if (implied) caches.push({ type: 'default' });
  return { entry: { source, caches, flat: false, text: '' }, impliedCache: implied };
}

function sameCache(a: CacheRef, b: CacheRef): boolean {
  return a.type === b.type && (a.type === 'default' || a.path === (b as { path: string }).path);
}

function parsePieces(pieces: Piece[]): SymbolPathEntry[] {
  const out: SymbolPathEntry[] = [];
  let cacheStar: CacheRef | undefined;
  for (const { text: raw, where, literal } of pieces) {
    const text = literal && !urlScheme(raw.trim()) ? raw : raw.trim();
    if (text === '') continue;
    const fail = (why: string): never => {
      throw new SymbolPathError(where, shown(redactEntry(text)), why);
    };
    if (out.length >= MAX_ENTRIES) fail(`more than ${MAX_ENTRIES} entries`);
    const lower = literal ? '' : text.toLowerCase();
    let parsed: Parsed;
    if (lower.startsWith('cache*')) {
      const dir = text.slice(6).trim();
      if (dir === '') cacheStar = { type: 'default' };
      else if (urlScheme(dir)) fail('cache* takes a directory, not a URL');
      else if (dir.includes('*')) fail('cache* takes one directory (for several caches use srv*C1*C2*URL)');
      else {
        const why = controlCharReason(dir);
        if (why) fail(`cache directory ${why}`);
        cacheStar = { type: 'dir', path: dir };
      }
      continue;
    } else if (lower.startsWith('srv*')) {
      parsed = parseStoreList(text.slice(4).split('*'), fail);
    } else if (lower.startsWith('symsrv*')) {
      const [dll, ...rest] = text.slice(7).split('*');
      if (dll === undefined || dll.trim() === '' || rest.length === 0) fail('expected symsrv*symsrv.dll*[CACHE*]STORE');
      if (dll!.trim().toLowerCase() !== 'symsrv.dll') fail(`symbol server DLL "${shown(dll!.trim())}" is not supported: only symsrv.dll's stores are (write srv*...)`);
      parsed = parseStoreList(rest, fail);
    } else if (lower === 'srv' || lower === 'symsrv') {
      fail('expected srv*[CACHE*]STORE, e.g. srv*C:\\symbols*https://msdl.microsoft.com/download/symbols');
    } else if (urlScheme(text)) {
      const s = serverSource(text);
      if (typeof s === 'string') fail(s);
      parsed = { entry: { source: s as SourceRef, caches: [{ type: 'default' }], flat: false, text: '' }, impliedCache: true };
    } else {
      const why = controlCharReason(text);
      if (why) fail(`directory ${why}`);
      parsed = { entry: { source: { type: 'dir', path: text }, caches: [], flat: true, text: '' }, impliedCache: false };
    }
    const entry = parsed!.entry;
    if (cacheStar) {
      if (parsed!.impliedCache) entry.caches = [cacheStar];
      else if (!entry.caches.some((c) => sameCache(c, cacheStar!))) entry.caches.unshift(cacheStar);
    }
    entry.text = literal ? shown(text) : shown(redactEntry(text));
    out.push(entry);
  }
  return out;
}

/**
 * Entries of a WinDbg symbol path (`_NT_SYMBOL_PATH` syntax), in search order. Throws
 * SymbolPathError naming the entry and the reason.
 */
export function parseSymbolPath(text: string): SymbolPathEntry[] {
  return parsePieces(text.split(';').map((t, i) => ({ text: t, where: `symbol path entry ${i + 1}` })));
}

/**
 * The CLI's repeatable `--symbols DIR|URL`: each value is one directory (taken literally: a
 * directory name may hold `;` or `*`) or one http(s) server URL (cached in the default cache).
 * A value that starts with `srv*`, `symsrv*` or `cache*` is read as symbol-path syntax, `;`
 * included, so a WinDbg path pasted into --symbols works too; a `cache*` there applies to the
 * values after it, as in a path.
 */
export function parseSymbolsOption(values: readonly string[]): SymbolPathEntry[] {
  const pieces: Piece[] = [];
  values.forEach((value, i) => {
    const where = `--symbols value ${i + 1}`;
    if (value.trim() === '') throw new SymbolPathError(where, '', 'needs a directory or an http(s) URL');
    if (/^(srv|symsrv|cache)\*/i.test(value.trim())) for (const t of value.split(';')) pieces.push({ text: t, where });
    else pieces.push({ text: value, where, literal: true });
  });
  return parsePieces(pieces);
}
