// `dumptriage show <code> [args..]`: a bug check or exception code's name and argument meanings,
// with the given arguments decoded (like !analyze -show).
import type { CommandDef } from '../command.js';
import { EXIT } from '../io.js';
import { bugcheckHex, hex, parseNumber } from '../../util/hex.js';
import { escapeTerminal as t } from '../../util/escape.js';
import { suggest } from '../../util/suggest.js';

export const showCommand: CommandDef = {
  command: 'show [code] [args..]',
  describe: 'Name a bug check or exception code and decode its arguments (like !analyze -show)',
  builder: (y) =>
    y
      .positional('code', { type: 'string', describe: 'code (0xD1, D1, 0x000000D1, c0000005) or name (DRIVER_IRQL_NOT_LESS_OR_EQUAL)' })
      .positional('args', { type: 'string', array: true, describe: 'argument values (hex), as in the dump' })
      .option('json', { type: 'boolean', default: false, describe: 'JSON output' })
      .option('list', { type: 'boolean', default: false, describe: 'list every known bug check and exception code' }),
  run: async (args, io) => {
    const { describeBugcheckArgs, describeExceptionParams, lookupCode, subcodeInfo, bugcheckInfo, knowledge } = await import('../../analysis/knowledge.js');
    if (args.list) {
      const k = knowledge();
      const rows = [
        ...[...k.bugchecks.values()].map((b) => ({ kind: 'bugcheck', code: bugcheckHex(b.code), name: b.name })),
        ...[...k.exceptions.values()].map((e) => ({ kind: 'exception', code: `0x${e.code.toString(16).padStart(8, '0')}`, name: e.name })),
      ];
      io.stdout.write(args.json ? `${JSON.stringify(rows, null, 2)}\n` : rows.map((r) => `${r.kind.padEnd(9)}  ${r.code.padEnd(10)}  ${r.name}\n`).join(''));
      return EXIT.ok;
    }
    if (args.code === undefined) {
      io.stderr.write('dumptriage show: give a code or a name (or --list)\n');
      return EXIT.usage;
    }
    const codeText = String(args.code ?? '');
    const rawArgs = ((args.args as unknown[] | undefined) ?? []).map((a) => String(a));
    const values: bigint[] = [];
    for (const a of rawArgs) {
      const v = parseNumber(a);
      if (v === undefined) {
        io.stderr.write(`dumptriage show: "${t(a)}" is not a number\n`);
        return EXIT.usage;
      }
      values.push(v);
    }
    const hit = lookupCode(codeText);
    if (hit.kind === 'unknown') {
      const k = knowledge();
      const near = suggest(codeText, [...k.bugchecksByName.values(), ...k.exceptionsByName.values()].map((x) => x.name), { partial: true, limit: 12 });
      io.stderr.write(`dumptriage show: unknown bug check or exception code "${t(codeText)}"${near.length ? `; did you mean:\n${near.map((n) => `  ${n}\n`).join('')}` : ' (show --list lists them)\n'}`);
      return EXIT.usage;
    }
    if (hit.kind === 'bugcheck') {
      const info = hit.info;
      const decoded = describeBugcheckArgs(info.code, [0, 1, 2, 3].map((i) => values[i] ?? 0n));
      const sub = values[0] !== undefined ? subcodeInfo(info.code, values[0]) : undefined;
      const out = {
        kind: 'bugcheck',
        code: hex(info.code),
        name: info.name,
        category: info.category,
        faultParams: info.fault.map((f) => `${f.kind}=P${f.param}`),
        subcode: sub ? { value: hex(sub.subcode), tag: sub.tag, meaning: sub.meaning } : undefined,
        args: decoded.map((d, i) => ({
          index: d.index,
          meaning: d.meaning,
          ...(i < values.length ? { value: hex(d.value) } : {}),
          ...(i < values.length && d.decoded ? { decoded: d.decoded } : {}),
        })),
      };
      if (args.json) {
        io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return EXIT.ok;
      }
      io.stdout.write(`${info.name} (${bugcheckHex(info.code).slice(2)})\n`);
      io.stdout.write(`Category hint: ${info.category}${bugcheckInfo(info.code)?.fault.length ? `; fault address in ${out.faultParams.join(', ')}` : ''}\n`);
      if (sub) io.stdout.write(`Sub-code ${hex(sub.subcode)}${sub.tag ? ` ${sub.tag}` : ''}: ${sub.meaning}\n`);
      io.stdout.write('Arguments:\n');
      for (const a of out.args) {
        const val = a.value !== undefined ? `${a.value.padEnd(20)} ` : ''.padEnd(0);
        io.stdout.write(`Arg${a.index}: ${val}${a.meaning}${a.decoded ? ` [${a.decoded}]` : ''}\n`);
      }
      return EXIT.ok;
    }
    const info = hit.info;
    const params = describeExceptionParams(info.code, values);
    const out = {
      kind: 'exception',
      code: hex(info.code),
      name: info.name,
      class: info.cls,
      description: info.description,
      parameters: params.map((p) => ({ index: p.index, value: hex(p.value), meaning: p.meaning, ...(p.decoded ? { decoded: p.decoded } : {}) })),
    };
    if (args.json) {
      io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return EXIT.ok;
    }
    io.stdout.write(`${info.name} (${info.code.toString(16).padStart(8, '0')})\n${info.description}\n`);
    for (const p of out.parameters) io.stdout.write(`Parameter${p.index}: ${p.value.padEnd(20)} ${p.meaning}${p.decoded ? ` [${p.decoded}]` : ''}\n`);
    return EXIT.ok;
  },
};
