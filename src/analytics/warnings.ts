import type { Summary } from './summary.ts';

/**
 * What a finished run's summary says is probably a mistake rather than a result, for the commands to print
 * as warnings (the figures are written as usual):
 * - every order was rejected: nothing traded, so every figure describes no strategy at all — most often an
 *   order size that is not a whole number of lots (size 0.0005 with lotSize 0.001) or prices off the tick;
 * - no order was sent at all.
 */
export function summaryWarnings(s: Summary): string[] {
  const { sent, rejected } = s.orders;
  if (sent > 0 && rejected === sent) {
    return [
      `${s.scenario}: every order was rejected (${rejected} of ${sent}), so nothing traded: check the strategy's order size against market.lotSize and its prices against market.tickSize`,
    ];
  }
  if (sent === 0) return [`${s.scenario}: the strategy sent no orders, so nothing traded`];
  return [];
}
