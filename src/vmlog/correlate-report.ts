// Folds VMware/ESXi log correlation into a dump report (`dumptriage <dump> --vm-logs ...`):
// fills verdict.hypervisor and, for an 0x80 with an NMI sent from the host, turns the verdict into
// a hang with trigger 'nmi-from-hypervisor'. Every verdict change is logged in verdict.trail.

import type { TriageReport } from '../analysis/report.js';
import { applyHypervisorNmi } from '../analysis/pipeline/hypervisor.js';
import { DEFAULTS } from '../defaults.js';
import { matchDumpToEvents } from './correlate.js';
import { loadVmEvents } from './load.js';
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
  } else if (h.conclusionId === 'guest' && h.matchedEvent) {
    v.advice.push('The VMware logs show only the guest reporting its own crash: continue with the OS vendor.');
  }
  for (const m of h.mistakes) v.advice.push(`${m.message}: ${m.advice}.`);
}

/** Load the logs under `paths`, match the report's crash, and fold the result into the verdict. */
export async function correlateReport(report: TriageReport, paths: string[], opts: CorrelateReportOptions = {}): Promise<void> {
  const events = opts.events ?? (await loadVmEvents(paths));
  const h = matchDumpToEvents(report, events, opts.windowMinutes ?? DEFAULTS.vmWindowMinutes);
  applyHypervisorToVerdict(report, h);
  if (!opts.events) {
    for (const w of events.warnings) report.warnings.push({ code: w.code, message: w.file ? `${w.file}: ${w.message}` : w.message });
  }
}
