import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { boundedNumber } from '../core/bounds.ts';
import { SpreadlabError } from '../core/errors.ts';
import { US_PER_MS, type Micros } from '../core/units.ts';

/**
 * Perpetual funding: when payments fall due, at which rate and which mark price, and what one payment is.
 *
 * Rules:
 * - A payment at funding time F settles the position held at F: position × contract size × mark price(F) ×
 *   rate(F), in the quote currency, with Binance's sign: a long pays and a short receives when the rate is
 *   positive (the account is credited −position × contractSize × mark × rate).
 * - From recorded data (`"funding": {"files": [...]}`, paths relative to the scenario file):
 *   - tardis.dev `derivative_ticker` CSV, plain or gzipped (its header names `timestamp`,
 *     `funding_timestamp`, `funding_rate` and `mark_price`): each row announces the rate that will be paid at
 *     its `funding_timestamp` and carries the mark price at its `timestamp` (exchange time, µs);
 *   - Binance raw captures (`<local_ns> <json>` lines): the `markPriceUpdate` messages of the `@markPrice`
 *     stream (`E` event time, `p` mark price, `r` funding rate, `T` next funding time, ms); other lines are
 *     skipped.
 *   The payment at F uses the rate of the last row at or before F (exchange time) that names F as its
 *   funding time, and the mark price of the last row at or before F. A funding time no row before it names
 *   gives no payment.
 * - From a constant rate (`"funding": {"rate": r, "intervalHours": 8}`): a payment at every multiple of the
 *   interval since the Unix epoch (8 h: 00:00, 08:00, 16:00 UTC, Binance's schedule) at rate r, with the
 *   venue's mid at F (that of the last complete book) as the mark price.
 * - The simulator pays those that fall inside the run, start excluded, end included (start < F ≤ end).
 * - Exact: rates and mark prices are read as decimals (never through a float), and a payment is rounded half
 *   away from zero to whole micro tick-lots of its market (1e-6 × tick × lot × contract size; 1e-10 USDT for
 *   Binance USD-M BTCUSDT), the amount the ledger books, so the PnL parts still sum exactly.
 * Known limits: no interest/premium-index computation (the rate is the data's or the constant); the mark
 * price of a constant rate is the venue's mid, not an index-based mark price.
 */
export const fundingSchema = z.union([
  z
    .object({
      rate: boundedNumber({ min: -1, max: 1 }).describe('funding rate per interval (0.0001 = 0.01 %); positive: longs pay shorts'),
      intervalHours: boundedNumber({ min: 1 / 60, max: 24 * 7 }).default(8).describe('hours between payments, counted from 00:00 UTC'),
    })
    .strict()
    .describe('a constant rate, paid at every interval with the venue mid as the mark price'),
  z
    .object({
      files: z
        .array(z.string().min(1))
        .min(1)
        .describe('tardis derivative_ticker CSV(.gz) or Binance raw captures with markPriceUpdate messages'),
    })
    .strict()
    .describe('rates, funding times and mark prices from recorded data'),
]);

export type FundingConfig = z.output<typeof fundingSchema>;

/** An exact decimal: mantissa × 10^−scale. */
export interface Decimal {
  mantissa: bigint;
  scale: number;
}

/** One funding payment due: its time, rate and mark price (null: the venue's mid at that time). */
export interface FundingEvent {
  ts: Micros;
  rate: Decimal;
  markPrice: Decimal | null;
}

/** A market's funding: the payments due (time order) and the files they came from. */
export interface FundingSchedule {
  /** Payments at fixed times with known rates, from data (empty for a constant rate). */
  events: FundingEvent[];
  /** A constant rate paid every `intervalUs` from the epoch, with the venue's mid as mark price. */
  constant: { rate: Decimal; intervalUs: Micros } | null;
  files: { path: string; sha256: string }[];
}

const DECIMAL = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Parses a decimal ("0.00010000", "-1.5e-05", "61234.5") exactly; null when it is not one. */
export function parseDecimal(text: string): Decimal | null {
  const m = DECIMAL.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const fraction = m[3] ?? '';
  const exponent = m[4] === undefined ? 0 : Number(m[4]);
  let mantissa = BigInt(`${m[2]}${fraction}` || '0');
  let scale = fraction.length - exponent;
  if (scale < 0) {
    mantissa *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { mantissa: m[1] === '-' ? -mantissa : mantissa, scale };
}

/** A number given in a scenario as an exact decimal (through its shortest text). */
export function decimalOf(value: number): Decimal {
  const parsed = parseDecimal(String(value));
  if (!parsed) throw new SpreadlabError(`${value}: expected a finite number`);
  return parsed;
}

/** round(numerator / denominator), halves away from zero (denominator > 0). */
function roundedQuotient(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n;
  const n = negative ? -numerator : numerator;
  const q = (2n * n + denominator) / (2n * denominator);
  return negative ? -q : q;
}

/**
 * The amount credited to the account for one payment, in micro tick-lots of the market: −position ×
 * contractSize × mark × rate, rounded half away from zero. `positionLots` in lots; `markPrice` a decimal
 * price, or the venue's mid as best bid + best ask in ticks (`mid2`) when null; `tick` the market's tick
 * size as a decimal. (The lot and contract sizes cancel: a micro tick-lot already carries them.)
 */
export function fundingAmount(positionLots: number, rate: Decimal, markPrice: Decimal | null, mid2: number, tick: Decimal): bigint {
  if (positionLots === 0) return 0n;
  // amount_µTL = −pos × mark × rate × 1e6 / tick
  const pos = BigInt(positionLots);
  if (markPrice === null) {
    // mark = mid2 × tick / 2: the tick cancels
    return roundedQuotient(-pos * BigInt(mid2) * rate.mantissa * 1_000_000n, 2n * 10n ** BigInt(rate.scale));
  }
  const numerator = -pos * markPrice.mantissa * rate.mantissa * 10n ** BigInt(6 + tick.scale);
  const denominator = tick.mantissa * 10n ** BigInt(markPrice.scale + rate.scale);
  return roundedQuotient(numerator, denominator);
}

/** A decimal's value as the nearest double. */
export function decimalNumber(d: Decimal): number {
  return Number(d.mantissa) / 10 ** d.scale;
}

/** The funding times of a constant schedule that fall in (startTs, endTs]. */
export function constantFundingTimes(intervalUs: Micros, startTs: Micros, endTs: Micros): Micros[] {
  const times: Micros[] = [];
  for (let t = (Math.floor(startTs / intervalUs) + 1) * intervalUs; t <= endTs; t += intervalUs) times.push(t);
  return times;
}

/** A market's funding schedule as its scenario entry describes it (files relative to `baseDir`). */
export function openFunding(config: FundingConfig, baseDir: string, where: string): FundingSchedule {
  if ('rate' in config) {
    return { events: [], constant: { rate: decimalOf(config.rate), intervalUs: Math.round(config.intervalHours * 3600e6) }, files: [] };
  }
  const rows: TickerRow[] = [];
  const files: { path: string; sha256: string }[] = [];
  for (const file of config.files) {
    const path = isAbsolute(file) ? file : join(baseDir, file);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      throw new SpreadlabError(`${where}.files: ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    files.push({ path, sha256: createHash('sha256').update(bytes).digest('hex') });
    const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
    rows.push(...(/^\d+ [{[]/.test(text) ? binanceMarkPriceRows(text, path) : tardisTickerRows(text, path)));
  }
  return { events: fundingEvents(rows), constant: null, files };
}

/** One announcement: at `ts` (exchange time), the rate due at `fundingTs` and the mark price then. */
export interface TickerRow {
  ts: Micros;
  fundingTs: Micros;
  rate: Decimal | null;
  markPrice: Decimal | null;
}

/** The payments the rows announce (rules above), in time order. */
export function fundingEvents(rows: TickerRow[]): FundingEvent[] {
  const sorted = [...rows].sort((a, b) => a.ts - b.ts);
  const rateFor = new Map<Micros, Decimal>();
  for (const row of sorted) if (row.rate !== null && row.ts <= row.fundingTs) rateFor.set(row.fundingTs, row.rate);
  const events: FundingEvent[] = [];
  for (const [fundingTs, rate] of [...rateFor].sort((a, b) => a[0] - b[0])) {
    let mark: Decimal | null = null;
    for (const row of sorted) {
      if (row.ts > fundingTs) break;
      if (row.markPrice !== null) mark = row.markPrice;
    }
    if (mark !== null) events.push({ ts: fundingTs, rate, markPrice: mark });
  }
  return events;
}

const TICKER_COLUMNS = ['timestamp', 'funding_timestamp', 'funding_rate', 'mark_price'] as const;

/** Rows of a tardis.dev derivative_ticker CSV (empty cells are unknown values). */
function tardisTickerRows(text: string, path: string): TickerRow[] {
  const lines = text.split(/\r?\n/);
  const header = lines[0].split(',');
  const index = TICKER_COLUMNS.map((c) => header.indexOf(c));
  if (index.some((i) => i < 0)) {
    throw new SpreadlabError(
      `${path}:1: expected a tardis derivative_ticker CSV (columns ${TICKER_COLUMNS.join(', ')}) or a Binance raw capture with markPriceUpdate messages, got ${JSON.stringify(lines[0].slice(0, 120))}`,
    );
  }
  const rows: TickerRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const cells = lines[i].split(',');
    const cell = (k: number): string => cells[index[k]] ?? '';
    const ts = Number(cell(0));
    const fundingTs = cell(1) === '' ? NaN : Number(cell(1));
    const rate = cell(2) === '' ? null : parseDecimal(cell(2));
    const mark = cell(3) === '' ? null : parseDecimal(cell(3));
    if (!Number.isSafeInteger(ts) || (cell(2) !== '' && rate === null) || (cell(3) !== '' && mark === null)) {
      throw new SpreadlabError(`${path}:${i + 1}: expected µs timestamps and decimal funding_rate and mark_price, got ${JSON.stringify(lines[i].slice(0, 160))}`);
    }
    rows.push({ ts, fundingTs: Number.isSafeInteger(fundingTs) ? fundingTs : NaN, rate, markPrice: mark });
  }
  return rows;
}

/** The markPriceUpdate messages of a Binance raw capture. */
function binanceMarkPriceRows(text: string, path: string): TickerRow[] {
  const rows: TickerRow[] = [];
  let line = 0;
  for (const raw of text.split('\n')) {
    line++;
    if (!raw.includes('markPriceUpdate')) continue;
    const space = raw.indexOf(' ');
    let message: Record<string, unknown>;
    try {
      const parsed = JSON.parse(raw.slice(space + 1)) as Record<string, unknown>;
      message = (parsed.data ?? parsed) as Record<string, unknown>;
    } catch {
      throw new SpreadlabError(`${path}:${line}: a markPriceUpdate line that is not valid JSON`);
    }
    if (message.e !== 'markPriceUpdate') continue;
    const rate = parseDecimal(String(message.r ?? ''));
    const mark = parseDecimal(String(message.p ?? ''));
    if (typeof message.E !== 'number' || typeof message.T !== 'number' || !rate || !mark) {
      throw new SpreadlabError(`${path}:${line}: expected a markPriceUpdate with E, T (ms), r and p, got ${raw.slice(space + 1, space + 200)}`);
    }
    rows.push({ ts: message.E * US_PER_MS, fundingTs: message.T * US_PER_MS, rate, markPrice: mark });
  }
  if (rows.length === 0) throw new SpreadlabError(`${path}: no markPriceUpdate message (expected the @markPrice stream's messages for funding)`);
  return rows;
}
