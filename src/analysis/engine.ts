// The triage engine entry: facts → verdict. Placeholder until the rule engine lands.
import type { DumpFacts } from './facts/types.js';
import type { Verdict } from './report.js';
import type { TriageOptions } from '../defaults.js';

export async function analyze(facts: DumpFacts, _opts: TriageOptions = {}): Promise<Verdict> {
  const user = facts.format === 'minidump';
  return {
    kind: 'crash',
    trigger: user ? 'exception' : 'bugcheck',
    category: user ? 'application' : 'unknown',
    probableCause: { module: null, image: null, address: null, offset: null, confidence: 0, reason: 'no rules ran' },
    bucketId: 'UNKNOWN',
    followup: 'MachineOwner',
    summary: 'not analysed',
    frames: [],
    findings: [],
    advice: [],
  };
}
