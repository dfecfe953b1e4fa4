// Runs one input through everything a user can reach: open (format sniff, header, directory),
// the full triage (facts → rules → verdict → report), the human and JSON renderers, and the
// `dumptriage dump` path (describe() → tree and JSON). Classifies the outcome.
//
// A failure is: an error that is not one of our typed DumpErrors (or a DumpError that only wraps
// an internal RangeError/TypeError: core's wrapUnexpected turns those into 'BadValue' with the
// original as `cause`), a report that does not validate against the JSON Schema, JSON output
// that does not parse, a raw control character (C0 but LF, DEL, C1, bidi override, lone
// surrogate) in the human, brief or tree text, an input over the time budget, or heap +
// ArrayBuffer growth over the memory budget.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { openDumpFromBytes, triage } from '../../../src/core.js';
import { openDump } from '../../../src/index.js';
import { applyListBudget, DUMP_LIST_BUDGET } from '../../../src/util/list-budget.js';
import { DumpError } from '../../../src/errors.js';
import { renderHuman } from '../../../src/cli/render/human.js';
import { renderBrief } from '../../../src/cli/render/verdict.js';
import { renderTree } from '../../../src/cli/render/tree.js';
import { toJson } from '../../../src/cli/render/json.js';
import type { Dump } from '../../../src/formats/dump.js';

export type Status = 'ok' | 'partial' | 'error' | 'failure';
export type FailureKind = 'internal' | 'untyped' | 'schema' | 'json' | 'escape' | 'slow' | 'memory' | 'hang' | 'crash';

export interface Outcome {
  status: Status;
  /** DumpError code when status is 'error' (or the describe() path's typed error). */
  code?: string;
  /** Warning codes of a partial result. */
  warnings?: string[];
  failure?: { kind: FailureKind; message: string; signature: string; stack?: string; phase: string };
  ms: number;
  /** Heap + ArrayBuffer growth during the input, bytes. */
  memBytes: number;
}

export interface RunOptions {
  /** Per-input wall-clock budget (the issue: 1 s). */
  budgetMs?: number;
  /** Per-input memory budget (the issue: 64 MiB). */
  memBudget?: number;
  /** An async stall longer than this is a hang (sync hangs are caught by the worker watchdog). */
  hangMs?: number;
  validateSchema?: boolean;
  /** Run from this file (openDump) instead of the bytes (a sparse input: the bytes are its head). */
  path?: string;
}

export const DEFAULT_BUDGET_MS = 1000;
export const DEFAULT_MEM_BUDGET = 64 * 1024 * 1024;

// ------------------------------------------------------------------ gc and memory

let gcFn: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;
if (!gcFn) {
  try {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  } catch (e) {
    // No gc: memory figures are then upper bounds that include earlier garbage (recorded here).
    gcFn = undefined;
    process.emitWarning(`fuzz: cannot expose gc (${(e as Error).message}); memory figures are less precise`);
  }
}
export const haveGc = gcFn !== undefined;

/** JS heap in use plus memory held outside it (ArrayBuffers): cheaper than process.memoryUsage(). */
function memNow(): number {
  const h = getHeapStatistics();
  return h.used_heap_size + h.external_memory;
}

// ------------------------------------------------------------------ schema

let validator: ((v: unknown) => boolean) & { errors?: unknown } | undefined;
function schemaValidator(): typeof validator {
  if (validator) return validator;
  const require = createRequire(import.meta.url);
  const root = findProjectRoot();
  const Ajv2020 = require('ajv/dist/2020.js');
  const AjvClass = Ajv2020.default ?? Ajv2020;
  const ajv = new AjvClass({ allErrors: false, strict: false });
  validator = ajv.compile(JSON.parse(readFileSync(join(root, 'schema', 'report.schema.json'), 'utf8')));
  return validator;
}

/** The project root, from this file in test/hostile/fuzz (source) or dist/test/hostile/fuzz. */
export function findProjectRoot(): string {
  const here = new URL('.', import.meta.url).pathname;
  const parts = here.split('/').filter(Boolean);
  const i = parts.lastIndexOf('test');
  const up = parts[i - 1] === 'dist' ? i - 1 : i;
  return `/${parts.slice(0, up).join('/')}`;
}

// ------------------------------------------------------------------ classification

function topFrame(stack: string | undefined): string {
  if (!stack) return '?';
  const line = stack.split('\n').find((l) => /^\s+at /.test(l) && !l.includes('node:internal')) ?? '';
  const m = /\(?([^()\s]+):(\d+):\d+\)?\s*$/.exec(line);
  if (!m) return line.trim() || '?';
  const file = m[1]!.replace(/^.*?\/(src|test|native-structs)\//, '$1/');
  return `${file}:${m[2]}`;
}

/** The internal error hidden in a thrown value, if any. */
function internalCause(e: unknown): Error | undefined {
  if (!(e instanceof DumpError)) return e instanceof Error ? e : new Error(String(e));
  const cause = (e as { cause?: unknown }).cause;
  if (cause instanceof Error && !(cause instanceof DumpError) && !('errno' in cause)) return cause;
  return undefined;
}

function classify(e: unknown, phase: string): Pick<Outcome, 'status' | 'code' | 'failure'> {
  const inner = internalCause(e);
  if (inner) {
    const kind: FailureKind = e instanceof DumpError ? 'internal' : 'untyped';
    return {
      status: 'failure',
      failure: {
        kind,
        phase,
        message: `${inner.name}: ${inner.message}`.slice(0, 500),
        signature: `${kind}:${phase}:${inner.name}@${topFrame(inner.stack)}`,
        stack: inner.stack?.split('\n').slice(0, 12).join('\n'),
      },
    };
  }
  return { status: 'error', code: (e as DumpError).code };
}

class HangError extends Error {}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HangError(`no progress within ${ms} ms`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

// ------------------------------------------------------------------ the run

// ------------------------------------------------------------------ output checks

/**
 * What must never reach a terminal raw: C0 controls but LF, DEL, C1 controls, bidi overrides and
 * isolates, lone surrogates (src/util/escape.ts escapes exactly these).
 */
// eslint-disable-next-line no-control-regex
export const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

type Partial_ = Pick<Outcome, 'status' | 'code' | 'failure' | 'warnings'>;

/** A failure when `text` (what renderer `where` printed) holds a raw control character. */
function escapeCheck(text: string, where: string): Partial_ | undefined {
  const m = RAW_CONTROL.exec(text);
  if (!m) return undefined;
  const code = m[0].codePointAt(0)!;
  const around = JSON.stringify(text.slice(Math.max(0, m.index - 40), m.index + 20));
  const name = `U+${code.toString(16).padStart(4, '0')}`;
  return { status: 'failure', failure: { kind: 'escape', phase: where, message: `raw ${name} in the ${where} output at ${m.index}: ${around}`.slice(0, 500), signature: `escape:${where}:${code < 0x20 ? 'C0' : code >= 0xd800 && code < 0xe000 ? 'surrogate' : name}` } };
}

/** A failure when `json` (what renderer `where` wrote) does not parse. */
function jsonCheck(json: string, where: string): Partial_ | undefined {
  try {
    JSON.parse(json);
    return undefined;
  } catch (e) {
    return { status: 'failure', failure: { kind: 'json', phase: where, message: `${where} JSON does not parse: ${(e as Error).message}`.slice(0, 500), signature: `json:${where}` } };
  }
}

/** Inputs over this size take the `dump` path with the list budget only (as the CLI's default). */
const ALL_LISTS_MAX_BYTES = 2 * 1024 * 1024;

async function pipeline(bytes: Uint8Array, validate: boolean, path?: string): Promise<Pick<Outcome, 'status' | 'code' | 'failure' | 'warnings'>> {
  let dump: Dump;
  try {
    dump = path ? await openDump(path) : await openDumpFromBytes(bytes, 'fuzz-input');
  } catch (e) {
    return classify(e, 'open');
  }
  const result = await analyse(dump, validate, path ? Infinity : bytes.length);
  try {
    await dump.close();
  } catch (e) {
    const c = classify(e, 'close');
    if (c.status === 'failure') return c;
  }
  return result;
}

async function analyse(dump: Dump, validate: boolean, size: number): Promise<Pick<Outcome, 'status' | 'code' | 'failure' | 'warnings'>> {
  let result: Pick<Outcome, 'status' | 'code' | 'failure' | 'warnings'>;
  try {
    const report = await triage(dump, {}, 'fuzz-input');
    const bad = escapeCheck(renderHuman(report, { allModules: true }), 'human') ?? escapeCheck(renderBrief(report), 'brief');
    if (bad) return bad;
    const json = toJson(report);
    const unparsed = jsonCheck(json, 'report');
    if (unparsed) return unparsed;
    if (validate) {
      const v = schemaValidator()!;
      if (!v(JSON.parse(json))) {
        const err = JSON.stringify(v.errors).slice(0, 400);
        return { status: 'failure', failure: { kind: 'schema', phase: 'report', message: err, signature: `schema:${err.slice(0, 120)}` } };
      }
    }
    result = report.warnings.length > 0 ? { status: 'partial', warnings: [...new Set(report.warnings.map((w) => w.code))] } : { status: 'ok' };
  } catch (e) {
    result = classify(e, 'triage');
    if (result.status === 'failure') return result;
  }
  // The `dumptriage dump` path: typed errors are fine, anything else is a failure.
  try {
    // `dump` as the CLI runs it by default (list budget), and `dump --all` (every entry) on inputs
    // small enough that every entry is few: a 10^6-entry table under --all is a 1 GiB tree by
    // design (docs/hostile.md), not a finding.
    const turn = treeTurn++;
    const budgeted = size > ALL_LISTS_MAX_BYTES || turn % 2 === 1;
    const tree = budgeted ? applyListBudget(await dump.describe({ listBudget: DUMP_LIST_BUDGET })) : await dump.describe();
    // describe() runs on every input; the text tree (the costliest step of the whole pipeline on
    // big dumps, and pure formatting of what describe() returned) on one input in four of each
    // path, and on every big input (budgeted, so bounded).
    if (turn % 4 < 2 || size > ALL_LISTS_MAX_BYTES) {
      const bad = escapeCheck(renderTree(tree), 'tree');
      if (bad) return bad;
    }
    if (budgeted) {
      const unparsed = jsonCheck(toJson(tree, true), 'dump');
      if (unparsed) return unparsed;
    }
    if (dump.details) {
      const unparsed = jsonCheck(toJson(await dump.details()), 'details');
      if (unparsed) return unparsed;
    }
  } catch (e) {
    const c = classify(e, 'describe');
    if (c.status === 'failure') return c;
  }
  return result;
}

/** Counts inputs for the dump path (budgeted or --all) and the text-tree rendering. */
let treeTurn = 0;

/** Run one input. Never throws. */
export async function runOne(bytes: Uint8Array, opts: RunOptions = {}): Promise<Outcome> {
  const budgetMs = opts.budgetMs ?? DEFAULT_BUDGET_MS;
  const memBudget = opts.memBudget ?? DEFAULT_MEM_BUDGET;
  const hangMs = opts.hangMs ?? Math.max(5 * budgetMs, 5000);
  const validate = opts.validateSchema ?? true;
  const mem0 = memNow();
  const t0 = performance.now();
  let r: Pick<Outcome, 'status' | 'code' | 'failure' | 'warnings'>;
  try {
    r = await withDeadline(pipeline(bytes, validate, opts.path), hangMs);
  } catch (e) {
    r = e instanceof HangError
      ? { status: 'failure', failure: { kind: 'hang', phase: 'any', message: e.message, signature: 'hang' } }
      : classify(e, 'runner');
  }
  const ms = performance.now() - t0;
  let memBytes = Math.max(0, memNow() - mem0);
  if (r.status === 'failure') return { ...r, ms, memBytes };
  // Over a budget? Measure again, cleanly (gc first), before calling it a failure: a GC pause
  // or garbage from earlier inputs must not count against this one.
  if (ms > budgetMs || memBytes > memBudget / 4) {
    gcFn?.();
    const m0 = memNow();
    const t1 = performance.now();
    // Same input, same outcome as the first run: only the time and memory are new here.
    await withDeadline(pipeline(bytes, false, opts.path), hangMs).catch((e: unknown) => classify(e, 'rerun'));
    const ms2 = performance.now() - t1;
    const mem2 = Math.max(0, memNow() - m0);
    memBytes = mem2;
    if (Math.min(ms, ms2) > budgetMs) {
      return { ...r, status: 'failure', ms: Math.min(ms, ms2), memBytes, failure: { kind: 'slow', phase: 'any', message: `${Math.round(Math.min(ms, ms2))} ms > ${budgetMs} ms`, signature: 'slow' } };
    }
    if (mem2 > memBudget) {
      return { ...r, status: 'failure', ms, memBytes, failure: { kind: 'memory', phase: 'any', message: `${(mem2 / 1048576).toFixed(1)} MiB > ${memBudget / 1048576} MiB`, signature: 'memory' } };
    }
    return { ...r, ms: Math.min(ms, ms2), memBytes };
  }
  return { ...r, ms, memBytes };
}
