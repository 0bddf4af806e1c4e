import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OrderEvent } from '../../../src/core/events.ts';
import { FLAG_ASK, Kind, ORDER_ACTION_SHIFT, RowEvents } from '../../../src/data/columns.ts';
import { midnightMicros, readLobster } from '../../../src/data/lobster/reader.ts';
import { ProblemLog } from '../../../src/data/problems.ts';
import { activitiesOf, bookStates, SHARED, units, writeTemp, tempDir } from '../helpers.ts';

const file = (ticker: string, kind: string) => {
  const name = `${ticker}_2012-06-21_34200000_57600000_${kind}_1.csv`;
  return { path: join(SHARED, 'lobster', name), display: name };
};

describe('LOBSTER level 1, AMZN 2012-06-21', () => {
  it('our best bid/ask equal the orderbook file’s row after every message', async () => {
    const r = await readLobster(file('AMZN', 'message'), file('AMZN', 'orderbook'), { units: units(0.01, 1), problems: new ProblemLog(), timezone: 'America/New_York' });
    expect(r.symbol).toBe('AMZN');
    expect(r.lines).toBe(57_515);
    const rows = readFileSync(file('AMZN', 'orderbook').path, 'latin1').trim().split('\n').map((l) => l.split(',').map(Number));
    const messages = readFileSync(file('AMZN', 'message').path, 'latin1').trim().split('\n').map((l) => l.split(','));
    // expected book per message, skipping rows equal to the previous one (no book message is emitted then)
    const expected: { ts: number; row: number[] }[] = [];
    const base = midnightMicros('2012-06-21', 'America/New_York');
    for (let i = 0; i < rows.length; i++) {
      if (i > 0 && rows[i].join() === rows[i - 1].join()) continue;
      const [sec, frac] = messages[i][0].split('.');
      expected.push({ ts: base + Number(sec) * 1e6 + Number((frac + '000000').slice(0, 6)), row: rows[i] });
    }
    const states = bookStates(r.columns);
    expect(states.length).toBe(expected.length);
    let wrong = 0;
    for (let i = 0; i < states.length; i++) {
      const s = states[i];
      const [ap, as, bp, bs] = expected[i].row;
      const ok = s.bestAsk === ap / 100 && s.bestAskSize === as && s.bestBid === bp / 100 && s.bestBidSize === bs && s.localTs === expected[i].ts && s.bids === 1 && s.asks === 1;
      if (!ok && wrong++ < 3) expect.soft({ i, s, row: expected[i].row }).toBeUndefined();
    }
    expect(wrong).toBe(0);
    // 09:30 New York is 13:30 UTC in June
    expect(r.columns.localTs[0]).toBe(Date.UTC(2012, 5, 21, 13, 30) * 1000 + 17_459);
  });

  it('visible and hidden executions are trades with the taker on the other side of the executed order', async () => {
    const r = await readLobster(file('AMZN', 'message'), file('AMZN', 'orderbook'), { units: units(0.01, 1), problems: new ProblemLog(), timezone: 'America/New_York' });
    const msgs = readFileSync(file('AMZN', 'message').path, 'latin1').trim().split('\n').map((l) => l.split(','));
    // hidden executions between ticks (midpoint) are dropped: 63 in this file
    const execs = msgs.filter((m) => m[1] === '4' || (m[1] === '5' && Number(m[4]) % 100 === 0));
    expect(r.dropped).toBe(63 + msgs.filter((m) => m[1] === '6' || m[1] === '7').length);
    const c = r.columns;
    const trades: number[] = [];
    for (let i = 0; i < c.length; i++) if (c.kind[i] === Kind.TRADE) trades.push(i);
    expect(trades.length).toBe(execs.length);
    for (const k of [0, 1, 100, trades.length - 1]) {
      const i = trades[k];
      expect(c.price[i]).toBe(Number(execs[k][4]) / 100);
      expect(c.size[i]).toBe(Number(execs[k][3]));
      // direction 1: a buy limit order was executed, so the taker sold
      expect((c.flags[i] & FLAG_ASK) !== 0).toBe(execs[k][5] === '1');
    }
  });

  it('order events, when asked for: one per submit, cancel, delete and visible execution, with its id, before the message’s print', async () => {
    const options = { units: units(0.01, 1), problems: new ProblemLog(), timezone: 'America/New_York' };
    const without = await readLobster(file('AMZN', 'message'), file('AMZN', 'orderbook'), options);
    const r = await readLobster(file('AMZN', 'message'), file('AMZN', 'orderbook'), { ...options, orderEvents: true });
    const msgs = readFileSync(file('AMZN', 'message').path, 'latin1').trim().split('\n').map((l) => l.split(','));
    const withEvents = msgs.filter((m) => ['1', '2', '3', '4'].includes(m[1]));
    expect(withEvents.length).toBe(27_845 + 16 + 18_235 + 8_974);
    const c = r.columns;
    const orders: number[] = [];
    const others: number[] = [];
    for (let i = 0; i < c.length; i++) (c.kind[i] === Kind.ORDER ? orders : others).push(i);
    expect(orders.length).toBe(withEvents.length);
    // Without them, the same rows as ever: the other rows are those of a read that did not ask.
    expect(others.length).toBe(without.columns.length);
    expect(others.every((i, k) => c.kind[i] === without.columns.kind[k] && c.price[i] === without.columns.price[k])).toBe(true);
    const events = new RowEvents();
    for (const k of [0, 1, 2, 3, 1000, orders.length - 1]) {
      const e = events.read(c, orders[k], 0) as OrderEvent;
      const m = withEvents[k];
      expect([e.kind, e.action, e.orderId, e.price, e.size, e.side]).toEqual([
        'order',
        { 1: 'add', 2: 'cancel', 3: 'delete', 4: 'execute' }[m[1]],
        Number(m[2]),
        Number(m[4]) / 100,
        Number(m[3]),
        m[5] === '1' ? 'bid' : 'ask',
      ]);
    }
    // An execution's order event comes right before its print: the venue knows whose order traded.
    for (const i of orders) if (((c.flags[i] >> ORDER_ACTION_SHIFT) & 3) === 3) expect(c.kind[i + 1]).toBe(Kind.TRADE);
  });

  it('reports bad rows with file:line:column', async () => {
    const dir = tempDir();
    const m = writeTemp('X_2012-06-21_0_1_message_1.csv', '34200.1,1,1,100,1000000,1\n34200.2,9,1,100,1000000,1\n', dir);
    const b = writeTemp('X_2012-06-21_0_1_orderbook_1.csv', '1000100,100,1000000,100\n1000100,100,1000000,100\n', dir);
    const opts = { units: units(0.01, 1), problems: new ProblemLog(), timezone: 'America/New_York' };
    await expect(readLobster({ path: m, display: 'm.csv' }, { path: b, display: 'b.csv' }, opts)).rejects.toThrow('m.csv:2:9: type "9": expected 1-7');
    const b2 = writeTemp('X_2012-06-21_0_1_orderbook_1.csv', '1000100,100,1000000,100\n1000000,100,1000100,100\n', dir);
    const m2 = writeTemp('X_2012-06-21_0_1_message_1.csv', '34200.1,1,1,100,1000000,1\n34200.2,1,1,100,1000000,1\n', dir);
    await expect(readLobster({ path: m2, display: 'm.csv' }, { path: b2, display: 'b.csv' }, opts)).rejects.toThrow('b.csv:2: book crossed: best bid 100.01 >= best ask 100.00 (expected bid < ask)');
  });
});

describe('LOBSTER: reading a pair is one activity (core/activity.ts)', () => {
  it('the messages file’s, the orderbook file read in step with it: never two bars at once', async () => {
    const options = { units: units(0.01, 1), problems: new ProblemLog(), timezone: 'America/New_York' };
    const seen = await activitiesOf(() => readLobster(file('AMZN', 'message'), file('AMZN', 'orderbook'), options));
    expect(seen.map((a) => [a.label, a.done, a.fractions.at(-1)])).toEqual([['read AMZN_2012-06-21_34200000_57600000_message_1.csv', 1, 1]]);
  });
});
