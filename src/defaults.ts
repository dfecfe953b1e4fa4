// Option defaults shared by the library and the CLI.

export interface TriageOptions {
  /** Expensive, whole-file work (full page maps, memory-wide scans). */
  deep?: boolean;
  /** Rule ids to run (default: all stable rules). */
  rules?: string[];
  /** Also run experimental rules. */
  experimental?: boolean;
  /** Text of a user triage.ini; its entries win over the built-in list. */
  triageIniText?: string;
  /** Symbol stores, searched in order: directories (a Breakpad store NAME.pdb/DEBUGID/NAME.sym, a
   * symstore NAME.pdb/DEBUGID/NAME.pdb with binaries NAME.dll/TIMESTAMPSIZE/NAME.dll, or a flat
   * folder) and http(s) symbol servers: the CLI's repeatable --symbols. Read by the Node entry
   * (triageFile), which builds `symbolSource`. */
  symbolPaths?: string[];
  /** A WinDbg symbol path (_NT_SYMBOL_PATH syntax: srv*CACHE*URL; cache*DIR; DIR), searched after symbolPaths. */
  symbolPath?: string;
  /** Download cache for servers without one of their own (default: a per-user cache directory). */
  symbolCacheDir?: string;
  /** Local stores and caches only: never ask a symbol server. */
  offline?: boolean;
  /** Time one symbol-server file may take, connection, redirects and body (default 60 s; connecting alone: 5 s at most). */
  symbolTimeoutMs?: number;
  /** Symbol files and binaries for the stack walker: built from symbolPaths by the Node entry, or
   * given by an embedder. Without it the walker uses what the dump itself holds. */
  symbolSource?: import('./unwind/sources.js').SymbolSource;
  /** Name frames of modules without symbol files from their images' exports (default true). */
  exportNames?: boolean;
  /** Put every place searched for symbols in the report (report.symbolLookups; the CLI's --verbose). */
  verbose?: boolean;
}

export const DEFAULTS = {
  deep: false,
  experimental: false,
  /** Parallel workers for scan; 0 = number of cores. */
  jobs: 0,
  /** ± minutes around a crash when correlating hypervisor logs. */
  vmWindowMinutes: 10,
} as const;
