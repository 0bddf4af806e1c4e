/**
 * SpreadlabError is the one error type for faults a user can cause and fix: a bad file, a bad scenario,
 * a bad flag. Its message names where (file, line, JSON path) and what was expected. The CLI prints it
 * without a stack trace and exits 2; any other error is an internal fault (exit 1).
 * `details` may say the same for programs (the CLI's --json error object): a code naming the kind of error
 * and each place, when the code that raises it knows them as data.
 */
export class SpreadlabError extends Error {
  override readonly name = 'SpreadlabError';

  constructor(
    message: string,
    readonly details: { code?: string; locations?: ErrorLocation[] } = {},
  ) {
    super(message);
  }
}

/** Where a user error is: a file (and line and column) or a JSON path in it, and what is wrong there. */
export interface ErrorLocation {
  file?: string;
  line?: number;
  /** A column number, or a CSV column's name. */
  column?: number | string;
  /** A JSON path ("strategy.spreadBps"; "" for the top level). */
  path?: string;
  message: string;
}

/** Also true for a SpreadlabError of another copy of this package (a user's strategy module may import one). */
export function isUserError(err: unknown): err is SpreadlabError {
  return err instanceof SpreadlabError || (err instanceof Error && err.name === 'SpreadlabError');
}
