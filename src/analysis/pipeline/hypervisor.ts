// Hook for hypervisor evidence (issue 6, VMware/ESXi log correlation): when the logs show the
// hypervisor sent the NMI behind a 0x80, the verdict becomes a deliberate hang capture. Call it
// after analyze() with the correlated evidence; every change is logged in verdict.trail.

import type { Verdict } from '../report.js';

export interface HypervisorNmiEvidence {
  /** e.g. "VMware ESXi" */
  platform: string;
  /** One line quoting the log evidence (file and line). */
  evidence: string;
}

export function applyHypervisorNmi(verdict: Verdict, ev: HypervisorNmiEvidence): Verdict {
  const trail = verdict.trail ?? (verdict.trail = []);
  const set = <K extends 'kind' | 'trigger' | 'category' | 'bucketId' | 'summary'>(field: K, value: Verdict[K]) => {
    if (verdict[field] === value) return;
    trail.push({ stage: 'hypervisor', field, from: verdict[field], to: value });
    verdict[field] = value;
  };
  set('kind', 'hang');
  set('trigger', 'nmi-from-hypervisor');
  set('category', 'unknown');
  set('bucketId', 'NMI_HARDWARE_FAILURE_FROM_HYPERVISOR');
  set('summary', `Hang, forced by an NMI the hypervisor (${ev.platform}) sent: ${ev.evidence}`);
  const advice = `${ev.platform} sent the NMI on request (${ev.evidence}): the guest was being captured because it was hung; analyse the hang, not the hardware.`;
  if (!verdict.advice.includes(advice)) verdict.advice.unshift(advice);
  return verdict;
}
