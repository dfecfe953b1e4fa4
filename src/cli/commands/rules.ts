// `dumptriage rules`. Placeholder until its issue lands.
import type { CommandDef } from '../command.js';
import { EXIT } from '../io.js';

export const rulesCommand: CommandDef = {
  command: 'rules',
  describe: 'List the triage rules',
  builder: (y) => y,
  run: async (_args, io) => {
    io.stderr.write('dumptriage rules: not implemented yet\n');
    return EXIT.usage;
  },
};
