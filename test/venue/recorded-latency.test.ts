import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpreadlabError } from '../../src/core/errors.ts';
import { Rng } from '../../src/core/rng.ts';
import { parseScenario } from '../../src/sim/scenario.ts';
import { createLatencyModel } from '../../src/venue/models.ts';
import { backtestWithOrderLog, BOOK_AROUND_100 } from '../sim/helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'recorded-latency-'));
const rng = new Rng('x');

/** A recording: rows of sent, venue, ack (µs or NA), plus a column the model ignores. */
function recording(name: string, rows: (number | 'NA')[][], header = 'order_id,sent_ts_us,venue_ts_us,ack_ts_us'): string {
  const file = join(tmp, name);
  writeFileSync(file, `${header}\n${rows.map((r, i) => [i + 1, ...r].join(',')).join('\n')}\n`);
  return file;
}

// entry 100 at 1000, 300 at 2000, 250 at 3000 (no venue time: half the round trip), 0 at 4000 (venue time
// before the send: moved to it); response 200 at 1100, 100 at 2300, 250 at 3250, 100 at 4000. The last row
// was never answered: skipped.
const rows: (number | 'NA')[][] = [
  [1000, 1100, 1300],
  [2000, 2300, 2400],
  [3000, 'NA', 3500],
  [4000, 3900, 4100],
  [5000, 'NA', 'NA'],
];

describe('recorded latency', () => {
  const model = createLatencyModel({ model: 'recorded', file: recording('rows.csv', rows) }, rng);

  it('entry latency: interpolated between the rows enclosing the send time; the first and last row hold outside them', () => {
    expect([500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 9000].map((t) => model.entry(t))).toEqual([
      100, 100, 200, 300, 275, 250, 125, 0, 0,
    ]);
  });

  it('response latency: interpolated over the rows’ venue times', () => {
    expect([0, 1100, 1700, 2300, 3250, 4000, 9000].map((t) => model.response(t))).toEqual([200, 200, 150, 100, 250, 100, 100]);
  });

  it('reads a run folder’s orders.csv, relative to the scenario’s folder, and is what a scenario can name', () => {
    const run = join(tmp, 'runs', 'paper-1');
    mkdirSync(run, { recursive: true });
    writeFileSync(join(run, 'orders.csv'), 'sent_ts_us,venue_ts_us,ack_ts_us\n0,7000,9000\n');
    const fromFolder = createLatencyModel({ model: 'recorded', file: 'runs/paper-1' }, rng, tmp);
    expect([fromFolder.entry(50), fromFolder.response(50)]).toEqual([7000, 2000]);
    const scenario = parseScenario(
      {
        name: 's',
        durationSeconds: 1,
        market: { symbol: 'T', tickSize: 0.01, lotSize: 1 },
        data: {
          kind: 'synthetic',
          model: 'random-walk',
          startPrice: 100,
          volatility: 0.01,
          levelSize: 1,
          tradesPerSecond: 1,
          tradeSize: 1,
        },
        venue: { latency: { model: 'recorded', file: 'runs/paper-1' } },
        strategy: { name: 'fixed-spread', spreadBps: 10, size: 1 },
      },
      's.json',
    );
    expect(scenario.venue.latency).toEqual({ model: 'recorded', file: 'runs/paper-1' });
  });

  it('a backtest’s orders take the recorded latencies at their send times', async () => {
    const { orders } = await backtestWithOrderLog(
      [BOOK_AROUND_100],
      async ({ venue, clock, market }) => {
        await clock.sleep(1.5); // sent at 1500: entry 200, the answer leaves at 1700: response 150
        await venue.placeOrder({ market, side: 'buy', price: 99.98, size: 1, postOnly: true });
        await venue.placeOrder({ market, side: 'sell', price: 100.02, size: 1, postOnly: true }); // sent at 1850
      },
      model,
      20_000,
    );
    expect(orders.map((o) => [o.sentTs, o.venueTs, o.ackTs])).toEqual([
      [1500, 1700, 1850],
      // entry at 1850: 100 + (300 − 100) · 850/1000 = 270; response at 2120: 200 + (100 − 200) · 1020/1200 = 115
      [1850, 2120, 2235],
    ]);
  });

  it('refuses a file without the three time columns, a bad cell, an answer before its request, or no answered order', () => {
    const fails = (file: string, message: RegExp) => {
      expect(() => createLatencyModel({ model: 'recorded', file }, rng)).toThrow(SpreadlabError);
      expect(() => createLatencyModel({ model: 'recorded', file }, rng)).toThrow(message);
    };
    fails(
      recording('no-venue.csv', [[1, 2]], 'order_id,sent_ts_us,ack_ts_us'),
      /no-venue\.csv: missing column venue_ts_us \(expected a header with sent_ts_us, venue_ts_us, ack_ts_us/,
    );
    fails(
      recording('bad-cell.csv', [[1, 'x' as never, 3]]),
      /bad-cell\.csv line 2, column venue_ts_us: expected µs since the epoch or NA, got "x"/,
    );
    fails(recording('backwards.csv', [[10, 5, 4]]), /backwards\.csv line 2: ack_ts_us 4 is before sent_ts_us 10/);
    const blankLine = recording('blank-line.csv', [
      [10, 20, 30],
      [10, 5, 4],
    ]);
    writeFileSync(blankLine, readFileSync(blankLine, 'utf8').replace('\n', '\n\n')); // a blank line after the header
    fails(blankLine, /blank-line\.csv line 4: ack_ts_us 4 is before sent_ts_us 10/);
    fails(
      recording('short-row.csv', [[1000, 1100, 1200], [2000, 2300] as never]),
      /short-row\.csv line 3: not a valid CSV \(expected 4 fields \(as many as the first record\), got 3\)/,
    );
    fails(recording('unanswered.csv', [[10, 'NA', 'NA']]), /unanswered\.csv: no order with both sent_ts_us and ack_ts_us/);
    fails(join(tmp, 'nowhere'), /venue\.latency\.file: .*nowhere: no such file or folder/);
    fails(tmp, /a folder without orders\.csv/);
  });
});
