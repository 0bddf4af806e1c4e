import type { MarketEvent } from '../../src/core/events.ts';
import { MarketUnits } from '../../src/core/market.ts';
import { openEventArray, openEventArrayByExchTime } from '../../src/data/array-source.ts';
import { runBacktest } from './run-backtest.ts';
import { OrderLog } from '../../src/sim/order-log.ts';
import type { Strategy } from '../../src/strategy/api.ts';
import { feeSchedule } from '../../src/venue/fees.ts';
import type { LatencyModel } from '../../src/venue/latency.ts';
import { createQueueModel } from '../../src/venue/models.ts';

/** A market of ticks of 0.01 and lots of 1, no fees. */
export const TEST_UNITS = new MarketUnits({ symbol: 'T', tickSize: 0.01, lotSize: 1, makerFeeBps: 0, takerFeeBps: 0 });

/** Bid 99.99 × 10, ask 100.01 × 10 from time 0: the mid is 100.00 (2 × 10000 ticks). */
export const BOOK_AROUND_100: MarketEvent = {
  kind: 'snapshot',
  exchTs: 0,
  localTs: 0,
  bidPrices: [9999],
  bidSizes: [10],
  askPrices: [10001],
  askSizes: [10],
};

/** A backtest of hand-made events from time 0 to `endTs` (risk-averse queue), with the order log it kept. */
export async function backtestWithOrderLog(events: MarketEvent[], strategy: Strategy, latency: LatencyModel, endTs = 1_000_000) {
  const orderLog = new OrderLog();
  const result = await runBacktest({
    units: TEST_UNITS,
    fees: feeSchedule(0, 0),
    openEvents: openEventArray(events),
    openVenueEvents: openEventArrayByExchTime(events),
    startTs: 0,
    endTs,
    queue: createQueueModel({ model: 'risk-averse' }),
    latency,
    strategy,
    orderLog,
  });
  return { result, orders: orderLog.records() };
}
