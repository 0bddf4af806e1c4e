import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { MarketUnits } from '../core/market.ts';
import { SpreadlabError } from '../core/errors.ts';
import { Kind, type EventColumns } from './columns.ts';
import { detectFormat, LOBSTER_NAME, type DataFormat } from './detect.ts';
import { mergeColumns } from './merge.ts';
import { ProblemLog, type OnError } from './problems.ts';
import { readTardisFile } from './tardis/reader.ts';
import { readBinanceRaw } from './binance/raw.ts';
import { readLobster } from './lobster/reader.ts';
import { cachedDecode, type CacheOptions } from './cache.ts';

/**
 * Loading recorded files for a replay: detect each file's format, decode it (through the columnar cache
 * when enabled), merge everything into one table in localTs order (tie rule in merge.ts), and optionally
 * align the capture host's clock.
 *
 * Rules:
 * - Binance raw captures given in one replay are one continuous stream, read in the order given (a later
 *   file continues the order-book sync of the earlier one: the 20240809 capture has no snapshot of its own).
 * - LOBSTER files come in message/orderbook pairs; naming only one of a pair finds the other next to it.
 * - tardis files are decoded one by one and merged (book, trades, quotes; several days in sequence).
 * - Clock alignment (`alignLocalTime`, on by default): when a capture host's clock runs behind the exchange
 *   (some book or trade row has localTs < exchTs), every localTs is shifted by the same constant so that
 *   min(localTs − exchTs) over book and trade rows is 0 — the strategy must never see an event before the
 *   exchange did it (hftbacktest's correct_local_timestamp does the same). Quote rows without their own
 *   exchange time do not count towards the minimum.
 * Known limits: all files are held decoded in memory (about 50 bytes a row); inputs larger than RAM need to
 * be split into several runs.
 */
export interface ReplayOptions {
  units: MarketUnits;
  format: 'auto' | DataFormat;
  onError: OnError | 'collect';
  onGap: 'stop' | 'resync';
  /** LOBSTER: the trading day (YYYY-MM-DD) when the file name does not give it. */
  date?: string;
  /** LOBSTER: the exchange's time zone (times in the files are seconds after local midnight). */
  timezone: string;
  alignLocalTime: boolean;
  cache?: CacheOptions | null;
}

export interface ReplayInput {
  path: string;
  /** The name shown in messages. */
  display: string;
}

export interface LoadedInput {
  format: string;
  files: ReplayInput[];
  symbol: string;
  rows: number;
  lines: number;
  dropped: number;
  gaps: number;
  fromCache: boolean;
}

export interface Replay {
  columns: EventColumns;
  inputs: LoadedInput[];
  files: { path: string; sha256: string }[];
  /** µs added to every localTs by clock alignment (0 when none was needed). */
  localShiftUs: number;
  problems: ProblemLog;
}

/** The decoded content of one input unit (one tardis file, one Binance chain, one LOBSTER pair). */
export interface Decoded {
  columns: EventColumns;
  format: string;
  symbol: string;
  lines: number;
  dropped: number;
  gaps: number;
}

export async function loadReplay(inputs: ReplayInput[], options: ReplayOptions): Promise<Replay> {
  if (inputs.length === 0) throw new SpreadlabError('data.files: expected at least one file');
  const problems = new ProblemLog(options.onError);
  for (const input of inputs) {
    try {
      if (!statSync(input.path).isFile()) throw new Error('EISDIR');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new SpreadlabError(`${input.display}: cannot read data file (${code === 'ENOENT' ? 'no such file' : code})`);
    }
  }
  const sha = new Map<string, string>();
  for (const input of inputs) sha.set(input.path, await sha256File(input.path));
  const units = groupInputs(inputs, options);
  const parts: EventColumns[] = [];
  const loaded: LoadedInput[] = [];
  for (const unit of units) {
    const keyed = { files: unit.files.map((f) => ({ path: f.path, sha256: sha.get(f.path) ?? '' })), format: unit.format, options };
    for (const f of keyed.files) if (!f.sha256) f.sha256 = await sha256File(f.path);
    const { decoded, fromCache } = await cachedDecode(keyed, problems, () => decodeUnit(unit, options, problems));
    parts.push(decoded.columns);
    loaded.push({ format: decoded.format, files: unit.files, symbol: decoded.symbol, rows: decoded.columns.length, lines: decoded.lines, dropped: decoded.dropped, gaps: decoded.gaps, fromCache });
  }
  const merged = mergeColumns(parts);
  const localShiftUs = options.alignLocalTime ? alignLocalTime(merged) : 0;
  const files = inputs.map((input) => ({ path: input.display, sha256: sha.get(input.path) ?? '' }));
  return { columns: merged, inputs: loaded, files, localShiftUs, problems };
}

interface Unit {
  format: DataFormat;
  files: ReplayInput[];
}

/** Splits the inputs into decode units: each tardis file alone, all Binance raw files together, LOBSTER pairs. */
export function groupInputs(inputs: ReplayInput[], options: Pick<ReplayOptions, 'format'>): Unit[] {
  const units: Unit[] = [];
  let binance: Unit | null = null;
  const lobsterSeen = new Set<string>();
  for (const input of inputs) {
    const format = options.format === 'auto' ? detectFormat(input.path, input.display) : options.format;
    if (format === 'tardis') units.push({ format, files: [input] });
    else if (format === 'binance-raw') {
      if (!binance) {
        binance = { format, files: [] };
        units.push(binance);
      }
      binance.files.push(input);
    } else {
      const pair = lobsterPair(input, inputs);
      const key = pair[0].path;
      if (lobsterSeen.has(key)) continue;
      lobsterSeen.add(key);
      units.push({ format, files: pair });
    }
  }
  return units;
}

/** [message, orderbook] for a LOBSTER file, finding the partner among the inputs or next to the file. */
function lobsterPair(input: ReplayInput, inputs: ReplayInput[]): ReplayInput[] {
  const name = basename(input.path);
  const m = LOBSTER_NAME.exec(name);
  if (!m) {
    throw new SpreadlabError(`${input.display}: LOBSTER files must keep their original names (TICKER_YYYY-MM-DD_start_end_message_N.csv and ..._orderbook_N.csv) so the pair can be matched`);
  }
  const partnerName = name.replace(`_${m[5]}_`, m[5] === 'message' ? '_orderbook_' : '_message_');
  const partner = inputs.find((i) => basename(i.path) === partnerName) ?? {
    path: join(dirname(input.path), partnerName),
    display: join(dirname(input.display), partnerName),
  };
  try {
    statSync(partner.path);
  } catch {
    throw new SpreadlabError(`${input.display}: LOBSTER ${m[5]} file without its partner: expected ${partner.display}`);
  }
  return m[5] === 'message' ? [input, partner] : [partner, input];
}

async function decodeUnit(unit: Unit, options: ReplayOptions, problems: ProblemLog): Promise<Decoded> {
  if (unit.format === 'tardis') {
    const [file] = unit.files;
    const r = await readTardisFile(file.path, { units: options.units, problems, display: file.display });
    return { columns: r.columns, format: r.format, symbol: r.symbol, lines: r.lines, dropped: r.dropped, gaps: 0 };
  }
  if (unit.format === 'binance-raw') {
    return readBinanceRaw(unit.files, { units: options.units, problems, onGap: options.onGap });
  }
  const [message, orderbook] = unit.files;
  return readLobster(message, orderbook, { units: options.units, problems, date: options.date, timezone: options.timezone });
}

/** Shifts localTs so that no book or trade row is seen locally before the exchange did it; returns the shift. */
export function alignLocalTime(columns: EventColumns): number {
  let worst = 0;
  for (let i = 0; i < columns.length; i++) {
    if (columns.kind[i] === Kind.QUOTE) continue;
    const lead = columns.exchTs[i] - columns.localTs[i];
    if (lead > worst) worst = lead;
  }
  if (worst > 0) for (let i = 0; i < columns.length; i++) columns.localTs[i] += worst;
  return worst;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
