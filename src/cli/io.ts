import { InputError, formatIssue } from '../units/errors.js';

/** Exit codes: 0 ok, 1 simulation or regression failure, 2 bad input. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /**
   * A live status line (a progress bar), redrawn in place; null clears it. Absent when nobody is
   * watching: stderr is not a terminal, or CI is set.
   */
  readonly progress?: ((line: string | null) => void) | undefined;
}

/** Progress lines only for a person at a terminal: never in CI logs or pipes. */
function terminalProgress(): ((line: string | null) => void) | undefined {
  const ci = process.env.CI;
  if (!process.stderr.isTTY || (ci !== undefined && ci !== '' && ci !== 'false')) return undefined;
  return (line) => {
    process.stderr.write(line === null ? '\r\x1b[K' : `\r\x1b[K${line}`);
  };
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : text + '\n'),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : text + '\n'),
  progress: terminalProgress(),
};

/** Print an error the way the CLI promises: one line per problem, no stack trace. */
export function reportError(e: unknown, io: CliIo, verbose: boolean): number {
  if (e instanceof InputError) {
    for (const issue of e.issues) io.err(`error: ${formatIssue(issue)}`);
    return EXIT_BAD_INPUT;
  }
  if (e instanceof UsageError) {
    io.err(`error: ${e.message}`);
    io.err("run 'bitcycle --help' for usage");
    return EXIT_BAD_INPUT;
  }
  const msg = e instanceof Error ? e.message : String(e);
  io.err(`error: ${msg}`);
  if (verbose && e instanceof Error && e.stack !== undefined) io.err(e.stack);
  return EXIT_FAILURE;
}

/** A command-line usage problem (unknown flag, missing argument). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
