import { statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { MarketUnits } from '../../core/market.ts';
import { SpreadlabError } from '../../core/errors.ts';
import type { OrderAction } from '../../core/events.ts';
import { ColumnsBuilder, FLAG_ASK, FLAG_SNAPSHOT_START, Kind, orderFlags } from '../columns.ts';
import { formatSteps, stepScale } from '../decimal.ts';
import { defineFileFormat, type Decoded, type ReplayInput } from '../format.ts';
import { lineChunks } from '../input.ts';
import { shown, type ProblemLog } from '../problems.ts';

/**
 * LOBSTER reader: a message file and its orderbook file (level N), no header, one row per event in both.
 *
 * Rules:
 * - message: time (seconds after midnight, ns decimals), type, order id, size (shares), price (× 10^4),
 *   direction (1 buy limit order, -1 sell limit order). orderbook: ask price, ask size, bid price, bid size
 *   for levels 1..N; an empty level has price 9999999999 (ask) / -9999999999 (bid) and size 0.
 * - Time: midnight of the trading day in the exchange's time zone (default America/New_York) plus the
 *   message's time, floored to µs; exchTs = localTs (LOBSTER has one clock). The day comes from the
 *   scenario's `date`, else from the file name.
 * - Book: the first orderbook row is a snapshot; every later row that differs from the previous one
 *   becomes one message of deltas (levels that left the visible N are deleted, changed levels set),
 *   FLAG_LAST on its last delta. So the replayed book is exactly the file's visible N levels.
 * - Trades: types 4 (visible execution) and 5 (hidden execution) are trades at the message's price and
 *   size; the taker is on the other side of the executed order (direction 1 → a sell taker hit the bid).
 *   A trade comes before the book update of the same message (the merge tie rule). Type 6 (auction cross)
 *   and 7 (halt) are not trades: dropped and counted. A hidden execution priced between ticks (midpoint
 *   pegs trade in half cents) is dropped and counted too: it took hidden liquidity at a better price than
 *   any displayed order, so it must not fill a displayed order in the venue.
 * - Order events (only when ReadOptions.orderEvents asks, for an order-by-order queue model): every message
 *   of type 1 (submit: `add`), 2 (partial cancel: `cancel` of the cancelled size), 3 (delete: `delete` of
 *   the size it had) and 4 (visible execution: `execute`) is also an order event with its order id, on the
 *   side of the order (direction 1: a bid), before the message's trade and book update. Hidden executions
 *   (type 5, no order id), crosses and halts have none. LOBSTER's message file holds the events that touch
 *   the levels its orderbook file shows (level 1: the best bid and ask only), so an order is followed while
 *   its price is displayed: what happens at a level outside them is not in the file.
 * - Problems: wrong field count, a non-integer or negative field, an unknown type or direction, time going
 *   backwards, a crossed orderbook row, a row count that differs between the two files.
 * - Format `lobster` (formats.ts): detected by a LOBSTER file name
 *   (`TICKER_YYYY-MM-DD_start_end_{message|orderbook}_N.csv`) or a first line of 6 numeric fields (message)
 *   / 4N numeric fields (orderbook). Files come in message/orderbook pairs, one decode unit each; naming
 *   only one of a pair finds the other among the inputs or next to it (so the files must keep their
 *   original names). `data convert` names the exchange `lobster`.
 * Known limits: time-zone offset is taken at noon of the day (no DST change inside a trading day); hidden
 *   liquidity is not in the book.
 */
export interface LobsterOptions {
  units: MarketUnits;
  problems: ProblemLog;
  date?: string;
  timezone: string;
  /** Also decode the order events (see the rules). */
  orderEvents?: boolean;
}

const LOBSTER_NAME = /^([A-Za-z0-9.^-]+)_(\d{4}-\d{2}-\d{2})_(\d+)_(\d+)_(message|orderbook)_(\d+)\.csv$/;

export const lobsterFormat = defineFileFormat({
  name: 'lobster',
  description: 'LOBSTER message/orderbook CSV',
  detect: {
    fileName: (name) => LOBSTER_NAME.test(name),
    firstLine(line) {
      const fields = line.split(',');
      return fields.length >= 4 && fields.every((f) => /^-?\d+(\.\d+)?$/.test(f)) && (fields.length === 6 || fields.length % 4 === 0);
    },
  },
  group(files) {
    const pairs: ReplayInput[][] = [];
    const seen = new Set<string>();
    for (const input of files) {
      const pair = lobsterPair(input, files);
      if (seen.has(pair[0].path)) continue;
      seen.add(pair[0].path);
      pairs.push(pair);
    }
    return pairs;
  },
  orderEvents: true,
  decode: ([message, orderbook], options) => readLobster(message, orderbook, options),
  exchange: () => 'lobster',
});

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

/** The order event of each LOBSTER message type that has one. */
const ORDER_EVENT_TYPES: Partial<Record<number, OrderAction>> = { 1: 'add', 2: 'cancel', 3: 'delete', 4: 'execute' };

const EMPTY_ASK = 9999999999;
const EMPTY_BID = -9999999999;

/** Async line-by-line reading over whole-line chunks. */
class Lines {
  private chunk: Buffer | null = null;
  private pos = 0;
  line = 0;
  constructor(private readonly it: AsyncGenerator<Buffer>) {}
  async next(): Promise<string | null> {
    while (this.chunk === null || this.pos >= this.chunk.length) {
      const r = await this.it.next();
      if (r.done) return null;
      this.chunk = r.value;
      this.pos = 0;
    }
    let nl = this.chunk.indexOf(10, this.pos);
    if (nl < 0) nl = this.chunk.length;
    let end = nl;
    if (end > this.pos && this.chunk[end - 1] === 13) end--;
    const text = this.chunk.toString('latin1', this.pos, end);
    this.pos = nl + 1;
    this.line++;
    return text;
  }
}

/** Microseconds from the epoch to midnight of `date` in `timezone`. */
export function midnightMicros(date: string, timezone: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new SpreadlabError(`data.date: ${shown(date)}: expected YYYY-MM-DD`);
  const utcMidnight = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  let offsetMinutes: number;
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: 'longOffset' }).formatToParts(utcMidnight + 12 * 3_600_000);
    const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    const o = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
    offsetMinutes = o ? (o[1] === '-' ? -1 : 1) * (Number(o[2]) * 60 + Number(o[3])) : 0;
  } catch {
    throw new SpreadlabError(`data.timezone: ${shown(timezone)}: expected an IANA time zone such as America/New_York`);
  }
  return (utcMidnight - offsetMinutes * 60_000) * 1000;
}

export async function readLobster(message: ReplayInput, orderbook: ReplayInput, options: LobsterOptions): Promise<Decoded> {
  const nameMatch = LOBSTER_NAME.exec(basename(message.path));
  const date = options.date ?? nameMatch?.[2];
  if (!date) throw new SpreadlabError(`${message.display}: LOBSTER needs the trading day: set data.date (YYYY-MM-DD)`);
  const base = midnightMicros(date, options.timezone);
  const tick = stepScale(options.units.spec.tickSize, 'tickSize');
  const lot = stepScale(options.units.spec.lotSize, 'lotSize');
  const { problems } = options;
  const out = new ColumnsBuilder();
  const msgs = new Lines(lineChunks(message.path, message.display));
  const books = new Lines(lineChunks(orderbook.path, orderbook.display, false)); // read in step with the messages: their activity is the pair's
  let prev: Float64Array | null = null; // previous orderbook row: [askP, askS, bidP, bidS] × N, in ticks/lots
  let cur: Float64Array | null = null;
  let levels = 0;
  let lastTs = -Infinity;
  let lines = 0;
  let dropped = 0;
  let haveBook = false;
  const symbol = nameMatch?.[1] ?? '';

  const toTicks = (raw: number): number => {
    // raw is price × 10^4
    const d = tick.decimals;
    const v = d >= 4 ? (raw * 10 ** (d - 4)) / tick.units : raw / (tick.units * 10 ** (4 - d));
    return Number.isInteger(v) ? v : -1;
  };
  const toLots = (raw: number): number => {
    const v = (raw * 10 ** lot.decimals) / lot.units;
    return Number.isInteger(v) ? v : -1;
  };

  for (;;) {
    const m = await msgs.next();
    const b = await books.next();
    if (m === null && b === null) break;
    if (m === null || b === null) {
      const [file, line] = m === null ? [orderbook.display, books.line] : [message.display, msgs.line];
      problems.report(file, line, 0, `the message and orderbook files have different row counts (expected one orderbook row per message)`);
      break;
    }
    if (m === '' && b === '') continue;
    lines++;
    const mf = m.split(',');
    if (mf.length !== 6) {
      problems.report(message.display, msgs.line, 1, `wrong column count: got ${mf.length}, expected 6 (time,type,order id,size,price,direction)`);
      continue;
    }
    const bf = b.split(',');
    if (levels === 0) {
      if (bf.length % 4 !== 0 || bf.length === 0) {
        problems.report(orderbook.display, books.line, 1, `wrong column count: got ${bf.length}, expected 4 per level (ask price, ask size, bid price, bid size)`);
        continue;
      }
      levels = bf.length / 4;
      prev = new Float64Array(4 * levels);
      cur = new Float64Array(4 * levels);
    } else if (bf.length !== 4 * levels) {
      problems.report(orderbook.display, books.line, 1, `wrong column count: got ${bf.length}, expected ${4 * levels}`);
      continue;
    }
    const column = (i: number) => mf.slice(0, i).reduce((n, f) => n + f.length + 1, 1);
    // time
    const tm = /^(\d+)(?:\.(\d+))?$/.exec(mf[0]);
    if (!tm) {
      problems.report(message.display, msgs.line, 1, `time ${shown(mf[0])}: expected seconds after midnight`);
      continue;
    }
    const ts = base + Number(tm[1]) * 1_000_000 + Number(((tm[2] ?? '') + '000000').slice(0, 6));
    if (ts < lastTs) {
      problems.report(message.display, msgs.line, 1, `time ${mf[0]} went backwards: expected >= the previous message's time`);
      continue;
    }
    const type = Number(mf[1]);
    if (!(Number.isInteger(type) && type >= 1 && type <= 7)) {
      problems.report(message.display, msgs.line, column(1), `type ${shown(mf[1])}: expected 1-7`);
      continue;
    }
    const size = Number(mf[3]);
    const price = Number(mf[4]);
    const direction = Number(mf[5]);
    if (!/^\d+$/.test(mf[3])) {
      problems.report(message.display, msgs.line, column(3), `size ${shown(mf[3])}: expected a non-negative integer`);
      continue;
    }
    if (!/^-?\d+$/.test(mf[4])) {
      problems.report(message.display, msgs.line, column(4), `price ${shown(mf[4])}: expected an integer price × 10^4`);
      continue;
    }
    if (direction !== 1 && direction !== -1) {
      problems.report(message.display, msgs.line, column(5), `direction ${shown(mf[5])}: expected 1 or -1`);
      continue;
    }
    // orderbook row
    const row = cur as Float64Array;
    let bad = false;
    for (let i = 0; i < 4 * levels && !bad; i++) {
      const text = bf[i];
      if (!/^-?\d+$/.test(text)) {
        problems.report(orderbook.display, books.line, bf.slice(0, i).reduce((n, f) => n + f.length + 1, 1), `field ${shown(text)}: expected an integer`);
        bad = true;
        break;
      }
      const v = Number(text);
      const isPrice = i % 2 === 0;
      if (isPrice) {
        if (v === EMPTY_ASK || v === EMPTY_BID) row[i] = NaN;
        else {
          const t = v < 0 ? -1 : toTicks(v);
          if (t < 0) {
            problems.report(orderbook.display, books.line, bf.slice(0, i).reduce((n, f) => n + f.length + 1, 1), `price ${shown(text)} (× 10^-4): expected a non-negative whole number of ${tick.name}`);
            bad = true;
          }
          row[i] = t;
        }
      } else {
        const l = v < 0 ? -1 : toLots(v);
        if (l < 0) {
          problems.report(orderbook.display, books.line, bf.slice(0, i).reduce((n, f) => n + f.length + 1, 1), `size ${shown(text)}: expected a non-negative whole number of ${lot.name}`);
          bad = true;
        }
        row[i] = l;
      }
    }
    if (bad) continue;
    for (let i = 0; i < levels; i++) if (row[4 * i + 1] === 0) row[4 * i] = NaN;
    for (let i = 0; i < levels; i++) if (row[4 * i + 3] === 0) row[4 * i + 2] = NaN;
    if (row[2] >= row[0]) {
      problems.report(orderbook.display, books.line, 0, `book crossed: best bid ${formatSteps(row[2], tick)} >= best ask ${formatSteps(row[0], tick)} (expected bid < ask)`);
      continue;
    }
    lastTs = ts;
    // the order event first, then the trade, then the book
    const action = options.orderEvents ? ORDER_EVENT_TYPES[type] : undefined;
    if (action) {
      const tp = toTicks(price);
      const sz = toLots(size);
      if (!/^\d+$/.test(mf[2])) {
        problems.report(message.display, msgs.line, column(2), `order id ${shown(mf[2])}: expected a non-negative integer`);
        continue;
      }
      if (tp < 0 || sz < 0) {
        problems.report(message.display, msgs.line, column(tp < 0 ? 4 : 3), `order ${tp < 0 ? `price ${mf[4]}` : `size ${mf[3]}`}: expected a whole number of ${tp < 0 ? tick.name : lot.name}`);
        continue;
      }
      out.push(Kind.ORDER, orderFlags(action, direction === -1), ts, ts, tp, sz, Number(mf[2]));
    }
    if (type === 4 || type === 5) {
      const tp = toTicks(price);
      const ts2 = toLots(size);
      if (tp < 0 && type === 5 && ts2 > 0 && Number.isInteger(price) && price > 0) {
        dropped++; // a hidden execution between ticks (midpoint peg): no displayed order could take part
      } else if (tp < 0 || ts2 <= 0) {
        problems.report(message.display, msgs.line, column(tp < 0 ? 4 : 3), `execution ${tp < 0 ? `price ${mf[4]}` : `size ${mf[3]}`}: expected a positive whole number of ${tp < 0 ? tick.name : lot.name}`);
        continue;
      } else out.push(Kind.TRADE, direction === 1 ? FLAG_ASK : 0, ts, ts, tp, ts2);
    } else if (type === 6 || type === 7) dropped++;
    // book
    if (!haveBook || prev === null) {
      let flag = FLAG_SNAPSHOT_START;
      for (const ask of [false, true]) {
        for (let i = 0; i < levels; i++) {
          const p = row[4 * i + (ask ? 0 : 2)];
          if (Number.isNaN(p)) continue;
          out.push(Kind.SNAPSHOT, (ask ? FLAG_ASK : 0) | flag, ts, ts, p, row[4 * i + (ask ? 1 : 3)]);
          flag = 0;
        }
      }
      if (flag === 0) {
        haveBook = true;
        out.markLast();
      }
    } else {
      const before = out.length;
      for (const ask of [false, true]) {
        const po = ask ? 0 : 2;
        // deletions: previous prices not visible any more
        for (let i = 0; i < levels; i++) {
          const p = prev[4 * i + po];
          if (Number.isNaN(p)) continue;
          let found = false;
          for (let j = 0; j < levels; j++) if (row[4 * j + po] === p) found = true;
          if (!found) out.push(Kind.DELTA, ask ? FLAG_ASK : 0, ts, ts, p, 0);
        }
        // changed or new levels
        for (let j = 0; j < levels; j++) {
          const p = row[4 * j + po];
          if (Number.isNaN(p)) continue;
          let old = 0;
          for (let i = 0; i < levels; i++) if (prev[4 * i + po] === p) old = prev[4 * i + po + 1];
          if (old !== row[4 * j + po + 1]) out.push(Kind.DELTA, ask ? FLAG_ASK : 0, ts, ts, p, row[4 * j + po + 1]);
        }
      }
      if (out.length > before) out.markLast();
    }
    const swap: Float64Array = prev ?? new Float64Array(4 * levels);
    prev = row;
    cur = swap;
  }
  return { columns: out.build(), format: `lobster level ${levels}`, symbol, lines, dropped, gaps: 0 };
}
