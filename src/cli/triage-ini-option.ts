// Reads the user's --triage-ini file (a small text file, not a dump) for analyze and scan.

import { readFile } from 'node:fs/promises';
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
