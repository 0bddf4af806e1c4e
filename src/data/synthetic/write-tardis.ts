import { ColumnsBuilder, FLAG_ASK, FLAG_LAST, FLAG_SNAPSHOT_START, Kind, type EventColumns } from '../columns.ts';
import { writeTardis } from '../convert.ts';
import type { MarketEventSource } from '../../core/events.ts';
import type { MarketSpec } from '../../core/market.ts';

/**
 * `spreadlab data synth`: a synthetic market written out as tardis.dev CSV.gz, so a synthetic day can be
 * replayed like a recorded one.
 *
 * Rules:
 * - The scenario's `data` must be synthetic (checked by sim/assemble.ts, which opens it as a backtest does);
 * its seed, duration and market (tick and lot size) are used;
 *   the strategy is ignored. The events are exactly those a backtest of the scenario would see.
 * - Files: <dir>/<prefix>_incremental_book_L2.csv.gz, _trades.csv.gz, _quotes.csv.gz (the closing quote),
 *   written by the tardis writer of `data convert` (see convert.ts for its rules); exchange "synthetic",
 *   symbol the market's. Default prefix: synthetic_<symbol>_<model>_seed<seed>.
 * Known limits: tardis groups book rows into messages by local_timestamp, so two book messages of one µs
 * are read back as one (the book after it is the same). Replay needs the same tick and lot size.
 */
/** What data synth reads of a scenario (sim/scenario.ts's Scenario has it). */
export interface SynthScenario {
  seed: number;
  durationSeconds?: number;
  market: MarketSpec;
  data: { kind: string; model?: string } & Record<string, unknown>;
}

export interface SynthOutput {
  dir: string;
  prefix?: string;
}

/** Copies a source into columns (the reverse of openColumns). */
export function toColumns(source: MarketEventSource): EventColumns {
  const b = new ColumnsBuilder();
  for (let e = source.next(); e; e = source.next()) {
    switch (e.kind) {
      case 'snapshot': {
        const n = e.bidPrices.length + e.askPrices.length;
        let first = true;
        const push = (ask: boolean, price: number, size: number) => {
          b.push(Kind.SNAPSHOT, (ask ? FLAG_ASK : 0) | (first ? FLAG_SNAPSHOT_START : 0), e.exchTs, e.localTs, price, size);
          first = false;
        };
        for (let i = 0; i < e.bidPrices.length; i++) push(false, e.bidPrices[i], e.bidSizes[i]);
        for (let i = 0; i < e.askPrices.length; i++) push(true, e.askPrices[i], e.askSizes[i]);
        if (n > 0) b.markLast();
        break;
      }
      case 'delta':
        b.push(Kind.DELTA, (e.side === 'ask' ? FLAG_ASK : 0) | (e.last ? FLAG_LAST : 0), e.exchTs, e.localTs, e.price, e.size);
        break;
      case 'trade':
        b.push(Kind.TRADE, e.takerSide === 'sell' ? FLAG_ASK : 0, e.exchTs, e.localTs, e.price, e.size);
        break;
      case 'quote':
        b.push(Kind.QUOTE, 0, e.exchTs, e.localTs, e.bidPrice, e.bidSize, e.askPrice, e.askSize);
        break;
    }
  }
  return b.build();
}

/** Writes a synthetic market's events (one open of its source) as tardis CSV.gz files; returns their paths. */
export function writeSyntheticTardis(scenario: SynthScenario, events: MarketEventSource, out: SynthOutput): Promise<string[]> {
  const symbol = scenario.market.symbol;
  const prefix = out.prefix ?? `synthetic_${symbol}_${String(scenario.data.model)}_seed${scenario.seed}`;
  return writeTardis(toColumns(events), {
    dir: out.dir,
    prefix,
    exchange: 'synthetic',
    symbol,
    tickSize: scenario.market.tickSize,
    lotSize: scenario.market.lotSize,
  });
}
