// Platform-neutral entry (`dumptriage/core`): nothing it imports, however deep, uses a Node.js
// module or global, so that it runs in a browser (test/core-browser.test.ts bundles it for one).
// Everything funnels into openDumpFromSource; files are opened by the Node entry (index.ts).

import { BytesSource, CountingSource, type ByteSource } from './reader/byte-source.js';
import { detectFormat } from './formats/detect.js';
import type { Dump, OpenOptions } from './formats/dump.js';
import { openMinidump } from './formats/minidump/index.js';
import { openKernelDump } from './formats/kernel/index.js';
import { isDumpError, DumpFormatError } from './errors.js';
import { LIMITS } from './limits.js';
import { analyzeWithStacks } from './analysis/engine.js';
import { buildReport, type TriageReport } from './analysis/report.js';
import { exceptionName, bugcheckName } from './analysis/knowledge.js';
import type { TriageOptions } from './defaults.js';

export type { Dump, OpenOptions } from './formats/dump.js';
export type { TriageOptions } from './defaults.js';

/**
 * The counting wrapper every dump reads through (a CountingSource is used as it is). Small files
 * get the block cache: there, whatever the read pattern, the bytes read stay within the report
 * budget (the whole file is smaller), and syscalls drop from ~25 to ~2 per dump.
 */
export function countingSourceFor(source: ByteSource): CountingSource {
  if (source instanceof CountingSource) return source;
  const blockCache = !(source instanceof BytesSource) && source.size <= LIMITS.reportReadBudget;
  return new CountingSource(source, { blockCache });
}

/** Open a dump from any byte source. The caller closes the returned handle. */
export async function openDumpFromSource(source: ByteSource, opts: OpenOptions = {}): Promise<Dump> {
  const counting = countingSourceFor(source);
  try {
    const fmt = await detectFormat(counting);
    if (fmt === 'minidump') return await openMinidump(counting, opts);
    return await openKernelDump(counting, fmt === 'kernel64' ? 64 : 32, opts);
  } catch (e) {
    throw wrapUnexpected(e, source.name);
  }
}

export function openDumpFromBytes(bytes: Uint8Array, name = '<buffer>', opts: OpenOptions = {}): Promise<Dump> {
  return openDumpFromSource(new BytesSource(bytes, name), opts);
}

/** Facts → verdict → report, for an open dump. */
export async function triage(dump: Dump, opts: TriageOptions = {}, path: string | null = null): Promise<TriageReport> {
  try {
    const facts = await dump.facts();
    const { verdict, threadFrames, symbols } = await analyzeWithStacks(facts, opts);
    const details = dump.details ? await dump.details() : undefined;
    return buildReport({
      facts,
      verdict,
      path,
      size: dump.source.size,
      bytesRead: dump.source.bytesRead,
      exceptionName,
      bugcheckName,
      details,
      threadFrames,
      symbols: {
        modules: symbols.modules,
        ...(opts.verbose ? { lookups: symbols.lookups, lookupsDropped: symbols.lookupsDropped } : {}),
      },
    });
  } catch (e) {
    throw wrapUnexpected(e, path ?? dump.source.name);
  }
}

/**
 * Any non-DumpError escaping a parser is a bug, but the user still gets a typed error naming the
 * file, never a bare stack trace.
 */
export function wrapUnexpected(e: unknown, path: string): Error {
  if (isDumpError(e)) return e.withPath(path);
  const err = e as Error;
  return new DumpFormatError('BadValue', `internal decoding error: ${err?.message ?? String(e)}`, { path, cause: e });
}

export { hex } from './util/hex.js';
export * from './errors.js';
export type * from './analysis/report.js';
export type * from './analysis/facts/types.js';
