// `dumptriage query`. Placeholder until its issue lands.
import type { CommandDef } from '../command.js';
import { EXIT } from '../io.js';

export const queryCommand: CommandDef = {
  command: 'query',
  describe: 'Query the scan index without rescanning',
  builder: (y) => y,
  run: async (_args, io) => {
    io.stderr.write('dumptriage query: not implemented yet\n');
    return EXIT.usage;
  },
};
