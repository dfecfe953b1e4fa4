// Runs the enabled rules over the facts once: header, bug check, exception, modules, threads, end.
import type { SourceRef } from './facts/types.js';
import type { DumpFacts } from './facts/types.js';
import { knowledge } from './knowledge.js';
import { ModuleIndex } from './modules.js';
import type { Finding, ReportDescriptor, Rule, RuleContext } from './rules/types.js';
import { OwnerTable } from './triage-ini.js';
import { hex } from '../util/hex.js';

/** Bytes all rules together may read from dump memory in one triage. */
export const RULE_MEMORY_BUDGET = 64 * 1024;
const MAX_RULE_READ = 4096;

export function formatMessage(template: string, data: Record<string, string>): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k: string) => data[k] ?? `{{${k}}}`);
}

export interface RuleRun {
  findings: Finding[];
  /** Rules that threw (a bug in the rule): id and message; the others still ran. */
  errors: Array<{ ruleId: string; message: string }>;
  memoryBytesRead: number;
}

export interface RunInput {
  facts: DumpFacts;
  rules: Rule[];
  owners: OwnerTable;
  modules?: ModuleIndex;
}

function stringify(data: ReportDescriptor['data']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data ?? {})) out[k] = typeof v === 'bigint' ? hex(v) : String(v);
  return out;
}

export async function runRules(input: RunInput): Promise<RuleRun> {
  const { facts, rules, owners } = input;
  const modules = input.modules ?? new ModuleIndex(facts.modules, facts.unloadedModules);
  const findings: Finding[] = [];
  const errors: RuleRun['errors'] = [];
  let budget = RULE_MEMORY_BUDGET;
  let memoryBytesRead = 0;
  const lists = knowledge();
  const instances = rules.map((rule) => {
    const ctx: RuleContext = {
      facts,
      lists,
      owners,
      modules,
      report(d) {
        const message = rule.meta.messages[d.messageId];
        if (message === undefined) throw new Error(`rule ${rule.meta.id} reported unknown messageId ${d.messageId}`);
        const data = stringify(d.data);
        const f: Finding = {
          ruleId: rule.meta.id,
          messageId: d.messageId,
          message: formatMessage(message, data),
          data,
          evidence: (d.evidence ?? []).filter((e): e is SourceRef => e !== undefined),
        };
        if (d.hint) f.hint = d.hint;
        findings.push(f);
      },
      async readMemory(address, length) {
        if (length <= 0 || length > MAX_RULE_READ || length > budget) return undefined;
        budget -= length;
        memoryBytesRead += length;
        try {
          return await facts.memory.read(address, length);
        } catch (e) {
          errors.push({ ruleId: rule.meta.id, message: `memory read at ${hex(address)} failed: ${(e as Error).message}` });
          return undefined;
        }
      },
    };
    return { rule, handlers: rule.create(ctx) };
  });
  // Most handlers are synchronous: only a returned promise is awaited (an await per rule, per
  // module and per thread was a microtask each, thousands per dump on a big module list).
  async function each(fn: (h: (typeof instances)[number]) => unknown): Promise<void> {
    for (const inst of instances) {
      try {
        const r = fn(inst);
        if (r instanceof Promise) await r;
      } catch (e) {
        errors.push({ ruleId: inst.rule.meta.id, message: (e as Error).message });
      }
    }
  }
  await each((i) => i.handlers.header?.(facts));
  if (facts.bugcheck) await each((i) => i.handlers.bugcheck?.(facts.bugcheck!));
  if (facts.exception) await each((i) => i.handlers.exception?.(facts.exception!));
  if (instances.some((i) => i.handlers.module)) for (const m of facts.modules) await each((i) => i.handlers.module?.(m));
  if (instances.some((i) => i.handlers.thread)) for (const t of facts.threads) await each((i) => i.handlers.thread?.(t));
  await each((i) => i.handlers.end?.());
  return { findings, errors, memoryBytesRead };
}
