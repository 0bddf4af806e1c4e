import type { CcxtExchange, CcxtOrderBook } from './ccxt-client.ts';
import { wallMicros, type BookUpdate, type FeedSink, type MarketFeed } from './feed.ts';
import { keepWatching } from './reconnect.ts';

/**
 * ccxt's public websocket streams of one market as a MarketFeed: `watchOrderBook` (full book states) and
 * `watchTrades`, each in its own reconnecting loop (reconnect.ts).
 *
 * Rules:
 * - Every update is stamped with our receipt time (localTs, wall clock µs) and the exchange's time
 *   (exchTs; our receipt time when ccxt gives none). A trade's taker side is 'sell' when ccxt says so,
 *   else 'buy'.
 * - A stream error is told to the sink (`status(false, "<stream> stream: <error>")`) and logged
 *   (`feed-error`); the first update after it is told as `status(true, "<stream> stream reconnected")`.
 * - After `stop()` nothing more reaches the sink.
 * Known limits: ccxt's book is what it keeps from the exchange's diffs; its gaps and resyncs are ccxt's.
 */
export class CcxtFeed implements MarketFeed {
  private readonly stopping = new AbortController();

  constructor(
    private readonly ex: CcxtExchange,
    private readonly symbol: string,
    private readonly log: (event: string, fields: Record<string, unknown>) => void,
  ) {}

  start(sink: FeedSink): void {
    const stopped = this.stopping.signal;
    const watch = (stream: string, step: () => Promise<void>): void =>
      void keepWatching(step, stopped, {
        failed: (error, attempt) => {
          sink.status(false, `${stream} stream: ${error.message}`);
          this.log('feed-error', { stream, error: error.message, attempt });
        },
        recovered: () => sink.status(true, `${stream} stream reconnected`),
      });
    watch('book', async () => {
      const ob = await this.ex.watchOrderBook(this.symbol);
      if (!stopped.aborted) sink.book(ccxtBookUpdate(ob));
    });
    watch('trades', async () => {
      const trades = await this.ex.watchTrades(this.symbol);
      if (stopped.aborted) return;
      const localTs = wallMicros();
      for (const t of trades) {
        sink.trade({
          exchTs: t.timestamp ? t.timestamp * 1000 : localTs,
          localTs,
          id: String(t.id ?? ''),
          price: t.price,
          size: t.amount,
          takerSide: t.side === 'sell' ? 'sell' : 'buy',
        });
      }
    });
  }

  async stop(): Promise<void> {
    this.stopping.abort();
  }
}

/** A ccxt order book as a BookUpdate received now. */
export function ccxtBookUpdate(ob: CcxtOrderBook): BookUpdate {
  const localTs = wallMicros();
  return { exchTs: ob.timestamp ? ob.timestamp * 1000 : localTs, localTs, bids: ob.bids, asks: ob.asks };
}
