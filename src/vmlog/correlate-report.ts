// Folds VMware/ESXi log correlation into a dump report (`dumptriage <dump> --vm-logs ...`):
// fills verdict.hypervisor and, for an 0x80 with an NMI sent from the host, turns the verdict into
// a hang with trigger 'nmi-from-hypervisor'. Every verdict change is logged in verdict.trail.

import type { TriageReport, Verdict } from '../analysis/report.js';
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

function set<K extends keyof Verdict>(v: Verdict, field: K, to: Verdict[K]): void {
  const from = v[field];
  if (from === to) return;
  v[field] = to;
  (v.trail ??= []).push({ stage: STAGE, field, from, to });
}

/** Apply a correlation to a report's verdict (pure apart from mutating `report`). */
export function applyHypervisorToVerdict(report: TriageReport, h: HypervisorCorrelation): void {
  const v = report.verdict;
  const before = v.hypervisor;
  v.hypervisor = h;
  (v.trail ??= []).push({ stage: STAGE, field: 'hypervisor', from: before === undefined ? null : 'set', to: h.conclusionId });
  const code = report.bugcheck && /^0x[0-9a-f]{1,16}$/i.test(report.bugcheck.code) ? BigInt(report.bugcheck.code) : undefined;
  if (h.conclusionId === 'nmi-hang' && code === 0x80n) {
    set(v, 'kind', 'hang');
    set(v, 'trigger', 'nmi-from-hypervisor');
    // 0x80's default is 'hardware'; a deliberate NMI says nothing about the hardware.
    if (v.category === 'hardware') set(v, 'category', 'unknown');
    set(v, 'summary', `Hang dump: ${h.conclusion}`);
    v.advice.push('Analyse as a hang (like !analyze -v -hang): processors, lock owners and long waits; the NMI itself is not the cause.');
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
