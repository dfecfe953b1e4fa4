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
}

export const DEFAULTS = {
  deep: false,
  experimental: false,
  /** Parallel workers for scan; 0 = number of cores. */
  jobs: 0,
  /** ± minutes around a crash when correlating hypervisor logs. */
  vmWindowMinutes: 10,
} as const;
