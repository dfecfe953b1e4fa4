// Human report: system, exception or bug check, crashing thread, modules, then the verdict.
// Every string that came from a dump goes through escapeTerminal.

import type { TriageReport } from '../../analysis/report.js';
import { escapeTerminal as t } from '../../util/escape.js';
import { renderBugcheckArgs, renderExceptionParams, renderVerdictText } from './verdict.js';
import { renderHypervisorText } from '../../vmlog/render.js';

export interface HumanOptions {
  /** Modules listed in full (default: the ones the verdict names plus a count). */
  allModules?: boolean;
}

export function renderHuman(r: TriageReport, opts: HumanOptions = {}): string {
  const out: string[] = [];
  const rule = '*'.repeat(79);
  out.push(rule, `*${' '.repeat(29)}dumptriage analysis${' '.repeat(29)}*`, rule, '');
  out.push(`DUMP_FILE:          ${t(r.input.path ?? '<buffer>')} (${r.input.size} bytes, ${r.input.bytesRead} read)`);
  out.push(`DUMP_TYPE:          ${r.input.format} / ${t(r.input.dumpType)}`);
  out.push(`ARCH:               ${r.input.arch}`);
  if (r.system) {
    const s = r.system;
    const os = [s.os, s.osVersion, s.servicePack].filter(Boolean).map((x) => t(String(x))).join(' ');
    out.push(`OS:                 ${os}${s.productType ? ` (${s.productType})` : ''}`);
    if (s.cpuCount !== undefined || s.cpuVendor) {
      // cpuDescription often starts with the vendor already ("GenuineIntel family 6 ..."): say it once.
      const desc = s.cpuDescription ?? '';
      const cpu = s.cpuVendor && !desc.startsWith(s.cpuVendor) ? `${s.cpuVendor} ${desc}` : desc || (s.cpuVendor ?? '');
      out.push(`CPU:                ${s.cpuCount ?? '?'}${cpu.trim() ? ` x ${t(cpu.trim())}` : ' processors'}`);
    }
    if (s.crashTime) out.push(`CRASH_TIME:         ${s.crashTime}`);
    if (s.uptimeSeconds !== undefined) out.push(`UPTIME:             ${formatDuration(s.uptimeSeconds)}`);
  }
  if (r.process && (r.process.name || r.process.pid !== undefined)) {
    out.push(`PROCESS_NAME:       ${t(r.process.name ?? '?')}${r.process.pid !== undefined ? ` (pid ${r.process.pid})` : ''}`);
  }
  out.push('');
  if (r.bugcheck) {
    const b = r.bugcheck;
    out.push(`BUGCHECK_CODE:      ${b.code} ${t(b.name)}`);
    out.push(...renderBugcheckArgs(r));
    out.push('');
  }
  if (r.exception) {
    const e = r.exception;
    out.push(`EXCEPTION_CODE:     ${e.code} ${t(e.name)}`);
    out.push(`EXCEPTION_ADDRESS:  ${e.address}`);
    out.push(`EXCEPTION_THREAD:   ${e.threadId}`);
    out.push(...renderExceptionParams(r));
    out.push('');
  }
  const crashing = r.threads.find((th) => th.crashing);
  if (crashing) {
    out.push(`CRASHING_THREAD:    ${crashing.id}${crashing.name ? ` "${t(crashing.name)}"` : ''}${crashing.ip ? ` ip=${crashing.ip}` : ''}${crashing.sp ? ` sp=${crashing.sp}` : ''}`);
  }
  out.push(`THREADS:            ${r.threads.length}`);
  out.push(`MODULES:            ${r.modules.length} loaded, ${r.unloadedModules.length} unloaded`);
  out.push('');
  out.push(...renderVerdictText(r));
  out.push(...renderHypervisorText(r));
  if (opts.allModules) {
    out.push('', 'MODULE_LIST:');
    for (const m of r.modules) {
      out.push(`  ${m.base} ${m.end} ${t(m.name).padEnd(28)} ${m.timestampIso ?? ''} ${m.version ?? ''}`.trimEnd());
    }
  }
  if (r.warnings.length > 0) {
    out.push('', 'WARNINGS:');
    for (const w of r.warnings) out.push(`  [${w.code}]${w.offset ? ` @${w.offset}` : ''} ${t(w.message)}`);
  }
  return `${out.join('\n')}\n`;
}

export function formatDuration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return `${d} days ${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}
