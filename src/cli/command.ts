// A CLI command: yargs options plus a run function that returns the exit code.

import type { Argv } from 'yargs';
import type { CliIo } from './io.js';

export interface CommandDef {
  /** yargs command string, e.g. 'dump <file>' or ['$0 <files..>', 'analyze <files..>'] */
  command: string | readonly string[];
  describe: string;
  builder: (y: Argv) => Argv;
  run: (args: Record<string, unknown>, io: CliIo) => Promise<number>;
}
