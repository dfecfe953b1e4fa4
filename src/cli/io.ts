// What a command writes to. Tests pass string collectors; main.ts passes the process streams.

export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

/** Exit codes: 0 analysed, 1 an input could not be parsed, 2 usage error, 3 the shared database could not be reached (or was lost). */
export const EXIT = { ok: 0, badInput: 1, usage: 2, database: 3 } as const;

/** Shared state a command handler sets (yargs handlers cannot return a value to us). */
export interface CliState {
  exitCode: number;
}
