import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { parseCsvFile } from '../core/csv.ts';
import { SpreadlabError } from '../core/errors.ts';
import type { Micros } from '../core/units.ts';
import type { LatencyContext, LatencyModel } from './latency.ts';
import { defineVenueModel } from './model.ts';

/**
 * `recorded`: order latencies replayed from a recording, interpolated over time, as hftbacktest's
 * IntpOrderLatency does (hftbacktest/src/backtest/models/latency.rs).
 *
 *   "venue": { "latency": { "model": "recorded", "file": "../runs/paper-1" } }
 *
 * Rules:
 * - `file` (relative to the scenario file's folder) is a run folder, whose order log orders.csv is read, or a
 *   CSV file with a header naming at least the columns `sent_ts_us` (when the request was sent, local clock),
 *   `venue_ts_us` (when the venue processed it) and `ack_ts_us` (when its answer came back, local clock), in
 *   µs since the epoch — the order log's own columns, so any run's orders.csv is such a file; other columns
 *   are ignored.
 * - Each row gives one entry latency (venue − sent) at its send time and one response latency (ack − venue)
 *   at its venue time. A row without a send or ack time (an order never answered) is skipped; a row without
 *   a venue time (an exchange that does not report one) splits its round trip in half; a venue time outside
 *   [sent, ack] (the exchange's clock is not ours) is moved to the nearer end, so neither leg is negative
 *   and the round trip is kept.
 * - The entry latency of a request sent at t is interpolated linearly between the two rows whose send times
 *   enclose t; the response latency of an answer (or a fill notice) leaving the venue at t between the two
 *   rows whose venue times enclose t. Before the first row the first row's latency holds, after the last row
 *   the last row's. Latencies are rounded to whole µs.
 * - Deterministic: no random draw.
 * Known limits: the recording's times are used as they are: replay it over the market data recorded with it
 * (a live or paper run folder's market.raw.gz); over other times the model gives the recording's first or
 * last latency. Rejections for technical reasons (hftbacktest's negative latencies) are not modelled.
 */
export const RECORDED_LATENCY_COLUMNS = ['sent_ts_us', 'venue_ts_us', 'ack_ts_us'] as const;
const ORDER_LOG = 'orders.csv';

/** A latency series: at each time (ascending), a latency in µs. */
interface Series {
  times: Float64Array;
  latencies: Float64Array;
}

export interface LatencyRecording {
  entry: Series;
  response: Series;
}

export const recordedLatency = defineVenueModel({
  name: 'recorded',
  description: 'order latencies replayed from a run folder’s orders.csv (or a CSV of sent/venue/ack times), interpolated over time',
  params: z.object({ file: z.string().min(1) }),
  create: ({ file }, context: LatencyContext): LatencyModel => {
    const recording = readLatencyRecording(isAbsolute(file) ? file : join(context.baseDir, file));
    return {
      entry: (sentTs) => interpolate(recording.entry, sentTs),
      response: (venueTs) => interpolate(recording.response, venueTs),
    };
  },
});

/** Reads a recording (a run folder or a CSV, see the rules); a SpreadlabError names the file and what is wrong. */
export function readLatencyRecording(path: string): LatencyRecording {
  if (!existsSync(path))
    throw new SpreadlabError(`venue.latency.file: ${path}: no such file or folder (expected a run folder or a CSV of order times)`);
  const file = statSync(path).isDirectory() ? join(path, ORDER_LOG) : path;
  if (!existsSync(file))
    throw new SpreadlabError(
      `venue.latency.file: ${path}: a folder without ${ORDER_LOG} (expected a run folder written by this version of spreadlab)`,
    );
  const lines: number[] = []; // the line each record starts on
  const records = parseCsvFile(file, readFileSync(file, 'utf8'), lines);
  const header = records[0] ?? [];
  const at = RECORDED_LATENCY_COLUMNS.map((name) => header.indexOf(name));
  const missing = RECORDED_LATENCY_COLUMNS.filter((_, i) => at[i] < 0);
  if (missing.length > 0) {
    throw new SpreadlabError(
      `${file}: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (expected a header with ${RECORDED_LATENCY_COLUMNS.join(', ')}, as in a run's ${ORDER_LOG})`,
    );
  }
  const rows: [Micros, Micros, Micros][] = [];
  records.slice(1).forEach((record, i) => {
    const [sent, venue, ack] = at.map((column, k) =>
      timeCell(record[column], () => `${file} line ${lines[i + 1]}, column ${RECORDED_LATENCY_COLUMNS[k]}`),
    );
    if (Number.isNaN(sent) || Number.isNaN(ack)) return;
    if (ack < sent)
      throw new SpreadlabError(
        `${file} line ${lines[i + 1]}: ack_ts_us ${ack} is before sent_ts_us ${sent} (expected an answer after its request)`,
      );
    rows.push([sent, Number.isNaN(venue) ? (sent + ack) / 2 : Math.min(Math.max(venue, sent), ack), ack]);
  });
  if (rows.length === 0)
    throw new SpreadlabError(`${file}: no order with both sent_ts_us and ack_ts_us (expected at least one answered order)`);
  return {
    entry: series(rows.map(([sent, venue]) => [sent, venue - sent])),
    response: series(rows.map(([, venue, ack]) => [venue, ack - venue])),
  };
}

/** A time cell: µs, or NaN when empty or NA. */
function timeCell(text: string, where: () => string): number {
  if (text === '' || text === 'NA') return NaN;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new SpreadlabError(`${where()}: expected µs since the epoch or NA, got "${text}"`);
  return value;
}

/** Points sorted by time (stable: rows at one time keep their order). */
function series(points: [number, number][]): Series {
  points.sort((a, b) => a[0] - b[0]);
  return { times: Float64Array.from(points, (p) => p[0]), latencies: Float64Array.from(points, (p) => p[1]) };
}

/** The latency at `t`: linear between the enclosing points, the first or last one outside them; whole µs. */
export function interpolate({ times, latencies }: Series, t: Micros): Micros {
  const n = times.length;
  if (!(t >= times[0])) return Math.round(latencies[0]);
  // the last point at or before t
  let low = 0;
  let high = n - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (times[mid] <= t) low = mid;
    else high = mid - 1;
  }
  if (low === n - 1) return Math.round(latencies[n - 1]);
  const x1 = times[low];
  const x2 = times[low + 1];
  return Math.round(latencies[low] + ((latencies[low + 1] - latencies[low]) * (t - x1)) / (x2 - x1));
}
