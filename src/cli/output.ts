import { isUserError, type ErrorLocation } from '../core/errors.ts';
import { onWarning } from '../core/warnings.ts';

/**
 * What a command prints, for people and for programs (AI agents, scripts): the one mechanism every command
 * goes through.
 * - Every command handler returns its result: a CommandResult naming the command, what it found or decided
 *   (figures, choices) and every file or folder it wrote (`files`). Without --json the handler's text for
 *   people goes to stdout through `say`; with --json nothing but one JSON document goes to stdout: the
 *   result, printed by main.ts when the handler returns (a command that keeps running, `serve`, prints it
 *   as soon as it has it, through `emitResult`).
 * - A user error (bad file, scenario, flag) exits 2; with --json it is printed on stderr as one JSON
 *   document {"error": {code, message, file, line, column, path, problems}}: `code` names the kind of
 *   error, file/line/column/path say where (null when the error names no such place), `problems` lists
 *   every place when there are several (a scenario with three bad fields). The places are the error's own
 *   (SpreadlabError details) or, for messages written in spreadlab's usual forms, read from the message:
 *   `file:line:column: …`, `file line N, column NAME: …`, `file: json.path: …`, `json.path: …`,
 *   `--flag …`.
 * - Warnings (core/warnings.ts) go to stderr as `spreadlab: warning: …`; with --json they are the result's
 *   `warnings` instead (after the command's own, e.g. a sweep's), so stderr holds nothing but an error.
 * - Progress bars and live status lines stay on stderr, and only on a terminal.
 */
export interface CommandResult {
  /** The command as typed: "backtest", "data inspect", … */
  command: string;
  /** Files and folders written, as given on the command line or their defaults. */
  files: string[];
  [key: string]: unknown;
}

let json = false;
let pending: CommandResult | null = null;
let emitted = false;
const warnings: string[] = [];

/** Whether the command line asked for --json (set by main.ts before anything runs). */
export function setJsonOutput(on: boolean): void {
  json = on;
  if (on) onWarning((message) => warnings.push(message));
}

/** The result as printed: with the warnings said while the command ran after its own. */
function document(result: CommandResult): string {
  if (warnings.length === 0) return JSON.stringify(result);
  const own = Array.isArray(result.warnings) ? (result.warnings as string[]) : [];
  return JSON.stringify({ ...result, warnings: [...own, ...warnings] });
}

/** Text for people on stdout; nothing with --json. */
export function say(text: string): void {
  if (!json) process.stdout.write(text);
}

/** Wraps a command handler that returns its result, keeping the result for main.ts to print. */
export function returning<A>(handler: (args: A) => Promise<CommandResult> | CommandResult): (args: A) => Promise<void> {
  return async (args: A) => {
    pending = await handler(args);
  };
}

/** Prints the result now, with --json (a command that runs on after it has one); main.ts will not print it again. */
export function emitResult(result: CommandResult): void {
  if (json) process.stdout.write(`${document(result)}\n`);
  emitted = true;
}

/** After the command: its result as the one JSON document on stdout (with --json, unless already emitted). */
export function printResult(): void {
  if (json && pending && !emitted) process.stdout.write(`${document(pending)}\n`);
  pending = null;
  emitted = false;
}

export interface JsonError {
  code: string;
  message: string;
  file: string | null;
  line: number | null;
  column: number | string | null;
  path: string | null;
  problems?: ErrorLocation[];
}

/** A user error as the JSON object printed on stderr with --json. */
export function errorDocument(error: Error, kind: 'usage' | 'user-error' | 'environment'): { error: JsonError } {
  const details = isUserError(error) ? (error as Error & { details?: { code?: string; locations?: ErrorLocation[] } }).details : undefined;
  const lines = error.message.split('\n').filter((l) => l.trim() !== '');
  const locations = details?.locations ?? lines.map(locate);
  const first: Partial<ErrorLocation> = locations[0] ?? {};
  return {
    error: {
      code: details?.code ?? kind,
      message: error.message,
      file: first.file ?? null,
      line: first.line ?? null,
      column: first.column ?? null,
      path: first.path ?? null,
      ...(locations.length > 1 ? { problems: locations } : {}),
    },
  };
}

const FILE = String.raw`[^\s:][^\s]*?`;
const JSON_PATH = String.raw`(?:[A-Za-z_$][\w$-]*|\[\d+\])(?:\.[A-Za-z_$][\w$-]*|\[\d+\])*`;
const LOCATIONS: [RegExp, (m: RegExpExecArray) => Partial<ErrorLocation>][] = [
  [
    new RegExp(String.raw`^(${FILE}):(\d+)(?::(\d+))?: `),
    (m) => ({ file: m[1], line: Number(m[2]), column: m[3] ? Number(m[3]) : undefined }),
  ],
  [new RegExp(String.raw`^(${FILE}) line (\d+), column ([^:]+): `), (m) => ({ file: m[1], line: Number(m[2]), column: m[3] })],
  [
    new RegExp(String.raw`^(${FILE}\.json5?): (${JSON_PATH}|\(top level\)): `),
    (m) => ({ file: m[1], path: m[2] === '(top level)' ? '' : m[2] }),
  ],
  [new RegExp(String.raw`^(${FILE}): `), (m) => (/[/\\]|\.\w+$/.test(m[1]) ? { file: m[1] } : {})],
  [new RegExp(String.raw`^(${JSON_PATH}): `), (m) => (m[1].includes('.') ? { path: m[1] } : {})],
];

/** Where one line of a message says the problem is, in spreadlab's usual forms (see the header). */
export function locate(line: string): ErrorLocation {
  for (const [pattern, read] of LOCATIONS) {
    const m = pattern.exec(line);
    if (!m) continue;
    const where = read(m);
    if (Object.keys(where).length === 0) continue;
    return { ...withoutUndefined(where), message: line };
  }
  return { message: line };
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
