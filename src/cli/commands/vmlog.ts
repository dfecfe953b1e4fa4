// `dumptriage vmlog <paths..>`: guest crashes, NMIs and hypervisor-side events from vmware.log,
// hostd.log and vmkernel.log (files, folders, .gz), and a verdict per crash (issue 6).

import { DEFAULTS } from '../../defaults.js';
import type { TriageReport } from '../../analysis/report.js';
import type { CommandDef } from '../command.js';
import { EXIT } from '../io.js';
import { reportError } from './errors.js';
import { escapeTerminal } from '../../util/escape.js';

/** Warnings that mean a path the user named could not be read, or is a file but not a log. */
const UNREADABLE = new Set(['VmLogNotFound', 'VmLogIoError', 'VmLogNotAFile', 'VmLogUnknownFormat']);

export const vmlogCommand: CommandDef = {
  command: 'vmlog <paths..>',
  describe: 'Correlate VMware/ESXi logs: guest crashes, NMIs, hypervisor events',
  builder: (y) =>
    y
      .positional('paths', { type: 'string', array: true, describe: 'vmware.log (and rotations), hostd.log, vmkernel.log, .gz, or folders (vm-support bundle)' })
      .option('dump', { type: 'string', describe: 'the crash dump to match (bug check code, arguments, time)' })
      .option('window', { type: 'number', default: DEFAULTS.vmWindowMinutes, describe: '± minutes around each crash' })
      .option('json', { type: 'boolean', default: false, describe: 'one JSON document' })
      .option('pretty', { type: 'boolean', default: false, describe: 'indent JSON' }),
  run: async (args, io) => {
    const paths = ((args.paths as string[] | undefined) ?? []).map(String);
    const window = Number(args.window);
    if (!Number.isFinite(window) || window < 0 || window > 7 * 24 * 60) {
      io.stderr.write('dumptriage vmlog: --window must be a number of minutes between 0 and 10080\n');
      return EXIT.usage;
    }
    if (paths.length === 0) {
      io.stderr.write('dumptriage vmlog: no log path given\n');
      return EXIT.usage;
    }
    let report: TriageReport | undefined;
    const [{ triageFile }, { applyHypervisorToVerdict }, { matchDumpToEvents }, { buildVmlogDocument }, { loadVmEvents }, { renderVmlogText }, { toJson }] = await Promise.all([
      import('../../index.js'),
      import('../../vmlog/correlate-report.js'),
      import('../../vmlog/correlate.js'),
      import('../../vmlog/analyze.js'),
      import('../../vmlog/load.js'),
      import('../../vmlog/render.js'),
      import('../render/json.js'),
    ]);
    if (args.dump !== undefined) {
      try {
        report = await triageFile(String(args.dump));
      } catch (e) {
        reportError(io, e, String(args.dump));
        return EXIT.badInput;
      }
    }
    const events = await loadVmEvents(paths);
    if (report) applyHypervisorToVerdict(report, matchDumpToEvents(report, events, window));
    const doc = buildVmlogDocument(events, window, report);
    if (args.json) io.stdout.write(`${toJson(doc, Boolean(args.pretty))}\n`);
    else io.stdout.write(renderVmlogText(doc));
    const unreadable = events.warnings.filter((w) => UNREADABLE.has(w.code));
    for (const w of unreadable) io.stderr.write(`dumptriage vmlog: ${escapeTerminal(w.file ?? '')}: ${escapeTerminal(w.message)}\n`);
    return unreadable.length > 0 ? EXIT.badInput : EXIT.ok;
  },
};
