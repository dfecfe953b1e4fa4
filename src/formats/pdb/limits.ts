// Hard limits of the PDB reader, each with the reason for its value. A count or size read from
// the file is checked against the bytes really present first (a stream cannot hold more records
// than bytes / record size), and against these limits second, so no field can size an allocation
// on its own. Exceeding a limit on the container (directory, stream count) refuses the file with a
// DumpFormatError; exceeding one on the contents (symbols, names) drops the excess and counts it.

/** The `struct` named in errors about each part of a PDB. */
export const PDB_STRUCT = {
  msf: 'pdb-msf',
  info: 'pdb-info',
  dbi: 'pdb-dbi',
  names: 'pdb-names',
  publics: 'pdb-publics',
  module: 'pdb-module',
  lines: 'pdb-lines',
  tpi: 'pdb-tpi',
  ipi: 'pdb-ipi',
  sections: 'pdb-sections',
  omap: 'pdb-omap',
} as const;

/**
 * Streams in the MSF directory. DBI and module records name streams with 16-bit indexes, so
 * link.exe stops at 65,535 (the "too many streams" LNK1318 of huge builds); 0xFFFF means none.
 */
export const MAX_PDB_STREAMS = 65_536;

/**
 * Bytes of the stream directory. It lists every block of every stream: a 4 GiB PDB of 4 KiB
 * blocks needs 4 MiB. The directory is read whole at open, so this caps what opening costs.
 */
export const MAX_DIRECTORY_BYTES = 16 * 1024 * 1024;

/** Bytes read per positioned read when a stream is walked (symbol records, types, lines). */
export const PDB_CHUNK_BYTES = 1024 * 1024;

/**
 * Public symbols indexed (S_PUB32 of the global symbol stream). chrome.dll.pdb (~1.5 GB) has
 * ~1.3 million; each costs 9 bytes of index. Past the limit publics are counted, not indexed.
 */
export const MAX_PUBLICS = 8_000_000;

/**
 * Section contributions indexed (code ones only; one per COMDAT function with /Gy). A 1 GB PDB
 * has a few million; each costs 10 bytes. Past the limit they are counted, not indexed.
 */
export const MAX_SECTION_CONTRIBUTIONS = 8_000_000;

/** Modules (compilands) in the DBI. Module indexes are 16-bit in section contributions. */
export const MAX_MODULES = 65_536;

/**
 * Bytes of one symbol or type name. Real C++ names reach a few KiB (templates); MSVC truncates
 * at 4 KiB in records and the undecorator at 1 KiB. A longer name is cut, never read further.
 */
export const MAX_NAME_BYTES = 64 * 1024;

/**
 * Parsed module symbol streams kept (LRU). A lookup parses the module its address lands in;
 * a stack of 64 frames touches a few dozen modules, most of them twice or more.
 */
export const MAX_PARSED_MODULES = 16;

/**
 * Bytes of one module's symbol and line substreams parsed in one piece. The largest modules of
 * big builds (unity files, generated code) hold tens of MiB; a module over this is parsed up to
 * the limit and the rest is dropped with a problem.
 */
export const MAX_MODULE_BYTES = 256 * 1024 * 1024;

/** Procedures indexed in one module (a generated-code module can hold ~100k): 18 bytes each. */
export const MAX_MODULE_PROCS = 1_000_000;

/** Line records indexed in one module (a big generated module has a few hundred thousand): 16 bytes each. */
export const MAX_MODULE_LINES = 2_000_000;

/**
 * Bytes the parsed modules of the LRU may hold together (typed arrays of procedures, blocks and
 * lines). Past it the least recently used are let go, down to the one in use.
 */
export const MAX_PARSED_BYTES = 48 * 1024 * 1024;

/**
 * Modules parsed to answer one lookup. Breakpad's public rule needs to know no function starts
 * between the public and the address; that range normally lies in one module. A hostile or
 * stripped PDB could make it span thousands: past this many, the answer is given without them.
 */
export const MAX_MODULES_PER_LOOKUP = 64;

/**
 * Depth of a type walked when a signature is formatted (pointer to pointer to ... ). Real types
 * nest < 10 deep; a cycle (a type that points at itself) stops here instead of recursing.
 */
export const MAX_TYPE_DEPTH = 32;

/** Characters of a formatted function signature (DIA's own cap is similar: ~4 KiB). */
export const MAX_SIGNATURE_CHARS = 4096;

/** Arguments formatted per function signature (the C limit is 127; a longer list is cut). */
export const MAX_SIGNATURE_ARGS = 256;

/** Type-record chunks kept in memory for lookups (LRU; each ~8 KiB, bounded by the hash stream). */
export const MAX_TYPE_CHUNKS = 64;

/**
 * FUNC and PUBLIC records `listFunctions` / `listPublics` return. A full dump of a 1 GB PDB has
 * ~1-2 million of each; past this the lists are cut (and `truncated` says so).
 */
export const MAX_LISTED = 4_000_000;

/**
 * OMAP entries read per table. Windows kernel PDBs have a few hundred thousand, a Syzygy-reordered
 * chrome.dll about a million; the image map holds ~52 bytes an entry (~100 MiB at the limit).
 * A larger table refuses the PDB (LimitExceeded): without it no address can be translated.
 */
export const MAX_OMAP_ENTRIES = 2_000_000;

/**
 * Pieces one range maps to through OMAP (Breakpad's MapAddressRange), and LINE records of one
 * function under OMAP. Real functions map to a few pieces and hold < 10k lines; a hostile table
 * (a function spanning the image, millions of entries) would otherwise make each query walk it
 * all. Past these, the rest is dropped with a problem.
 */
export const MAX_OMAP_PIECES = 65_536;
export const MAX_OMAP_FUNCTION_LINES = 16_384;
