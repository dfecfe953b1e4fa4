// loadVmEvents(paths): read every log once, streamed, and keep only the events that matter for
// correlation (guest crashes, NMIs, requests, hypervisor-side events) plus per-file facts.

import { bugcheckName } from '../analysis/knowledge.js';
import { LIMITS } from '../limits.js';
import { classifyLine, PREFILTER, type LineClass } from './classify.js';
import { readLogBlocks, type LineReaderStats } from './lines.js';
import { isoTime, parseLine, parseLogTime, type ParsedLine } from './parse-line.js';
import { expandLogPaths, type LogFile } from './sources.js';
import type { GuestCrashEvent, VmEvents, VmLineFormat, VmLogKind, VmLogSource } from './types.js';

/** Characters of a line kept as event text. */
const MAX_EVENT_TEXT = 400;
/** Lines at the start of a file whose shape is always parsed, to name the file's format. */
const FORMAT_SAMPLE_LINES = 200;
/** MSR lines of one crash further apart than this belong to different crashes. */
const MSR_GROUP_MS = 60_000;

export interface LoadOptions {
  /** Override LIMITS.maxLogLineBytes (tests). */
  maxLineBytes?: number;
}

interface PendingCrash {
  event: GuestCrashEvent;
  lastMs?: number;
  seen: Set<number>;
}

/** Read the logs under `paths` (files, folders, .gz) once. Never throws for one bad file: problems become warnings. */
export async function loadVmEvents(paths: string[], opts: LoadOptions = {}): Promise<VmEvents> {
  const expanded = await expandLogPaths(paths);
  const events: VmEvents = {
    sources: [],
    crashes: [],
    nmis: [],
    requests: [],
    crashDetections: [],
    hostEvents: [],
    droppedEvents: 0,
    warnings: [...expanded.warnings],
  };
  for (const file of expanded.files) {
    try {
      await loadFile(file, events, opts);
    } catch (e) {
      events.warnings.push({ code: 'VmLogIoError', message: `cannot read: ${(e as Error).message}`, file: file.path });
    }
  }
  if (events.droppedEvents > 0) {
    events.warnings.push({ code: 'VmLogTooManyEvents', message: `${events.droppedEvents} events over the limit of ${LIMITS.maxVmEvents} were counted but not kept` });
  }
  const byTime = (a: { timeMs?: number }, b: { timeMs?: number }): number => (a.timeMs ?? Infinity) - (b.timeMs ?? Infinity);
  events.crashes.sort(byTime);
  events.nmis.sort(byTime);
  events.requests.sort(byTime);
  events.crashDetections.sort(byTime);
  events.hostEvents.sort(byTime);
  return events;
}

function totalKept(e: VmEvents): number {
  return e.crashes.length + e.nmis.length + e.requests.length + e.crashDetections.length + e.hostEvents.length;
}

async function loadFile(file: LogFile, events: VmEvents, opts: LoadOptions): Promise<void> {
  const stats: LineReaderStats = { lines: 0, bytes: 0, overlongLines: 0, gzip: false };
  const source: VmLogSource = { file: file.path, kind: file.kind, format: 'unknown', gzip: false, lines: 0, bytes: 0, overlongLines: 0, badTimestamps: 0 };
  const formatCounts = new Map<VmLineFormat, number>();
  const pending = new Map<string, PendingCrash>();
  const vm: NonNullable<VmLogSource['vm']> = {};
  let firstMs: number | undefined;
  let lastMs: number | undefined;
  let lineNo = 0;
  let orphanMsr = 0;

  const keep = (push: () => void): void => {
    if (totalKept(events) >= LIMITS.maxVmEvents) events.droppedEvents++;
    else push();
  };

  const flush = (vcpu: string): void => {
    const p = pending.get(vcpu);
    if (!p) return;
    pending.delete(vcpu);
    keep(() => events.crashes.push(p.event));
  };

  const handle = (p: ParsedLine, classes: LineClass[], text: string): void => {
    const time = isoTime(p.timeMs);
    const ref = { file: file.path, line: lineNo };
    const cut = text.length > MAX_EVENT_TEXT ? `${text.slice(0, MAX_EVENT_TEXT)}…` : text;
    for (const c of classes) {
      switch (c.type) {
        case 'msr': {
          const vcpu = p.thread ?? '?';
          if (c.index === 5) break; // 0x40000105: crash control, no parameter.
          let cur = pending.get(vcpu);
          const far = cur && cur.lastMs !== undefined && p.timeMs !== undefined && Math.abs(p.timeMs - cur.lastMs) > MSR_GROUP_MS;
          if (c.index === 0 || far || (cur && cur.seen.has(c.index))) {
            flush(vcpu);
            cur = undefined;
          }
          if (!cur) {
            if (c.index !== 0) {
              orphanMsr++;
              break;
            }
            const code = Number(BigInt(c.value) & 0xffffffffn);
            cur = {
              event: { ...ref, time, timeMs: p.timeMs, vcpu, code: c.value, name: bugcheckName(code), args: ['?', '?', '?', '?'], msrLines: 1 },
              lastMs: p.timeMs,
              seen: new Set([0]),
            };
            pending.set(vcpu, cur);
            break;
          }
          cur.event.args[c.index - 1] = c.value;
          cur.event.msrLines++;
          cur.seen.add(c.index);
          cur.lastMs = p.timeMs ?? cur.lastMs;
          if (cur.seen.size === 5) flush(vcpu);
          break;
        }
        case 'nmi':
          keep(() => events.nmis.push({ ...ref, time, timeMs: p.timeMs, who: c.who, how: c.how, text: cut }));
          break;
        case 'request':
          keep(() => events.requests.push({ ...ref, time, timeMs: p.timeMs, request: c.request, text: cut }));
          break;
        case 'crash-detected':
          keep(() => events.crashDetections.push({ ...ref, time, timeMs: p.timeMs, text: cut }));
          break;
        case 'host': {
          const log: VmLogKind = p.format === 'hostd' ? 'hostd' : p.format === 'vmkernel' ? 'vmkernel' : p.format.startsWith('vmware') ? 'vmware' : file.kind;
          keep(() => events.hostEvents.push({ ...ref, time, timeMs: p.timeMs, log, category: c.category, text: cut }));
          break;
        }
        case 'vminfo':
          applyVmInfo(vm, c.key, c.value);
          break;
      }
    }
  };

  const maxLineBytes = opts.maxLineBytes ?? LIMITS.maxLogLineBytes;
  const scan = new RegExp(PREFILTER.source, 'gi');
  const parseAt = (buf: Buffer, latin: string, start: number, end: number, sample: boolean, interesting: boolean): void => {
    let stop = Math.min(end, start + maxLineBytes);
    if (stop > start && latin.charCodeAt(stop - 1) === 13) stop--;
    const text = interesting ? buf.toString('utf8', start, stop) : latin.slice(start, stop);
    const p = parseLine(text);
    if (p.badTimestamp) source.badTimestamps++;
    if (p.timeMs !== undefined) {
      if (firstMs === undefined) firstMs = p.timeMs;
      if (lastMs === undefined || p.timeMs > lastMs) lastMs = p.timeMs;
    }
    if (sample && p.format !== 'unknown') formatCounts.set(p.format, (formatCounts.get(p.format) ?? 0) + 1);
    if (!interesting) return;
    const classes = classifyLine(p, file.kind);
    if (classes.length > 0) handle(p, classes, p.message);
  };

  for await (const block of readLogBlocks(file.path, stats, { maxLineBytes: opts.maxLineBytes })) {
    const buf = block.buf;
    // latin1 keeps byte offsets equal to string indexes; matched lines are re-decoded as UTF-8.
    const latin = buf.toString('latin1');
    // The first lines are always parsed, to name the file's format.
    let pos = 0;
    lineNo = block.firstLine;
    while (lineNo <= FORMAT_SAMPLE_LINES && lineNo < block.firstLine + block.count) {
      const nl = latin.indexOf('\n', pos);
      const end = nl === -1 ? latin.length : nl;
      parseAt(buf, latin, pos, end, true, PREFILTER.test(latin.slice(pos, Math.min(end, pos + maxLineBytes))));
      pos = end + 1;
      lineNo++;
    }
    // Then only the lines the keyword scan hits, found in one regex pass over the block.
    let cursor = pos;
    let cursorLine = lineNo;
    scan.lastIndex = pos;
    for (let m = scan.exec(latin); m !== null; m = scan.exec(latin)) {
      const start = latin.lastIndexOf('\n', m.index - 1) + 1;
      let nl = latin.indexOf('\n', m.index);
      if (nl === -1) nl = latin.length;
      for (let q = latin.indexOf('\n', cursor); q !== -1 && q < start; q = latin.indexOf('\n', q + 1)) cursorLine++;
      cursor = start;
      lineNo = cursorLine;
      parseAt(buf, latin, start, nl, false, true);
      scan.lastIndex = nl + 1;
    }
    // The block's last line gives the file's latest time cheaply.
    const lastStart = latin.lastIndexOf('\n', latin.length - 2) + 1;
    const t = parseLogTime(latin.slice(lastStart, lastStart + 40));
    if (t.timeMs !== undefined && (lastMs === undefined || t.timeMs > lastMs)) lastMs = t.timeMs;
    if (firstMs === undefined && t.timeMs !== undefined) firstMs = t.timeMs;
  }
  for (const vcpu of [...pending.keys()]) flush(vcpu);

  let best: VmLineFormat = 'unknown';
  let bestCount = 0;
  for (const [f, n] of formatCounts) {
    if (n > bestCount) {
      best = f;
      bestCount = n;
    }
  }
  source.format = best;
  if (source.kind === 'unknown') {
    source.kind = best === 'vmware-legacy' || best === 'vmware-modern' ? 'vmware' : best === 'hostd' ? 'hostd' : best === 'vmkernel' ? 'vmkernel' : 'unknown';
  }
  source.gzip = stats.gzip;
  source.lines = stats.lines;
  source.bytes = stats.bytes;
  source.overlongLines = stats.overlongLines;
  source.firstTime = isoTime(firstMs);
  source.lastTime = isoTime(lastMs);
  if (Object.keys(vm).length > 0) source.vm = vm;
  events.sources.push(source);

  if (stats.gzipError) events.warnings.push({ code: 'VmLogGzipError', message: `gzip stream ended early (${stats.gzipError}); lines before it were read`, file: file.path });
  if (stats.overlongLines > 0) events.warnings.push({ code: 'VmLogLongLines', message: `${stats.overlongLines} lines longer than the line limit were cut`, file: file.path });
  if (source.badTimestamps > 0) events.warnings.push({ code: 'VmLogBadTimestamps', message: `${source.badTimestamps} lines have an impossible timestamp`, file: file.path });
  if (orphanMsr > 0) events.warnings.push({ code: 'VmLogOrphanMsr', message: `${orphanMsr} WinBSOD MSR lines without the bug check code line before them`, file: file.path });
  // A file named on the command line whose lines have no log shape and no time (a dump, a zip,
  // a text file) is not a log, whatever its name.
  const notALog = source.kind === 'unknown' || (file.explicit === true && source.format === 'unknown' && firstMs === undefined);
  if (notALog) events.warnings.push({ code: 'VmLogUnknownFormat', message: 'not a VMware/ESXi log: no vmware.log, hostd.log or vmkernel.log line found', file: file.path });
}

function applyVmInfo(vm: NonNullable<VmLogSource['vm']>, key: string, value: string): void {
  switch (key) {
    case 'displayName':
      vm.displayName ??= value;
      break;
    case 'guestOS':
      if (value) vm.guestOS ??= value;
      break;
    case 'numvcpus':
    case 'NumVCPUs': {
      const n = Number(value);
      if (Number.isInteger(n) && n > 0) vm.numVcpus ??= n;
      break;
    }
    case 'memsize': {
      const n = Number(value);
      if (Number.isInteger(n) && n > 0) vm.memsizeMb ??= n;
      break;
    }
    case 'product':
      vm.product ??= value;
      break;
    case 'productVersion':
      vm.productVersion ??= value;
      break;
    case 'build':
      vm.build ??= value;
      break;
    case 'hostUtcOffset':
      vm.hostUtcOffset ??= value;
      break;
  }
}
