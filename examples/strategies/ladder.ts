/**
 * ladder: `levels` post-only orders a side at increasing distances from the touch: the first offsetTicks
 * behind the best bid (ask), each next one stepTicks further. Every requoteMs it cancels all its orders and
 * posts the ladder again around the new touch, all orders at once (each venue call is a round trip, so
 * sending them one after the other would leave the ladder half built for levels round trips).
 * The deeper levels fill only on larger trades and moves, at a better price. A side is not quoted while the
 * position is at or beyond maxInventory in its direction.
 *
 * Parameters: size (base units per order), maxInventory (base units), levels (default 3), offsetTicks
 * (default 0: the first level joins the touch), stepTicks (default 2), requoteMs (default 2000).
 * Limits: cancel-all and re-post every cycle, so no order keeps its queue position across cycles; the whole
 * ladder of one side can fill at once, so the position can go up to levels · size beyond maxInventory;
 * equal sizes at every level.
 */
import { defineStrategy, roundToTick, z, type OrderRequest } from 'spreadlab';

const ticks = z.number().int().nonnegative();

export default defineStrategy({
  name: 'ladder',
  description: 'levels post-only orders a side, stepTicks apart from offsetTicks behind the touch, re-posted every requoteMs',
  params: z.object({
    size: z.number().positive(),
    maxInventory: z.number().positive(),
    levels: z.number().int().positive().default(3),
    offsetTicks: ticks.default(0),
    stepTicks: ticks.positive().default(2),
    requoteMs: z.number().positive().default(2000),
  }),
  create:
    ({ size, maxInventory, levels, offsetTicks, stepTicks, requoteMs }) =>
    async ({ venue, clock, market, tickSize }) => {
      while (await clock.sleep(requoteMs)) {
        const book = await venue.getSnapshot(market, 1);
        if (Number.isNaN(book.mid)) continue;
        const position = await venue.getPosition(market);
        await venue.cancelAllOrders(market);
        const orders: OrderRequest[] = [];
        for (let level = 0; level < levels; level++) {
          const distance = (offsetTicks + level * stepTicks) * tickSize;
          if (position < maxInventory) {
            orders.push({ market, side: 'buy', size, price: roundToTick(book.bestBid - distance, tickSize), postOnly: true });
          }
          if (position > -maxInventory) {
            orders.push({ market, side: 'sell', size, price: roundToTick(book.bestAsk + distance, tickSize), postOnly: true });
          }
        }
        await Promise.all(orders.map((order) => venue.placeOrder(order)));
      }
    },
});
