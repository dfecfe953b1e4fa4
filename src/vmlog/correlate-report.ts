// Folds VMware/ESXi log correlation into a dump report. Placeholder until issue 6 lands.
import type { TriageReport } from '../analysis/report.js';

export async function correlateReport(_report: TriageReport, _paths: string[]): Promise<void> {
  throw new Error('vmlog correlation not implemented yet');
}
