// One error line on stderr: file, offset, structure, code. Never a stack trace.

import { isDumpError } from '../../errors.js';
import { escapeTerminal } from '../../util/escape.js';
import type { CliIo } from '../io.js';

export function reportError(io: CliIo, e: unknown, file: string): void {
  if (isDumpError(e)) {
    e.withPath(file);
    io.stderr.write(`dumptriage: error [${e.code}]: ${escapeTerminal(e.message)}\n`);
  } else {
    const msg = e instanceof Error ? e.message : String(e);
    io.stderr.write(`dumptriage: error [Internal]: ${escapeTerminal(file)}: ${escapeTerminal(msg)}\n`);
  }
}
