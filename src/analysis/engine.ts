// The triage engine entry: facts → rules (findings) → ordered verdict pipeline → Verdict.
import type { DumpFacts } from './facts/types.js';
import type { Verdict } from './report.js';
import type { TriageOptions } from '../defaults.js';
import { knowledge } from './knowledge.js';
import { ModuleIndex } from './modules.js';
import { runRules } from './run-rules.js';
import { loadAllRules } from './rules/index.js';
import type { Rule } from './rules/types.js';
import { OwnerTable, parseTriageIni } from './triage-ini.js';
import { runStages, STAGES, type PipelineState, type Stage } from './pipeline/stages.js';
import { walkFrameToReport } from './pipeline/frames.js';
import { walkArch } from './stacks.js';
import { createUnwinderFactory, SymbolRecorder } from '../unwind/sources.js';
import { exportNamer } from '../unwind/export-names.js';
import type { ReportThreadFrame } from './report.js';
import { VerdictBuilder } from './pipeline/verdict.js';

export { applyHypervisorNmi, type HypervisorNmiEvidence } from './pipeline/hypervisor.js';

export interface EngineOptions extends TriageOptions {
  /** Replace the rule set (tests). */
  ruleSet?: Rule[];
  /** Replace the stages (tests). */
  stages?: Stage[];
}

let builtinOwners: OwnerTable | undefined;

export function ownerTable(triageIniText?: string): OwnerTable {
  if (!triageIniText) return (builtinOwners ??= new OwnerTable(knowledge().triageIni));
  return new OwnerTable(knowledge().triageIni, parseTriageIni(triageIniText, 'user'));
}

/** The ids in `ids` that name no rule (the CLI turns them into a usage error with suggestions). */
export async function unknownRuleIds(ids: readonly string[]): Promise<{ unknown: string[]; known: string[] }> {
  const known = (await loadAllRules()).map((r) => r.meta.id);
  return { unknown: ids.filter((id) => !known.includes(id)), known };
}

export async function selectRules(opts: TriageOptions): Promise<Rule[]> {
  const all = await loadAllRules();
  // An unknown id used to be ignored, silently changing the verdict and bucket.
  const bad = (opts.rules ?? []).filter((id) => !all.some((r) => r.meta.id === id));
  if (bad.length) throw new RangeError(`unknown rule id${bad.length > 1 ? 's' : ''}: ${bad.join(', ')} (dumptriage rules lists them)`);
  return all.filter((r) => {
    if (opts.rules && opts.rules.length > 0) return opts.rules.includes(r.meta.id);
    return r.meta.stability === 'stable' || opts.experimental === true;
  });
}

export async function analyze(facts: DumpFacts, opts: EngineOptions = {}): Promise<Verdict> {
  return (await analyzeWithStacks(facts, opts)).verdict;
}

/** The verdict and every thread's walked stack, as the report shows them. */
export interface AnalysisResult {
  verdict: Verdict;
  threadFrames: Map<number, { frames: ReportThreadFrame[]; stop: string }>;
  /** Each module's symbol status (by base address) and the places searched. */
  symbols: SymbolRecorder;
}

export async function analyzeWithStacks(facts: DumpFacts, opts: EngineOptions = {}): Promise<AnalysisResult> {
  const rules = opts.ruleSet ?? (await selectRules(opts));
  const owners = ownerTable(opts.triageIniText);
  const modules = new ModuleIndex(facts.modules, facts.unloadedModules);
  const run = await runRules({ facts, rules, owners, modules });
  const verdict = new VerdictBuilder();
  for (const e of run.errors) verdict.note('rules', `rule ${e.ruleId} failed: ${e.message}`);
  const arch = walkArch(facts);
  const symbols = new SymbolRecorder();
  const unwinders = arch ? createUnwinderFactory(facts, arch, { symbols: opts.symbolSource, recorder: symbols, ...(opts.exportNames === false ? {} : { exports: exportNamer }) }) : undefined;
  const state: PipelineState = { facts, findings: run.findings, verdict, modules, owners, frames: [], cause: null, unwinders };
  await runStages(state, opts.stages ?? STAGES);
  const threadFrames = new Map<number, { frames: ReportThreadFrame[]; stop: string }>();
  for (const [id, t] of state.stacks?.threads ?? []) {
    threadFrames.set(id, { frames: t.frames.map((w) => walkFrameToReport(w, modules)), stop: t.stop });
  }
  return { verdict: verdict.build(), threadFrames, symbols };
}
