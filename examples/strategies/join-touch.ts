/**
 * join-touch: one post-only bid at the best bid and one ask at the best ask, kept there with amendOrder
 * rather than cancel-and-replace, so each order keeps its place in the queue for as long as it can.
 *
 * Every requoteMs it reads the top of the book, its open orders and its position. For each side:
 * - no order: post one of `size` at the touch;
 * - an order toleranceTicks or more from the touch: amend it to the touch (a price change loses queue
 *   priority, so this happens only when the order is far enough off to matter);
 * - otherwise: leave it where it is, keeping its queue position.
 * A side whose fill would take |position| beyond maxInventory is not quoted (its order is cancelled).
 *
 * Parameters: size (base units per order), maxInventory (base units), toleranceTicks (integer, default 2),
 * requoteMs (default 500).
 * Limits: between amends an order can be up to toleranceTicks − 1 ticks off the touch, behind it (fills
 * less) or ahead of it (inside the spread: filled first when the price moves through it); live, the book
 * includes its own orders, so an order alone ahead of the market is its own touch and stays there (the
 * simulated venue's book leaves our orders out); a partly filled order keeps its smaller remaining size;
 * three reads per cycle, each a round trip.
 */
import { defineStrategy, z, type Side } from 'spreadlab';

export default defineStrategy({
  name: 'join-touch',
  description: 'a bid and an ask at the touch, amended only when the touch moved toleranceTicks away',
  params: z.object({
    size: z.number().positive(),
    maxInventory: z.number().positive(),
    toleranceTicks: z.number().int().positive().default(2),
    requoteMs: z.number().positive().default(500),
  }),
  create:
    ({ size, maxInventory, toleranceTicks, requoteMs }) =>
    async ({ venue, clock, market, tickSize }) => {
      while (await clock.sleep(requoteMs)) {
        const book = await venue.getSnapshot(market, 1);
        if (Number.isNaN(book.mid)) continue;
        const orders = await venue.getOpenOrders(market);
        const position = await venue.getPosition(market);
        // [side, the touch, how much more of it the position can take]
        const sides: [Side, number, number][] = [
          ['buy', book.bestBid, maxInventory - position],
          ['sell', book.bestAsk, maxInventory + position],
        ];
        for (const [side, touch, room] of sides) {
          const order = orders.find((o) => o.side === side);
          // A fill would pass maxInventory (1e-9: decimal sums are not exact, 0.06 + 0.01 < 0.07).
          if (room < size - 1e-9) {
            if (order) await venue.cancelOrder(market, order.id);
          } else if (!order) {
            await venue.placeOrder({ market, side, size, price: touch, postOnly: true });
          } else if (Math.round(Math.abs(order.price - touch) / tickSize) >= toleranceTicks) {
            await venue.amendOrder(market, order.id, { price: touch });
          }
        }
      }
    },
});
