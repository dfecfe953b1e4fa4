// The JSON contract: what `dumptriage --json` prints and what triageFile() returns. Field names are
// a contract other tools rely on: add freely, never rename or remove without bumping
// schemaVersion. Documented in schema/report.schema.json and README.md.
//
// Addresses, codes, checksums and args are lowercase hex strings ("0xc0000005"), never JSON
// numbers (a 64-bit address does not fit a double).

import { platformException } from './platform-exceptions.js';
import { LIMITS } from '../limits.js';
import type { DumpWarning } from '../errors.js';
import { hex } from '../util/hex.js';
import { sha1Hex } from '../util/sha1.js';
import { crashTimeCheck, linkTimestamp, type LinkTimestampContext } from './timestamps.js';
import type { Arch, CpuContext, DumpFacts, ModuleFacts, UnloadedModuleFacts } from './facts/types.js';

export const SCHEMA_VERSION = 1;

export interface ReportInput {
  path: string | null;
  size: number;
  format: 'minidump' | 'kernel';
  dumpType: string;
  arch: Arch;
  /** Bytes read from the dump to produce this report. */
  bytesRead: number;
}

export interface ReportSystem {
  os: string;
  /** major.minor.build from the system record ("10.0.19045"; kernel dumps: from the header's build). */
  osVersion?: string;
  build?: number;
  servicePack?: string;
  /**
   * The build lab string as the dump holds it (Windows; only the known shapes): "19041.1.amd64fre.vb_release.191206-1406"
   * (a kernel's KDDEBUGGER_DATA64.NtBuildLab, or a minidump's MINIDUMP_MISC_INFO_4.BuildString),
   * "10.0.14393.6343 (rs1_release.230913-1727)", "Windows NT 10.0.22000.282" (Crashpad). Absent when the dump holds none.
   */
  buildLab?: string;
  /** Where buildLab was read: 'KDDEBUGGER_DATA64.NtBuildLab' | 'MINIDUMP_MISC_INFO_4.BuildString'. */
  buildLabSource?: string;
  /** The lab branch buildLab names ("vb_release", "ni_release_svc_prod3"): WinDbg's BUILDLAB_STR. */
  buildLabBranch?: string;
  /**
   * WinDbg's OS_VERSION, major.minor.build.revision ("10.0.19041.1"), when the dump holds a revision: the
   * build and revision of buildLab (an NtBuildLab string names its lab build: "19041.1" on every
   * Windows 10 2004..22H2, the update's number on serviced branches), or Crashpad's CSDVersion.
   */
  osVersionFull?: string;
  /** Where osVersionFull's revision came from: buildLabSource, or 'MINIDUMP_SYSTEM_INFO.CSDVersion'. */
  osVersionFullSource?: string;
  productType?: string;
  cpuCount?: number;
  cpuVendor?: string;
  cpuDescription?: string;
  crashTime?: string;
  /** 'date' when crashTime can be real (1995-01-01 .. now + 1 day); 'implausible' when the header's time cannot be (a warning says so, and text shows it as unknown). */
  crashTimeKind?: 'date' | 'implausible';
  uptimeSeconds?: number;
  hostName?: string;
}

export interface ReportException {
  code: string;
  name: string;
  address: string;
  threadId: number;
  flags?: string;
  parameters: string[];
}

export interface ReportBugcheck {
  code: string;
  name: string;
  args: [string, string, string, string];
}

export interface ReportModule {
  name: string;
  path: string;
  base: string;
  /** Byte size of the image. */
  size: number;
  /** End address (base + size), exclusive. */
  end: string;
  /** PE TimeDateStamp as seconds since 1970, and as ISO 8601. */
  timestamp?: number;
  timestampIso?: string;
  /**
   * What `timestamp` is: 'date' (a link time) or 'build-id' (a hash: Windows 10+ images built
   * reproducibly, or a value before 1995 or after the crash; timestampIso is then no date).
   * See src/analysis/timestamps.ts.
   */
  timestampKind?: 'date' | 'build-id';
  /** Breakpad's code id, and the symstore key of the binary: TimeDateStamp as 8 uppercase hex digits, then SizeOfImage in lowercase hex. */
  codeId?: string;
  checksum?: string;
  version?: string;
  pdb?: { name: string; guid: string; age: number; debugId: string };
  /** Loaded modules: what the symbol path gave it. */
  symbols?: ReportModuleSymbols;
}

export interface ReportUnloadedModule extends ReportModule {
  unloadTime?: string;
}

export interface ReportThread {
  id: number;
  name?: string;
  crashing: boolean;
  /** Instruction and stack pointer of the thread's context, when recorded. */
  ip?: string;
  sp?: string;
  /** The crashing thread only: every general register of its context, by lowercase name (rax, rip, eflags, x0..x30, pc, cpsr...), as hex. */
  registers?: Record<string, string>;
  stackStart?: string;
  stackSize?: number;
  /** The walked stack, frame 0 first (src/unwind): absent for a thread with no context. */
  frames?: ReportThreadFrame[];
  /** Why the walk ended: 'no-caller' (nothing found a caller: the usual end), 'frame-budget',
   * 'sp-not-increasing', 'ip-too-low', 'no-stack' (SP outside the thread's recorded stack),
   * 'not-supported' (an architecture the walker does not unwind). */
  stackEnd?: string;
}

/** The function, source line and inlined calls come from symbols (ReportSymbolFields), when they name the frame. */
export interface ReportThreadFrame extends Partial<ReportSymbolFields> {
  index: number;
  /** Instruction pointer: the current instruction in frame 0, the return address in callers. */
  address: string;
  module?: string;
  /** address - module base. */
  offset?: string;
  unloaded?: boolean;
  /** How the frame was found: 'context' | 'cfi' | 'frame-pointer' | 'scan'. */
  trust: 'context' | 'cfi' | 'frame-pointer' | 'scan';
  /** The frame's stack pointer. */
  sp: string;
  /** Canonical frame address, when unwind data computed one. */
  cfa?: string;
  /** Stack slot the return address was read from. */
  stackAddress?: string;
}

/** A call inlined at a frame's instruction: the inlinee, its own source position, and where its caller called it. */
export interface ReportInlineFrame {
  function: string;
  file?: string;
  line?: number;
  callFile?: string;
  callLine: number;
}

/** What symbols say of a frame's instruction. */
export interface ReportSymbolFields {
  /** The function holding it and its offset in it. */
  function: string;
  functionOffset: string;
  /** Where the name came from: a Breakpad .sym, a PDB, or (no symbol file; the nearest export below, which may be another function) the image's exports. */
  functionSource: 'sym' | 'pdb' | 'exports';
  /** Source file and line (for an inlined call: the outermost call site). */
  file?: string;
  line?: number;
  /** Calls inlined at the instruction, innermost first. */
  inlines?: ReportInlineFrame[];
}

/** modules[].symbols: what the symbol path gave the module (minidump-stackwalk's loaded_symbols / missing_symbols). */
export interface ReportModuleSymbols {
  /** 'loaded' | 'missing' (searched, none found) | 'corrupt' (found, unusable) | 'not-searched' (no symbol path, or no frame in the module). */
  status: 'loaded' | 'missing' | 'corrupt' | 'not-searched';
  /** What frames were named from: 'sym', 'pdb', or 'exports' (no symbol file). */
  kind?: 'sym' | 'pdb' | 'exports';
  /** The file used. */
  source?: string;
  reason?: string;
}

/** 'incomplete': the dump is cut short or damaged so that neither can be told (no exception and no threads). */
export type VerdictKind = 'crash' | 'hang' | 'incomplete';
export type Category = 'third-party-driver' | 'microsoft' | 'hardware' | 'memory-corruption' | 'application' | 'unknown';

/** The function, source line and inlined calls come from symbols (ReportSymbolFields), when they name the frame. */
export interface ReportFrame extends Partial<ReportSymbolFields> {
  index: number;
  address: string;
  /** module!function+0xoffset when a symbol file names it, else module+0xoffset, or the bare address */
  symbol: string;
  module?: string;
  offset?: string;
  /** 'context' (from a register) | 'scan' (found by stack scan) | 'fault' (fault address argument) */
  trust: 'context' | 'scan' | 'fault' | 'cfi' | 'frame-pointer';
  /** Stack address where a scanned return address was found. */
  stackAddress?: string;
  ignored?: boolean;
  owner?: string;
  /** A scan hit above where the walk ended, listed because the probable cause stands on it. */
  beyondWalk?: boolean;
}

export interface ReportFinding {
  ruleId: string;
  messageId: string;
  message: string;
  evidence: Array<{ struct: string; offset: string }>;
}

/** The function at `address`, its source line, when symbols name it (ReportSymbolFields, without inlines). */
export interface ProbableCause extends Partial<Omit<ReportSymbolFields, 'inlines'>> {
  module: string | null;
  image: string | null;
  address: string | null;
  offset: string | null;
  /** 0..1 */
  confidence: number;
  reason: string;
  owner?: string;
  /** Module timestamp, ISO 8601, when known and a date. */
  imageTimestamp?: string;
  /** The module's TimeDateStamp as hex when it is a build id, not a date (imageTimestamp is then absent). */
  imageBuildId?: string;
  imageVersion?: string;
}

export interface Verdict {
  kind: VerdictKind;
  /** What caused the stop: 'exception' | 'bugcheck' | 'manual-keyboard' | 'manual-debugger' | 'power-button' | 'nmi' | 'nmi-from-hypervisor' | 'watchdog' | 'hang-dump' ... */
  trigger: string;
  category: Category;
  probableCause: ProbableCause;
  bucketId: string;
  /**
   * A stable id of the bucket, in WinDbg's FAILURE_ID_HASH form: the first 128 bits of the SHA-1
   * of bucketId (UTF-8), as a braced GUID. Deterministic, but not WinDbg's value (WinDbg hashes its
   * own failure string). Set by buildReport.
   */
  failureIdHash?: string;
  followup: string;
  /** One-sentence answer. */
  summary: string;
  frames: ReportFrame[];
  /** The thread `frames` were walked on (the crashing thread, or the one a rule focuses on). */
  frameThreadId?: number;
  findings: ReportFinding[];
  advice: string[];
  /** VMware/ESXi correlation, when logs were given (issue 6). */
  hypervisor?: unknown;
  /** How each verdict field was set, stage by stage. */
  trail?: Array<{ stage: string; field: string; from: unknown; to: unknown }>;
}

export interface TriageReport {
  schemaVersion: number;
  input: ReportInput;
  system?: ReportSystem;
  exception?: ReportException;
  bugcheck?: ReportBugcheck;
  process?: { name?: string; pid?: number; commandLine?: string };
  modules: ReportModule[];
  unloadedModules: ReportUnloadedModule[];
  threads: ReportThread[];
  verdict: Verdict;
  warnings: Array<{ code: string; message: string; offset?: string }>;
  /** Format-specific detail (dump flags, breakpad/crashpad info, triage block summary). */
  details?: Record<string, unknown>;
  /** Threads the dump lists beyond what the report lists (LIMITS.maxReportThreads). */
  threadsOmitted?: number;
  /** With verbose (--verbose): every place searched for symbols and binaries, in order. */
  symbolLookups?: Array<{ module: string; kind: 'sym' | 'pdb' | 'binary'; location?: string; result: string; reason?: string }>;
  /** Lookups past the report's cap, counted. */
  symbolLookupsDropped?: number;
}

export function moduleToReport(m: ModuleFacts | UnloadedModuleFacts): ReportUnloadedModule {
  const out: ReportUnloadedModule = {
    name: m.name,
    path: m.path,
    base: hex(m.base),
    size: m.size,
    end: hex(m.base + BigInt(m.size)),
  };
  if (m.timestamp !== undefined) {
    out.timestamp = m.timestamp;
    if (m.timestamp > 0) out.timestampIso = new Date(m.timestamp * 1000).toISOString();
  }
  if (m.timestamp !== undefined && m.timestamp >= 0) out.codeId = codeIdOf(m.timestamp, m.size);
  if (m.checksum !== undefined) out.checksum = hex(m.checksum);
  if ('version' in m && m.version) out.version = m.version;
  if ('pdb' in m && m.pdb) out.pdb = { name: m.pdb.name, guid: m.pdb.guid, age: m.pdb.age, debugId: m.pdb.debugId };
  if ('unloadTime' in m && m.unloadTime) out.unloadTime = m.unloadTime;
  return out;
}

/**
 * Judges the report's dates (src/analysis/timestamps.ts): each module's TimeDateStamp becomes a
 * date or a build id (timestampKind), and a crash time that cannot be real is flagged.
 */
export function markTimestamps(report: TriageReport, now: number = Date.now()): void {
  const sys = report.system;
  const check = crashTimeCheck(sys?.crashTime, now);
  if (sys && check) {
    sys.crashTimeKind = check.plausible ? 'date' : 'implausible';
    if (!check.plausible) report.warnings.push({ code: 'ImplausibleCrashTime', message: `the dump header's crash time ${sys.crashTime} is before 1995 or in the future: it is not used as a date (a corrupt or unset header, or a wrong clock)` });
  }
  const ctx: LinkTimestampContext = { now, ...(check?.plausible ? { crashTime: sys!.crashTime } : {}), ...(sys?.build !== undefined && sys.os === 'windows' ? { osBuild: sys.build } : {}) };
  for (const m of [...report.modules, ...report.unloadedModules]) {
    const lt = linkTimestamp(m.timestamp, m.name, { ...ctx, path: m.path });
    if (lt) m.timestampKind = lt.kind;
  }
}

/** Breakpad's code_id ("%08X%x" of TimeDateStamp and SizeOfImage). */
export function codeIdOf(timestamp: number, size: number): string {
  return `${(timestamp >>> 0).toString(16).toUpperCase().padStart(8, '0')}${(size >>> 0).toString(16)}`;
}

/** FAILURE_ID_HASH-style id of a bucket: SHA-1 of the bucket id, its first 16 bytes as a braced GUID (not WinDbg's value). */
export function failureIdHash(bucketId: string): string {
  const h = sha1Hex(bucketId);
  return `{${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}}`;
}

/**
 * The verdict with `failureIdHash`: an enumerable getter, so that it follows the bucket when a
 * later step (VMware log correlation) moves it, and still reaches JSON and structured clones.
 */
function withFailureIdHash(v: Verdict): Verdict {
  let memo: [string, string] | undefined;
  return Object.defineProperty(v, 'failureIdHash', {
    enumerable: true,
    configurable: true,
    get(this: Verdict): string {
      if (memo?.[0] !== this.bucketId) memo = [this.bucketId, failureIdHash(this.bucketId)];
      return memo[1];
    },
  });
}

export function warningToReport(w: DumpWarning): { code: string; message: string; offset?: string } {
  return w.offset === undefined ? { code: w.code, message: w.message } : { code: w.code, message: w.message, offset: hex(w.offset) };
}

function contextPointers(ctx: CpuContext | undefined): { ip?: string; sp?: string } {
  return ctx ? { ip: hex(ctx.ip), sp: hex(ctx.sp) } : {};
}

export interface BuildReportInput {
  facts: DumpFacts;
  verdict: Verdict;
  path: string | null;
  size: number;
  bytesRead: number;
  exceptionName: (code: number) => string;
  bugcheckName: (code: number) => string;
  details?: Record<string, unknown>;
  /** Each thread's walked stack (report.threads[].frames). */
  threadFrames?: Map<number, { frames: ReportThreadFrame[]; stop: string }>;
  /** Symbol status per module base, and the lookups (when verbose). */
  symbols?: { modules: Map<bigint, ReportModuleSymbols>; lookups?: TriageReport['symbolLookups']; lookupsDropped?: number };
}

/** The threads a report lists: the first LIMITS.maxReportThreads in dump order, the crashing thread and the verdict's always among them. */
function reportedThreads(f: DumpFacts, v: Verdict): DumpFacts['threads'] {
  const max = LIMITS.maxReportThreads;
  if (f.threads.length <= max) return f.threads;
  const must = new Set<number>();
  f.threads.forEach((t, i) => {
    if (t.crashing || t.id === v.frameThreadId || t.id === f.exception?.threadId) must.add(i);
  });
  const out: DumpFacts['threads'] = [];
  let room = max - must.size;
  f.threads.forEach((t, i) => {
    if (must.has(i)) out.push(t);
    else if (room > 0) {
      out.push(t);
      room--;
    }
  });
  return out;
}

/** Facts + verdict → the JSON contract. */
export function buildReport(i: BuildReportInput): TriageReport {
  const f = i.facts;
  const report: TriageReport = {
    schemaVersion: SCHEMA_VERSION,
    input: { path: i.path, size: i.size, format: f.format, dumpType: f.dumpType, arch: f.arch, bytesRead: i.bytesRead },
    system: { ...f.system },
    modules: f.modules.map((m) => {
      const r = moduleToReport(m);
      delete r.unloadTime;
      if (i.symbols) r.symbols = i.symbols.modules.get(m.base) ?? { status: 'not-searched' };
      return r as ReportModule;
    }),
    unloadedModules: f.unloadedModules.map(moduleToReport),
    threads: reportedThreads(f, i.verdict).map((t) => {
      const r: ReportThread = { id: t.id, crashing: t.crashing, ...contextPointers(t.context) };
      if (t.crashing && t.context && Object.keys(t.context.registers).length > 0) {
        r.registers = Object.fromEntries(Object.entries(t.context.registers).map(([k, v]) => [k, hex(v)]));
      }
      if (t.name !== undefined) r.name = t.name;
      if (t.stack) {
        r.stackStart = hex(t.stack.startAddress);
        r.stackSize = t.stack.size;
      }
      const walked = i.threadFrames?.get(t.id);
      if (walked) {
        r.frames = walked.frames;
        r.stackEnd = walked.stop;
      }
      return r;
    }),
    verdict: withFailureIdHash(i.verdict),
    warnings: f.warnings.map(warningToReport),
  };
  markTimestamps(report);
  if (report.threads.length < f.threads.length) {
    report.threadsOmitted = f.threads.length - report.threads.length;
    report.warnings.push({ code: 'ReportThreadsCut', message: `the dump lists ${f.threads.length} threads: the report lists ${report.threads.length} (the crashing thread and the verdict's included); ${report.threadsOmitted} more are counted in threadsOmitted` });
  }
  if (f.exception) {
    const e = f.exception;
    report.exception = {
      code: hex(e.code >>> 0),
      name: platformException(f.system.os, e.code >>> 0, e.flags, f.arch)?.name ?? i.exceptionName(e.code >>> 0),
      address: hex(e.address),
      threadId: e.threadId,
      flags: hex(e.flags >>> 0),
      parameters: e.parameters.map(hex),
    };
  }
  if (f.bugcheck) {
    const b = f.bugcheck;
    report.bugcheck = {
      code: hex(b.code >>> 0),
      name: i.bugcheckName(b.code >>> 0),
      args: [hex(b.args[0]), hex(b.args[1]), hex(b.args[2]), hex(b.args[3])],
    };
  }
  if (f.process) report.process = { ...f.process };
  if (i.details) report.details = i.details;
  if (i.symbols?.lookups) {
    report.symbolLookups = i.symbols.lookups;
    if (i.symbols.lookupsDropped) report.symbolLookupsDropped = i.symbols.lookupsDropped;
  }
  return report;
}
