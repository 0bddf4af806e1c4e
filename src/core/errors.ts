/**
 * SpreadlabError is the one error type for faults a user can cause and fix: a bad file, a bad scenario,
 * a bad flag. Its message names where (file, line, JSON path) and what was expected. The CLI prints it
 * without a stack trace and exits 2; any other error is an internal fault (exit 1).
 */
export class SpreadlabError extends Error {
  override readonly name = 'SpreadlabError';
}

/** Also true for a SpreadlabError of another copy of this package (a user's strategy module may import one). */
export function isUserError(err: unknown): err is SpreadlabError {
  return err instanceof SpreadlabError || (err instanceof Error && err.name === 'SpreadlabError');
}
