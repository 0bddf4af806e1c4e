import { describe, expect, it } from 'vitest';
import { MarketUnits } from '../../src/core/market.ts';
import { Account } from '../../src/live/server/account.ts';

const units = new MarketUnits({ symbol: 'T', tickSize: 0.01, lotSize: 1, makerFeeBps: 0, takerFeeBps: 0 });

function order(account: Account, side: 'buy' | 'sell', price: number, qty: number) {
  return account.newOrder({ side, type: 'LIMIT', timeInForce: 'GTC', price, origQty: qty, reduceOnly: false, time: 1, dataTs: 0 });
}

describe('server account: open orders', () => {
  it('an order is open from creation until a fill completes it or it ends, oldest first', () => {
    const account = new Account(units, 1000, 10, 0);
    const a = order(account, 'buy', 9990, 2);
    const b = order(account, 'sell', 10010, 1);
    const c = order(account, 'buy', 9980, 1);
    expect(account.openOrders().map((o) => o.orderId)).toEqual([1, 2, 3]);

    account.applyFill(a, 9990, 1, 'maker', 0n, 1, 2, 0);
    expect(a.status).toBe('PARTIALLY_FILLED');
    expect(account.openOrders().map((o) => o.orderId)).toEqual([1, 2, 3]);

    account.applyFill(a, 9990, 1, 'maker', 0n, 2, 3, 0);
    expect(a.status).toBe('FILLED');
    account.endOrder(b, 'CANCELED', 4);
    expect(b).toMatchObject({ status: 'CANCELED', updateTime: 4 });
    expect(account.openOrders().map((o) => o.orderId)).toEqual([3]);

    account.endOrder(c, 'EXPIRED', 5);
    expect(account.openOrders()).toEqual([]);
    expect(account.orders.size).toBe(3); // every order is still on record
    expect(account.find(undefined, 'spreadlab-2')?.status).toBe('CANCELED');
  });

  it('open-order margin counts only what is still open', () => {
    const account = new Account(units, 1000, 10, 0);
    const a = order(account, 'buy', 10000, 3);
    order(account, 'sell', 10000, 1);
    account.applyFill(a, 10000, 1, 'maker', 0n, 1, 2, 0);
    // buy 2 left + sell 1, at 100.00 each, leverage 10.
    expect(account.balances(20000).openOrderInitialMargin).toBeCloseTo(30, 9);
  });
});
