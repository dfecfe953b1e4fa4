// `dumptriage dump <file>`: every decoded structure, like breakpad's minidump_dump.

import type { CommandDef } from '../command.js';
import { EXIT } from '../io.js';
import { reportError } from './errors.js';

/** Entries shown of any one list (threads, modules, memory ranges, handles...) without `--all`. */
export const DUMP_LIST_BUDGET = 1_000;

/** The entry that stands for the entries cut from a list (always the list's last entry). */
export interface CutSummary {
  truncated: true;
  /** Entries not shown. */
  omitted: number;
  /** Entries in the list. */
  total: number;
  /** For a thread list: distinct CONTEXT and stack locations among the omitted threads. */
  distinctContexts?: number;
  distinctStacks?: number;
  summary: string;
}

type Loc = { rva?: unknown; dataSize?: unknown };

function locKey(v: unknown): string | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const l = v as Loc;
  return typeof l.rva === 'number' && typeof l.dataSize === 'number' ? `${l.rva}:${l.dataSize}` : undefined;
}

function isThreadEntry(v: unknown): v is { threadContext: Loc; stack: { startOfMemoryRange?: unknown; memory: Loc } } {
  return !!v && typeof v === 'object' && 'threadContext' in v && 'stack' in v && locKey((v as { threadContext: unknown }).threadContext) !== undefined;
}

function cutSummary(list: unknown[], budget: number, key: string | undefined): CutSummary {
  const rest = list.slice(budget);
  const omitted = rest.length;
  const what = key ?? 'entries';
  const out: CutSummary = { truncated: true, omitted, total: list.length, summary: '' };
  let detail = '';
  if (rest.every(isThreadEntry)) {
    const contexts = new Set(rest.map((t) => locKey(t.threadContext)));
    const stacks = new Set(rest.map((t) => `${String(t.stack.startOfMemoryRange)}:${locKey(t.stack.memory)}`));
    out.distinctContexts = contexts.size;
    out.distinctStacks = stacks.size;
    const sharing = omitted - contexts.size;
    detail = sharing > 0 ? `, ${sharing.toLocaleString('en-US')} sharing a CONTEXT with another (${contexts.size.toLocaleString('en-US')} distinct)` : '';
  }
  out.summary = `... ${omitted.toLocaleString('en-US')} more ${what}${detail}; --all lists every one`;
  return out;
}

/**
 * The tree with every array longer than `budget` cut to its first `budget` entries plus a
 * CutSummary entry. Byte arrays (Uint8Array) are not lists: the JSON/tree renderers cap them.
 * Only plain objects and arrays are copied; the rest is shared with the input.
 */
export function applyListBudget(value: unknown, budget: number = DUMP_LIST_BUDGET, key?: string): unknown {
  if (Array.isArray(value)) {
    const shown = value.length > budget ? value.slice(0, budget) : value;
    const out: unknown[] = shown.map((v) => applyListBudget(v, budget));
    if (value.length > budget) out.push(cutSummary(value, budget, key));
    return out;
  }
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  // Same prototype as the input (dump-keyed dictionaries are null-prototype); plain stores.
  const out = Object.create(proto as object | null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    Object.defineProperty(out, k, { value: applyListBudget(v, budget, k), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export const dumpCommand: CommandDef = {
  command: 'dump <file>',
  describe: 'Print every decoded structure of a dump (raw header, streams, triage block, page map)',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true })
      .option('json', { type: 'boolean', default: false, describe: 'as JSON' })
      .option('deep', { type: 'boolean', default: false, describe: 'decode whole-file structures too' })
      .option('all', { type: 'boolean', default: false, describe: `list every entry (default: the first ${DUMP_LIST_BUDGET} of each list, then a summary entry)` }),
  run: async (args, io) => {
    const file = String(args.file);
    const [{ openDump }, { toJson }, { renderTree }] = await Promise.all([import('../../index.js'), import('../render/json.js'), import('../render/tree.js')]);
    try {
      const dump = await openDump(file, { deep: Boolean(args.deep) });
      try {
        const full = await dump.describe();
        const tree = args.all ? full : applyListBudget(full);
        io.stdout.write(args.json ? `${toJson(tree, true)}\n` : renderTree(tree));
      } finally {
        await dump.close();
      }
      return EXIT.ok;
    } catch (e) {
      reportError(io, e, file);
      return EXIT.badInput;
    }
  },
};
