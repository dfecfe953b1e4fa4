// The list budget of `dump` (issue 18): every list longer than the budget shows its first
// entries and then one CutSummary entry saying what was cut. The big memory and handle tables of a
// minidump are decoded only up to the budget (describe({ listBudget })), so a 10^6-entry table
// costs what 1,000 entries cost; the rest is cut here after decoding.

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

export function isCutSummary(v: unknown): v is CutSummary {
  return !!v && typeof v === 'object' && (v as { truncated?: unknown }).truncated === true && typeof (v as { omitted?: unknown }).omitted === 'number';
}

/** The summary entry for a list decoded only up to `shown` of its `total` entries. */
export function cutAtDecode(shown: number, total: number, key: string): CutSummary {
  const omitted = total - shown;
  return { truncated: true, omitted, total, summary: `... ${omitted.toLocaleString('en-US')} more ${key}; --all lists every one` };
}

/**
 * The tree with every array longer than `budget` cut to its first `budget` entries plus a
 * CutSummary entry. Byte arrays (Uint8Array) are not lists: the JSON/tree renderers cap them.
 * Only plain objects and arrays are copied; the rest is shared with the input.
 */
export function applyListBudget(value: unknown, budget: number = DUMP_LIST_BUDGET, key?: string): unknown {
  if (Array.isArray(value)) {
    // Cut at decoding already (its last entry is the summary): keep that summary.
    if (value.length === budget + 1 && isCutSummary(value[budget])) return [...value.slice(0, budget).map((v) => applyListBudget(v, budget)), value[budget]];
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

