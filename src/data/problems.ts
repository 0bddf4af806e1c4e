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
 * - A problem about a whole file (line 0) prints as `file: message`.
 * - Checks every reader applies besides its format's own (the README lists them under `data validate`):
 *   a row's exchange and local times may differ by at most MAX_CLOCK_OFFSET_SECONDS (a larger difference
 *   is a clock error: one such trade would shift the whole replay by clock alignment); prices must be
 *   positive; a row repeating the previous one is a duplicate (where the format can tell: see each reader).
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
  return `${p.file}${p.line > 0 ? `:${p.line}` : ''}${p.line > 0 && p.column > 0 ? `:${p.column}` : ''}: ${p.message}`;
}

/** The largest difference allowed between a row's exchange time and local time. */
export const MAX_CLOCK_OFFSET_SECONDS = 300;
const MAX_CLOCK_OFFSET_US = MAX_CLOCK_OFFSET_SECONDS * 1e6;

/** Null when a row's exchange and local times (µs) are within MAX_CLOCK_OFFSET_SECONDS, else what is wrong. */
export function clockOffsetProblem(exchTs: number, localTs: number): string | null {
  const offset = exchTs - localTs;
  if (Math.abs(offset) <= MAX_CLOCK_OFFSET_US) return null;
  const seconds = Math.abs(offset) / 1e6;
  return `exchange time is ${seconds.toFixed(seconds < 1e6 ? 1 : 0)} s ${offset > 0 ? 'after' : 'before'} local time (expected within ${MAX_CLOCK_OFFSET_SECONDS} s; a clock error)`;
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
