// Public API of the VMware / ESXi correlation (issue 6). Scan: loadVmEvents once, then
// matchDumpToEvents per dump (pure, no I/O).

export { loadVmEvents, type LoadOptions } from './load.js';
export { matchDumpToEvents, correlateCrash, correlateAllCrashes, findCrashForDump, dumpKeyFromReport, CONCLUSION, nmiConclusion } from './correlate.js';
export { correlateReport, applyHypervisorToVerdict, type CorrelateReportOptions } from './correlate-report.js';
export { buildVmlogDocument, type VmlogDocument, type VmlogDumpResult } from './analyze.js';
export { renderHypervisorText, renderVmlogText } from './render.js';
export type * from './types.js';
