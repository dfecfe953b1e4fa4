// Folds VMware/ESXi log correlation into a dump report (`dumptriage <dump> --vm-logs ...`):
// fills verdict.hypervisor and, for an 0x80 with an NMI sent from the host, turns the verdict into
// a hang with trigger 'nmi-from-hypervisor'. Every verdict change is logged in verdict.trail.

import type { TriageReport } from '../analysis/report.js';
import { applyHypervisorNmi } from '../analysis/pipeline/hypervisor.js';
import { DEFAULTS } from '../defaults.js';
import { matchDumpToEvents } from './correlate.js';
import { loadVmEvents } from './load.js';
import { expandLogPaths } from './sources.js';
import { stat } from 'node:fs/promises';
import type { HypervisorCorrelation, VmEvents } from './types.js';

const STAGE = 'vmlog-correlation';

export interface CorrelateReportOptions {
  /** ± minutes around the crash (default DEFAULTS.vmWindowMinutes). */
  windowMinutes?: number;
  /** Events already loaded with loadVmEvents (scan: load once, match per dump). */
  events?: VmEvents;
}

/** Apply a correlation to a report's verdict (pure apart from mutating `report`). */
export function applyHypervisorToVerdict(report: TriageReport, h: HypervisorCorrelation): void {
  const v = report.verdict;
  const before = v.hypervisor;
  v.hypervisor = h;
  (v.trail ??= []).push({ stage: STAGE, field: 'hypervisor', from: before === undefined ? null : 'set', to: h.conclusionId });
  const code = report.bugcheck && /^0x[0-9a-f]{1,16}$/i.test(report.bugcheck.code) ? BigInt(report.bugcheck.code) : undefined;
  if (h.conclusionId === 'nmi-hang' && code === 0x80n && h.nmi) {
    // The triage engine's hook: kind hang, trigger nmi-from-hypervisor, category unknown (0x80's
    // default 'hardware' does not hold for a deliberate NMI), hang bucket, summary; all trailed.
    const platform = h.nmi.how.startsWith('vm-support') || h.nmi.how === 'vmkernel' || h.nmi.how === 'vmdumper' ? 'VMware ESXi' : 'VMware';
    applyHypervisorNmi(v, { platform, evidence: `${h.nmi.how} at ${h.nmi.time ?? 'an unknown time'} (${h.nmi.file}:${h.nmi.line})` });
    v.advice.push(`${h.conclusion}.`);
  } else if (h.conclusionId === 'hypervisor-events') {
    v.advice.push('Hypervisor-side events near the crash: collect an ESXi support bundle (vm-support) and engage VMware support.');
  } else if (h.conclusionId === 'no-coverage') {
    v.advice.push(`The VMware logs given do not cover the crash time (${h.crashTime ?? 'unknown'}): collect the vmware.log rotations (and hostd/vmkernel logs) of that day to tell a guest crash from a hypervisor one.`);
  } else if (h.conclusionId === 'guest' && h.matchedEvent) {
    v.advice.push('The VMware logs show only the guest reporting its own crash: continue with the OS vendor.');
  }
  for (const m of h.mistakes) v.advice.push(`${m.message}: ${m.advice}.`);
}

/** Loaded events of the last few log sets, keyed by every file's path, size and mtime. */
const loaded = new Map<string, Promise<VmEvents>>();
const MAX_CACHED_LOG_SETS = 4;

/**
 * loadVmEvents, once per process for the same logs: `scan --vm-logs` triages thousands of dumps
 * against one set of logs (possibly gigabytes), and each worker thread must read them only once.
 * A log that grows or is replaced (size or mtime change) is read again.
 */
export async function loadVmEventsCached(paths: string[]): Promise<VmEvents> {
  const expanded = await expandLogPaths(paths);
  const stamps = await Promise.all(
    expanded.files.map(async (f) => {
      const st = await stat(f.path).catch(() => undefined);
      return `${f.path}\u0000${st?.size ?? -1}\u0000${st?.mtimeMs ?? -1}`;
    }),
  );
  const key = `${paths.join('\u0001')}\u0002${stamps.join('\u0001')}`;
  let events = loaded.get(key);
  if (!events) {
    events = loadVmEvents(paths);
    loaded.set(key, events);
    if (loaded.size > MAX_CACHED_LOG_SETS) loaded.delete(loaded.keys().next().value!);
    events.catch(() => loaded.delete(key));
  }
  return events;
}

/** Load the logs under `paths` (cached), match the report's crash, and fold the result into the verdict. */
export async function correlateReport(report: TriageReport, paths: string[], opts: CorrelateReportOptions = {}): Promise<void> {
  const events = opts.events ?? (await loadVmEventsCached(paths));
  const h = matchDumpToEvents(report, events, opts.windowMinutes ?? DEFAULTS.vmWindowMinutes);
  applyHypervisorToVerdict(report, h);
  if (!opts.events) {
    for (const w of events.warnings) report.warnings.push({ code: w.code, message: w.file ? `${w.file}: ${w.message}` : w.message });
  }
}
