// Options that take several values. They are repeatable single-value options (`--rules a
// --rules b`, or `--rules a,b`), never yargs arrays: an array option swallowed the file names
// after it (`dumptriage --rules fault-address x.dmp` read x.dmp as a rule id).

import type { CliIo } from './io.js';
import { escapeTerminal as t } from '../util/escape.js';
import { suggest } from '../util/suggest.js';

/** The values of a repeatable option, in order; undefined when it was not given. */
export function listOption(v: unknown, splitCommas = false): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  const all = (Array.isArray(v) ? v : [v]).map((x) => String(x));
  return splitCommas ? all.flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean) : all;
}

/** --rules, checked against the rule ids: an unknown id is a usage error naming the near ones (null). */
export async function ruleIdsOption(v: unknown, io: CliIo, prog: string): Promise<string[] | undefined | null> {
  const ids = listOption(v, true);
  if (!ids) return undefined;
  const { unknownRuleIds } = await import('../analysis/engine.js');
  const { unknown, known } = await unknownRuleIds(ids);
  if (unknown.length === 0) return ids;
  for (const id of unknown) {
    const near = suggest(id, known, { partial: true });
    io.stderr.write(`${prog}: --rules: no rule "${t(id)}"${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; \`dumptriage rules\` lists them\n`);
  }
  return null;
}
