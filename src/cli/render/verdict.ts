// The verdict part of the human report, in !analyze -v's layout: SYMBOL/MODULE/IMAGE names,
// STACK_TEXT from the frames considered, FAILURE_BUCKET_ID, Followup, plus kind/trigger/category,
// findings and advice. Every dump-derived string goes through escapeTerminal.
import type { TriageReport } from '../../analysis/report.js';
import { describeBugcheckArgs, describeExceptionParams } from '../../analysis/knowledge.js';
import { shortFunctionName } from '../../analysis/symbol-name.js';
import { escapeTerminal as t } from '../../util/escape.js';

const pad = (label: string) => `${label}:`.padEnd(20) + (label.length + 1 >= 20 ? ' ' : '');

/** BUGCHECK_P1..P4 lines with the argument meanings (human.ts may call this). */
export function renderBugcheckArgs(report: TriageReport): string[] {
  const b = report.bugcheck;
  if (!b) return [];
  const code = Number.parseInt(b.code, 16);
  const args = b.args.map((a) => BigInt(a));
  return describeBugcheckArgs(code, args).map((d) => `${pad(`BUGCHECK_P${d.index}`)}${b.args[d.index - 1]}  ${d.meaning}${d.decoded ? ` [${d.decoded}]` : ''}`);
}

export function renderExceptionParams(report: TriageReport): string[] {
  const e = report.exception;
  if (!e) return [];
  return describeExceptionParams(Number.parseInt(e.code, 16), e.parameters.map((p) => BigInt(p))).map(
    (d) => `${pad(`EXCEPTION_PARAMETER${d.index}`)}${e.parameters[d.index - 1]}  ${d.meaning}${d.decoded ? ` [${d.decoded}]` : ''}`,
  );
}

/**
 * OS_VERSION and BUILDLAB_STR, where !analyze -v prints them (after FAILURE_BUCKET_ID), for Windows
 * dumps: the revision and the branch only when the dump holds them, each with where it was read.
 */
export function renderOsVersion(report: TriageReport): string[] {
  const s = report.system;
  if (!s || s.os !== 'windows') return [];
  const out: string[] = [];
  if (s.osVersionFull) out.push(`${pad('OS_VERSION')}${t(s.osVersionFull)}  (revision from ${t(s.osVersionFullSource ?? '?')})`);
  else if (s.osVersion) out.push(`${pad('OS_VERSION')}${t(s.osVersion)}`);
  if (s.buildLabBranch) out.push(`${pad('BUILDLAB_STR')}${t(s.buildLabBranch)}  (${t(s.buildLab ?? '')}, ${t(s.buildLabSource ?? '?')})`);
  return out;
}

/** ` [file @ line]`, WinDbg's way, when the symbol file gives both. */
export function sourceText(f: { file?: string; line?: number }): string {
  return f.file !== undefined && f.line !== undefined ? ` [${t(f.file)} @ ${f.line}]` : '';
}

/** SGR colours for a terminal; the caller decides when (a TTY, no NO_COLOR, no --no-color). */
const SGR = { bold: [1, 22], red: [31, 39], yellow: [33, 39], magenta: [35, 39], cyan: [36, 39] } as const;
export function paint(on: boolean | undefined, styles: Array<keyof typeof SGR>, text: string): string {
  if (!on || styles.length === 0) return text;
  return `${styles.map((s) => `\x1b[${SGR[s][0]}m`).join('')}${text}${styles.map((s) => `\x1b[${SGR[s][1]}m`).reverse().join('')}`;
}
const KIND_COLOUR = { crash: 'red', hang: 'yellow', incomplete: 'magenta' } as const;

export interface VerdictTextOptions {
  /** Colour the verdict and the bucket (ANSI SGR). */
  color?: boolean;
}

export function renderVerdictText(report: TriageReport, opts: VerdictTextOptions = {}): string[] {
  const v = report.verdict;
  const c = v.probableCause;
  const out: string[] = [];
  out.push(`${pad('VERDICT')}${paint(opts.color, ['bold', KIND_COLOUR[v.kind] ?? 'red'], v.kind.toUpperCase())} (trigger: ${t(v.trigger)})`);
  out.push(`${pad('CATEGORY')}${v.category}`);
  if (report.exception) out.push(`${pad('EXCEPTION_CODE_STR')}${report.exception.code.slice(2)} ${t(report.exception.name)}`);
  if (report.process?.name) out.push(`${pad('PROCESS_NAME')}${t(report.process.name)}`);
  if (v.findings.length > 0) {
    out.push('', 'FINDINGS:');
    for (const f of v.findings) out.push(`  [${f.ruleId}] ${t(f.message)}${f.evidence[0] ? `  (${t(f.evidence[0].struct)} @${f.evidence[0].offset})` : ''}`);
  }
  if (v.frames.length > 0) {
    out.push('', `STACK_TEXT:${v.frameThreadId !== undefined ? ` (thread ${v.frameThreadId})` : ''}`);
    // Column headers, as WinDbg prints them over its stack: where the return address was read, the address, the call site, how the frame was found.
    out.push(`  ## ${'Stack-Addr'.padEnd(18)} ${'Address'.padEnd(18)} Call Site  (how found)`);
    const shown = v.frames.slice(0, 24);
    for (const f of shown) {
      const where = f.stackAddress ? f.stackAddress : '-'.repeat(Math.max(2, f.address.length));
      const marks = [f.trust, f.ignored ? 'ignored' : '', f.owner ? `owner ${t(f.owner)}` : ''].filter(Boolean).join(', ');
      for (const i of f.inlines ?? []) out.push(`     ${'(Inline)'.padEnd(18)} ${'-'.repeat(Math.max(2, f.address.length)).padEnd(18)} ${t(f.module ?? '')}!${t(i.function)}${sourceText(i)}`);
      out.push(`  ${String(f.index).padStart(2, '0')} ${where.padEnd(18)} ${f.address.padEnd(18)} ${t(f.symbol)}${f.functionSource === 'exports' ? ' (export)' : ''}${sourceText(f)}  (${marks})`);
    }
    if (v.frames.length > shown.length) out.push(`  ... ${v.frames.length - shown.length} more frames`);
  }
  out.push('');
  out.push(`${pad('SYMBOL_NAME')}${c.image && c.function && c.functionOffset ? `${t(c.module ?? c.image)}!${t(shortFunctionName(c.function))}+${c.functionOffset}` : c.image && c.offset ? `${t(c.module ?? c.image)}+${c.offset}` : 'Unknown'}`);
  out.push(`${pad('MODULE_NAME')}${t(c.module ?? 'Unknown_Module')}`);
  out.push(`${pad('IMAGE_NAME')}${t(c.image ?? 'Unknown_Image')}`);
  if (c.imageVersion) out.push(`${pad('IMAGE_VERSION')}${t(c.imageVersion)}`);
  if (c.imageTimestamp) out.push(`${pad('IMAGE_TIMESTAMP')}${c.imageTimestamp}`);
  else if (c.imageBuildId) out.push(`${pad('IMAGE_TIMESTAMP')}build id ${c.imageBuildId}`);
  if (c.address) out.push(`${pad('FAULTING_ADDRESS')}${c.address}`);
  out.push(`${pad('CONFIDENCE')}${c.confidence}`);
  out.push(`${pad('REASON')}${t(c.reason)}`);
  out.push(`${pad('FAILURE_BUCKET_ID')}${paint(opts.color, ['bold', 'cyan'], t(v.bucketId))}`);
  out.push(...renderOsVersion(report));
  if (v.failureIdHash) out.push(`${pad('FAILURE_ID_HASH')}${v.failureIdHash}`);
  out.push(`${pad('SUMMARY')}${t(v.summary)}`);
  out.push(`Followup:           ${t(v.followup)}`);
  if (v.advice.length > 0) {
    out.push('', 'ADVICE:');
    v.advice.forEach((a, i) => out.push(`  ${i + 1}. ${t(a)}`));
  }
  return out;
}

/** One line per dump for --brief. */
export function renderBrief(report: TriageReport): string {
  const v = report.verdict;
  const cause = v.probableCause.image ? ` ${t(v.probableCause.image)} (${v.probableCause.confidence})` : '';
  return `${t(report.input.path ?? '<buffer>')}: ${v.kind} ${t(v.trigger)} ${v.category} ${t(v.bucketId)}${cause} - ${t(v.summary)}`;
}
