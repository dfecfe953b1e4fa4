// `dumptriage <file...>`: the verdict for each dump, human (default), --json (NDJSON) or --brief.

import type { CommandDef } from '../command.js';
import { EXIT, type CliIo } from '../io.js';
import { reportError } from './errors.js';
import { isDumpError } from '../../errors.js';
import { readTriageIniOption } from '../triage-ini-option.js';
import { listOption, ruleIdsOption } from '../list-options.js';
import { SYMBOL_OPTION_DESCRIPTIONS, symbolCliOptions, symbolProgressPrinter } from '../symbol-options.js';

export const analyzeCommand: CommandDef = {
  command: ['$0 [files..]', 'analyze <files..>'],
  describe: 'Triage one or more dumps: an !analyze -v style verdict',
  builder: (y) =>
    y
      .positional('files', { type: 'string', array: true, describe: 'dump files (minidump, small, kernel, complete, bitmap)' })
      .option('json', { type: 'boolean', default: false, describe: 'one JSON object per file (NDJSON for several)' })
      .option('human', { type: 'boolean', default: false, describe: 'human report (the default)' })
      .option('brief', { type: 'boolean', default: false, describe: 'one line per dump' })
      .option('pretty', { type: 'boolean', default: false, describe: 'indent JSON' })
      .option('modules', { type: 'boolean', default: false, describe: 'list every module in the human report' })
      .option('threads', { type: 'boolean', default: false, describe: 'print every thread\'s walked stack in the human report (as minidump-stackwalk does)' })
      .option('deep', { type: 'boolean', default: false, describe: 'allow whole-file work (full page maps)' })
      .option('rules', { type: 'string', requiresArg: true, describe: 'only these rule ids (repeat the option or separate with commas; `dumptriage rules` lists them)' })
      .option('experimental', { type: 'boolean', default: false, describe: 'also run experimental rules' })
      .option('triage-ini', { type: 'string', describe: 'your own triage.ini (Module[!Function]=Owner); it wins over the built-in list' })
      .option('symbols', { type: 'string', requiresArg: true, describe: SYMBOL_OPTION_DESCRIPTIONS.symbols })
      .option('symbol-path', { type: 'string', requiresArg: true, describe: SYMBOL_OPTION_DESCRIPTIONS['symbol-path'] })
      .option('symbol-cache', { type: 'string', requiresArg: true, describe: SYMBOL_OPTION_DESCRIPTIONS['symbol-cache'] })
      .option('offline', { type: 'boolean', default: false, describe: SYMBOL_OPTION_DESCRIPTIONS.offline })
      .option('symbol-timeout', { type: 'number', requiresArg: true, describe: SYMBOL_OPTION_DESCRIPTIONS['symbol-timeout'] })
      .option('verbose', { type: 'boolean', default: false, describe: 'list every place searched for symbols (JSON: symbolLookups)' })
      .option('vm-logs', { type: 'string', requiresArg: true, describe: 'a vmware.log / hostd.log / vmkernel.log file or folder to correlate (repeat for more)' })
      .option('color', { type: 'boolean', describe: 'colour the verdict and the bucket (default: on a terminal, unless NO_COLOR is set; --no-color turns it off)' })
      .group(['json', 'human', 'brief', 'pretty', 'modules', 'threads', 'color'], 'Output:')
      .group(['deep', 'rules', 'experimental', 'triage-ini', 'vm-logs'], 'Analysis:')
      .group(['symbols', 'symbol-path', 'symbol-cache', 'offline', 'symbol-timeout', 'verbose'], 'Symbols:'),
  run: async (args, io) => {
    const files = (args.files as string[] | undefined) ?? [];
    if (files.length === 0) {
      io.stderr.write('dumptriage: no dump file given (try --help)\n');
      return EXIT.usage;
    }
    const modes = (['json', 'brief', 'human'] as const).filter((m) => args[m] === true);
    if (modes.length > 1) {
      io.stderr.write(`dumptriage: --${modes[0]} and --${modes[1]} are different output modes: give one\n`);
      return EXIT.usage;
    }
    const rules = await ruleIdsOption(args.rules, io, 'dumptriage');
    if (rules === null) return EXIT.usage;
    const triageIniText = await readTriageIniOption(args.triageIni, io, 'dumptriage');
    if (triageIniText === null) return EXIT.usage;
    const symbolOpts = symbolCliOptions(args, io, 'dumptriage');
    if (symbolOpts === null) return EXIT.usage;
    if (symbolOpts.symbolPaths || symbolOpts.symbolPath) (await import('../../triage-file.js')).setSymbolProgressListener(symbolProgressPrinter(io, 'dumptriage'));
    // Loaded here, not at start-up: `dumptriage scan` and `--help` need none of the decoders. (From
    // triage-file.js, not the package entry, which also loads the scan: its index, pool, walk.)
    const [{ triageFile }, { toJson }, { renderHuman }, { renderBrief }] = await Promise.all([import('../../triage-file.js'), import('../render/json.js'), import('../render/human.js'), import('../render/verdict.js')]);
    const color = useColor(args.color as boolean | undefined, io);
    let code: number = EXIT.ok;
    for (const file of files) {
      try {
        const report = await triageFile(file, {
          deep: Boolean(args.deep),
          rules,
          experimental: Boolean(args.experimental),
          triageIniText,
          vmLogs: listOption(args.vmLogs),
          ...symbolOpts,
          verbose: Boolean(args.verbose),
        });
        if (args.json) io.stdout.write(`${toJson(report, Boolean(args.pretty))}\n`);
        else if (args.brief) io.stdout.write(`${renderBrief(report)}\n`);
        else io.stdout.write(`${renderHuman(report, { allModules: Boolean(args.modules), allThreads: Boolean(args.threads), color })}${files.length > 1 ? '\n' : ''}`);
      } catch (e) {
        reportError(io, e, file);
        // NDJSON readers get a record for every file, as `scan --json` gives: one line, the same error fields.
        if (args.json) io.stdout.write(`${JSON.stringify(errorRecord(e, file), null, args.pretty ? 2 : undefined)}\n`);
        code = EXIT.badInput;
      }
    }
    return code;
  },
};

/** `--json`: the line for a file that failed, in `scan --json`'s shape ({type, path, status, error: {code, message, offset?, struct?}}). */
export function errorRecord(e: unknown, file: string): { type: 'error'; path: string; status: 'error'; error: { code: string; message: string; offset?: string; struct?: string } } {
  let error: { code: string; message: string; offset?: string; struct?: string };
  if (isDumpError(e)) {
    const j = e.toJSON();
    error = { code: j.code, message: j.message };
    if (j.offset !== undefined) error.offset = j.offset;
    if (j.struct !== undefined) error.struct = j.struct;
  } else {
    error = { code: 'Internal', message: `internal error: ${e instanceof Error ? e.message : String(e)}` };
  }
  return { type: 'error', path: file, status: 'error', error };
}

/** Colour: --color / --no-color when given; else on a TTY only, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(flag: boolean | undefined, io: CliIo, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag !== undefined) return flag;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return io.stdout.isTTY === true;
}
