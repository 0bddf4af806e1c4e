import { isoMicros } from '../core/units.ts';
import { currencyLabel } from '../report/currency.ts';
import { finalStatus } from '../sim/order-log.ts';
import type { RiskGuard } from './risk-guard.ts';
import type { RunTape } from './tape.ts';

/**
 * The status of a live, paper or dry run, taken every few seconds while it runs: what a trader watches.
 * - position: the venue's (live) or the tape's (paper, dry run), base units;
 * - PnL: equity since the strategy started, marked to the current mid, in the quote currency;
 * - open orders: orders of the order log the venue has acknowledged and that are not filled, cancelled or
 *   rejected, by side;
 * - fills: fills booked so far, buys and sells;
 * - risk guard: "ok", "paused (…)" on stale data, "halted by the kill switch", or "stopping".
 * The live run writes it to orders.jsonl ("status" events) and, on a terminal, prints it as one line.
 */
export interface RunStatus {
  ts_us: number;
  position: number;
  pnl: number;
  openOrders: { buy: number; sell: number };
  fills: { buys: number; sells: number };
  guard: string;
}

export function runStatus(tape: RunTape, guard: RiskGuard | null, position: number, nowUs: number): RunStatus {
  const openOrders = { buy: 0, sell: 0 };
  for (const order of tape.orders.records()) if (Number.isFinite(order.ackTs) && finalStatus(order) === 'open') openOrders[order.side]++;
  const fills = { buys: 0, sells: 0 };
  for (const fill of tape.fills) fills[fill.side === 'buy' ? 'buys' : 'sells']++;
  return { ts_us: nowUs, position, pnl: tape.equity(), openOrders, fills, guard: guardState(guard) };
}

function guardState(guard: RiskGuard | null): string {
  if (!guard) return 'not started';
  if (guard.killed) return 'halted by the kill switch';
  if (guard.halted) return 'stopping';
  if (guard.paused) return 'paused (no fresh market data: orders refused)';
  return 'ok';
}

/** One line, e.g. `12:00:05 paper BTCUSDT · position +0.02 · PnL +0.0123 USDT · open orders 2 (1 buy, 1 sell) · fills 7 (4 buys, 3 sells) · risk guard ok`. */
export function formatStatus(status: RunStatus, mode: string, symbol: string): string {
  const signed = (x: number, digits: number) => `${x > 0 ? '+' : x < 0 ? '−' : ''}${Number(Math.abs(x).toPrecision(digits))}`;
  const open = status.openOrders.buy + status.openOrders.sell;
  const fills = status.fills.buys + status.fills.sells;
  return [
    `${isoMicros(status.ts_us).slice(11, 19)} ${mode} ${symbol}`,
    `position ${signed(status.position, 8)}`,
    `PnL ${signed(status.pnl, 4)} ${currencyLabel(symbol)}`,
    `open orders ${open} (${status.openOrders.buy} buy, ${status.openOrders.sell} sell)`,
    `fills ${fills} (${status.fills.buys} buys, ${status.fills.sells} sells)`,
    `risk guard ${status.guard}`,
  ].join(' · ');
}
