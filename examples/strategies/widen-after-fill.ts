/**
 * widen-after-fill: a post-only bid and ask halfSpreadTicks either side of the mid, re-posted every
 * requoteMs, that backs off after a sign of informed flow. After each of its own fills (onFill), and after
 * each market order of at least bigTradeSize (onTrade, when given), it quotes widenTicks further out on
 * both sides for widenMs (a new sign restarts the period); when a period starts it pulls its quotes at
 * once (cancel all) rather than leave them up until the next requote.
 *
 * Parameters: size (base units per order), halfSpreadTicks (default 2), widenTicks (default 3), widenMs
 * (default 5000), requoteMs (default 1000), bigTradeSize (base units; default none: fills only).
 * Limits: no inventory limit (the built-in inventory-skew has one); a sign noticed while a requote is in
 * flight leaves that requote's narrow quotes up until the next one; a market order is recognised by its
 * prints sharing a time and side, so two orders at the same instant count as one; onTrade makes the
 * backtest feed the strategy every market trade, which costs some speed.
 */
import { defineStrategy, roundToTick, z } from 'spreadlab';

const ticks = z.number().int().nonnegative();

export default defineStrategy({
  name: 'widen-after-fill',
  description: 'a bid and an ask around the mid, widenTicks wider for widenMs after each fill or big market order',
  params: z.object({
    size: z.number().positive(),
    halfSpreadTicks: ticks.default(2),
    widenTicks: ticks.default(3),
    widenMs: z.number().nonnegative().default(5000),
    requoteMs: z.number().positive().default(1000),
    bigTradeSize: z.number().positive().optional(),
  }),
  create:
    ({ size, halfSpreadTicks, widenTicks, widenMs, requoteMs, bigTradeSize }) =>
    async ({ venue, clock, market, tickSize }) => {
      let wideUntil = -Infinity;
      const widen = (): void => {
        const starting = clock.now() >= wideUntil;
        wideUntil = clock.now() + widenMs;
        if (starting) void venue.cancelAllOrders(market);
      };
      // Hooks are registered before the first await, so no notice is missed.
      venue.onFill(widen);
      if (bigTradeSize !== undefined) {
        // One market order prints a trade per price level it takes: add up the prints of one time and side.
        let sweep = { timestamp: NaN, takerSide: '', size: 0 };
        venue.onTrade((trade) => {
          const same = trade.timestamp === sweep.timestamp && trade.takerSide === sweep.takerSide;
          sweep = { timestamp: trade.timestamp, takerSide: trade.takerSide, size: same ? sweep.size + trade.size : trade.size };
          if (sweep.size >= bigTradeSize) widen();
        });
      }
      while (await clock.sleep(requoteMs)) {
        const book = await venue.getSnapshot(market, 1);
        if (Number.isNaN(book.mid)) continue;
        const half = (halfSpreadTicks + (clock.now() < wideUntil ? widenTicks : 0)) * tickSize;
        await venue.cancelAllOrders(market);
        await venue.placeOrder({ market, side: 'buy', size, price: roundToTick(book.mid - half, tickSize), postOnly: true });
        await venue.placeOrder({ market, side: 'sell', size, price: roundToTick(book.mid + half, tickSize), postOnly: true });
      }
    },
});
