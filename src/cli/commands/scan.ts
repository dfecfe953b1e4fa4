// `dumptriage scan <dir>`. Placeholder until its issue lands.
import type { CommandDef } from '../command.js';
import { EXIT } from '../io.js';

export const scanCommand: CommandDef = {
  command: 'scan <dir>',
  describe: 'Scan a dump share: parallel, incremental, grouped in buckets',
  builder: (y) => y,
  run: async (_args, io) => {
    io.stderr.write('dumptriage scan: not implemented yet\n');
    return EXIT.usage;
  },
};
