import type { ScenarioRun } from '../sim/run-scenario.ts';

/**
 * The run's headline figures, as written to summary.json. Keys are stable; money is in the market's quote
 * currency, sizes in base units, computed exactly (integer ticks, lots and micro tick-lots) and converted
 * once at the end.
 * - pnl.total: equity at the end (cash + position × final mid − fees + rebates).
 * - pnl.fees: fees paid (positive); pnl.rebates: rebates earned (positive).
 * - fills: count, buys, sells, maker/taker volume (base units).
 * - inventory.final: position at the end; inventory.max: the largest |position| reached.
 * - orders: orders sent, rejected (incl. post-only rejects) and cancelled.
 * - events: market events the venue processed.
 */
export interface Summary {
  scenario: string;
  seed: number;
  period: { start: string; end: string; seconds: number };
  events: number;
  finalMid: number | null;
  pnl: { total: number; fees: number; rebates: number };
  fills: { count: number; buys: number; sells: number; makerVolume: number; takerVolume: number };
  inventory: { final: number; max: number };
  orders: { sent: number; rejected: number; cancelled: number };
}

export function buildSummary(run: ScenarioRun): Summary {
  const { result, units, scenario } = run;
  const { ledger } = result;
  const hasMid = Number.isFinite(result.finalMid2);
  const equity = hasMid ? ledger.equity(result.finalMid2) : ledger.cash - ledger.feesPaid + ledger.rebatesEarned;
  let makerLots = 0;
  let takerLots = 0;
  for (const fill of result.fills) {
    if (fill.liquidity === 'maker') makerLots += fill.size;
    else takerLots += fill.size;
  }
  return {
    scenario: scenario.name,
    seed: scenario.seed,
    period: {
      start: isoMicros(result.startTs),
      end: isoMicros(result.endTs),
      seconds: (result.endTs - result.startTs) / 1e6,
    },
    events: result.marketEvents,
    finalMid: hasMid ? units.price(result.finalMid2) / 2 : null,
    pnl: { total: units.money(equity), fees: units.money(ledger.feesPaid), rebates: units.money(ledger.rebatesEarned) },
    fills: {
      count: result.fills.length,
      buys: ledger.buys,
      sells: ledger.sells,
      makerVolume: units.size(makerLots),
      takerVolume: units.size(takerLots),
    },
    inventory: { final: units.size(ledger.position), max: units.size(ledger.maxAbsPosition) },
    orders: { sent: result.ordersSent, rejected: result.rejects, cancelled: result.cancels },
  };
}

/** ISO 8601 with microseconds, UTC. */
export function isoMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const micro = String(us - ms * 1000).padStart(3, '0');
  return new Date(ms).toISOString().replace('Z', `${micro}Z`);
}
