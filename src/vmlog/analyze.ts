// The `dumptriage vmlog` document: every guest crash, every NMI, and one verdict per crash (and
// for the dump, when one is given). The same object is printed by --json.

import type { TriageReport } from '../analysis/report.js';
import { correlateAllCrashes, matchDumpToEvents } from './correlate.js';
import type { CrashDetectedEvent, GuestCrashEvent, HypervisorCorrelation, NmiEvent, VmEvents, VmLogSource, VmRequestEvent } from './types.js';

export const VMLOG_SCHEMA_VERSION = 1;

export interface VmlogDumpResult {
  path: string | null;
  dumpType: string;
  bugcheck?: { code: string; name: string; args: [string, string, string, string] };
  crashTime?: string;
  /** The dump's verdict after correlation. */
  verdict: { kind: string; trigger: string; category: string; summary: string };
  hypervisor: HypervisorCorrelation;
}

export interface VmlogDocument {
  schemaVersion: number;
  windowMinutes: number;
  sources: VmLogSource[];
  /** Guest crashes (WinBSOD), oldest first. */
  crashes: GuestCrashEvent[];
  /** NMIs sent to the guest, oldest first. */
  nmis: NmiEvent[];
  /** vm-support HungVM Coredump_VM / Suspend_VM requests. */
  requests: VmRequestEvent[];
  crashDetections: CrashDetectedEvent[];
  /** Hypervisor-side events read in all (those near a crash are in its verdict). */
  hostEventCount: number;
  /** One per entry of `crashes`, same order. */
  verdicts: HypervisorCorrelation[];
  dump?: VmlogDumpResult;
  warnings: VmEvents['warnings'];
}

/** Build the vmlog document from loaded events; `dumpReport` is the dump's report, already correlated or not. */
export function buildVmlogDocument(events: VmEvents, windowMinutes: number, dumpReport?: TriageReport): VmlogDocument {
  const doc: VmlogDocument = {
    schemaVersion: VMLOG_SCHEMA_VERSION,
    windowMinutes,
    sources: events.sources,
    crashes: events.crashes,
    nmis: events.nmis,
    requests: events.requests,
    crashDetections: events.crashDetections,
    hostEventCount: events.hostEvents.length,
    verdicts: correlateAllCrashes(events, windowMinutes),
    warnings: events.warnings,
  };
  if (dumpReport) {
    const h = (dumpReport.verdict.hypervisor as HypervisorCorrelation | undefined) ?? matchDumpToEvents(dumpReport, events, windowMinutes);
    const v = dumpReport.verdict;
    doc.dump = {
      path: dumpReport.input.path,
      dumpType: dumpReport.input.dumpType,
      verdict: { kind: v.kind, trigger: v.trigger, category: v.category, summary: v.summary },
      hypervisor: h,
    };
    if (dumpReport.bugcheck) doc.dump.bugcheck = dumpReport.bugcheck;
    if (dumpReport.system?.crashTime) doc.dump.crashTime = dumpReport.system.crashTime;
  }
  return doc;
}
