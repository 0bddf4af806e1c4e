import { describe, expect, it } from 'vitest';
import { analyzeRun } from '../../../src/analytics/summary.ts';
import type { MarketEvent, Trade } from '../../../src/core/events.ts';
import { runScenario } from '../../../src/sim/run-scenario.ts';
import { loadScenario, parseScenario } from '../../../src/sim/scenario.ts';
import { collect, openScenarioData } from './helpers.ts';

/** The random-walk market's informed takers (rules in src/data/synthetic/random-walk.ts). */
const JUMP_TICKS = 10;
const LEAD_MS = 500;

function scenario(informed: Record<string, unknown> | null, seed = 1) {
  return parseScenario(
    {
      name: 'rw',
      seed,
      durationSeconds: 1800,
      market: { symbol: 'RW', tickSize: 0.01, lotSize: 0.001 },
      data: {
        kind: 'synthetic',
        model: 'random-walk',
        startPrice: 100,
        volatility: 0, // the mid moves by jumps only: every move of the display is one
        levelSize: 0.02,
        tradesPerSecond: 4,
        tradeSize: 0.01, // well inside the displayed depth: no order empties a side
        ...(informed && { informed: { jumpSize: JUMP_TICKS * 0.01, jumpsPerSecond: 0.2, leadMs: LEAD_MS, ...informed } }),
      },
      strategy: { name: 'fixed-spread', spreadBps: 10, size: 0.01 },
    },
    'test',
  );
}

/** The market orders (one per message: its prints share a time) and the moves of the displayed best bid. */
async function flow(informed: Record<string, unknown> | null) {
  const { data } = await openScenarioData(scenario(informed));
  const events = collect(data.open);
  const orders = new Map<number, Trade['takerSide']>();
  for (const e of events) if (e.kind === 'trade') orders.set(e.exchTs, e.takerSide);
  // the window's best bid after each refresh (a message without prints): a jump moves it by jumpTicks
  const moves: { time: number; ticks: number }[] = [];
  const bids = new Map<number, number>();
  let bestBid = NaN;
  let printed = false;
  for (const e of events as MarketEvent[]) {
    if (e.kind === 'trade') printed = true;
    if (e.kind === 'snapshot') e.bidPrices.forEach((p, i) => bids.set(p, e.bidSizes[i]));
    else if (e.kind === 'delta' && e.side === 'bid') {
      if (e.size === 0) bids.delete(e.price);
      else bids.set(e.price, e.size);
    }
    if (e.kind !== 'snapshot' && !(e.kind === 'delta' && e.last)) continue; // a message ends with its last delta
    if (!printed) {
      const best = Math.max(...bids.keys());
      if (best !== bestBid && !Number.isNaN(bestBid)) moves.push({ time: e.exchTs, ticks: best - bestBid });
      bestBid = best;
    }
    printed = false;
  }
  return { orders: [...orders].map(([time, side]) => ({ time, side })), moves };
}

describe('random-walk market with informed takers', () => {
  it('with share 1 every market order comes within leadMs before a jump (shown at the next refresh) and trades its way', async () => {
    const { orders, moves } = await flow({ share: 1 });
    expect(moves.length).toBeGreaterThan(250); // about 0.2 jumps a second for 30 minutes
    // jumps of jumpTicks (two in one refresh interval show as one move of 2 × jumpTicks, or none)
    for (const m of moves) expect(Math.abs(m.ticks) % JUMP_TICKS).toBe(0);
    // each order's next display move is its jump's, shown up to one refresh (100 ms) after it, in its direction
    const ahead = orders.filter((o) => {
      const move = moves.find((m) => m.time > o.time);
      return move !== undefined && move.time - o.time <= (LEAD_MS + 100) * 1000 && o.side === (move.ticks > 0 ? 'buy' : 'sell');
    });
    expect(ahead.length / orders.length).toBeGreaterThan(0.97); // the rest: two jumps that cancelled within a refresh
    // informed orders come at share × tradesPerSecond on average: 4/s over 1800 s
    expect(orders.length).toBeGreaterThan(0.85 * 4 * 1800);
    expect(orders.length).toBeLessThan(1.15 * 4 * 1800);
  });

  it('with share μ the noise orders come at (1 − μ) × tradesPerSecond, either way; jumps alone move the display', async () => {
    const { orders, moves } = await flow({ share: 0.25 });
    expect(orders.length).toBeGreaterThan(0.9 * 4 * 1800);
    expect(orders.length).toBeLessThan(1.1 * 4 * 1800);
    // orders just before an up-jump are mostly buys (the informed), elsewhere half and half
    const before = orders.filter((o) => {
      const move = moves.find((m) => m.time > o.time);
      return move !== undefined && move.time - o.time <= LEAD_MS * 1000 && move.ticks > 0;
    });
    const buysBefore = before.filter((o) => o.side === 'buy').length / before.length;
    expect(buysBefore).toBeGreaterThan(0.65);
    const buys = orders.filter((o) => o.side === 'buy').length / orders.length;
    expect(buys).toBeGreaterThan(0.45);
    expect(buys).toBeLessThan(0.55);
  });

  it('the demo (informed takers) shows adverse selection: its markout curve falls; the random-walk demo (none) stays flat', async () => {
    const curve = async (file: string) => {
      const run = await runScenario(await loadScenario(file, ['durationSeconds=1200']), 'scenarios');
      const { summary } = analyzeRun(run);
      return { effective: summary.effectiveSpreadBps!, at30: summary.realizedSpreadBps['30s']! };
    };
    const informed = await curve('scenarios/demo.json');
    const uninformed = await curve('scenarios/random-walk-demo.json');
    expect(informed.effective - informed.at30).toBeGreaterThan(2.5);
    expect(Math.abs(uninformed.effective - uninformed.at30)).toBeLessThan(1);
  });
});
