#!/usr/bin/env node
// The CLI only translates: yargs → options → library call → render → exit code.
// No yargs .env(): with .strict(), every unrelated DUMPTRIAGE_* variable in the environment (the
// test suite's DUMPTRIAGE_SHARED, say) became an "Unknown argument" and a usage error.

import { existsSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commands } from './commands/index.js';
import { analyzeCommand } from './commands/analyze.js';
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
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
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
