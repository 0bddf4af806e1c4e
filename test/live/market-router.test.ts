import { describe, expect, it } from 'vitest';
import { SpreadlabError } from '../../src/core/errors.ts';
import { MarketRouter } from '../../src/live/market-router.ts';
import type { FillEvent, Venue } from '../../src/strategy/api.ts';

/** A venue that answers every call with its own name and keeps the fill handlers it is given. */
function namedVenue(name: string): Venue & { fillHandlers: ((fill: FillEvent) => void)[] } {
  const fillHandlers: ((fill: FillEvent) => void)[] = [];
  const ack = async () => ({ id: name, status: 'open' as const, filled: 0, remaining: 1 });
  return {
    fillHandlers,
    getSnapshot: async () => ({ market: name, timestamp: 0, bestBid: 1, bestAsk: 2, mid: 1.5, bids: [], asks: [] }),
    getPosition: async () => (name === 'spot' ? 1 : 2),
    getOpenOrders: async () => [],
    fetchSnapshot: async () => ({ market: name, timestamp: 0, bestBid: 1, bestAsk: 2, mid: 1.5, bids: [], asks: [] }),
    fetchPosition: async () => (name === 'spot' ? 10 : 20),
    fetchOpenOrders: async () => [],
    placeOrder: ack,
    cancelOrder: ack,
    cancelAllOrders: async () => (name === 'spot' ? 3 : 4),
    amendOrder: ack,
    onFill: (handler) => fillHandlers.push(handler),
    onBook: () => {},
    onTrade: () => {},
  };
}

describe('MarketRouter', () => {
  const spot = namedVenue('spot');
  const perp = namedVenue('perp');
  const router = new MarketRouter(
    new Map<string, Venue>([
      ['spot', spot],
      ['perp', perp],
    ]),
  );

  it("sends each call to its market's venue", async () => {
    expect(await router.getPosition('perp')).toBe(2);
    expect(await router.fetchPosition('spot')).toBe(10);
    expect(await router.cancelAllOrders('perp')).toBe(4);
    expect((await router.placeOrder({ market: 'perp', side: 'sell', type: 'limit', price: 1, size: 1 })).id).toBe('perp');
    expect((await router.cancelOrder('spot', 'x')).id).toBe('spot');
    expect((await router.amendOrder('perp', 'x', { price: 2 })).id).toBe('perp');
    expect((await router.getSnapshot('spot')).market).toBe('spot');
  });

  it('registers a fill handler with every market', () => {
    router.onFill(() => {});
    expect([spot.fillHandlers.length, perp.fillHandlers.length]).toEqual([1, 1]);
  });

  it('refuses a market the run does not trade, naming those it does', () => {
    expect(() => router.getPosition('ETHUSDT')).toThrow(SpreadlabError);
    expect(() => router.getPosition('ETHUSDT')).toThrow('unknown market "ETHUSDT": this run trades "spot", "perp"');
  });
});
