// The analysis and symbol flags that shape a report, shared by the commands that triage many
// files (scan, worker): declared once, checked once (an unknown rule id, an unreadable
// triage.ini, a symbol store that is no folder: usage errors before any dump is read).

import type { Argv } from 'yargs';
import type { CliIo } from './io.js';
import { ruleIdsOption } from './list-options.js';
import { readTriageIniOption } from './triage-ini-option.js';
import { SYMBOL_OPTION_DESCRIPTIONS, symbolCliOptions } from './symbol-options.js';
import type { TriageFileOptions } from '../triage-file.js';

export const ANALYSIS_FLAGS = ['deep', 'rules', 'experimental', 'triage-ini'] as const;
export const SYMBOL_FLAGS = ['symbols', 'symbol-path', 'symbol-cache', 'offline', 'symbol-timeout'] as const;

/** Declare the analysis and symbol flags (grouped by the caller). */
export function withAnalysisOptions(y: Argv): Argv {
  return y
    .option('deep', { type: 'boolean', default: false, describe: 'allow whole-file work (full page maps)' })
    .option('rules', { type: 'string', requiresArg: true, describe: 'only these rule ids (repeat the option or separate with commas)' })
    .option('experimental', { type: 'boolean', default: false, describe: 'also run experimental rules' })
    .option('triage-ini', { type: 'string', describe: 'your own triage.ini (Module[!Function]=Owner)' })
    .option('symbols', { type: 'string', requiresArg: true, describe: SYMBOL_OPTION_DESCRIPTIONS.symbols })
    .option('symbol-path', { type: 'string', requiresArg: true, describe: SYMBOL_OPTION_DESCRIPTIONS['symbol-path'] })
    .option('symbol-cache', { type: 'string', requiresArg: true, describe: SYMBOL_OPTION_DESCRIPTIONS['symbol-cache'] })
    .option('offline', { type: 'boolean', default: false, describe: SYMBOL_OPTION_DESCRIPTIONS.offline })
    .option('symbol-timeout', { type: 'number', requiresArg: true, describe: SYMBOL_OPTION_DESCRIPTIONS['symbol-timeout'] });
}

/** The checked flags as triage options; null after printing a usage error. */
export async function analysisCliOptions(args: Record<string, unknown>, io: CliIo, prog: string): Promise<TriageFileOptions | null> {
  const rules = await ruleIdsOption(args.rules, io, prog);
  if (rules === null) return null;
  const triageIniText = await readTriageIniOption(args.triageIni, io, prog);
  if (triageIniText === null) return null;
  const symbolOpts = symbolCliOptions(args, io, prog);
  if (symbolOpts === null) return null;
  const triage: TriageFileOptions = { ...symbolOpts };
  if (args.deep) triage.deep = true;
  if (rules) triage.rules = rules;
  if (args.experimental) triage.experimental = true;
  if (triageIniText !== undefined) triage.triageIniText = triageIniText;
  return triage;
}
