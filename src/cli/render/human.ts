// Human report: system, exception or bug check, crashing thread, modules, then the verdict.
// Every string that came from a dump goes through escapeTerminal.

import type { TriageReport } from '../../analysis/report.js';
import { escapeTerminal as t } from '../../util/escape.js';
import { renderBugcheckArgs, renderExceptionParams, renderVerdictText, sourceText } from './verdict.js';
import { renderHypervisorText } from '../../vmlog/render.js';
import { buildIdHex } from '../../analysis/timestamps.js';

export interface HumanOptions {
  /** Modules listed in full (default: the ones the verdict names plus a count). */
  allModules?: boolean;
  /** Every thread's walked stack (--threads). */
  allThreads?: boolean;
  /** Colour the verdict and the bucket (the CLI: a TTY without NO_COLOR or --no-color). */
  color?: boolean;
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
    if (s.crashTime) out.push(`CRASH_TIME:         ${s.crashTimeKind === 'implausible' ? `unknown (header says ${s.crashTime})` : s.crashTime}`);
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
  if (crashing?.registers) out.push(...renderRegisters(crashing.registers));
  out.push(`THREADS:            ${r.threads.length}`);
  out.push(`MODULES:            ${r.modules.length} loaded, ${r.unloadedModules.length} unloaded`);
  out.push('');
  out.push(...renderVerdictText(r, { color: opts.color }));
  out.push(...renderHypervisorText(r));
  if (opts.allThreads) out.push('', ...renderThreads(r));
  if (r.symbolLookups) out.push('', ...renderSymbolLookups(r));
  if (opts.allModules) {
    out.push('', 'MODULE_LIST:');
    for (const m of r.modules) {
      out.push(`  ${m.base} ${m.end} ${t(m.name).padEnd(28)} ${moduleTimestampText(m)} ${m.version ?? ''}`.trimEnd());
    }
  }
  if (r.warnings.length > 0) {
    out.push('', 'WARNINGS:');
    for (const w of r.warnings) out.push(`  [${w.code}]${w.offset ? ` @${w.offset}` : ''} ${t(w.message)}`);
  }
  return `${out.join('\n')}\n`;
}

/**
 * Every thread's stack, frame by frame, in minidump-stackwalk's shape: the crashing (or focus)
 * thread first, then the others in dump order; each frame with its module+offset, the address,
 * the stack pointer and how it was found.
 */
export function renderThreads(r: TriageReport): string[] {
  const out: string[] = ['THREADS_STACKS:'];
  const focus = r.verdict.frameThreadId;
  const ordered = [...r.threads].sort((a, b) => Number(b.id === focus) - Number(a.id === focus));
  for (const th of ordered) {
    const tags = [th.crashing ? 'crashed' : '', th.id === focus && !th.crashing ? 'focus' : ''].filter(Boolean).join(', ');
    out.push('', `Thread ${th.id}${tags ? ` (${tags})` : ''}${th.name ? ` "${t(th.name)}"` : ''}`);
    const frames = th.frames ?? [];
    if (frames.length === 0) out.push('  (no context)');
    for (const f of frames) {
      for (const i of f.inlines ?? []) out.push(`     ${`${t(f.module ?? '')}!${t(i.function)}${sourceText(i)}`.padEnd(40)} (inlined)`);
      const where = f.module ? (f.function ? `${t(f.module)}!${t(f.function)}+${f.functionOffset}${f.functionSource === 'exports' ? ' (export)' : ''}${sourceText(f)}` : `${t(f.module)}+${f.offset}`) : f.address;
      out.push(` ${String(f.index).padStart(2)}  ${where.padEnd(40)} ${f.address.padEnd(18)} sp=${f.sp.padEnd(18)} ${f.trust}`);
    }
    if (th.stackEnd && th.stackEnd !== 'no-caller' && th.stackEnd !== 'ip-too-low') out.push(`     (walk ended: ${th.stackEnd})`);
  }
  return out;
}

/** --verbose: each module's symbol status, then every place searched (minidump-stackwalk's loaded/missing symbols, WinDbg's !sym noisy). */
export function renderSymbolLookups(r: TriageReport): string[] {
  const out: string[] = ['SYMBOLS:'];
  for (const m of r.modules) {
    if (!m.symbols || m.symbols.status === 'not-searched') continue;
    out.push(`  ${t(m.name).padEnd(28)} ${m.symbols.status}${m.symbols.kind ? ` (${m.symbols.kind})` : ''}${m.symbols.source ? `  ${t(m.symbols.source)}` : ''}${m.symbols.reason ? `  ${t(m.symbols.reason)}` : ''}`);
  }
  out.push('', 'SYMBOL_LOOKUPS:');
  for (const l of r.symbolLookups ?? []) out.push(`  ${t(l.module).padEnd(28)} ${l.kind.padEnd(6)} ${l.result.padEnd(10)} ${t(l.location ?? '-')}${l.reason ? `  (${t(l.reason)})` : ''}`);
  if (r.symbolLookupsDropped) out.push(`  ... ${r.symbolLookupsDropped} more`);
  return out;
}

/** The crashing thread's registers, WinDbg's `r` way: name=value, a few per line. */
export function renderRegisters(regs: Record<string, string>): string[] {
  const names = Object.keys(regs);
  if (names.length === 0) return [];
  const width = Math.max(...names.map((n) => n.length));
  const cells = names.map((n) => `${t(n).padStart(width)}=${t(regs[n]!).padEnd(18)}`);
  const perLine = width > 4 ? 3 : 4;
  const out = ['REGISTERS:'];
  for (let i = 0; i < cells.length; i += perLine) out.push(`  ${cells.slice(i, i + perLine).join(' ').trimEnd()}`);
  return out;
}

/** A module's TimeDateStamp as the report judged it: the ISO date, or `build id 0x...` (never a hash shown as a date). */
export function moduleTimestampText(m: { timestamp?: number; timestampIso?: string; timestampKind?: 'date' | 'build-id' }): string {
  if (m.timestamp === undefined) return '';
  if (m.timestampKind === 'build-id') return `build id ${buildIdHex(m.timestamp)}`;
  return m.timestampKind === 'date' ? (m.timestampIso ?? '') : '';
}

export function formatDuration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return `${d} days ${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}
