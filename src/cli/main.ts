#!/usr/bin/env node
// The CLI only translates: yargs → options → library call → render → exit code.
// No yargs .env(): with .strict(), every unrelated DUMPTRIAGE_* variable in the environment (the
// test suite's DUMPTRIAGE_SHARED, say) became an "Unknown argument" and a usage error.

import { existsSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commands } from './commands/index.js';
import { analyzeCommand } from './commands/analyze.js';
import { scanCommand } from './commands/scan.js';
import type { CommandDef } from './command.js';
import { VERSION } from '../version.js';
import { EXIT, type CliIo, type CliState } from './io.js';
import { escapeTerminal } from '../util/escape.js';
import { suggest } from '../util/suggest.js';


class UsageError extends Error {}

/** Flags `dumptriage FILE...` takes without a value: the fast path understands these alone. */
const FAST_FLAGS = new Set(['--json', '--brief', '--human', '--pretty', '--modules', '--threads', '--deep', '--experimental', '--offline', '--verbose']);

function commandNames(): string[] {
  return commands.flatMap((c) => [c.command].flat()).map((c) => c.split(' ')[0]!).filter((n) => n !== '$0');
}

/**
 * The arguments of the most common run, `dumptriage FILE... [--json|--brief|...]`, parsed
 * without yargs (loading and configuring it is half of the CLI's start-up): file names and the
 * value-less flags above, nothing else. Anything else (a command, an option with a value, `--`,
 * `--flag=x`, an unknown flag) returns undefined and goes through yargs, which gives the usage
 * errors. The result is what yargs would give the analyze command for the same argv.
 */
export function fastAnalyzeArgs(argv: string[]): Record<string, unknown> | undefined {
  if (argv.length === 0 || commandNames().includes(argv[0]!)) return undefined;
  const files: string[] = [];
  const args: Record<string, unknown> = { files };
  for (const a of argv) {
    if (a.startsWith('-')) {
      if (!FAST_FLAGS.has(a)) return undefined;
      args[a.slice(2)] = true;
    } else files.push(a);
  }
  return files.length ? args : undefined;
}

interface OptionSpec {
  type?: string;
  default?: unknown;
  alias?: string | readonly string[];
}

/**
 * The options a command's builder declares, recorded without yargs (the builder is called on a
 * stand-in that records .option() calls); undefined when the builder does anything but declare
 * options, positionals and groups (a .check() or .conflicts() the fast path would skip).
 */
function declaredOptions(def: CommandDef): Map<string, OptionSpec> | undefined {
  const options = new Map<string, OptionSpec>();
  let plain = true;
  const recorder: object = new Proxy(
    {},
    {
      get: (_target, method) =>
        (...a: unknown[]) => {
          if (method === 'option' && typeof a[0] === 'string') options.set(a[0], (a[1] ?? {}) as OptionSpec);
          else if (method !== 'positional' && method !== 'group') plain = false;
          return recorder;
        },
    },
  );
  try {
    def.builder(recorder as Parameters<CommandDef['builder']>[0]);
  } catch {
    return undefined;
  }
  return plain ? options : undefined;
}

/** Set an option as yargs does: its name, its camelCase form and its aliases. */
function setOption(args: Record<string, unknown>, name: string, spec: OptionSpec, value: unknown): void {
  args[name] = value;
  args[name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())] = value;
  for (const alias of [spec.alias ?? []].flat()) args[alias] = value;
}

/**
 * `dumptriage scan DIR [--json|--strict|--no-index|...]` parsed without yargs, as the fast path
 * of `dumptriage FILE` is: loading and running yargs was ~25 ms of a scan's start-up (issue 19:
 * a scan of 35 dumps should cost at most 5x `node -e 0`). One folder and the scan's boolean flags
 * (`--X`, `--no-X`; `--no-X` also for a string option, as `--no-index`), nothing else: an option
 * with a value, `--x=y`, a short flag, `--` or an unknown flag go through yargs. The options are
 * those the scan command declares, with their defaults, names and aliases as yargs sets them.
 */
export function fastScanArgs(argv: string[]): Record<string, unknown> | undefined {
  if (argv[0] !== 'scan') return undefined;
  const options = declaredOptions(scanCommand);
  if (!options) return undefined;
  const args: Record<string, unknown> = { _: ['scan'], $0: 'dumptriage' };
  for (const [name, spec] of options) if (spec.default !== undefined) setOption(args, name, spec, spec.default);
  let dir: string | undefined;
  for (const a of argv.slice(1)) {
    if (!a.startsWith('-')) {
      if (dir !== undefined) return undefined;
      dir = a;
      continue;
    }
    if (!a.startsWith('--') || a.includes('=')) return undefined;
    const name = a.slice(2);
    const spec = options.get(name);
    if (spec?.type === 'boolean') {
      setOption(args, name, spec, true);
      continue;
    }
    const negated = name.startsWith('no-') ? options.get(name.slice(3)) : undefined;
    if (negated && (negated.type === 'boolean' || negated.type === 'string')) {
      setOption(args, name.slice(3), negated, false);
      continue;
    }
    return undefined;
  }
  if (dir === undefined) return undefined;
  args.dir = dir;
  return args;
}

/**
 * `dumptriage scna DIR`: the first word is no command and no file, but near a command's name:
 * say so instead of reporting "scna: no such file". A word that is an existing path is a dump.
 */
function mistypedCommand(argv: string[]): string | undefined {
  const first = argv[0];
  if (first === undefined || first.startsWith('-') || existsSync(first)) return undefined;
  const names = commandNames();
  if (names.includes(first)) return undefined;
  const near = suggest(first, names);
  return near.length ? `unknown command "${escapeTerminal(first)}" (did you mean ${near.join(' or ')}?)` : undefined;
}

/** Run the CLI with `argv` (without node and script), writing to `io`. Returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const mistyped = mistypedCommand(argv);
  if (mistyped) {
    io.stderr.write(`dumptriage: ${mistyped}\n(try dumptriage --help)\n`);
    return EXIT.usage;
  }
  const fast = fastAnalyzeArgs(argv);
  if (fast) return analyzeCommand.run(fast, io);
  const scan = fastScanArgs(argv);
  if (scan) return scanCommand.run(scan, io);
  // Loaded here: the fast path above needs none of it.
  const { default: yargs } = await import('yargs');
  const state: CliState = { exitCode: EXIT.ok };
  let usageError: string | undefined;
  let y = yargs(argv)
    .scriptName('dumptriage')
    .usage('$0 <file..> | $0 <command> ...\n\nWindows crash dump triage: minidumps, small/kernel/complete dumps, without a debugger or symbols.')
    .strict()
    .exitProcess(false)
    .version(VERSION)
    .alias('V', 'version')
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      // Throwing stops yargs before any handler runs; parseAsync rejects and we report exit 2.
      usageError = msg ?? err?.message ?? 'usage error';
      throw new UsageError(usageError);
    });
  for (const def of commands) {
    y = y.command(def.command as string | string[], def.describe, def.builder, async (args) => {
      state.exitCode = await def.run(args as Record<string, unknown>, io);
    });
  }
  // Each time a named command runs, yargs renders the whole help text (every option through
  // string-width), in case a later showHelp() wants it: 35-40 ms of `dumptriage scan`'s start-up.
  // Nothing here shows help after a handler has run (--help is answered before, and usage errors
  // go through .fail() without help), so that text was never used; showHelp() without it renders
  // it afresh. (An internal of yargs 18: if it is gone, nothing is patched.)
  const usage = (y as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } }).getInternalMethods?.().getUsageInstance?.();
  if (typeof usage?.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
  let helpText = '';
  try {
    await y.parseAsync(argv, {}, (_err, _args, output) => {
      if (output) helpText = output;
    });
  } catch (e) {
    if (!(e instanceof UsageError) && usageError === undefined) throw e;
  }
  if (usageError !== undefined) {
    io.stderr.write(`dumptriage: ${usageError}\n(try dumptriage --help)\n`);
    return EXIT.usage;
  }
  if (helpText) io.stdout.write(`${helpText}\n`);
  return state.exitCode;
}

function isMain(): boolean {
  try {
    const self = fileURLToPath(import.meta.url);
    // The bundle (dist/cli/cli.cjs) is started by its loader, which calls cliMain(): no realpath needed.
    if (self.endsWith('.cjs')) return false;
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(self);
  } catch {
    return false;
  }
}

/**
 * A reader that stops reading (`dumptriage *.dmp | head -1`) closes the pipe: the next write
 * fails with EPIPE. That is the reader's choice, not an error: end at once, quietly, exit 0 (as
 * ripgrep and git do). Any other write error on stdout or stderr (a full disk behind `>`) is one
 * line on stderr when it still works, and exit 1.
 */
function endOnClosedPipe(): void {
  const onError = (which: 'stdout' | 'stderr') => (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') process.exit(EXIT.ok);
    if (which === 'stdout') {
      try {
        process.stderr.write(`dumptriage: cannot write the output: ${e.code ?? e.message}\n`);
      } catch {
        // stderr is gone too: the exit code says it.
      }
    }
    process.exit(EXIT.badInput);
  };
  process.stdout.on('error', onError('stdout'));
  process.stderr.on('error', onError('stderr'));
}

/** The process's CLI run: argv, the process streams, the exit code (the bundle's loader calls it). */
export function cliMain(): void {
  endOnClosedPipe();
  runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`dumptriage: internal error: ${(e as Error)?.message ?? String(e)}\n`);
      process.exitCode = EXIT.badInput;
    },
  );
}

if (isMain()) cliMain();
