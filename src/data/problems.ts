import { SpreadlabError } from '../core/errors.ts';

/**
 * Problems found in input data, and what to do about them.
 *
 * Rules:
 * - Every problem names the file, line and column (1-based; column is the character position of the
 *   offending field, 0 when the problem concerns a whole line or message), the value seen and what was
 *   expected: `file:line:column: what (got "value", expected ...)`.
 * - `stop` (the default everywhere): the first problem throws a SpreadlabError with that one line.
 * - `skip`: the offending row (or message) is dropped, the problem is recorded, and reading goes on.
 * - `collect`: like skip, for `data validate`, which lists every problem.
 * Known limits: at most `limit` problems are kept in the list (all are counted).
 */
export type OnError = 'stop' | 'skip';

export interface Problem {
  file: string;
  line: number;
  column: number;
  message: string;
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}${p.column > 0 ? `:${p.column}` : ''}: ${p.message}`;
}

/** The user error of one data problem, its place also as data (code "invalid-data"). */
export function problemError(p: Problem): SpreadlabError {
  const message = formatProblem(p);
  return new SpreadlabError(message, {
    code: 'invalid-data',
    locations: [{ file: p.file, line: p.line, ...(p.column > 0 ? { column: p.column } : {}), message }],
  });
}

export class ProblemLog {
  readonly list: Problem[] = [];
  count = 0;

  constructor(
    readonly mode: OnError | 'collect' = 'stop',
    readonly limit = 1000,
  ) {}

  /** Records a problem; throws in `stop` mode. */
  report(file: string, line: number, column: number, message: string): void {
    const problem = { file, line, column, message };
    if (this.mode === 'stop') throw problemError(problem);
    this.count++;
    if (this.list.length < this.limit) this.list.push(problem);
  }
}

/** Shows a field's raw text in a message, shortened when long. */
export function shown(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}
