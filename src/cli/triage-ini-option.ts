// Reads the user's --triage-ini file (a small text file, not a dump) and checks --symbols
// directories, for analyze and scan.

import { readFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { escapeTerminal } from '../util/escape.js';
import type { CliIo } from './io.js';

/** The file's text; undefined when the flag is absent; null after printing an error (usage). */
export async function readTriageIniOption(path: unknown, io: CliIo, command: string): Promise<string | undefined | null> {
  if (path === undefined || path === null || path === '') return undefined;
  try {
    return await readFile(String(path), 'utf8');
  } catch (e) {
    io.stderr.write(`${command}: cannot read --triage-ini ${String(path)}: ${(e as Error).message}\n`);
    return null;
  }
}

/**
 * --symbols DIR, repeatable: the directories as given (resolved against the working directory),
 * undefined when absent; null after printing an error (a path that is not a directory: usage).
 */
export function symbolPathsOption(value: unknown, io: CliIo, command: string): string[] | undefined | null {
  if (value === undefined || value === null) return undefined;
  const list = (Array.isArray(value) ? value : [value]).map(String);
  for (const dir of list) {
    let ok = false;
    try {
      ok = statSync(dir).isDirectory();
    } catch {
      ok = false;
    }
    if (!ok) {
      io.stderr.write(`${command}: --symbols ${escapeTerminal(dir)} is not a directory\n`);
      return null;
    }
  }
  return list.map((d) => resolve(d));
}
