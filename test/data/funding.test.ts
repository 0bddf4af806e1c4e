import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../src/core/events.ts';
import { MarketUnits } from '../../src/core/market.ts';
import { Rng } from '../../src/core/rng.ts';
import { openEventArray, openEventArrayByExchTime } from '../../src/data/array-source.ts';
import { constantFundingTimes, decimalOf, fundingAmount, openFunding, parseDecimal, type FundingSchedule } from '../../src/data/funding.ts';
import { runBacktest } from '../sim/run-backtest.ts';
import type { Strategy } from '../../src/strategy/api.ts';
import { feeSchedule } from '../../src/venue/fees.ts';
import { createLatencyModel, createQueueModel } from '../../src/venue/models.ts';

const dir = mkdtempSync(join(tmpdir(), 'spreadlab-funding-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const H = 3600e6; // µs
const F1 = Date.parse('2024-08-09T00:00:00Z') * 1000; // funding times
const F2 = F1 + 8 * H;

/**
 * A crafted tardis derivative_ticker file: rows every 20 min announce the next funding time and its rate,
 * with a mark price; the rate for F1 changes once before it (the last announcement counts), and the rows
 * after F1 announce F2.
 */
const TICKER = [
  'exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate,predicted_funding_rate,open_interest,last_price,index_price,mark_price',
  `binance-futures,BTCUSDT,${F1 - 40 * 60e6},${F1 - 40 * 60e6 + 900},${F1},0.00012,0.0001,70000,61000.1,61000.0,61000.55`,
  `binance-futures,BTCUSDT,${F1 - 20 * 60e6},${F1 - 20 * 60e6 + 900},${F1},0.000105,0.0001,70000,61200.1,61200.0,61234.56789012`,
  `binance-futures,BTCUSDT,${F1},${F1 + 900},${F2},-0.00003,,70000,61300.0,61300.0,61299.9`,
  `binance-futures,BTCUSDT,${F2 - 60e6},${F2 - 60e6 + 900},${F2},-0.0000375,,70000,60000.0,60000.0,59999.12345678`,
].join('\n');

function writeTicker(name: string, text: string, gzip = false): string {
  const path = join(dir, name);
  writeFileSync(path, gzip ? gzipSync(text) : text);
  return path;
}

describe('funding schedules from data', () => {
  it('a tardis derivative_ticker file: each funding time with the last rate announced for it and the mark price then', () => {
    const schedule = openFunding({ files: [writeTicker('ticker.csv.gz', TICKER, true)] }, dir, 'market.funding');
    expect(schedule.events).toEqual([
      // F1: the second announcement's rate (0.000105, not 0.00012); the mark of the row stamped at F1 (at or before F1)
      { ts: F1, rate: parseDecimal('0.000105'), markPrice: parseDecimal('61299.9') },
      { ts: F2, rate: parseDecimal('-0.0000375'), markPrice: parseDecimal('59999.12345678') },
    ]);
    expect(schedule.files[0].sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("a Binance raw capture's markPriceUpdate messages give the same schedule (other lines skipped)", () => {
    const ms = (us: number): number => us / 1000;
    const line = (us: number, T: number, r: string, p: string): string =>
      `${us * 1000 + 5} {"stream":"btcusdt@markprice","data":{"e":"markPriceUpdate","E":${ms(us)},"s":"BTCUSDT","p":"${p}","i":"0","P":"0","r":"${r}","T":${ms(T)}}}`;
    const raw = [
      line(F1 - 40 * 60e6, F1, '0.00012000', '61000.55'),
      `${(F1 - 30 * 60e6) * 1000} {"stream":"btcusdt@trade","data":{"e":"trade","E":1,"T":1,"p":"61000","q":"0.1","m":true}}`,
      line(F1 - 20 * 60e6, F1, '0.00010500', '61234.56789012'),
      line(F1, F2, '-0.00003000', '61299.90000000'),
      line(F2 - 60e6, F2, '-0.00003750', '59999.12345678'),
    ].join('\n');
    const schedule = openFunding({ files: [writeTicker('capture.raw', raw)] }, dir, 'market.funding');
    expect(schedule.events.map((e) => [e.ts, Number(e.rate.mantissa) / 10 ** e.rate.scale, Number(e.markPrice!.mantissa) / 10 ** e.markPrice!.scale])).toEqual([
      [F1, 0.000105, 61299.9],
      [F2, -0.0000375, 59999.12345678],
    ]);
  });

  it('refuses a file of another kind, naming it and the columns expected', () => {
    const path = writeTicker('trades.csv', 'exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n');
    expect(() => openFunding({ files: [path] }, dir, 'markets[1].funding')).toThrow(/trades\.csv:1: expected a tardis derivative_ticker CSV/);
    expect(() => openFunding({ files: ['missing.csv'] }, dir, 'markets[1].funding')).toThrow(/markets\[1\]\.funding\.files: .*missing\.csv: cannot read/);
  });

  it('a constant rate pays at every multiple of the interval since the epoch inside (start, end]', () => {
    const start = F1 - 9 * H;
    expect(constantFundingTimes(8 * H, start, F2)).toEqual([F1 - 8 * H, F1, F2]);
    expect(constantFundingTimes(8 * H, F1, F1 + H)).toEqual([]); // start excluded
  });
});

describe('a payment', () => {
  const tick = decimalOf(0.1);
  it('is −position × mark × rate, exact to the micro tick-lot (Binance: longs pay a positive rate)', () => {
    // 0.005 BTC long (5 lots of 0.001) at mark 61234.56789012, rate 0.0001: pays 0.0306172839... USDT
    // µTL = 1e-6 × 0.1 × 0.001 = 1e-10 USDT: −306172839.4506 → −306172839
    const units = new MarketUnits({ symbol: 'BTCUSDT', tickSize: 0.1, lotSize: 0.001, makerFeeBps: 0, takerFeeBps: 0 });
    const amount = fundingAmount(5, parseDecimal('0.0001')!, parseDecimal('61234.56789012')!, NaN, tick);
    expect(amount).toBe(-306172839n);
    expect(units.money(amount)).toBe(-0.0306172839);
    // a short receives; a negative rate reverses both
    expect(fundingAmount(-5, parseDecimal('0.0001')!, parseDecimal('61234.56789012')!, NaN, tick)).toBe(306172839n);
    expect(fundingAmount(5, parseDecimal('-0.0001')!, parseDecimal('61234.56789012')!, NaN, tick)).toBe(306172839n);
    // at the venue's mid (a constant rate): mid2 = best bid + best ask in ticks
    expect(fundingAmount(2, parseDecimal('0.0001')!, null, 2 * 612345, tick)).toBe(-122469000n); // 0.002 × 61234.5 × 0.0001
  });
});

describe('funding in a backtest', () => {
  const units = new MarketUnits({ symbol: 'BTCUSDT', tickSize: 0.1, lotSize: 0.001, makerFeeBps: 0, takerFeeBps: 0 });
  /** A book around 61000 from F1 − 1 h to F2 + 1 h, refreshed every 10 min (so a run spans both funding times). */
  const events: MarketEvent[] = [];
  for (let t = F1 - H; t <= F2 + H; t += 10 * 60e6) {
    events.push({ kind: 'snapshot', exchTs: t, localTs: t, bidPrices: [609999], bidSizes: [1000], askPrices: [610001], askSizes: [1000] });
  }
  /** Buys `first` lots at the start, then (after F1) sells `second`: positions at F1 and F2 are known. */
  const trader =
    (first: number, second: number): Strategy =>
    async ({ venue, clock, market }) => {
      await venue.placeOrder({ market, side: 'buy', size: first * 0.001, type: 'market' });
      await clock.sleep((2 * H) / 1000); // ms
      await venue.placeOrder({ market, side: 'sell', size: second * 0.001, type: 'market' });
      await clock.sleep((10 * H) / 1000);
    };
  const run = (schedule: FundingSchedule, strategy: Strategy) =>
    runBacktest({
      units,
      fees: feeSchedule(0, 0),
      openEvents: openEventArray(events),
      openVenueEvents: openEventArrayByExchTime(events),
      startTs: F1 - H,
      endTs: F2 + H,
      queue: createQueueModel({ model: 'risk-averse' }),
      latency: createLatencyModel({ model: 'constant', entryMs: 1, responseMs: 1 }, new Rng('f')),
      strategy,
      funding: schedule,
      kind: 'perpetual',
    });

  it('on the crafted derivative_ticker file: each payment = position held then × mark × rate, Binance sign, booked in the PnL', async () => {
    const schedule = openFunding({ files: [writeTicker('ticker2.csv', TICKER)] }, dir, 'market.funding');
    const result = await run(schedule, trader(5, 12)); // long 0.005 at F1, short 0.007 at F2
    const expected = [
      { ts: F1, position: 5, rate: 0.000105, markPrice: 61299.9 }, // long pays 0.005 × 61299.9 × 0.000105 = 0.03218244750
      { ts: F2, position: -7, rate: -0.0000375, markPrice: 59999.12345678 }, // short, negative rate: pays 0.007 × 59999.12345678 × 0.0000375
    ];
    expect(result.funding.map(({ ts, position, rate, markPrice }) => ({ ts, position, rate, markPrice }))).toEqual(expected);
    expect(result.funding.map((p) => units.money(p.amount))).toEqual([-0.0321824475, -0.0157497699]);
    // the exact amounts: −position × mark × rate in 1e-10 USDT, rounded half away from zero
    expect(result.funding.map((p) => p.amount)).toEqual([-321824475n, -157497699n]);
    expect(result.ledger.funding).toBe(-321824475n - 157497699n);
  });

  it('a constant rate pays at the funding times at the venue mid; no position, no payment', async () => {
    const constant: FundingSchedule = { events: [], constant: { rate: decimalOf(0.0001), intervalUs: 8 * H }, files: [] };
    const held = await run(constant, trader(5, 12));
    // mid 61000.0 (bid 60999.9, ask 61000.1): 0.005 × 61000 × 0.0001 = 0.0305 paid; short 0.007 receives 0.0427
    expect(held.funding.map((p) => [p.ts, p.markPrice, units.money(p.amount)])).toEqual([
      [F1, 61000, -0.0305],
      [F2, 61000, 0.0427],
    ]);
    const flat = await run(constant, async ({ clock }) => void (await clock.sleep((20 * H) / 1000)));
    expect(flat.funding.map((p) => p.amount)).toEqual([0n, 0n]);
  });
});
