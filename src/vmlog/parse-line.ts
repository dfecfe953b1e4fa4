// One log line → time (UTC), shape, thread and message. Pure and allocation-light: called only on
// lines that passed the keyword prefilter, plus a sample for format detection.

import type { VmLineFormat } from './types.js';

export interface ParsedLine {
  /** Epoch ms UTC; undefined when the line has no valid timestamp. */
  timeMs?: number;
  /** The line starts like a timestamp but the date or time is impossible. */
  badTimestamp: boolean;
  format: VmLineFormat;
  /** vcpu-0, vmx, Hostd[2099123], cpu12:2097152 ... */
  thread?: string;
  /** Text after the line prefix. */
  message: string;
  /** A continuation line ("I125+", "In(05)+"). */
  continuation: boolean;
}

// 2023-06-01T10:00:00.123Z, 2020-05-21T20:05:59.865-07:00, 2023-06-01 10:00:00,123 (offset optional).
const TS = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?/;
const LOOKS_LIKE_TS = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:/;

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Parse a log timestamp; a missing zone means UTC (ESXi and the issue say log times are UTC). */
export function parseLogTime(text: string): { timeMs?: number; length: number; bad: boolean } {
  const m = TS.exec(text);
  if (!m) return { length: 0, bad: LOOKS_LIKE_TS.test(text) };
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const h = Number(m[4]);
  const mi = Number(m[5]);
  const s = Number(m[6]);
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (mo < 1 || mo > 12 || d < 1 || d > (mo === 2 && !leap ? 28 : DAYS[mo - 1]!) || h > 23 || mi > 59 || s > 60 || y < 1970) {
    return { length: m[0].length, bad: true };
  }
  const frac = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  let ms = Date.UTC(y, mo - 1, d, h, mi, s) + Math.floor(frac);
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2, 4));
    if (oh > 14 || om > 59) return { length: m[0].length, bad: true };
    // Local = UTC + offset, so UTC = local − offset.
    ms -= sign * (oh * 60 + om) * 60_000;
  }
  return { timeMs: ms, length: m[0].length, bad: false };
}

// After the timestamp:
const LEGACY = /^\| ([^|]{1,80})\| ([A-Z]\d{3})([:+]) ?(.*)$/s;
const MODERN = /^ ([A-Z][a-z])\((\d{1,3})\)(\+?) (\S{1,80})(?: - ?| |$)(.*)$/s;
const HOSTD_OLD = /^ (?:info|verbose|warning|error|panic|trivia|debug) ([Hh]ostd\[\w+\]):? ?(.*)$/s;
const HOSTD_60 = /^ \[[0-9A-Fa-f]+ (?:info|verbose|warning|error|panic|trivia) '[^']*'[^\]]*\] ?(.*)$/s;
const VMK_OLD = /^ (cpu\d+:\d+)\)(.*)$/s;
const SYSLOG_HOSTD = /^ ([Hh]ostd\[\w+\]): ?(.*)$/s;
const VMK_IN_MESSAGE = /^(cpu\d+:\d+)\)(.*)$/s;

/** Parse one decoded line. */
export function parseLine(text: string): ParsedLine {
  const ts = parseLogTime(text);
  if (ts.length === 0) return { badTimestamp: ts.bad, format: 'unknown', message: text, continuation: false };
  const rest = text.slice(ts.length);
  const base = { timeMs: ts.timeMs, badTimestamp: ts.bad };
  let m = LEGACY.exec(rest);
  if (m) return { ...base, format: 'vmware-legacy', thread: m[1]!.trim(), message: m[4]!, continuation: m[3] === '+' };
  m = MODERN.exec(rest);
  if (m) {
    const thread = m[4]!;
    const message = m[5]!;
    if (/^[Hh]ostd\[\w+\]:?$/.test(thread)) return { ...base, format: 'hostd', thread: thread.replace(/:$/, ''), message: message.replace(/^ /, ''), continuation: m[3] === '+' };
    if (/^(?:vmkernel|vmkwarning):?$/.test(thread)) {
      const msg = message.replace(/^ /, '');
      const v = VMK_IN_MESSAGE.exec(msg);
      return { ...base, format: 'vmkernel', thread: v ? v[1] : thread.replace(/:$/, ''), message: v ? v[2]! : msg, continuation: m[3] === '+' };
    }
    return { ...base, format: 'vmware-modern', thread, message, continuation: m[3] === '+' };
  }
  m = HOSTD_OLD.exec(rest);
  if (m) return { ...base, format: 'hostd', thread: m[1], message: m[2]!, continuation: false };
  m = HOSTD_60.exec(rest);
  if (m) return { ...base, format: 'hostd', message: m[1]!, continuation: false };
  m = VMK_OLD.exec(rest);
  if (m) return { ...base, format: 'vmkernel', thread: m[1], message: m[2]!, continuation: false };
  m = SYSLOG_HOSTD.exec(rest);
  if (m) return { ...base, format: 'hostd', thread: m[1], message: m[2]!, continuation: false };
  return { ...base, format: 'unknown', message: rest.replace(/^\s+/, ''), continuation: false };
}

export function isoTime(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}
