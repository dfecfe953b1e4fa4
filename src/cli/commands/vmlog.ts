// `dumptriage vmlog <paths..>`. Placeholder until its issue lands.
import type { CommandDef } from '../command.js';
import { EXIT } from '../io.js';

export const vmlogCommand: CommandDef = {
  command: 'vmlog <paths..>',
  describe: 'Correlate VMware/ESXi logs: guest crashes, NMIs, hypervisor events',
  builder: (y) => y,
  run: async (_args, io) => {
    io.stderr.write('dumptriage vmlog: not implemented yet\n');
    return EXIT.usage;
  },
};
