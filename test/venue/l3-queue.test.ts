import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BookDelta, MarketEvent, OrderAction, OrderEvent } from '../../src/core/events.ts';
import { SimExchange, type VenueFill } from '../../src/venue/exchange.ts';
import { feeSchedule } from '../../src/venue/fees.ts';
import { createQueueModel, type QueueConfig } from '../../src/venue/models.ts';
import { runScenario, type ScenarioRun } from '../../src/sim/run-scenario.ts';
import { loadScenario } from '../../src/sim/scenario.ts';
import { ROOT } from '../spawn-cli.ts';

/**
 * The l3 queue model on crafted order-by-order markets, each run beside the L2 risk-averse model on the same
 * events. Bids around 100.00 (ticks 10000); our bid is order "us". Every market message is given as the
 * reader gives it: the order event, the print of an execution, then the displayed book's change (the last
 * delta of the message), here a level-1 book (the best bid only) unless a test says otherwise.
 */
class Market {
  readonly events: MarketEvent[] = [];
  private t = 0;

  constructor(bestBid: number, size: number) {
    this.events.push({
      kind: 'snapshot',
      exchTs: 0,
      localTs: 0,
      bidPrices: [bestBid],
      bidSizes: [size],
      askPrices: [10010],
      askSizes: [5],
    });
  }

  /** An order event of a bid at `price`, then (for an execution) its print, then the book deltas given. */
  order(action: OrderAction, orderId: number, price: number, size: number, ...book: [number, number][]): this {
    const ts = ++this.t;
    const event: OrderEvent = { kind: 'order', exchTs: ts, localTs: ts, action, orderId, side: 'bid', price, size };
    this.events.push(event);
    if (action === 'execute') this.events.push({ kind: 'trade', exchTs: ts, localTs: ts, price, size, takerSide: 'sell' });
    book.forEach(([p, s], i) => this.events.push(delta(p, s, i === book.length - 1, ts)));
    return this;
  }

  /** A print with no order id (a hidden execution) at `price`. */
  print(price: number, size: number): this {
    const ts = ++this.t;
    this.events.push({ kind: 'trade', exchTs: ts, localTs: ts, price, size, takerSide: 'sell' });
    return this;
  }

  /** Our bid of `size` at `price` arrives now. */
  us(price: number, size: number): this {
    this.events.push({ kind: 'us', price, size } as unknown as MarketEvent);
    return this;
  }
}

function delta(price: number, size: number, last: boolean, ts: number): BookDelta {
  return { kind: 'delta', exchTs: ts, localTs: ts, side: 'bid', price, size, last };
}

/** Replays the market through a venue with this queue model: our fills (size each) and the queue ahead of "us" after each event. */
function replay(market: Market, queue: QueueConfig): { fills: number[]; queue: number[] } {
  const fills: VenueFill[] = [];
  const exchange = new SimExchange(createQueueModel(queue), feeSchedule(0, 0), (f) => fills.push(f));
  const queueAhead: number[] = [];
  for (const event of market.events) {
    const mine = event as unknown as { kind: string; price: number; size: number };
    if (mine.kind === 'us') {
      exchange.submit({ id: 'us', side: 'buy', type: 'limit', price: mine.price, size: mine.size, postOnly: true, timeInForce: 'GTC' }, 0);
    } else exchange.applyMarketEvent(event);
    queueAhead.push(exchange.openOrders().find((o) => o.id === 'us')?.queueAhead ?? NaN);
  }
  return { fills: fills.map((f) => f.size), queue: queueAhead };
}

const L3: QueueConfig = { model: 'l3' };
const RISK_AVERSE: QueueConfig = { model: 'risk-averse' };

describe('l3 queue: our exact place in the FIFO queue', () => {
  // 5 lots rest before the data starts (one block of unknown orders), order 1 (3 lots) joins, then us (2 lots).
  const start = () => new Market(10000, 5).order('add', 1, 10000, 3, [10000, 8]).us(10000, 2);

  it('orders ahead that cancel move us forward, orders behind do not; an execution of an order behind us fills us', () => {
    const market = start()
      .order('add', 2, 10000, 10, [10000, 18]) // behind us
      .order('delete', 1, 10000, 3, [10000, 15]) // ahead: 8 → 5
      .order('cancel', 2, 10000, 6, [10000, 9]) // behind: no move
      .order('cancel', 50, 10000, 5, [10000, 4]) // an order from before the data (the block ahead): 5 → 0
      .order('execute', 2, 10000, 4, [10000, 0]); // order 2 is behind us: the print went through our place
    const l3 = replay(market, L3);
    // From our arrival on: after each order event, print and delta (NaN: our order filled and gone).
    expect(l3.queue.slice(3)).toEqual([8, 8, 8, 5, 5, 5, 5, 0, 0, 0, NaN, NaN]);
    expect(l3.fills).toEqual([2]);
    // risk-averse moves only with prints and the level's size: 4 still ahead of us when the print of 4 comes.
    const riskAverse = replay(market, RISK_AVERSE);
    expect(riskAverse.queue.slice(3)).toEqual([8, 8, 8, 8, 8, 8, 8, 8, 4, 4, 0, 0]);
    expect(riskAverse.fills).toEqual([]);
  });

  it('an execution of an order ahead of us consumes the queue and fills nothing of ours', () => {
    const market = start()
      .order('execute', 1, 10000, 3, [10000, 5]) // order 1, ahead: 8 → 5
      .order('execute', 60, 10000, 5, [10000, 0]) // an order from before the data, ahead: 5 → 0
      .order('add', 3, 10000, 4, [10000, 4]) // behind us
      .order('execute', 3, 10000, 1, [10000, 3]); // order 3, behind: we fill 1 of the print of 1
    const l3 = replay(market, L3);
    expect(l3.fills).toEqual([1]);
    expect(l3.queue.slice(3)).toEqual([8, 8, 5, 5, 5, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('a level that falls behind the best is a break: the queue ahead is what the level shows at most when it returns; L2 models put us first', () => {
    const market = start()
      .order('add', 7, 10001, 1, [10000, 0], [10001, 1]) // a better bid: our level leaves the level-1 book
      .order('cancel', 1, 10000, 1, [10001, 1]) // unseen in level-1 data; here order 1 is known: 8 → 7 all the same
      .order('delete', 7, 10001, 1, [10001, 0], [10000, 10]) // our level is the best again, showing 10 (orders joined unseen)
      .order('cancel', 80, 10000, 2, [10000, 8]) // an unknown order after the break: taken to be behind us
      .order('execute', 81, 10000, 3, [10000, 5]); // an unknown order's execution: taken to be ahead of us
    const l3 = replay(market, L3);
    expect(l3.queue.slice(3)).toEqual([8, 8, 8, 8, 7, 7, 7, 7, 7, 7, 7, 7, 4, 4]);
    expect(l3.fills).toEqual([]);
    // risk-averse reads the level leaving the book as the level emptying: nothing ahead, the print fills us.
    const riskAverse = replay(market, RISK_AVERSE);
    expect(riskAverse.queue[5]).toBe(0);
    expect(riskAverse.fills).toEqual([2]);
  });

  it('an order placed where nothing is displayed gets the level’s whole size as its queue when the level first shows', () => {
    const market = new Market(10000, 5)
      .us(9998, 2) // behind the best: not in the level-1 book
      .order('delete', 90, 10000, 5, [10000, 0], [9998, 6]) // the best empties; 9998 shows with 6
      .print(9998, 6);
    const l3 = replay(market, L3);
    expect(l3.queue.slice(1)).toEqual([0, 0, 0, 6, 0]);
    expect(l3.fills).toEqual([]);
    expect(replay(market, RISK_AVERSE).fills).toEqual([2]);
  });

  it('inside the spread nothing is ahead; orders that join our price later are behind us', () => {
    const market = new Market(10000, 5)
      .us(10003, 2)
      .order('add', 4, 10003, 4, [10000, 0], [10003, 4]) // joins our price: the best bid, behind us
      .order('execute', 4, 10003, 3, [10003, 1]);
    const l3 = replay(market, L3);
    expect(l3.queue.slice(1)).toEqual([0, 0, 0, 0, 0, NaN, NaN]);
    expect(l3.fills).toEqual([2]);
  });
});

describe('l3 queue on the AMZN day (scenarios/lobster-amzn-l3.json, first hour)', () => {
  const scenarioFile = join(ROOT, 'scenarios', 'lobster-amzn-l3.json');
  const run = async (queue: string) =>
    runScenario(await loadScenario(scenarioFile, ['window.to=1h', `venue.queue.model=${queue}`]), join(ROOT, 'scenarios'));

  it('the same quotes as under an L2 model (fixed-spread does not react to its fills), fewer fills: L2 models are optimistic on level-1 data', async () => {
    const l3 = await run('l3');
    const riskAverse = await run('risk-averse');
    const placed = (r: ScenarioRun) => r.orders.map((o) => [o.id, o.sentTs, o.side, o.price]);
    expect(placed(l3)).toEqual(placed(riskAverse));
    expect(l3.orders.length).toBe(720);
    const volume = (r: ScenarioRun) => r.result.fills.reduce((v, f) => v + f.size, 0);
    expect([l3.result.fills.length, volume(l3)]).toEqual([276, 15_105]);
    expect([riskAverse.result.fills.length, volume(riskAverse)]).toEqual([287, 15_809]);
    // Order by order: more orders fill less under the exact queue than more (risk-averse puts an order first
    // whenever its level leaves the level-1 book, l3 moves it only with the orders ahead).
    const filled = (r: ScenarioRun) => new Map(r.orders.map((o) => [o.id, o.filled]));
    const byRiskAverse = filled(riskAverse);
    const more = l3.orders.filter((o) => o.filled > byRiskAverse.get(o.id)!);
    const less = l3.orders.filter((o) => o.filled < byRiskAverse.get(o.id)!);
    expect(less.length).toBeGreaterThan(more.length);
  }, 120_000);

  it('refuses a scenario whose data has no order events', async () => {
    const scenario = await loadScenario(join(ROOT, 'scenarios', 'demo.json'), ['venue.queue.model=l3', 'durationSeconds=10']);
    await expect(runScenario(scenario, join(ROOT, 'scenarios'))).rejects.toThrow(
      /venue\.queue: "l3" follows the market order by order: it needs order-by-order data \(a replay of LOBSTER message files\), and this scenario's data \(synthetic random-walk\) has no order events/,
    );
  });
});
