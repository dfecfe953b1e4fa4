// Types of the VMware / ESXi log correlation (issue 6). Times are ISO 8601 UTC strings in output
// and epoch milliseconds (`timeMs`) for arithmetic; bug check code and arguments are lowercase hex.

/** Which log a line came from. */
export type VmLogKind = 'vmware' | 'hostd' | 'vmkernel' | 'unknown';

/**
 * The line shapes we parse:
 * - `vmware-legacy`:  `2019-06-01T10:00:00.000Z| vcpu-0| I125: WinBSOD: ...` (also with a `-07:00` offset)
 * - `vmware-modern`:  `2023-06-01T10:00:00.000Z In(05) vcpu-0 - WinBSOD: ...` (ESXi 7/8; Workstation 17 omits ` -`)
 * - `hostd`:          `... info hostd[2099123] [Originator@6876 sub=...] ...` or `... In(166) Hostd[2099123]: ...`
 * - `vmkernel`:       `... cpu12:2097152)ScsiDeviceIO: ...` or `... In(182) vmkernel: cpu12:2097152)...`
 */
export type VmLineFormat = 'vmware-legacy' | 'vmware-modern' | 'hostd' | 'vmkernel' | 'unknown';

/** Where an event was read: file path and 1-based line number. */
export interface VmLogRef {
  file: string;
  line: number;
}

/** A guest crash reported by Windows through the synthetic crash MSRs (WinBSOD lines). */
export interface GuestCrashEvent extends VmLogRef {
  time?: string;
  timeMs?: number;
  vcpu: string;
  /** Bug check code, e.g. "0x80". */
  code: string;
  name: string;
  /** Arg1..Arg4; "?" when the log lacks that MSR line. */
  args: [string, string, string, string];
  /** How many of the five MSR lines (0x40000100..0x40000104) were seen. */
  msrLines: number;
}

/** Who sent an NMI to the guest. `administrator`: a vm-support HungVM request (vSphere client /
 * Export System Logs); `host`: the ESXi host (vmdumper, vmkernel injection, vmx). */
export type NmiSender = 'administrator' | 'host';

export interface NmiEvent extends VmLogRef {
  time?: string;
  timeMs?: number;
  who: NmiSender;
  /** How it was sent: "vm-support HungVM:Send_NMI_To_Guest", "vmdumper", "vmkernel", "vmx". */
  how: string;
  text: string;
}

/** Other operator requests seen in hostd (vm-support HungVM manifests besides the NMI). */
export interface VmRequestEvent extends VmLogRef {
  time?: string;
  timeMs?: number;
  request: 'Coredump_VM' | 'Suspend_VM';
  text: string;
}

/** hostd "Guest operating system crash detected." */
export interface CrashDetectedEvent extends VmLogRef {
  time?: string;
  timeMs?: number;
  text: string;
}

/** Seed step 4 categories. `host-nmi` is an NMI the host itself received (host hardware), kept
 * apart from NMIs sent to the guest. */
export type HostEventCategory = 'storage' | 'memory' | 'stun-snapshot' | 'device' | 'host-nmi';

export interface HostEvent extends VmLogRef {
  time?: string;
  timeMs?: number;
  log: VmLogKind;
  category: HostEventCategory;
  text: string;
}

/** What one log file was and what we read from it. */
export interface VmLogSource {
  file: string;
  kind: VmLogKind;
  /** Most frequent line shape among the lines sampled. */
  format: VmLineFormat;
  gzip: boolean;
  lines: number;
  bytes: number;
  /** Lines cut at LIMITS.maxLogLineBytes. */
  overlongLines: number;
  /** Lines starting like a timestamp whose date or time is impossible. */
  badTimestamps: number;
  firstTime?: string;
  lastTime?: string;
  /** From vmware.log: the VM configuration and product. */
  vm?: {
    displayName?: string;
    guestOS?: string;
    numVcpus?: number;
    memsizeMb?: number;
    product?: string;
    productVersion?: string;
    build?: string;
    hostUtcOffset?: string;
  };
}

/** Everything loaded from a set of log paths, once; matching dumps against it is pure. */
export interface VmEvents {
  sources: VmLogSource[];
  crashes: GuestCrashEvent[];
  nmis: NmiEvent[];
  requests: VmRequestEvent[];
  crashDetections: CrashDetectedEvent[];
  hostEvents: HostEvent[];
  /** Events counted but not kept (over LIMITS.maxVmEvents). */
  droppedEvents: number;
  warnings: Array<{ code: string; message: string; file?: string }>;
}

export type VmConclusionId = 'guest' | 'nmi-hang' | 'hypervisor-events' | 'no-crash-time' | 'no-coverage';

/** A time span the logs read cover (earliest..latest line time), ISO UTC and epoch ms. */
export interface LogSpan {
  first: string;
  last: string;
  firstMs: number;
  lastMs: number;
}

/** Seed step 2: do the MSR values match the dump's bug check. */
export type MsrMatch = 'match' | 'code-only' | 'mismatch' | 'no-dump' | 'no-event';

export interface MatchedCrash extends GuestCrashEvent {
  /** What linked the event to the dump: 'code', 'args', 'time'. */
  matchedBy: Array<'code' | 'args' | 'time'>;
  /** Seconds between the dump's crash time and the event (event − dump), when both are known. */
  deltaSeconds?: number;
  /** Other crash events that matched equally well. */
  alsoMatched: number;
}

export interface VmMistake {
  id: 'two-nmis' | 'small-dump-of-hang' | 'coredump-or-suspend-with-nmi';
  message: string;
  advice: string;
}

/** The `verdict.hypervisor` object of a dump report, and one entry of `vmlog --json` verdicts. */
export interface HypervisorCorrelation {
  /** The guest crash (WinBSOD) event this dump corresponds to, or null. */
  matchedEvent: MatchedCrash | null;
  /** The NMI sent to the guest before this crash, or null. */
  nmi: (NmiEvent & { count: number }) | null;
  /** Hypervisor-side events within the window around the crash (seed step 4). */
  events: HostEvent[];
  /** hostd "Guest operating system crash detected." within the window. */
  crashDetected: CrashDetectedEvent | null;
  /** The one-line answer (seed step 5). */
  conclusion: string;
  conclusionId: VmConclusionId;
  msrMatch: MsrMatch;
  /** The time the window is centred on (the crash event's, else the dump's), ISO UTC. */
  crashTime: string | null;
  windowMinutes: number;
  mistakes: VmMistake[];
  /** Each seed step in one line. */
  steps: string[];
  /** Log files read. */
  sources: string[];
  /** The time spans the logs read cover, merged, oldest first (ISO UTC). */
  logSpans: Array<{ first: string; last: string }>;
}

/** What a dump contributes to matching: its bug check and crash time. */
export interface DumpKey {
  code?: string;
  args?: [string, string, string, string];
  /** ISO 8601; without a zone it is taken as UTC. */
  crashTime?: string;
  /** report.input.dumpType */
  dumpType?: string;
}
