import { MarketUnits } from '../core/market.ts';
import { FLAG_LAST, Kind, type EventColumns } from './columns.ts';
import type { ReplayInput } from './format.ts';
import type { FormatName } from './formats.ts';
import { mergeColumns } from './merge.ts';
import { checkInputs, decodeUnit, groupInputs, sha256File } from './replay.ts';
import { hasTrades, sameMarket, screenFarPrints, tradeInputsLabel, withoutDuplicateInputs } from './screen.ts';
import { ProblemLog, type Problem } from './problems.ts';

/**
 * `data inspect` and `data validate` as library functions.
 *
 * Rules:
 * - Files are grouped as a replay groups them (each tardis file alone, Binance raw files as one stream,
 *   LOBSTER pairs) and decoded at a fine resolution (1e-8) unless the caller gives tickSize/lotSize, so
 *   any decimal file can be inspected without knowing its market.
 * - Tick size inferred: the greatest common divisor of every price seen (likewise lot size from sizes);
 *   it is the coarsest step the data allows, so it can be finer than the exchange's step, never coarser.
 * - Time gaps: pauses between consecutive rows longer than `gapSeconds` (default 5 s), largest first.
 * - validate lists every problem (file:line:column) up to a limit; the count is exact. Besides each
 *   reader's own checks it applies the replay's checks across inputs (screen.ts): a file listed twice,
 *   files of different symbols, trades printed far outside the book of the merged inputs.
 * Known limits: inference sees only the file's own values; prices above ~9e7 at 1e-8 exceed 2^53 and are
 * reported as problems — pass --tick-size then.
 */
export const FINE_STEP = 1e-8;

export interface InspectOptions {
  tickSize?: number;
  lotSize?: number;
  format?: 'auto' | FormatName;
  date?: string;
  timezone?: string;
  gapSeconds?: number;
  onError?: 'stop' | 'skip' | 'collect';
}

export interface InspectReport {
  files: string[];
  format: string;
  symbol: string;
  rows: number;
  lines: number;
  byKind: { snapshotRows: number; deltas: number; messages: number; trades: number; quotes: number };
  start: number | null;
  end: number | null;
  tickSize: number | null;
  lotSize: number | null;
  /** Median and max of localTs − exchTs over book and trade rows, µs (the feed's latency or clock offset). */
  localMinusExch: { median: number; min: number; max: number } | null;
  timeGaps: { at: number; seconds: number }[];
  sequenceGaps: number;
  dropped: number;
  problems: number;
}

export async function inspectFiles(inputs: ReplayInput[], options: InspectOptions = {}): Promise<{ reports: InspectReport[]; problems: Problem[]; problemCount: number }> {
  const tick = options.tickSize ?? FINE_STEP;
  const lot = options.lotSize ?? FINE_STEP;
  const units = new MarketUnits({ symbol: '', tickSize: tick, lotSize: lot, makerFeeBps: 0, takerFeeBps: 0 });
  const replayOptions = {
    units,
    format: options.format ?? 'auto',
    onError: options.onError ?? 'collect',
    onGap: options.onError === 'stop' ? ('stop' as const) : ('resync' as const),
    date: options.date,
    timezone: options.timezone ?? 'America/New_York',
    alignLocalTime: false,
    cache: null,
  };
  const reports: InspectReport[] = [];
  const problems: Problem[] = [];
  let problemCount = 0;
  checkInputs(inputs);
  const across = new ProblemLog(replayOptions.onError);
  const sha = new Map<string, string>();
  for (const input of inputs) sha.set(input.path, await sha256File(input.path));
  const decodedUnits: { files: ReplayInput[]; symbol: string; columns: EventColumns }[] = [];
  for (const unit of groupInputs(withoutDuplicateInputs(inputs, sha, across), replayOptions)) {
    checkInputs(unit.files); // a LOBSTER partner found next to its file
    const log = new ProblemLog(replayOptions.onError);
    const input = await decodeUnit(unit, replayOptions, log);
    decodedUnits.push({ files: unit.files, symbol: input.symbol, columns: input.columns });
    problems.push(...log.list);
    problemCount += log.count;
    const c = input.columns;
    reports.push({
      files: unit.files.map((f) => f.display),
      format: input.format,
      symbol: input.symbol,
      rows: c.length,
      lines: input.lines,
      byKind: countKinds(c),
      start: c.length ? c.localTs[0] : null,
      end: c.length ? c.localTs[c.length - 1] : null,
      tickSize: options.tickSize ?? inferStep(c, 'price', tick),
      lotSize: options.lotSize ?? inferStep(c, 'size', lot),
      localMinusExch: lag(c),
      timeGaps: timeGaps(c, (options.gapSeconds ?? 5) * 1e6),
      sequenceGaps: input.gaps,
      dropped: input.dropped,
      problems: log.count,
    });
  }
  const market = sameMarket(decodedUnits, across);
  const kept = decodedUnits.filter((_, i) => market[i]);
  screenFarPrints(
    mergeColumns(kept.map((u) => u.columns)),
    tradeInputsLabel(kept.map((u) => ({ files: u.files, trades: hasTrades(u.columns) }))),
    tick,
    across,
  );
  problems.push(...across.list);
  problemCount += across.count;
  return { reports, problems, problemCount };
}

function countKinds(c: EventColumns): InspectReport['byKind'] {
  const k = { snapshotRows: 0, deltas: 0, messages: 0, trades: 0, quotes: 0 };
  for (let i = 0; i < c.length; i++) {
    const kind = c.kind[i];
    if (kind === Kind.DELTA) k.deltas++;
    else if (kind === Kind.SNAPSHOT) k.snapshotRows++;
    else if (kind === Kind.TRADE) k.trades++;
    else k.quotes++;
    if ((kind === Kind.DELTA || kind === Kind.SNAPSHOT) && (c.flags[i] & FLAG_LAST) !== 0) k.messages++;
  }
  return k;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** The coarsest step dividing every nonzero value (in units of `step`), back in decimal; null when no values. */
export function inferStep(c: EventColumns, column: 'price' | 'size', step: number): number | null {
  let g = 0;
  const a = c[column];
  const b = column === 'price' ? c.price2 : c.size2;
  for (let i = 0; i < c.length; i++) {
    const v = a[i];
    if (v > 0 && Number.isFinite(v)) g = gcd(v, g);
    if (c.kind[i] === Kind.QUOTE) {
      const w = b[i];
      if (w > 0 && Number.isFinite(w)) g = gcd(w, g);
    }
    if (g === 1) break;
  }
  if (g === 0) return null;
  const decimals = Math.max(0, Math.round(-Math.log10(step)));
  return Number((g * step).toFixed(decimals));
}

function lag(c: EventColumns): InspectReport['localMinusExch'] {
  const values: number[] = [];
  for (let i = 0; i < c.length; i++) if (c.kind[i] !== Kind.QUOTE) values.push(c.localTs[i] - c.exchTs[i]);
  if (values.length === 0) return null;
  values.sort((x, y) => x - y);
  return { median: values[values.length >> 1], min: values[0], max: values[values.length - 1] };
}

function timeGaps(c: EventColumns, minUs: number): InspectReport['timeGaps'] {
  const gaps: { at: number; seconds: number }[] = [];
  for (let i = 1; i < c.length; i++) {
    const d = c.localTs[i] - c.localTs[i - 1];
    if (d > minUs) gaps.push({ at: c.localTs[i - 1], seconds: d / 1e6 });
  }
  return gaps.sort((x, y) => y.seconds - x.seconds).slice(0, 10);
}
