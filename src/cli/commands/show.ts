// `dumptriage show <code> [args..]`. Placeholder until its issue lands.
import type { CommandDef } from '../command.js';
import { EXIT } from '../io.js';

export const showCommand: CommandDef = {
  command: 'show <code> [args..]',
  describe: 'Name a bug check or exception code and decode its arguments (like !analyze -show)',
  builder: (y) => y,
  run: async (_args, io) => {
    io.stderr.write('dumptriage show: not implemented yet\n');
    return EXIT.usage;
  },
};
