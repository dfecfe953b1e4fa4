// Text output of the VMware correlation: the hypervisor section of a dump's human report, and the
// `dumptriage vmlog` report. Log text is hostile: everything from a log goes through escapeTerminal.

import type { TriageReport } from '../analysis/report.js';
import { escapeTerminal as t } from '../util/escape.js';
import { bugcheckHex } from '../util/hex.js';
import type { VmlogDocument } from './analyze.js';
import type { GuestCrashEvent, HostEvent, HypervisorCorrelation, VmLogSource } from './types.js';

const LABEL = 20;
const pad = (label: string): string => `${label}:`.padEnd(LABEL);
/** Events printed per crash in text (all are in --json). */
const MAX_EVENTS_SHOWN = 20;

function ref(e: { file: string; line: number }): string {
  return `${t(e.file)}:${e.line}`;
}

function codeText(code: string): string {
  return /^0x[0-9a-f]{1,8}$/i.test(code) ? bugcheckHex(parseInt(code, 16)) : t(code);
}

function crashLine(c: GuestCrashEvent): string {
  return `${c.time ?? '(no time)'} ${t(c.vcpu)} ${codeText(c.code)} ${t(c.name)} (${c.args.map(t).join(', ')}) ${ref(c)}${c.msrLines < 5 ? ` [${c.msrLines}/5 MSR lines]` : ''}`;
}

function eventLine(e: HostEvent): string {
  return `${e.time ?? '(no time)'} [${e.category}] ${e.log} ${ref(e)} ${t(e.text)}`;
}

/** Lines for one correlation (shared by the dump report and vmlog). */
function correlationLines(h: HypervisorCorrelation, indent: string): string[] {
  const out: string[] = [];
  const m = h.matchedEvent;
  out.push(`${indent}${pad('VERDICT')}${t(h.conclusion)}`);
  if (m) {
    const delta = m.deltaSeconds !== undefined ? `, ${m.deltaSeconds >= 0 ? '+' : ''}${m.deltaSeconds} s from the dump time` : '';
    const by = m.matchedBy.length > 0 ? ` by ${m.matchedBy.join('+')}` : '';
    out.push(`${indent}${pad('GUEST_CRASH')}${crashLine(m)}`);
    out.push(`${indent}${pad('MSR_MATCH')}${h.msrMatch}${by}${delta}${m.alsoMatched > 0 ? `, ${m.alsoMatched} other events match as well` : ''}`);
  } else {
    out.push(`${indent}${pad('MSR_MATCH')}${h.msrMatch}`);
  }
  if (h.crashDetected) out.push(`${indent}${pad('HOSTD_CRASH')}${h.crashDetected.time ?? ''} ${ref(h.crashDetected)}`);
  if (h.nmi) out.push(`${indent}${pad('NMI')}${h.nmi.time ?? '(no time)'} by the ${h.nmi.who} via ${t(h.nmi.how)} ${ref(h.nmi)}${h.nmi.count > 1 ? ` (${h.nmi.count} NMIs in the window)` : ''}`);
  else out.push(`${indent}${pad('NMI')}none within ±${h.windowMinutes} min`);
  out.push(`${indent}${pad('EVENTS')}${h.events.length} hypervisor-side within ±${h.windowMinutes} min${h.crashTime ? ` of ${h.crashTime}` : ''}`);
  for (const e of h.events.slice(0, MAX_EVENTS_SHOWN)) out.push(`${indent}  ${eventLine(e)}`);
  if (h.events.length > MAX_EVENTS_SHOWN) out.push(`${indent}  ... ${h.events.length - MAX_EVENTS_SHOWN} more (--json lists them)`);
  for (const s of h.steps) out.push(`${indent}  ${t(s)}`);
  for (const x of h.mistakes) out.push(`${indent}${pad('MISTAKE')}${t(x.message)}; ${t(x.advice)}`);
  return out;
}

/** The hypervisor section of a dump's human report; [] when no logs were correlated. */
export function renderHypervisorText(report: TriageReport): string[] {
  const h = report.verdict.hypervisor as HypervisorCorrelation | undefined;
  if (!h || typeof h !== 'object' || !('conclusion' in h)) return [];
  return ['', `HYPERVISOR (VMware logs, ±${h.windowMinutes} min):`, ...correlationLines(h, '  ')];
}

function sourceLine(s: VmLogSource): string {
  const vm = s.vm;
  const info = vm
    ? [vm.displayName && `"${t(vm.displayName)}"`, vm.guestOS && `guestOS ${t(vm.guestOS)}`, vm.numVcpus && `${vm.numVcpus} vCPUs`, vm.product && `${t(vm.product)} ${t(vm.productVersion ?? '')}`.trim()]
        .filter(Boolean)
        .join(', ')
    : '';
  const span = s.firstTime ? ` ${s.firstTime} .. ${s.lastTime}` : '';
  return `  ${t(s.file)}: ${s.kind} (${s.format}${s.gzip ? ', gzip' : ''}), ${s.lines} lines${span}${info ? `; ${info}` : ''}`;
}

/** `dumptriage vmlog` text report. */
export function renderVmlogText(doc: VmlogDocument): string {
  const out: string[] = [];
  out.push(`VMware / ESXi log correlation (window ±${doc.windowMinutes} min, times UTC)`, '', 'LOGS:');
  if (doc.sources.length === 0) out.push('  (none read)');
  for (const s of doc.sources) out.push(sourceLine(s));
  out.push('', `GUEST CRASHES (WinBSOD): ${doc.crashes.length}`);
  doc.crashes.forEach((c, i) => out.push(`  #${i + 1} ${crashLine(c)}`));
  out.push('', `NMIs SENT TO THE GUEST: ${doc.nmis.length}`);
  for (const n of doc.nmis) out.push(`  ${n.time ?? '(no time)'} by the ${n.who} via ${t(n.how)} ${ref(n)}`);
  if (doc.requests.length > 0) {
    out.push('', 'OTHER HungVM REQUESTS:');
    for (const r of doc.requests) out.push(`  ${r.time ?? '(no time)'} ${r.request} ${ref(r)}`);
  }
  if (doc.crashDetections.length > 0) {
    out.push('', 'HOSTD "Guest operating system crash detected":');
    for (const d of doc.crashDetections) out.push(`  ${d.time ?? '(no time)'} ${ref(d)}`);
  }
  out.push('', `HYPERVISOR-SIDE EVENTS READ: ${doc.hostEventCount}`);
  doc.verdicts.forEach((h, i) => {
    out.push('', `CRASH #${i + 1}:`, ...correlationLines(h, '  '));
  });
  if (doc.crashes.length === 0) out.push('', 'No guest crash (WinBSOD) event in these logs.');
  if (doc.dump) {
    const d = doc.dump;
    out.push('', `DUMP ${t(d.path ?? '<buffer>')} (${t(d.dumpType)}${d.bugcheck ? `, ${codeText(d.bugcheck.code)} ${t(d.bugcheck.name)}` : ''}${d.crashTime ? `, crashed ${d.crashTime}` : ''}):`);
    out.push(`  ${pad('DUMP_VERDICT')}${d.verdict.kind} / ${t(d.verdict.trigger)} / ${d.verdict.category}: ${t(d.verdict.summary)}`);
    out.push(...correlationLines(d.hypervisor, '  '));
  }
  if (doc.warnings.length > 0) {
    out.push('', 'WARNINGS:');
    for (const w of doc.warnings) out.push(`  [${w.code}] ${w.file ? `${t(w.file)}: ` : ''}${t(w.message)}`);
  }
  return `${out.join('\n')}\n`;
}
