// Pure correlation, following Broadcom KB 427504 (seed 003): (2) do the WinBSOD MSR values match
// the dump's bug check, (3) was an NMI sent by an administrator or the host, (4) hypervisor-side
// events near the crash, (5) the one-line verdict. Plus the two mistakes seed 000 warns about.

import type { TriageReport } from '../analysis/report.js';
import type {
  DumpKey,
  GuestCrashEvent,
  HostEvent,
  HypervisorCorrelation,
  LogSpan,
  MatchedCrash,
  MsrMatch,
  NmiEvent,
  VmEvents,
  VmMistake,
} from './types.js';

export const CONCLUSION = {
  guest: 'originated in the guest: continue with the OS vendor',
  hypervisor: 'hypervisor-side events found: collect a support bundle',
  noTime: 'no crash time known: cannot look for NMIs or hypervisor events around the crash',
} as const;

/** "no conclusion: logs cover A..B, crash at C (±N min)": the logs read say nothing about that time. */
export function noCoverageConclusion(spans: LogSpan[], crashMs: number, windowMinutes: number): string {
  const cover = spans.length === 0 ? 'logs have no readable time' : `logs cover ${spans.map((s) => `${s.first}..${s.last}`).join(' and ')}`;
  return `no conclusion: ${cover}, crash at ${new Date(crashMs).toISOString()} (±${windowMinutes} min)`;
}

/**
 * The time spans the logs read cover (earliest..latest line time of each file), overlapping
 * spans merged, oldest first. Files without a readable time add nothing.
 */
export function logSpans(events: VmEvents): LogSpan[] {
  const raw: Array<[number, number]> = [];
  for (const s of events.sources) {
    const a = s.firstTime ? Date.parse(s.firstTime) : NaN;
    const b = s.lastTime ? Date.parse(s.lastTime) : NaN;
    if (Number.isFinite(a) && Number.isFinite(b)) raw.push(a <= b ? [a, b] : [b, a]);
  }
  raw.sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [];
  for (const r of raw) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged.map(([a, b]) => ({ first: new Date(a).toISOString(), last: new Date(b).toISOString(), firstMs: a, lastMs: b }));
}

/** Does some log span reach the crash time, within `toleranceMs` before its first or after its last line? */
export function spansCover(spans: LogSpan[], crashMs: number, toleranceMs: number): boolean {
  return spans.some((s) => crashMs >= s.firstMs - toleranceMs && crashMs <= s.lastMs + toleranceMs);
}

/** "NMI sent from the host at T by vm-support: a hang dump, analyse as a hang" */
export function nmiConclusion(nmi: NmiEvent): string {
  const by = nmi.how.startsWith('vm-support') ? 'vm-support' : nmi.how;
  return `NMI sent from the host at ${nmi.time ?? 'an unknown time'} by ${by}: a hang dump, analyse as a hang`;
}

/** Events listed per crash at most (the count is in the step text). */
const MAX_EVENTS_LISTED = 200;
/** An NMI logged this long after the crash time still counts (clock skew between guest and host). */
const NMI_AFTER_SLACK_MS = 2 * 60_000;

function normHex(v: string | undefined): bigint | undefined {
  if (v === undefined || !/^(0x)?[0-9a-f]+$/i.test(v)) return undefined;
  return BigInt(/^0x/i.test(v) ? v : `0x${v}`);
}

/** Dump crash time → epoch ms; a time without a zone is taken as UTC. */
export function dumpTimeMs(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(iso) ? iso : `${iso}Z`;
  const ms = Date.parse(zoned);
  return Number.isFinite(ms) ? ms : undefined;
}

export function dumpKeyFromReport(report: TriageReport): DumpKey {
  const key: DumpKey = { dumpType: report.input.dumpType };
  if (report.bugcheck) {
    key.code = report.bugcheck.code;
    key.args = report.bugcheck.args;
  }
  if (report.system?.crashTime) key.crashTime = report.system.crashTime;
  return key;
}

function argsEqual(a: GuestCrashEvent['args'], b: [string, string, string, string]): boolean {
  for (let i = 0; i < 4; i++) {
    const x = normHex(a[i]);
    const y = normHex(b[i]);
    if (x === undefined || y === undefined || x !== y) return false;
  }
  return true;
}

/** Arguments that identify one crash: not 0x80's constant ones, not all zero. */
function distinctiveArgs(code: bigint | undefined, args: [string, string, string, string]): boolean {
  if (code === 0x80n) return false;
  return args.some((a) => (normHex(a) ?? 0n) !== 0n);
}

/** Find the guest crash event that is this dump's crash (bug check code, arguments, time). */
export function findCrashForDump(dump: DumpKey, crashes: GuestCrashEvent[], windowMs: number): MatchedCrash | null {
  const dumpMs = dumpTimeMs(dump.crashTime);
  const dumpCode = normHex(dump.code);
  const scored: Array<{ c: GuestCrashEvent; score: number; delta?: number; by: MatchedCrash['matchedBy'] }> = [];
  for (const c of crashes) {
    const codeEq = dumpCode !== undefined && normHex(c.code) === dumpCode;
    const argsEq = codeEq && dump.args !== undefined && argsEqual(c.args, dump.args);
    const delta = dumpMs !== undefined && c.timeMs !== undefined ? c.timeMs - dumpMs : undefined;
    const timeOk = delta !== undefined && Math.abs(delta) <= windowMs;
    let score = 0;
    if (argsEq && timeOk) score = 6;
    else if (argsEq && delta === undefined) score = 5;
    // Same distinctive arguments far from the dump's time: a wrong guest clock, still the same crash.
    else if (argsEq && distinctiveArgs(dumpCode, dump.args!)) score = 4;
    else if (codeEq && timeOk) score = 3;
    else if (codeEq && delta === undefined) score = 2;
    else if (timeOk) score = 1;
    if (score === 0) continue;
    const by: MatchedCrash['matchedBy'] = [];
    if (codeEq) by.push('code');
    if (argsEq) by.push('args');
    if (timeOk) by.push('time');
    scored.push({ c, score, delta, by });
  }
  const far = (x: { delta?: number }): number => (x.delta === undefined ? Number.MAX_VALUE : Math.abs(x.delta));
  scored.sort((a, b) => b.score - a.score || far(a) - far(b));
  const best = scored[0];
  const ties = scored.filter((s) => best !== undefined && s !== best && s.score === best.score).length;
  if (!best) return null;
  const m: MatchedCrash = { ...best.c, args: [...best.c.args] as MatchedCrash['args'], matchedBy: best.by, alsoMatched: ties };
  if (best.delta !== undefined) m.deltaSeconds = Math.round(best.delta / 100) / 10;
  return m;
}

function msrMatchOf(dump: DumpKey | null, m: MatchedCrash | null): MsrMatch {
  if (!dump || dump.code === undefined) return 'no-dump';
  if (!m) return 'no-event';
  if (m.matchedBy.includes('args')) return 'match';
  if (m.matchedBy.includes('code')) return 'code-only';
  return 'mismatch';
}

function within<T extends { timeMs?: number }>(list: T[], from: number, to: number): T[] {
  return list.filter((e) => e.timeMs !== undefined && e.timeMs >= from && e.timeMs <= to);
}

function countBy(events: HostEvent[]): string {
  const n = new Map<string, number>();
  for (const e of events) n.set(e.category, (n.get(e.category) ?? 0) + 1);
  return [...n].map(([k, v]) => `${v} ${k}`).join(', ');
}

export interface CorrelateInput {
  /** The guest crash event the verdict is about (from the log), if any. */
  crash: MatchedCrash | GuestCrashEvent | null;
  /** The dump, when one is given. */
  dump: DumpKey | null;
  events: VmEvents;
  windowMinutes: number;
}

/** Seed steps 2–5 for one crash. */
export function correlateCrash(i: CorrelateInput): HypervisorCorrelation {
  const windowMs = i.windowMinutes * 60_000;
  const matched: MatchedCrash | null = i.crash ? ('matchedBy' in i.crash ? i.crash : { ...i.crash, matchedBy: [], alsoMatched: 0 }) : null;
  const anchorMs = matched?.timeMs ?? dumpTimeMs(i.dump?.crashTime);
  const msrMatch = i.dump ? msrMatchOf(i.dump, matched) : matched ? 'no-dump' : 'no-event';
  const steps: string[] = [];
  const mistakes: VmMistake[] = [];
  const sources = i.events.sources.map((s) => s.file);
  const spans = logSpans(i.events);
  const logSpansOut = spans.map((s) => ({ first: s.first, last: s.last }));

  // Step 2
  if (msrMatch === 'match') steps.push(`step 2: the WinBSOD MSR values match the dump (code ${matched!.code} and the four arguments): both describe the same crash`);
  else if (msrMatch === 'code-only') steps.push(`step 2: the WinBSOD bug check code ${matched!.code} matches the dump but the arguments differ (${matched!.args.join(', ')} vs ${i.dump!.args?.join(', ') ?? '?'})`);
  else if (msrMatch === 'mismatch') steps.push(`step 2: the WinBSOD event nearest in time has code ${matched!.code}, the dump ${i.dump?.code}: they are not the same crash`);
  else if (msrMatch === 'no-event') steps.push(`step 2: no WinBSOD event in the logs matches the dump${i.dump?.code ? ` (code ${i.dump.code})` : ''}`);
  else {
    // 'no-dump': no dump, or one without a bug check code (a user-mode minidump).
    const what = i.dump ? 'the dump has no bug check code to compare (a user-mode dump)' : 'no dump given';
    steps.push(matched ? `step 2: ${what}: WinBSOD reported ${matched.code} ${matched.name} (${matched.args.join(', ')})` : `step 2: ${what}, and no WinBSOD event in the logs`);
  }

  if (anchorMs === undefined) {
    steps.push('step 3: skipped (no crash time)', 'step 4: skipped (no crash time)');
    return {
      matchedEvent: matched,
      nmi: null,
      events: [],
      crashDetected: null,
      conclusion: CONCLUSION.noTime,
      conclusionId: 'no-crash-time',
      msrMatch,
      crashTime: null,
      windowMinutes: i.windowMinutes,
      mistakes,
      steps,
      sources,
      logSpans: logSpansOut,
    };
  }
  // What every verdict of this crash says whatever it concludes (steps and mistakes fill in after).
  const shared = () => ({ matchedEvent: matched, msrMatch, crashTime: new Date(anchorMs).toISOString(), windowMinutes: i.windowMinutes, mistakes, steps, sources, logSpans: logSpansOut });
  // The logs must cover the crash: logs that end months before it show no NMI and no event
  // around it, which is no evidence of anything (issue 14 item 6). The tolerance is the window
  // (at least the NMI clock-skew slack): an NMI or event that close to the logs' edge still counts.
  if (!spansCover(spans, anchorMs, Math.max(windowMs, NMI_AFTER_SLACK_MS))) {
    const conclusion = noCoverageConclusion(spans, anchorMs, i.windowMinutes);
    steps.push('step 3: skipped (the logs do not cover the crash time)', 'step 4: skipped (the logs do not cover the crash time)', `step 5: ${conclusion}`);
    return { ...shared(), nmi: null, events: [], crashDetected: null, conclusion, conclusionId: 'no-coverage' };
  }
  const from = anchorMs - windowMs;
  const to = anchorMs + windowMs;

  // Step 3: NMIs before the crash (or just after it: clock skew), the latest one wins.
  const nmis = within(i.events.nmis, from, Math.min(to, anchorMs + Math.max(NMI_AFTER_SLACK_MS, 0)));
  const nmiEvent = nmis.length > 0 ? nmis.reduce((a, b) => (Math.abs(b.timeMs! - anchorMs) < Math.abs(a.timeMs! - anchorMs) ? b : a)) : undefined;
  const nmi = nmiEvent ? { ...nmiEvent, count: nmis.length } : null;
  if (nmi) steps.push(`step 3: NMI sent to the guest by the ${nmi.who} (${nmi.how}) at ${nmi.time} (${nmi.file}:${nmi.line})${nmis.length > 1 ? `; ${nmis.length} NMIs in the window` : ''}`);
  else steps.push(`step 3: no NMI sent to the guest within ±${i.windowMinutes} min`);

  // Step 4: hypervisor-side events around the crash.
  const near = within(i.events.hostEvents, from, to);
  if (near.length > 0) steps.push(`step 4: ${near.length} hypervisor-side events within ±${i.windowMinutes} min (${countBy(near)})`);
  else steps.push(`step 4: no storage, memory, stun/snapshot, device or host NMI events within ±${i.windowMinutes} min`);
  const detected = within(i.events.crashDetections, from, to);

  // Mistakes seed 000 warns about.
  const crashes80 = within(i.events.crashes, from, to).filter((c) => normHex(c.code) === 0x80n);
  if (nmis.length >= 2 || crashes80.length >= 2) {
    const times = (nmis.length >= 2 ? nmis : crashes80).map((e) => e.time).join(', ');
    mistakes.push({
      id: 'two-nmis',
      message: `two NMIs in a row (${times}): the second NMI's dump overwrote the first, useful one`,
      advice: 'send one NMI only (HungVM > Send_NMI_To_Guest alone) and copy MEMORY.DMP away before any retry',
    });
  }
  const reqs = within(i.events.requests, from, to);
  if (reqs.length > 0 && nmi) {
    const names = [...new Set(reqs.map((r) => r.request))].join(' and ');
    mistakes.push({
      id: 'coredump-or-suspend-with-nmi',
      message: `${names} requested with the NMI: on a hung VM these time out (a retry sends a second NMI) and Suspend_VM can suspend the VM before the dump is written`,
      advice: 'tick only HungVM > Send_NMI_To_Guest in Export System Logs',
    });
  }
  const isHangDump = nmi !== null;
  if (isHangDump && i.dump?.dumpType === 'small') {
    mistakes.push({
      id: 'small-dump-of-hang',
      message: 'a small memory dump of a hang: it lacks the other threads, locks and pool needed for hang analysis',
      advice: 'set a kernel memory dump (CrashDumpEnabled=2) and NMICrashDump=1 under HKLM\\SYSTEM\\CurrentControlSet\\Control\\CrashControl, then send one NMI at the next hang',
    });
  }

  let conclusion: string;
  let conclusionId: HypervisorCorrelation['conclusionId'];
  if (nmi) {
    conclusion = nmiConclusion(nmi);
    conclusionId = 'nmi-hang';
  } else if (near.length > 0) {
    conclusion = CONCLUSION.hypervisor;
    conclusionId = 'hypervisor-events';
  } else {
    conclusion = CONCLUSION.guest;
    conclusionId = 'guest';
  }
  steps.push(`step 5: ${conclusion}`);
  return {
    ...shared(),
    nmi,
    events: near.slice(0, MAX_EVENTS_LISTED),
    crashDetected: detected.length > 0 ? detected.reduce((a, b) => (Math.abs(b.timeMs! - anchorMs) < Math.abs(a.timeMs! - anchorMs) ? b : a)) : null,
    conclusion,
    conclusionId,
  };
}

/**
 * Match one dump report to loaded log events by bug check code, arguments and time, then run
 * the seed's steps around that crash. Pure: call it per dump after one loadVmEvents().
 */
export function matchDumpToEvents(report: TriageReport, events: VmEvents, windowMinutes: number): HypervisorCorrelation {
  const dump = dumpKeyFromReport(report);
  const crash = findCrashForDump(dump, events.crashes, windowMinutes * 60_000);
  return correlateCrash({ crash, dump, events, windowMinutes });
}

/** One verdict per guest crash event in the logs (vmlog without --dump). */
export function correlateAllCrashes(events: VmEvents, windowMinutes: number): HypervisorCorrelation[] {
  return events.crashes.map((c) => correlateCrash({ crash: c, dump: null, events, windowMinutes }));
}
