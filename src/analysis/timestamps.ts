// Dates from dump headers and PE headers, judged before they are shown or used as dates (issue 14,
// item 4).
//
// Since Windows 10 (build 10240), Microsoft builds its images reproducibly: the PE TimeDateStamp is
// a hash of the build, not a link time, so ntoskrnl.exe "1977-03-08" or kd.dll "2105-02-02" are
// not dates at all, and a hash may also fall in a believable range by chance (ntoskrnl.exe of
// 10.0.26100 reads "2002-01-24"). linkTimestamp() is the one place that decides whether a module's
// TimeDateStamp is a date or a build id; every report, text, CSV cell, scan summary and advice
// sentence goes through it. crashTimeCheck() does the same for the dump's own crash time.

import { knowledge } from './knowledge.js';
import { OwnerTable } from './triage-ini.js';

/** The earliest link or crash date believed: 32-bit Windows PE images before it are not in the wild. */
export const PLAUSIBLE_FROM_MS = Date.UTC(1995, 0, 1);
const DAY_MS = 86_400_000;
/** Windows 10 RTM: from this build on, Microsoft's own images carry a hash in TimeDateStamp. */
export const REPRODUCIBLE_FROM_BUILD = 10240;

export type LinkTimestamp =
  | { kind: 'date'; value: number; iso: string }
  /** `reason`: 'reproducible' (a Windows 10+ system image: always a hash) or 'implausible' (outside 1995 .. crash time + 1 day). */
  | { kind: 'build-id'; value: number; hex: string; reason: 'reproducible' | 'implausible' };

export interface LinkTimestampContext {
  /** The crash time (ISO text or ms): the upper end of the window, when itself plausible. */
  crashTime?: string | number;
  /** The wall clock (ms; default Date.now()): the upper end of the window without a crash time. */
  now?: number;
  /** The dump's OS build number (system.build): 10240 and later build their system images reproducibly. */
  osBuild?: number;
  /** The module's path as recorded in the dump. */
  path?: string;
  /** Whether the module is Microsoft's; default: the built-in triage.ini says "Microsoft". */
  microsoft?: boolean;
}

let owners: OwnerTable | undefined;
function builtinIsMicrosoft(name: string): boolean {
  try {
    owners ??= new OwnerTable(knowledge().triageIni);
    const m = owners.lookup(name);
    return m !== null && /^microsoft$/i.test(m.owner);
  } catch {
    return false;
  }
}

/** The kernel, the HAL and the kernel debugger transports: Windows' own, whatever the path says. */
const CORE_KERNEL_IMAGE = /^(ntoskrnl|ntkrnlmp|ntkrnlpa|ntkrpamp|ntkrla57|hal[a-z0-9]*|kd[a-z0-9]*)\.(exe|dll)$/i;

function baseName(s: string): string {
  return s.split(/[\\/]/).pop() ?? s;
}

/** ms of an ISO text or a number; NaN when neither. */
function toMs(t: string | number | undefined): number {
  if (t === undefined) return Number.NaN;
  return typeof t === 'number' ? t : Date.parse(t);
}

/** True for a crash or file time that can be a real one: 1995-01-01 .. now + 1 day. */
export function isPlausibleTime(t: string | number | undefined, now: number = Date.now()): boolean {
  const ms = toMs(t);
  return Number.isFinite(ms) && ms >= PLAUSIBLE_FROM_MS && ms <= now + DAY_MS;
}

/** The window a link date must fall in: 1995-01-01 .. crash time + 1 day (the clock + 1 day without a believable crash time). */
export function linkDateWindow(ctx: LinkTimestampContext = {}): { fromMs: number; toMs: number } {
  const now = ctx.now ?? Date.now();
  const crash = toMs(ctx.crashTime);
  const upper = isPlausibleTime(crash, now) ? crash : now;
  return { fromMs: PLAUSIBLE_FROM_MS, toMs: upper + DAY_MS };
}

/**
 * True when the image is one Microsoft builds reproducibly (its TimeDateStamp is always a hash):
 * on Windows 10+ (build >= 10240), the kernel/HAL/KD images, Microsoft's own modules (the built-in
 * triage.ini), and images under \Windows\ or \SystemRoot\ other than the DriverStore (where
 * third-party driver packages live).
 */
export function isReproducibleImage(moduleName: string, ctx: LinkTimestampContext = {}): boolean {
  if (ctx.osBuild === undefined || !(ctx.osBuild >= REPRODUCIBLE_FROM_BUILD)) return false;
  const name = baseName(moduleName);
  if (CORE_KERNEL_IMAGE.test(name)) return true;
  if (!/\.(sys|dll|exe|drv|efi|cpl|ocx)$/i.test(name)) return false;
  if (ctx.microsoft ?? builtinIsMicrosoft(name)) return true;
  const path = (ctx.path ?? '').replace(/\//g, '\\').toLowerCase();
  if (path.includes('\\driverstore\\')) return false;
  return /^(\\\?\?\\|\\\\\?\\)?([a-z]:)?\\(windows|systemroot)\\/.test(path);
}

/** `0x5e2b1e3a`: the raw TimeDateStamp as a build id. */
export function buildIdHex(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, '0')}`;
}

/**
 * A module's PE TimeDateStamp as a date or a build id; undefined when there is none (absent or 0).
 * A build id when the image is built reproducibly (isReproducibleImage) or when the date would be
 * before 1995 or after the crash time + 1 day.
 */
export function linkTimestamp(value: number | undefined, moduleName: string, ctx: LinkTimestampContext = {}): LinkTimestamp | undefined {
  if (value === undefined || !Number.isFinite(value) || value <= 0) return undefined;
  if (isReproducibleImage(moduleName, ctx)) return { kind: 'build-id', value, hex: buildIdHex(value), reason: 'reproducible' };
  const ms = value * 1000;
  const w = linkDateWindow(ctx);
  if (ms < w.fromMs || ms > w.toMs) return { kind: 'build-id', value, hex: buildIdHex(value), reason: 'implausible' };
  return { kind: 'date', value, iso: new Date(ms).toISOString() };
}

/** How a link timestamp is shown in text: the ISO date (`dateOnly`: its day), or `build id 0x5e2b1e3a`. */
export function linkTimestampText(lt: LinkTimestamp | undefined, dateOnly = false): string {
  if (!lt) return '';
  if (lt.kind === 'build-id') return `build id ${lt.hex}`;
  return dateOnly ? lt.iso.slice(0, 10) : lt.iso;
}

/** OS build number of an "a.b.build[.rev]" version text. */
export function osBuildOf(osVersion: string | undefined): number | undefined {
  const m = /^\d+\.\d+\.(\d+)/.exec(osVersion ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * A link timestamp the scan holds as ISO text (digest.imageTimestamp), judged again with what the
 * digest knows: the module, the OS build and the crash time. Returns the text to show and store:
 * the ISO date, or `build id 0x...`.
 */
export function digestLinkTimestamp(d: { imageTimestamp?: string; image?: string | null; module?: string | null; osVersion?: string; crashTime?: string }, now?: number): { text: string; kind: 'date' | 'build-id' } | undefined {
  if (!d.imageTimestamp) return undefined;
  if (d.imageTimestamp.startsWith('build id ')) return { text: d.imageTimestamp, kind: 'build-id' };
  const ms = Date.parse(d.imageTimestamp);
  if (!Number.isFinite(ms)) return { text: d.imageTimestamp, kind: 'date' };
  const lt = linkTimestamp(Math.floor(ms / 1000), d.image || d.module || '', { crashTime: d.crashTime, osBuild: osBuildOf(d.osVersion), ...(now !== undefined ? { now } : {}) });
  if (!lt) return undefined;
  return { text: lt.kind === 'date' ? d.imageTimestamp : linkTimestampText(lt), kind: lt.kind };
}

/** A crash time from a dump header: believable (1995-01-01 .. now + 1 day) or not. */
export function crashTimeCheck(iso: string | undefined, now: number = Date.now()): { plausible: boolean; text: string } | undefined {
  if (!iso) return undefined;
  return isPlausibleTime(iso, now) ? { plausible: true, text: iso } : { plausible: false, text: `unknown (header says ${iso})` };
}
