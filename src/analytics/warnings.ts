import type { Summary } from './summary.ts';

/**
 * What a finished run's summary says is probably a mistake rather than a result, for the commands to print
 * as warnings (the figures are written as usual):
 * - nothing traded and at least as many orders were rejected as reached the venue (orders.rejected counts
 *   those refused before sending too): every figure describes no strategy at all — most often an order size
 *   that is not a whole number of lots (size 0.0005 with lotSize 0.001) or prices off the tick;
 * - no order was sent or rejected at all.
 */
export function summaryWarnings(s: Summary): string[] {
  const { sent, rejected } = s.orders;
  if (s.fills.count === 0 && rejected > 0 && rejected >= sent) {
    return [
      `${s.scenario}: nothing traded and ${rejected} order(s) were rejected (${sent} reached the venue): check the strategy's order size against market.lotSize and its prices against market.tickSize`,
    ];
  }
  if (sent === 0 && rejected === 0) return [`${s.scenario}: the strategy sent no orders, so nothing traded`];
  return [];
}
