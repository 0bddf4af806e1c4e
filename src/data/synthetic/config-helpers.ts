import { SpreadlabError } from '../../core/errors.ts';
import type { MarketUnits } from '../../core/market.ts';
import type { Lots, Micros } from '../../core/units.ts';

/** Converts a size in base units to whole lots, naming the scenario field when it is not a whole number. */
export function lotsOf(units: MarketUnits, value: number, path: string): Lots {
  const lots = value / units.spec.lotSize;
  const rounded = Math.round(lots);
  if (Math.abs(lots - rounded) > 1e-6 || rounded <= 0) {
    throw new SpreadlabError(`${path}: expected a positive whole number of lotSize (${units.spec.lotSize}), got ${value}`);
  }
  return rounded;
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
