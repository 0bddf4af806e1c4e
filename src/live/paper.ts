import type { MarketUnits } from '../core/market.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/units.ts';
import type { MarketEvent } from '../core/events.ts';
import { marketSetups } from '../sim/assemble.ts';
import { SimGateway } from '../sim/gateway.ts';
import { Rank, Scheduler } from '../sim/scheduler.ts';
import { marketInfo, type Scenario } from '../sim/scenario.ts';
import { OwnQuoteWatch } from '../venue/own-quotes.ts';
import { SimExchange } from '../venue/exchange.ts';
import { FifoChannel } from '../venue/latency.ts';
import { wallMicros } from './feed.ts';
import type { RunTape } from './tape.ts';

/**
 * Paper trading: live market data, our orders and fills simulated by the backtest's own venue
 * (SimExchange with the scenario's queue model, book-through rule and fees) behind the backtest's own gateway (SimGateway with
 * the scenario's latency model), driven by the real clock instead of the virtual one. No order is sent.
 *
 * Rules:
 * - Virtual time is wall-clock µs. The gateway's scheduled items (orders reaching the venue after the
 *   entry latency, replies and fill notices after the response latency, strategy wake-ups) run when the
 *   wall clock reaches their time, in the scheduler's order (same tie rule as a backtest).
 * - A live market event is applied to the simulated venue when it arrives (its exchange time is kept on
 *   fills), and reaches the strategy's feed at the same moment (the gateway's book, hooks, getSnapshot);
 *   due scheduled items run first, so an order that reached the venue earlier sees the book it saw.
 *   Position and open orders are what the simulated acks and fill notices told the strategy, the fetch*
 *   reads a modelled round trip to the simulated venue, exactly as in a backtest.
 * - Fills are booked on the run's tape (ledger, fills) and reach the strategy after the response latency,
 *   exactly as in a backtest. The strategy's Clock is the gateway's (sleep ends on the wall clock).
 * Known limits: as the backtest's venue (no market impact); timer resolution is about 1 ms.
 */
class TimedScheduler extends Scheduler {
  onChange: () => void = () => {};

  override schedule(time: Micros, rank: Rank, run: () => void): void {
    super.schedule(time, rank, run);
    this.onChange();
  }
}

/** One market of a paper run: its id (as the strategy names it), units and tape. */
export interface PaperMarket {
  id: string;
  units: MarketUnits;
  tape: RunTape;
}

export class PaperVenue {
  readonly gateway: SimGateway;
  /** Each market's simulated venue, in scenario order. */
  readonly exchanges: SimExchange[];
  private readonly scheduler = new TimedScheduler();
  private timer: NodeJS.Timeout | null = null;
  private armedFor = Infinity;
  private stopped = false;
  private readonly ownQuotes: OwnQuoteWatch[];

  constructor(
    private readonly markets: PaperMarket[],
    scenario: Scenario,
    /** The scenario's seed generator (latency models fork it as a backtest's do). */
    seedRng: Rng,
    /** The config file's folder: a recorded latency's relative path starts there. */
    baseDir: string,
  ) {
    const setups = marketSetups(scenario, seedRng, baseDir);
    this.exchanges = setups.map(
      ({ queue, fees, bookThrough }, i) =>
        new SimExchange(
          queue,
          fees,
          (fill) => {
            markets[i].tape.addFill(fill, this.gateway.notifyFill(i, fill));
            // No quote check here: the venue removes filled orders only after reporting all their fills; the
            // check after each market message or order arrival sees them go.
          },
          bookThrough,
        ),
    );
    this.ownQuotes = this.exchanges.map(
      (exchange, i) => new OwnQuoteWatch(exchange, (bid, ask) => markets[i].tape.ownQuotes(wallMicros(), bid, ask)),
    );
    this.gateway = new SimGateway({
      markets: setups.map(({ market, latency }, i) => ({
        info: { ...marketInfo(market), id: markets[i].id },
        units: markets[i].units,
        exchange: this.exchanges[i],
        ledger: markets[i].tape.ledger,
        orderLog: markets[i].tape.orders,
        link: { latency, entry: new FifoChannel(), responses: new FifoChannel() },
      })),
      scheduler: this.scheduler,
      now: () => wallMicros(),
      endTs: () => Infinity,
      strategySeries: markets[0].tape.strategySeries,
    });
    this.scheduler.onChange = () => this.arm();
  }

  /** Applies live market events (one message of market `index`) to its simulated venue. */
  onMarket(index: number, events: MarketEvent[]): void {
    this.pump();
    for (const event of events) {
      this.exchanges[index].applyMarketEvent(event);
      this.gateway.receiveMarket(index, event);
    }
    this.ownQuotes[index].check();
  }

  /** Ends the run: pending sleeps resolve false; resting simulated orders are cancelled. */
  stop(): number {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.gateway.endRun();
    const now = wallMicros();
    let n = 0;
    this.exchanges.forEach((exchange, i) => {
      for (const order of exchange.openOrders()) this.markets[i].tape.orders.cancelled(order.id, now);
      n += exchange.cancelAll();
      this.ownQuotes[i].check();
    });
    return n;
  }

  /** Runs every scheduled item that is due. */
  private pump(): void {
    if (this.stopped) return;
    const now = wallMicros();
    for (let item = this.scheduler.peek(); item && item.time <= now; item = this.scheduler.peek()) {
      this.scheduler.pop();
      item.run();
      if (item.rank === Rank.orderArrival) for (const watch of this.ownQuotes) watch.check();
    }
    this.markets.forEach(({ tape }, i) => Object.assign(tape, this.gateway.counts(i)));
    this.armedFor = Infinity;
    this.arm();
  }

  private arm(): void {
    if (this.stopped) return;
    const next = this.scheduler.peek();
    if (!next || next.time >= this.armedFor) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = next.time;
    this.timer = setTimeout(() => this.pump(), Math.max(0, (next.time - wallMicros()) / 1000));
  }
}
