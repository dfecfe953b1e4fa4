// The verdict part of the human report (!analyze -v layout). Filled in by the triage engine work.
import type { TriageReport } from '../../analysis/report.js';
import { escapeTerminal as t } from '../../util/escape.js';

export function renderVerdictText(report: TriageReport): string[] {
  const v = report.verdict;
  return [
    `FAILURE_BUCKET_ID:  ${t(v.bucketId)}`,
    `CATEGORY:           ${v.category} (${v.kind}, trigger ${t(v.trigger)})`,
    `SUMMARY:            ${t(v.summary)}`,
  ];
}

/** One line per dump for --brief. */
export function renderBrief(report: TriageReport): string {
  const v = report.verdict;
  return `${t(report.input.path ?? '<buffer>')}: ${v.kind} ${v.category} ${t(v.bucketId)} - ${t(v.summary)}`;
}
