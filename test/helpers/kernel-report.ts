// A minimal kernel-dump TriageReport for tests of what consumes reports (vmlog correlation):
// a bug check and a crash time, nothing else analysed.
import type { TriageReport } from '../../src/analysis/report.js';

export function kernelReport(o: { code: string; args?: [string, string, string, string]; crashTime?: string; dumpType?: string; category?: 'hardware' | 'unknown' }): TriageReport {
  return {
    schemaVersion: 1,
    input: { path: 'MEMORY.DMP', size: 1, format: 'kernel', dumpType: o.dumpType ?? 'kernel', arch: 'amd64', bytesRead: 0 },
    system: { os: 'Windows', ...(o.crashTime ? { crashTime: o.crashTime } : {}) },
    bugcheck: { code: o.code, name: 'X', args: o.args ?? ['0x1', '0x0', '0x0', '0x0'] },
    modules: [],
    unloadedModules: [],
    threads: [],
    verdict: {
      kind: 'crash',
      trigger: 'bugcheck',
      category: o.category ?? 'hardware',
      probableCause: { module: null, image: null, address: null, offset: null, confidence: 0, reason: '' },
      bucketId: 'X',
      followup: 'MachineOwner',
      summary: 'before',
      frames: [],
      findings: [],
      advice: [],
    },
    warnings: [],
  } as unknown as TriageReport;
}
