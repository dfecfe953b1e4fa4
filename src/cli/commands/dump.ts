// `dumptriage dump <file>`: every decoded structure, like breakpad's minidump_dump.

import type { CommandDef } from '../command.js';
import { EXIT } from '../io.js';
import { applyListBudget, DUMP_LIST_BUDGET } from '../../util/list-budget.js';
import { reportError } from './errors.js';

export { applyListBudget, DUMP_LIST_BUDGET, type CutSummary } from '../../util/list-budget.js';

export const dumpCommand: CommandDef = {
  command: 'dump <file>',
  describe: 'Print every decoded structure of a dump (raw header, streams, triage block, page map)',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true })
      .option('json', { type: 'boolean', default: false, describe: 'as JSON' })
      .option('deep', { type: 'boolean', default: false, describe: 'decode whole-file structures too' })
      .option('all', { type: 'boolean', default: false, describe: `list every entry (default: the first ${DUMP_LIST_BUDGET} of each list, then a summary entry)` }),
  run: async (args, io) => {
    const file = String(args.file);
    const [{ openDump }, { toJson }, { renderTree }] = await Promise.all([import('../../index.js'), import('../render/json.js'), import('../render/tree.js')]);
    try {
      const dump = await openDump(file, { deep: Boolean(args.deep) });
      try {
        const full = await dump.describe(args.all ? {} : { listBudget: DUMP_LIST_BUDGET });
        const tree = args.all ? full : applyListBudget(full);
        io.stdout.write(args.json ? `${toJson(tree, true)}\n` : renderTree(tree));
      } finally {
        await dump.close();
      }
      return EXIT.ok;
    } catch (e) {
      reportError(io, e, file);
      return EXIT.badInput;
    }
  },
};
