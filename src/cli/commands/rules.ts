// `dumptriage rules`: the triage rules with their stability and description (--json for tools).
import type { CommandDef } from '../command.js';
import { EXIT } from '../io.js';

export const rulesCommand: CommandDef = {
  command: 'rules',
  describe: 'List the triage rules (id, stability, description)',
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'JSON array' }),
  run: async (args, io) => {
    const { loadAllRules } = await import('../../analysis/rules/index.js');
    const rules = await loadAllRules();
    const rows = rules.map((r) => ({ id: r.meta.id, stability: r.meta.stability, needs: r.meta.needs, description: r.meta.docs.description }));
    if (args.json) {
      io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return EXIT.ok;
    }
    const w = Math.max(...rows.map((r) => r.id.length));
    for (const r of rows) io.stdout.write(`${r.id.padEnd(w)}  ${r.stability.padEnd(12)}  ${r.description}\n`);
    return EXIT.ok;
  },
};
