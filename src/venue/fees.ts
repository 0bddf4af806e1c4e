import { SpreadlabError } from '../core/errors.ts';

/**
 * Fees, in basis points of notional, by liquidity: maker (our resting order was hit) or taker (our order
 * took displayed liquidity). A negative fee is a rebate: the seed's 0.02 % maker rebate is `makerFeeBps: -2`.
 *
 * Rules:
 * - fee = price × size × feeBps / 10 000, charged on every fill; positive is paid, negative is earned.
 * - Inside the engine fees are exact integers: rates are held in hundredths of a bp (so a rate must be a
 *   multiple of 0.01 bp) and amounts in micro tick-lots (1e-6 × one tick × one lot), in which unit
 *   price(ticks) × size(lots) × rate(hundredths of a bp) is exactly the fee.
 * Known limits: no volume tiers, no fee currency other than the quote currency.
 */
export type Liquidity = 'maker' | 'taker';

export interface FeeSchedule {
  makerCentiBps: number;
  takerCentiBps: number;
}

export function feeSchedule(makerFeeBps: number, takerFeeBps: number): FeeSchedule {
  return { makerCentiBps: centiBps(makerFeeBps, 'makerFeeBps'), takerCentiBps: centiBps(takerFeeBps, 'takerFeeBps') };
}

/** The fee of one fill in micro tick-lots; positive is paid, negative is a rebate. */
export function feeMicroTickLots(priceTicks: number, sizeLots: number, liquidity: Liquidity, fees: FeeSchedule): bigint {
  const rate = liquidity === 'maker' ? fees.makerCentiBps : fees.takerCentiBps;
  const product = priceTicks * sizeLots * rate;
  // Exact as a double while it stays within 2^53; otherwise multiply in BigInt.
  return Number.isSafeInteger(product) ? BigInt(product) : BigInt(priceTicks) * BigInt(sizeLots) * BigInt(rate);
}

function centiBps(bps: number, name: string): number {
  const scaled = Math.round(bps * 100);
  if (!Number.isFinite(bps) || Math.abs(scaled - bps * 100) > 1e-6) {
    throw new SpreadlabError(`${name} ${bps} must be a multiple of 0.01 bp`);
  }
  return scaled;
}
