// Format-neutral facts: what the triage engine and the report need, built by either format
// (formats/minidump, formats/kernel). Addresses are bigint; file positions are numbers.

import type { DumpWarning } from '../../errors.js';

export type Arch = 'x86' | 'x64' | 'arm64' | 'arm' | 'ppc' | 'ppc64' | 'mips' | 'mips64' | 'sparc' | 'ia64' | 'riscv64' | 'unknown';

/** Where a fact came from: the structure and its absolute file offset. */
export interface SourceRef {
  struct: string;
  offset: number;
}

export interface CpuContext {
  arch: Arch;
  /** Instruction pointer (rip/eip/pc). */
  ip: bigint;
  /** Stack pointer (rsp/esp/sp). */
  sp: bigint;
  /** Frame pointer (rbp/ebp/fp/x29), when the architecture has one. */
  fp?: bigint;
  /** All general registers by their lowercase name (rax, rip, eflags, x0..x30, pc, cpsr...). */
  registers: Record<string, bigint>;
  at?: SourceRef;
}

export interface SystemFacts {
  /** 'windows' | 'linux' | 'macos' | 'android' | 'ios' | 'solaris' | 'unknown' ... */
  os: string;
  /** e.g. "10.0.19041" */
  osVersion?: string;
  build?: number;
  servicePack?: string;
  /**
   * The build lab string as the dump holds it (src/formats/build-lab.ts): "19041.1.amd64fre.vb_release.191206-1406"
   * (KDDEBUGGER_DATA64.NtBuildLab, MINIDUMP_MISC_INFO_4.BuildString), "10.0.14393.6343 (rs1_release.230913-1727)",
   * "Windows NT 10.0.22000.282" (Crashpad). Only strings in one of these shapes are kept.
   */
  buildLab?: string;
  /** Where buildLab was read: 'MINIDUMP_MISC_INFO_4.BuildString' | 'KDDEBUGGER_DATA64.NtBuildLab'. */
  buildLabSource?: string;
  /** The branch buildLab names ("vb_release", "ni_release_svc_prod3"): WinDbg's BUILDLAB_STR. */
  buildLabBranch?: string;
  /** WinDbg's OS_VERSION: major.minor.build.revision ("10.0.19041.1"), when the dump holds a revision. */
  osVersionFull?: string;
  /** Where the revision came from: buildLabSource, or 'MINIDUMP_SYSTEM_INFO.CSDVersion' (Crashpad's update build revision). */
  osVersionFullSource?: string;
  /** 'workstation' | 'server' | 'domain-controller' */
  productType?: string;
  cpuCount?: number;
  cpuVendor?: string;
  cpuDescription?: string;
  /** ISO 8601 */
  crashTime?: string;
  /** Seconds the system (kernel) or process (user) had been up. */
  uptimeSeconds?: number;
  /** Host or machine name when the dump has one (kernel dumps rarely do). */
  hostName?: string;
}

export interface ExceptionFacts {
  code: number;
  flags: number;
  /** Where the exception happened (ExceptionAddress). */
  address: bigint;
  threadId: number;
  /** ExceptionInformation[0..n) */
  parameters: bigint[];
  /** Nested record address, when chained. */
  nestedRecord?: bigint;
  context?: CpuContext;
  at: SourceRef;
}

export interface BugcheckFacts {
  code: number;
  args: [bigint, bigint, bigint, bigint];
  at: SourceRef;
}

export interface PdbFacts {
  name: string;
  /** GUID text (RSDS) or hex signature (NB10). */
  guid: string;
  age: number;
  /** breakpad-style debug id: GUID hex without dashes + age hex. */
  debugId: string;
  /** 'RSDS' | 'NB10' | 'ELF' */
  kind: string;
}

export interface ModuleFacts {
  /** File name only, e.g. "ntdll.dll" */
  name: string;
  /** As recorded in the dump. */
  path: string;
  base: bigint;
  size: number;
  /** PE TimeDateStamp (seconds since 1970). */
  timestamp?: number;
  checksum?: number;
  /** File version "a.b.c.d" from VS_FIXEDFILEINFO. */
  version?: string;
  productVersion?: string;
  pdb?: PdbFacts;
  at?: SourceRef;
}

export interface UnloadedModuleFacts {
  name: string;
  path: string;
  base: bigint;
  size: number;
  timestamp?: number;
  checksum?: number;
  /** ISO 8601 unload time (kernel MmUnloadedDrivers). */
  unloadTime?: string;
  at?: SourceRef;
}

export interface ThreadFacts {
  id: number;
  name?: string;
  crashing: boolean;
  context?: CpuContext;
  /** Stack memory as recorded (address range); bytes are read through `memory`. */
  stack?: { startAddress: bigint; size: number; at?: SourceRef };
  teb?: bigint;
  priority?: number;
  suspendCount?: number;
}

/** Reads target memory by virtual address. Missing pages are missing, never zeros. */
export interface MemoryReader {
  /** All `length` bytes at `address`, or undefined when any byte is not in the dump. */
  read(address: bigint, length: number): Promise<Uint8Array | undefined>;
  /** The contiguous present prefix of [address, address+maxLength) (possibly empty). */
  readPrefix(address: bigint, maxLength: number): Promise<Uint8Array>;
  /** File offset of the byte at `address`, when present (for evidence). */
  fileOffsetOf?(address: bigint): Promise<number | undefined>;
  /** Reads ahead many small ranges in few reads (a walk of every thread's stack); optional. */
  prefetch?(spans: Array<{ address: bigint; length: number }>): Promise<void>;
}

export interface DumpFacts {
  format: 'minidump' | 'kernel';
  /** minidump: 'minidump' (with flags in extra); kernel: 'small' | 'kernel' | 'complete' | 'bitmap-kernel' | ... */
  dumpType: string;
  arch: Arch;
  pointerSize: 4 | 8;
  system: SystemFacts;
  process?: { name?: string; pid?: number; commandLine?: string; createTime?: string };
  exception?: ExceptionFacts;
  bugcheck?: BugcheckFacts;
  modules: ModuleFacts[];
  unloadedModules: UnloadedModuleFacts[];
  threads: ThreadFacts[];
  /** The thread the dump was written for (exception thread / bug-checking thread). */
  crashingThreadId?: number;
  memory: MemoryReader;
  /** Format-specific findings the engine can use (breakpad assertion, crashpad annotations, triage block...). */
  extra: Record<string, unknown>;
  warnings: DumpWarning[];
}
