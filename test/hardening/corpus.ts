import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect } from 'vitest';
import { ROOT } from '../spawn-cli.ts';

/**
 * The hardening corpus (issue 15): bad inputs and hostile environments, generated here in temporary
 * folders, run through the real `spreadlab` command. Every case has a deadline: a case that does not end
 * within it is a hang, reported as such (the process is killed), never a stuck test.
 *
 * What every user error must look like (expectUserError): exit 2, one line on stderr starting
 * "spreadlab: ", no stack trace, within the deadline.
 */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The deadline passed and the process was killed: a hang. */
  timedOut: boolean;
  ms: number;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Default 60 s (a loaded 2-core machine); a hang case gives less. */
  timeoutMs?: number;
  /** Run as another user (only when this process is root), e.g. to make permissions bite. */
  uid?: number;
  /** Wrap the command, e.g. in `unshare` (see onTinyDisk). */
  wrap?: string[];
}

/** Runs `spreadlab ARGS` (the built command) and never waits past the deadline. */
export function cli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const command = [...(options.wrap ?? []), process.execPath, join(ROOT, 'bin/spreadlab.js'), ...args];
  const spawnOptions: SpawnOptions = {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, CI: '1', NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
  };
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), spawnOptions);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, timedOut, ms: Date.now() - started });
    });
  });
}

/** A user error as promised: exit 2, one `spreadlab: ` line matching `pattern`, no stack trace, no hang. */
export function expectUserError(r: CliResult, pattern: RegExp): void {
  expect(r.timedOut, `hung (killed after ${r.ms} ms); stderr: ${r.stderr}`).toBe(false);
  expect(r.stderr, 'no stack trace').not.toMatch(/\n\s+at |internal error/);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('spreadlab: warning: '));
  expect(lines, `one error line, got: ${r.stderr}`).toHaveLength(1);
  expect(lines[0]).toMatch(/^spreadlab: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.status, r.stderr).toBe(2);
}

/** A success: exit 0 within the deadline, no stack trace. */
export function expectOk(r: CliResult): void {
  expect(r.timedOut, `hung (killed after ${r.ms} ms)`).toBe(false);
  expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
  expect(r.status, r.stderr).toBe(0);
}

export function tempDir(prefix = 'spreadlab-corpus-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Every file under `dir` with its content, to show that nothing of the user's was touched. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (at: string, rel: string): void => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path, `${rel}${name}/`);
      else out[`${rel}${name}`] = readFileSync(path).toString('base64');
    }
  };
  walk(dir, '');
  return out;
}

/** A folder of the user's: a note and a sub-folder with data. */
export function userFolder(dir: string): string {
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'notes.txt'), 'my notes\n');
  writeFileSync(join(dir, 'sub', 'data.csv'), 'a,b\n1,2\n');
  return dir;
}

/** A FIFO (named pipe) with no writer: opening it for reading blocks forever. */
export function fifo(dir: string, name = 'pipe'): string {
  const path = join(dir, name);
  const made = spawnSync('mkfifo', [path]);
  if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}`);
  return path;
}

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
/** The user "nobody", for permission cases when the tests run as root (root reads everything). */
export const NOBODY = 65_534;

/** Makes `path` unreadable to the user a case runs as (nobody under root; this user otherwise). */
export function unreadable(path: string): CliOptions {
  chmodSync(path, 0o000);
  return isRoot ? { uid: NOBODY, env: { HOME: tmpdir() } } : {};
}

/** Whether a private mount namespace can be made (unshare -rm): the tiny-disk cases need one. */
export const canMountTinyDisk = spawnSync('unshare', ['-rm', 'true']).status === 0;

/**
 * Runs the command with a fresh `size` tmpfs mounted on `dir` (in a private mount namespace): a full disk.
 * The disk vanishes with the namespace, so what the command left there is printed to stdout after it,
 * behind TINY_DISK_LISTING: one `path size` line per file, then every .jsonl file's content (tinyDiskLeft).
 */
export function onTinyDisk(dir: string, size: string): CliOptions {
  const script = [
    `mount -t tmpfs -o size=${size} tmpfs "$0" || exit 99`,
    '"$@"',
    'rc=$?',
    `echo "${TINY_DISK_LISTING}"`,
    'find "$0" -mindepth 1 -printf "%P %s\\n"',
    'for f in $(find "$0" -name "*.jsonl"); do echo "--- $f"; cat "$f"; done',
    'exit $rc',
  ].join('\n');
  return { wrap: ['unshare', '-rm', 'sh', '-c', script, dir] };
}

const TINY_DISK_LISTING = '--- left on the disk';

/** What onTinyDisk listed: the files left (relative path → size) and the text after them (the .jsonl files). */
export function tinyDiskLeft(r: CliResult): { files: Record<string, number>; journals: string } {
  const at = r.stdout.indexOf(TINY_DISK_LISTING);
  expect(at, 'the tiny disk was mounted and listed').toBeGreaterThanOrEqual(0);
  const rest = r.stdout.slice(at + TINY_DISK_LISTING.length + 1);
  const cut = rest.indexOf('--- ');
  const listing = cut < 0 ? rest : rest.slice(0, cut);
  const files: Record<string, number> = {};
  for (const line of listing.split('\n').filter(Boolean)) {
    const space = line.lastIndexOf(' ');
    files[line.slice(0, space)] = Number(line.slice(space + 1));
  }
  return { files, journals: cut < 0 ? '' : rest.slice(cut) };
}

// ---- data files ----

const BOOK_HEADER = 'exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount';
const TRADES_HEADER = 'exchange,symbol,timestamp,local_timestamp,id,side,price,amount';

/** A small tardis market: a snapshot, then a delta and a trade every second for `seconds`, around `mid`. */
export function tardisMarket(dir: string, options: { symbol?: string; seconds?: number; mid?: number; prefix?: string } = {}) {
  const symbol = options.symbol ?? 'BTCUSDT';
  const seconds = options.seconds ?? 120;
  const mid = options.mid ?? 100;
  const t0 = 1_700_000_000_000_000;
  const book = [BOOK_HEADER];
  const trades = [TRADES_HEADER];
  const px = (x: number) => x.toFixed(2);
  for (let l = 1; l <= 5; l++) {
    book.push(`x,${symbol},${t0},${t0 + 100},true,bid,${px(mid - l * 0.01)},1`);
    book.push(`x,${symbol},${t0},${t0 + 100},true,ask,${px(mid + l * 0.01)},1`);
  }
  for (let s = 1; s <= seconds; s++) {
    const ts = t0 + s * 1_000_000;
    book.push(`x,${symbol},${ts},${ts + 100},false,${s % 2 ? 'bid' : 'ask'},${px(s % 2 ? mid - 0.01 : mid + 0.01)},${1 + (s % 3)}`);
    trades.push(`x,${symbol},${ts + 50},${ts + 150},${s},${s % 2 ? 'sell' : 'buy'},${px(s % 2 ? mid - 0.01 : mid + 0.01)},0.1`);
  }
  const prefix = options.prefix ?? `x_${symbol}`;
  const bookFile = join(dir, `${prefix}_incremental_book_L2.csv`);
  const tradesFile = join(dir, `${prefix}_trades.csv`);
  writeFileSync(bookFile, `${book.join('\n')}\n`);
  writeFileSync(tradesFile, `${trades.join('\n')}\n`);
  return { bookFile, tradesFile, t0, trades, book };
}

/** Rewrites line `n` (1-based, the header is line 1) of a text file with `edit`. */
export function editLine(file: string, n: number, edit: (line: string) => string): void {
  const lines = readFileSync(file, 'utf8').split('\n');
  lines[n - 1] = edit(lines[n - 1]);
  writeFileSync(file, lines.join('\n'));
}

/** A replay scenario over `files` (market of 0.01 / 0.001, the seed strategy), written into `dir`. */
export function replayScenario(
  dir: string,
  files: string[],
  extra: Record<string, unknown> = {},
  data: Record<string, unknown> = {},
): string {
  const file = join(dir, `scenario-${Math.random().toString(36).slice(2, 8)}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      name: 'corpus-replay',
      market: { symbol: 'BTCUSDT', tickSize: 0.01, lotSize: 0.001, makerFeeBps: 0, takerFeeBps: 0 },
      data: { kind: 'replay', files, cache: false, ...data },
      analytics: { horizonsSeconds: [1, 5], mainHorizonSeconds: 5 },
      strategy: { name: 'fixed-spread', spreadBps: 2, size: 0.01, requoteMs: 1000 },
      ...extra,
    }),
  );
  return file;
}

/** The demo scenario shortened to `seconds` (fast runs). */
export const DEMO = ['scenarios/demo.json', '--set', 'durationSeconds=60', '--quiet'];

/** Gzips a text file's content into `path`. */
export function writeGzip(path: string, text: string): string {
  writeFileSync(path, gzipSync(Buffer.from(text)));
  return path;
}
