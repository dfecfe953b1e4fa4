// The symbol options of analyze and scan, checked before any dump is read:
//   --symbols DIR|URL      repeatable: a directory (a Breakpad or symstore store, or a flat folder)
//                          or an http(s) symbol server (Microsoft's layout or Breakpad/Tecken's)
//   --symbol-path STRING   WinDbg's _NT_SYMBOL_PATH syntax (srv*CACHE*URL; cache*DIR; DIR;...);
//                          `env` reads the _NT_SYMBOL_PATH variable: an explicit opt-in, so that
//                          a run does not change with the environment it happens to start in
//   --symbol-cache DIR     where downloads go for servers without a cache of their own
//   --offline              caches and local stores only: no request leaves the machine
//   --symbol-timeout S     seconds one download may take
// A mistake in any of them is a usage error (exit 2) naming the entry and why.

import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { escapeTerminal } from '../util/escape.js';
import { parseSymbolPath, parseSymbolsOption, SymbolPathError, type SymbolPathEntry } from '../symbols/symbol-path.js';
import type { CliIo } from './io.js';
import type { LocatorProgress } from '../symbols/locate.js';

export interface SymbolCliOptions {
  symbolPaths?: string[];
  symbolPath?: string;
  symbolCacheDir?: string;
  offline?: boolean;
  symbolTimeoutMs?: number;
}

export const SYMBOL_OPTION_DESCRIPTIONS = {
  symbols: 'symbol store or server: a directory (Breakpad NAME.pdb/ID/NAME.sym, symstore NAME.pdb/ID/NAME.pdb, or a flat folder of .sym/.pdb/.dll) or an http(s) symbol server URL (repeat for several, searched in order)',
  'symbol-path': "WinDbg's _NT_SYMBOL_PATH syntax, e.g. 'srv*C:\\symbols*https://msdl.microsoft.com/download/symbols'; 'env' reads the _NT_SYMBOL_PATH variable",
  'symbol-cache': 'download cache for symbol servers without one of their own (default: a per-user cache directory)',
  offline: 'use local stores and caches only: never ask a symbol server',
  'symbol-timeout': 'seconds one symbol-server download may take (default 60; connecting: at most 5)',
} as const;

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Local directories an entry reads (its store, when a directory, and not the caches it may create). */
function localStores(entries: SymbolPathEntry[]): string[] {
  return entries.filter((e) => e.source.type === 'dir').map((e) => (e.source as { path: string }).path);
}

/** The checked options; null after printing a usage error. */
export function symbolCliOptions(args: Record<string, unknown>, io: CliIo, command: string, env: NodeJS.ProcessEnv = process.env): SymbolCliOptions | null {
  const out: SymbolCliOptions = {};
  const fail = (msg: string): null => {
    io.stderr.write(`${command}: ${escapeTerminal(msg)}\n`);
    return null;
  };
  try {
    if (args.symbols !== undefined && args.symbols !== null) {
      const values = (Array.isArray(args.symbols) ? args.symbols : [args.symbols]).map(String);
      const entries = parseSymbolsOption(values);
      for (const dir of localStores(entries)) if (!isDir(dir)) return fail(`--symbols ${dir} is not a directory`);
      // Directories resolved against the working directory (a scan's workers may not share it); URLs as given.
      out.symbolPaths = values.map((v) => (/^(https?:\/\/|srv\*|symsrv\*|cache\*)/i.test(v.trim()) ? v : resolve(v)));
    }
    if (args.symbolPath !== undefined && args.symbolPath !== null && args.symbolPath !== '') {
      let text = String(args.symbolPath);
      if (text.trim().toLowerCase() === 'env') {
        const v = env._NT_SYMBOL_PATH;
        if (v === undefined || v.trim() === '') return fail('--symbol-path env: the _NT_SYMBOL_PATH environment variable is not set');
        text = v;
      }
      const entries = parseSymbolPath(text);
      for (const dir of localStores(entries)) if (!isDir(dir)) return fail(`--symbol-path: ${dir} is not a directory`);
      out.symbolPath = text;
    }
  } catch (e) {
    if (e instanceof SymbolPathError) return fail(`${e.message}`);
    throw e;
  }
  if (args.symbolCache !== undefined && args.symbolCache !== null && args.symbolCache !== '') out.symbolCacheDir = resolve(String(args.symbolCache));
  if (args.offline) out.offline = true;
  if (args.symbolTimeout !== undefined && args.symbolTimeout !== null) {
    const t = Number(args.symbolTimeout);
    if (!Number.isFinite(t) || t <= 0 || t > 86_400) return fail(`--symbol-timeout ${String(args.symbolTimeout)}: give seconds, more than 0`);
    out.symbolTimeoutMs = Math.round(t * 1000);
  }
  return out;
}

/** Draws symbol downloads on stderr when it is a TTY (one line, redrawn); a server marked down is said once, TTY or not. */
export function symbolProgressPrinter(io: CliIo, command: string): (e: LocatorProgress) => void {
  const tty = (io.stderr as { isTTY?: boolean }).isTTY === true;
  let shown = false;
  const clear = () => {
    if (shown) io.stderr.write('\r\x1b[2K');
    shown = false;
  };
  return (e) => {
    if (e.type === 'server-down') {
      clear();
      io.stderr.write(`${command}: warning: symbol server ${escapeTerminal(e.url)} is not answering (${escapeTerminal(e.reason)}); not asked again in this run\n`);
      return;
    }
    if (!tty) return;
    if (e.type === 'download-end') return clear();
    const mib = e.type === 'download-progress' ? ` ${(e.bytes / 1048576).toFixed(1)}${e.expectedBytes ? `/${(e.expectedBytes / 1048576).toFixed(1)}` : ''} MiB` : '';
    io.stderr.write(`\r\x1b[2Kdownloading ${escapeTerminal(e.module)} (${e.kind})${mib} from ${escapeTerminal(e.url)}`.slice(0, 200));
    shown = true;
  };
}
