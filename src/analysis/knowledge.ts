// Triage knowledge, loaded from the data files in analysis/lists/ (see lists/README.md): bug check
// names, argument meanings, fault-address parameters, sub-codes, exception codes, FAST_FAIL codes,
// hang/manual/live-dump code lists, wait functions, hypervisor modules and the built-in triage.ini.
//
// The files are project assets, not dump data. Their text is embedded in list-data.ts, which
// scripts/embed-lists.mjs generates from them, and parsed once, on first use: no file is read at
// run time, so this module (and dumptriage/core) needs no node:fs.

import { hex } from '../util/hex.js';
import { LIST_TEXT } from './list-data.js';
import { parseTriageIni, type OwnerEntry } from './triage-ini.js';

/** Category hints used in bugchecks.tsv and bugcheck-subcodes.tsv. */
export type CategoryHint =
  | 'driver'
  | 'memory-corruption'
  | 'hardware'
  | 'hang'
  | 'manual'
  | 'filesystem'
  | 'boot'
  | 'security'
  | 'graphics'
  | 'power'
  | 'other';

export interface FaultParam {
  /** ip: faulting instruction; mem: data address accessed; ptr: pointer into the responsible driver. */
  kind: 'ip' | 'mem' | 'ptr';
  /** 1-based parameter number. */
  param: 1 | 2 | 3 | 4;
}

export interface BugcheckInfo {
  code: number;
  name: string;
  params: [string, string, string, string];
  fault: FaultParam[];
  category: CategoryHint;
}

export interface SubcodeInfo {
  code: number;
  subcode: bigint;
  tag: string | null;
  category: CategoryHint | null;
  fault: FaultParam[] | null;
  meaning: string;
}

export interface ExceptionInfo {
  code: number;
  name: string;
  /** Bucket class (AV, BREAKPOINT, STACK_OVERFLOW, ...). */
  cls: string;
  description: string;
}

export interface Knowledge {
  bugchecks: Map<number, BugcheckInfo>;
  bugchecksByName: Map<string, BugcheckInfo>;
  subcodes: Map<number, Map<bigint, SubcodeInfo>>;
  exceptions: Map<number, ExceptionInfo>;
  exceptionsByName: Map<string, ExceptionInfo>;
  fastFail: Map<number, { name: string; meaning: string }>;
  hangBugchecks: Set<number>;
  manualBugchecks: Map<number, string>;
  liveDumpBugchecks: Set<number>;
  waitFunctions: string[];
  hypervisorModules: Map<string, string>;
  triageIni: OwnerEntry[];
}

/** Every data file in lists/ and what reads it (the registry test checks each is referenced). */
export const LIST_FILES = [
  'bugchecks.tsv',
  'bugcheck-subcodes.tsv',
  'exceptions.tsv',
  'fast-fail-codes.tsv',
  'hang-bugchecks.txt',
  'hresults.tsv',
  'manual-bugchecks.txt',
  'live-dump-bugchecks.txt',
  'wait-functions.txt',
  'hypervisor-modules.txt',
  'triage.ini',
] as const;

export type ListFile = (typeof LIST_FILES)[number];

/** Lines of a list file without comments and blank lines. */
export function readListLines(file: ListFile): string[] {
  return listLines(LIST_TEXT[file], file === 'triage.ini');
}

export function listLines(text: string, semicolonComments = false): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || (semicolonComments && line.startsWith(';'))) continue;
    out.push(raw.replace(/\r$/, ''));
  }
  return out;
}

function parseCode(text: string): number {
  const v = Number.parseInt(text.trim().replace(/^0x/i, ''), 16);
  if (!Number.isFinite(v)) throw new Error(`bad code ${text}`);
  return v >>> 0;
}

export function parseFault(text: string): FaultParam[] {
  if (!text || text.trim() === '-') return [];
  const out: FaultParam[] = [];
  for (const part of text.split(';')) {
    const m = /^(ip|mem|ptr)=([1-4])$/.exec(part.trim());
    if (m) out.push({ kind: m[1] as FaultParam['kind'], param: Number(m[2]) as FaultParam['param'] });
  }
  // ip first: the faulting instruction is the strongest evidence.
  const rank = { ip: 0, ptr: 1, mem: 2 } as const;
  return out.sort((a, b) => rank[a.kind] - rank[b.kind]);
}

let cache: Knowledge | undefined;

export function knowledge(): Knowledge {
  if (cache) return cache;
  const bugchecks = new Map<number, BugcheckInfo>();
  const bugchecksByName = new Map<string, BugcheckInfo>();
  for (const line of readListLines('bugchecks.tsv')) {
    const c = line.split('\t');
    if (c[0] === 'code') continue;
    const info: BugcheckInfo = {
      code: parseCode(c[0]!),
      name: c[1]!,
      params: [c[2] ?? '', c[3] ?? '', c[4] ?? '', c[5] ?? ''],
      fault: parseFault(c[6] ?? '-'),
      category: (c[7] ?? 'other') as CategoryHint,
    };
    bugchecks.set(info.code, info);
    bugchecksByName.set(info.name.toUpperCase(), info);
  }
  const subcodes = new Map<number, Map<bigint, SubcodeInfo>>();
  for (const line of readListLines('bugcheck-subcodes.tsv')) {
    const c = line.split('\t');
    const code = parseCode(c[0]!);
    const info: SubcodeInfo = {
      code,
      subcode: BigInt(c[1]!),
      tag: c[2] && c[2] !== '-' ? c[2] : null,
      category: c[3] && c[3] !== '-' ? (c[3] as CategoryHint) : null,
      fault: c[4] && c[4] !== '-' ? parseFault(c[4]) : null,
      meaning: c[5] ?? '',
    };
    let m = subcodes.get(code);
    if (!m) subcodes.set(code, (m = new Map()));
    m.set(info.subcode, info);
  }
  const exceptions = new Map<number, ExceptionInfo>();
  const exceptionsByName = new Map<string, ExceptionInfo>();
  for (const line of readListLines('exceptions.tsv')) {
    const c = line.split('\t');
    const info: ExceptionInfo = { code: parseCode(c[0]!), name: c[1]!, cls: c[2]!, description: c[3] ?? '' };
    exceptions.set(info.code, info);
    exceptionsByName.set(info.name.toUpperCase(), info);
  }
  const fastFail = new Map<number, { name: string; meaning: string }>();
  for (const line of readListLines('fast-fail-codes.tsv')) {
    const c = line.split('\t');
    fastFail.set(parseCode(c[0]!), { name: c[1]!, meaning: c[2] ?? '' });
  }
  const hangBugchecks = new Set(readListLines('hang-bugchecks.txt').map(parseCode));
  const liveDumpBugchecks = new Set(readListLines('live-dump-bugchecks.txt').map(parseCode));
  const manualBugchecks = new Map<number, string>();
  for (const line of readListLines('manual-bugchecks.txt')) {
    const [code, trigger] = line.trim().split(/\s+/);
    manualBugchecks.set(parseCode(code!), trigger!);
  }
  const hypervisorModules = new Map<string, string>();
  for (const line of readListLines('hypervisor-modules.txt')) {
    const [mod, platform] = line.split('=');
    hypervisorModules.set(mod!.trim().toLowerCase(), platform!.trim());
  }
  cache = {
    bugchecks,
    bugchecksByName,
    subcodes,
    exceptions,
    exceptionsByName,
    fastFail,
    hangBugchecks,
    manualBugchecks,
    liveDumpBugchecks,
    waitFunctions: readListLines('wait-functions.txt').map((l) => l.trim()),
    hypervisorModules,
    triageIni: parseTriageIni(LIST_TEXT['triage.ini'], 'builtin'),
  };
  return cache;
}

/** 0x1000007E → 0x7E: the "_M" variants share the base code's parameters. */
export function baseBugcheckCode(code: number): number {
  const c = code >>> 0;
  if ((c & 0xf0000000) === 0x10000000 && c !== 0x10000000) {
    const base = c & 0x0fffffff;
    if (knowledge().bugchecks.has(base)) return base;
  }
  return c;
}

export function bugcheckInfo(code: number): BugcheckInfo | undefined {
  return knowledge().bugchecks.get(code >>> 0) ?? knowledge().bugchecks.get(baseBugcheckCode(code));
}

export function subcodeInfo(code: number, p1: bigint): SubcodeInfo | undefined {
  return knowledge().subcodes.get(baseBugcheckCode(code))?.get(p1);
}

export function exceptionInfo(code: number): ExceptionInfo | undefined {
  return knowledge().exceptions.get(code >>> 0);
}

export function exceptionName(code: number): string {
  return exceptionInfo(code)?.name ?? `UNKNOWN_EXCEPTION_${hex(code >>> 0)}`;
}

export function bugcheckName(code: number): string {
  return knowledge().bugchecks.get(code >>> 0)?.name ?? `UNKNOWN_BUGCHECK_${hex(code >>> 0)}`;
}

export function fastFailName(code: number): string {
  return knowledge().fastFail.get(code >>> 0)?.name ?? `FAST_FAIL_${hex(code >>> 0)}`;
}

/** Fault-address parameters for this bug check, sub-code table first. */
export function faultParams(code: number, p1: bigint): FaultParam[] {
  return subcodeInfo(code, p1)?.fault ?? bugcheckInfo(code)?.fault ?? [];
}

/** Category hint: sub-code table first, then the code's own. */
export function categoryHint(code: number, p1: bigint): CategoryHint {
  return subcodeInfo(code, p1)?.category ?? bugcheckInfo(code)?.category ?? 'other';
}

export interface DecodedArg {
  index: number;
  value: bigint;
  meaning: string;
  /** Extra decoding of this value (sub-code meaning, NTSTATUS name, FAST_FAIL name...). */
  decoded?: string;
}

/** Meanings of a bug check's four arguments, with the values decoded where we know how. */
export function describeBugcheckArgs(code: number, args: readonly bigint[]): DecodedArg[] {
  const info = bugcheckInfo(code);
  const base = baseBugcheckCode(code);
  const out: DecodedArg[] = [];
  for (let i = 0; i < 4; i++) {
    const value = args[i] ?? 0n;
    const arg: DecodedArg = { index: i + 1, value, meaning: info?.params[i] ?? 'Unknown bug check code' };
    if (i === 0) {
      const sub = subcodeInfo(code, value);
      if (sub) arg.decoded = sub.meaning;
      if ([0x1e, 0x7e, 0x8e, 0x3b].includes(base)) {
        const ex = exceptionInfo(Number(value & 0xffffffffn));
        if (ex) arg.decoded = ex.name;
      }
      if (base === 0x139) {
        const ff = knowledge().fastFail.get(Number(value & 0xffffffffn));
        if (ff) arg.decoded = `${ff.name}: ${ff.meaning}`;
      }
      if (base === 0x80 && value === 0x4f4454n) arg.decoded = 'NMI delivered by a button, BMC or hypervisor (diagnostic NMI)';
      if (base === 0x1c8) arg.decoded = `power button held ${value} ms`;
    }
    if (i === 2 && (base === 0xd1 || base === 0xa)) {
      arg.decoded = value === 0n ? 'read' : value === 1n ? 'write' : value === 8n || value === 2n ? 'execute' : undefined;
      if (arg.decoded === undefined) delete arg.decoded;
    }
    if (i === 1 && base === 0x50) {
      const d: Record<number, string> = { 0: 'read', 1: 'write', 2: 'write', 8: 'execute', 0x10: 'execute' };
      if (value < 0x100n && d[Number(value)]) arg.decoded = d[Number(value)];
    }
    out.push(arg);
  }
  return out;
}

/** Meanings of an exception's parameters, decoded for the codes we know. */
export function describeExceptionParams(code: number, params: readonly bigint[]): DecodedArg[] {
  const c = code >>> 0;
  return params.map((value, index) => {
    const a: DecodedArg = { index: index + 1, value, meaning: 'ExceptionInformation[' + index + ']' };
    if (c === 0xc0000005 || c === 0xc0000006) {
      if (index === 0) {
        a.meaning = 'Access type';
        a.decoded = value === 0n ? 'read' : value === 1n ? 'write' : value === 8n ? 'execute (DEP)' : `unknown (${hex(value)})`;
      } else if (index === 1) a.meaning = 'Address accessed';
      else if (index === 2 && c === 0xc0000006) a.meaning = 'NTSTATUS of the failed in-page read';
    } else if (c === 0xc0000409 && index === 0) {
      a.meaning = 'FAST_FAIL code';
      a.decoded = fastFailName(Number(value & 0xffffffffn));
    } else if (c === 0xe06d7363) {
      a.meaning = ['Magic (0x19930520)', 'Thrown object', 'ThrowInfo', 'Image base (x64)'][index] ?? a.meaning;
    } else if (c === 0xc0000374 && index === 0) {
      a.meaning = 'Heap';
    }
    return a;
  });
}

/** Resolve "0xD1", "D1", "0x000000D1", "c0000005", "DRIVER_IRQL_NOT_LESS_OR_EQUAL", "STATUS_ACCESS_VIOLATION". */
export function lookupCode(
  text: string,
): { kind: 'bugcheck'; info: BugcheckInfo } | { kind: 'exception'; info: ExceptionInfo } | { kind: 'unknown'; code?: number } {
  const t = text.trim();
  const k = knowledge();
  const byName = k.bugchecksByName.get(t.toUpperCase());
  if (byName) return { kind: 'bugcheck', info: byName };
  const exName = k.exceptionsByName.get(t.toUpperCase()) ?? k.exceptionsByName.get(`STATUS_${t.toUpperCase()}`);
  if (exName) return { kind: 'exception', info: exName };
  if (!/^(0x)?[0-9a-f]{1,8}$/i.test(t.replace(/`/g, ''))) return { kind: 'unknown' };
  const code = parseCode(t.replace(/`/g, ''));
  // NTSTATUS-looking values (severity bits set, not a bug check) are exceptions first.
  const ex = k.exceptions.get(code);
  const bc = k.bugchecks.get(code);
  if (ex && (!bc || code >= 0x40000000)) return { kind: 'exception', info: ex };
  if (bc) return { kind: 'bugcheck', info: bc };
  if (ex) return { kind: 'exception', info: ex };
  return { kind: 'unknown', code };
}
