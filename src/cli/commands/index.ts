// Every CLI command, in help order. Each command lives in its own file.

import type { CommandDef } from '../command.js';
import { analyzeCommand } from './analyze.js';
import { dumpCommand } from './dump.js';
import { scanCommand } from './scan.js';
import { queryCommand } from './query.js';
import { rulesCommand } from './rules.js';
import { showCommand } from './show.js';
import { vmlogCommand } from './vmlog.js';
import { workerCommand } from './worker.js';

export const commands: CommandDef[] = [
  analyzeCommand,
  dumpCommand,
  scanCommand,
  queryCommand,
  rulesCommand,
  showCommand,
  vmlogCommand,
  workerCommand,
];
