import { z } from 'zod';
import { boundedNumber, BOUNDS } from '../../core/bounds.ts';
import { SpreadlabError } from '../../core/errors.ts';
import { Rng } from '../../core/rng.ts';
import type { MarketUnits } from '../../core/market.ts';
import { US_PER_MS, US_PER_SECOND, type Lots, type Micros } from '../../core/units.ts';
import type { DataContext } from '../source.ts';

/** Scenario settings every synthetic market has (spread into each model's schema). */
export const syntheticBase = {
  kind: z.literal('synthetic'),
  start: z.string().datetime({ offset: true }).default('2024-01-01T00:00:00Z'),
  feedLatencyMs: boundedNumber(BOUNDS.latencyMs).default(0),
};

/** Start and end of a synthetic run: `start` plus the scenario's duration, which is required. */
export function syntheticPeriod(start: string, context: DataContext): { startTs: number; endTs: number } {
  if (context.durationSeconds === undefined) throw new SpreadlabError('durationSeconds: required for synthetic data');
  const startTs = Date.parse(start) * US_PER_MS;
  return { startTs, endTs: startTs + Math.round(context.durationSeconds * US_PER_SECOND) };
}

/** Converts a size in base units to whole lots, naming the scenario field when it is not a whole number. */
export function lotsOf(units: MarketUnits, value: number, path: string): Lots {
  const lots = value / units.spec.lotSize;
  const rounded = Math.round(lots);
  if (Math.abs(lots - rounded) > 1e-6 || rounded <= 0) {
    throw new SpreadlabError(`${path}: expected a positive whole number of lotSize (${units.spec.lotSize}), got ${value}`);
  }
  return rounded;
}

/** Converts a price distance to whole ticks, naming the scenario field when it is not a whole number of them. */
export function wholeTicks(units: MarketUnits, value: number, path: string): number {
  const ticks = value / units.spec.tickSize;
  if (Math.abs(ticks - Math.round(ticks)) > 1e-6) {
    throw new SpreadlabError(`${path}: expected a whole number of tickSize (${units.spec.tickSize}), got ${value}`);
  }
  return Math.round(ticks);
}

/** Converts a duration in seconds to whole µs, naming the field when it is below 1 µs or not whole. */
export function microsOf(seconds: number, path: string): Micros {
  const us = seconds * 1e6;
  const rounded = Math.round(us);
  if (rounded < 1 || Math.abs(us - rounded) > 1e-6 * Math.max(1, us)) {
    throw new SpreadlabError(`${path}: expected a whole number of microseconds (≥ 1 µs), got ${seconds} s`);
  }
  return rounded;
}

/** The random stream of a synthetic market: the seed's fork by the market's label (DataContext.marketLabel). */
export function marketRng(context: DataContext): () => Rng {
  const seed = String(context.seed);
  const label = context.marketLabel ?? 'market';
  return () => new Rng(seed).fork(label);
}
