// The rule shape (STYLE §7, ESLint-like): meta + create(ctx) returning fact handlers. Rules are pure:
// frozen facts, no I/O except ctx.readMemory (bounded, counted), no printing, no throwing for
// "not applicable". A finding carries evidence: every claim points to a byte offset of the dump.

import type { BugcheckFacts, DumpFacts, ExceptionFacts, ModuleFacts, SourceRef, ThreadFacts } from '../facts/types.js';
import type { Category, VerdictKind } from '../report.js';
import type { Knowledge } from '../knowledge.js';
import type { OwnerTable } from '../triage-ini.js';
import type { ModuleIndex } from '../modules.js';

export type FactNeed = 'header' | 'bugcheck' | 'exception' | 'modules' | 'threads' | 'memory';

export interface RuleMeta {
  /** Equals the file name. */
  id: string;
  stability: 'stable' | 'experimental';
  needs: FactNeed[];
  docs: { description: string };
  /** messageId → template with {{placeholders}}. */
  messages: Record<string, string>;
}

/** What a finding suggests for the verdict; the pipeline stages merge hints by priority. */
export interface Hint {
  kind?: VerdictKind;
  trigger?: string;
  category?: Category;
  /** A fault address to blame: the module containing it is the strongest cause candidate. */
  fault?: { address: bigint; kind: 'ip' | 'mem' | 'ptr'; label: string };
  /** Blame this module directly (e.g. the driver owning a blocked IRP). */
  blame?: { module: string; address?: bigint; reason: string; confidence: number };
  /** Do not blame a module: the dump points at hardware or at a person, not at code. */
  noBlame?: boolean;
  /** Whole failure bucket id (no module appended), e.g. MANUALLY_INITIATED_CRASH. */
  bucket?: string;
  /** Bucket prefix; the cause image is appended: `${bucketClass}_${image}`. */
  bucketClass?: string;
  advice?: string[];
  /** Focus thread for hangs (user hang dumps: the first thread). */
  focusThreadId?: number;
  /** Cap on the probable cause confidence (e.g. 0x133 cumulative is often not at the culprit). */
  maxConfidence?: number;
  /** Higher wins when two findings set the same field (default 0). */
  priority?: number;
  /** Free-form facts for the renderer (e.g. thrown C++ type). */
  notes?: Record<string, string>;
}

export interface Finding {
  ruleId: string;
  messageId: string;
  message: string;
  data: Record<string, string>;
  hint?: Hint;
  evidence: SourceRef[];
}

export interface ReportDescriptor {
  messageId: string;
  data?: Record<string, string | number | bigint>;
  hint?: Hint;
  evidence?: Array<SourceRef | undefined>;
}

export interface RuleContext {
  readonly facts: DumpFacts;
  readonly lists: Knowledge;
  readonly owners: OwnerTable;
  readonly modules: ModuleIndex;
  report(d: ReportDescriptor): void;
  /** Bounded, counted memory read; undefined when any byte is missing. */
  readMemory(address: bigint, length: number): Promise<Uint8Array | undefined>;
}

export interface Handlers {
  header?(facts: DumpFacts): void | Promise<void>;
  bugcheck?(bc: BugcheckFacts): void | Promise<void>;
  exception?(ex: ExceptionFacts): void | Promise<void>;
  module?(m: ModuleFacts): void | Promise<void>;
  thread?(t: ThreadFacts): void | Promise<void>;
  end?(): void | Promise<void>;
}

export interface Rule {
  meta: RuleMeta;
  create(ctx: RuleContext): Handlers;
}

export function defineRule(rule: Rule): Rule {
  return rule;
}
