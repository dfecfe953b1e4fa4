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
  /** Symbol directories (Breakpad store NAME/DEBUGID/NAME.sym, or folders of .exe/.dll/.sys):
   * the CLI's repeatable --symbols. Read by the Node entry (triageFile), which builds `unwinders`. */
  symbolPaths?: string[];
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
